"""Routes of the followups blueprint (placeholder until written)."""

from studytrack.followups import bp  # noqa: F401
