"""Routes of the reports blueprint."""

from __future__ import annotations

from studytrack.reports import bp  # noqa: F401
