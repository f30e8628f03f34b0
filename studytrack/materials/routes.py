"""Routes of the materials blueprint (placeholder until written)."""

from studytrack.materials import bp  # noqa: F401
