"""Routes of the plans blueprint."""

from __future__ import annotations

from studytrack.plans import bp  # noqa: F401
