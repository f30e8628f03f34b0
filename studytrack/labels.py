"""Translatable names for every enumeration value shown to users."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from studytrack.authz import Role
from studytrack.models import (
    AttendanceStatus,
    GroupRole,
    GroupTitle,
    MaterialKind,
    OrganizationKind,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    TalkKind,
    TaskStatus,
)

# Keyed by (enum type, value): StrEnum members of different enums with the same value
# ("draft", "other", "member"...) compare and hash equal, so the value alone collides.
_LABELS: list[tuple[StrEnum, Any]] = [
    (OrganizationKind.COMMITTEE, _l("Party committee")),
    (OrganizationKind.GENERAL_BRANCH, _l("General party branch")),
    (OrganizationKind.BRANCH, _l("Party branch")),
    (OrganizationKind.OTHER, _l("Other unit")),
    (GroupRole.MEMBER, _l("Member")),
    (GroupRole.SECRETARY, _l("Study secretary")),
    (GroupTitle.LEADER, _l("Group leader")),
    (GroupTitle.DEPUTY, _l("Deputy group leader")),
    (GroupTitle.MEMBER, _l("Group member")),
    (SessionKind.COLLECTIVE, _l("Collective study")),
    (SessionKind.SEMINAR, _l("Thematic seminar")),
    (SessionKind.LECTURE, _l("Guided lecture")),
    (SessionKind.READING_RETREAT, _l("Reading retreat")),
    (SessionKind.OTHER, _l("Other study")),
    (SessionStatus.DRAFT, _l("Draft")),
    (SessionStatus.PUBLISHED, _l("Published")),
    (SessionStatus.CLOSED, _l("Closed")),
    (SessionStatus.CANCELLED, _l("Cancelled")),
    (MaterialKind.SPEECH, _l("Important speech")),
    (MaterialKind.DOCUMENT, _l("Document")),
    (MaterialKind.ARTICLE, _l("Article")),
    (MaterialKind.BOOK, _l("Book chapter")),
    (MaterialKind.VIDEO, _l("Video")),
    (MaterialKind.OTHER, _l("Other material")),
    (AttendanceStatus.PRESENT, _l("Present")),
    (AttendanceStatus.ON_LEAVE, _l("On leave")),
    (AttendanceStatus.ABSENT, _l("Absent")),
    (AttendanceStatus.OBSERVER, _l("Observer")),
    (TalkKind.CHAIR_ADDRESS, _l("Chair's address")),
    (TalkKind.KEYNOTE, _l("Keynote talk")),
    (TalkKind.EXCHANGE, _l("Exchange talk")),
    (TaskStatus.OPEN, _l("Open")),
    (TaskStatus.IN_PROGRESS, _l("In progress")),
    (TaskStatus.DONE, _l("Done")),
    (TaskStatus.CANCELLED, _l("Task cancelled")),
    (ReflectionStatus.DRAFT, _l("Reflection draft")),
    (ReflectionStatus.SUBMITTED, _l("Submitted")),
    (ReflectionStatus.RETURNED, _l("Returned for revision")),
    (ReflectionStatus.ACCEPTED, _l("Accepted")),
    (Role.ADMIN, _l("Administrator")),
    (Role.SECRETARY, _l("Study secretary")),
    (Role.MEMBER, _l("Member")),
    (Role.LEADER, _l("Leadership")),
]
LABELS: dict[tuple[type, str], Any] = {
    (type(member), member.value): text for member, text in _LABELS
}


def label(value: StrEnum | None) -> Any:
    """The user-facing name of an enumeration value ("" for None)."""
    if value is None:
        return ""
    return LABELS.get((type(value), str(value)), str(value))


def choices(
    enum: type[StrEnum], members: Iterable[StrEnum] | None = None
) -> list[SelectChoice]:
    """Choices for a SelectField: the enum's members (or the given ones), in order."""
    return [SelectChoice(m.value, label(m)) for m in (enum if members is None else members)]
