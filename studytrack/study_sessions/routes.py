"""Routes of the study_sessions blueprint (placeholder until written)."""

from studytrack.study_sessions import bp  # noqa: F401
