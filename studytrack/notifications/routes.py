"""Routes of the notifications blueprint."""

from __future__ import annotations

from studytrack.notifications import bp  # noqa: F401
