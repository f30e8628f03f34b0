"""Routes of the reflections blueprint."""

from __future__ import annotations

from studytrack.reflections import bp  # noqa: F401
