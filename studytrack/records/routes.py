"""Routes of the records blueprint."""

from __future__ import annotations

from studytrack.records import bp  # noqa: F401
