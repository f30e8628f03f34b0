"""Routes of the dashboard blueprint."""

from __future__ import annotations

from studytrack.dashboard import bp  # noqa: F401
