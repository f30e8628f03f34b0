"""Changes to a group's own settings, testable without HTTP."""

from __future__ import annotations

from studytrack import audit
from studytrack.models import StudyGroup


def share_reflections(group: StudyGroup, shared: bool) -> None:
    """Whether the group's members read each other's accepted reflections (the policy's
    "reflection.view" asks it for every page and file that shows one)."""
    group.members_read_reflections = shared
    audit.record("group.share_reflections", group, shared=shared)
