"""Translatable names for every enumeration value shown to users."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext
from wtforms.fields.choices import SelectChoice

from studytrack.authz import Role
from studytrack.models import (
    AttendanceStatus,
    DeliveryChannel,
    DeliveryStatus,
    GroupRole,
    GroupTitle,
    JobStatus,
    MaterialKind,
    OrganizationKind,
    ReflectionStatus,
    RobotProvider,
    SessionKind,
    SessionStatus,
    TalkKind,
    TaskStatus,
)


def N_(msgid: str) -> str:
    """Marks a message for the catalogue (`make translations` extracts N_), translated later."""
    return msgid


# Keyed by (enum type, value): StrEnum members of different enums with the same value
# ("draft", "other", "member"...) compare and hash equal, so the value alone collides.
_LABELS: list[tuple[StrEnum, str]] = [
    (OrganizationKind.COMMITTEE, N_("Party committee")),
    (OrganizationKind.GENERAL_BRANCH, N_("General party branch")),
    (OrganizationKind.BRANCH, N_("Party branch")),
    (OrganizationKind.OTHER, N_("Other unit")),
    (GroupRole.MEMBER, N_("Member")),
    (GroupRole.SECRETARY, N_("Study secretary")),
    (GroupTitle.LEADER, N_("Group leader")),
    (GroupTitle.DEPUTY, N_("Deputy group leader")),
    (GroupTitle.MEMBER, N_("Group member")),
    (SessionKind.COLLECTIVE, N_("Collective study")),
    (SessionKind.SEMINAR, N_("Thematic seminar")),
    (SessionKind.LECTURE, N_("Guided lecture")),
    (SessionKind.READING_RETREAT, N_("Reading retreat")),
    (SessionKind.OTHER, N_("Other study")),
    (SessionStatus.DRAFT, N_("Draft")),
    (SessionStatus.PUBLISHED, N_("Published")),
    (SessionStatus.CLOSED, N_("Closed")),
    (SessionStatus.CANCELLED, N_("Cancelled")),
    (MaterialKind.SPEECH, N_("Important speech")),
    (MaterialKind.DOCUMENT, N_("Document")),
    (MaterialKind.ARTICLE, N_("Article")),
    (MaterialKind.BOOK, N_("Book chapter")),
    (MaterialKind.VIDEO, N_("Video")),
    (MaterialKind.OTHER, N_("Other material")),
    (AttendanceStatus.PRESENT, N_("Present")),
    (AttendanceStatus.ON_LEAVE, N_("On leave")),
    (AttendanceStatus.ABSENT, N_("Absent")),
    (AttendanceStatus.OBSERVER, N_("Observer")),
    (TalkKind.CHAIR_ADDRESS, N_("Chair's address")),
    (TalkKind.KEYNOTE, N_("Keynote talk")),
    (TalkKind.EXCHANGE, N_("Exchange talk")),
    (TaskStatus.OPEN, N_("Open")),
    (TaskStatus.IN_PROGRESS, N_("In progress")),
    (TaskStatus.DONE, N_("Done")),
    (TaskStatus.CANCELLED, N_("Task cancelled")),
    (JobStatus.QUEUED, N_("Waiting")),
    (JobStatus.RUNNING, N_("Being prepared")),
    (JobStatus.DONE, N_("Ready")),
    (JobStatus.FAILED, N_("Failed")),
    (DeliveryStatus.PENDING, N_("To send")),
    (DeliveryStatus.SENDING, N_("Sending")),
    (DeliveryStatus.SENT, N_("Sent")),
    (DeliveryStatus.FAILED, N_("Sending failed")),
    (DeliveryStatus.DROPPED, N_("No longer due")),
    (DeliveryChannel.MAIL, N_("Mail")),
    (DeliveryChannel.ROBOT, N_("Chat robot")),
    (RobotProvider.WECOM, N_("WeCom (企业微信)")),
    (RobotProvider.DINGTALK, N_("DingTalk (钉钉)")),
    (ReflectionStatus.DRAFT, N_("Reflection draft")),
    (ReflectionStatus.SUBMITTED, N_("Submitted")),
    (ReflectionStatus.RETURNED, N_("Returned for revision")),
    (ReflectionStatus.ACCEPTED, N_("Accepted")),
    (Role.ADMIN, N_("Administrator")),
    (Role.SECRETARY, N_("Study secretary")),
    (Role.MEMBER, N_("Member")),
    (Role.LEADER, N_("Leadership")),
]
LABELS: dict[tuple[type, str], str] = {
    (type(member), member.value): text for member, text in _LABELS
}


def label_msgid(value: StrEnum) -> str | None:
    """The catalogue message of an enumeration value's name (None for a value without one)."""
    return LABELS.get((type(value), str(value)))


def label(value: StrEnum | None) -> Any:
    """The user-facing name of an enumeration value ("" for None), translated when used."""
    if value is None:
        return ""
    msgid = label_msgid(value)
    return lazy_gettext(msgid) if msgid is not None else str(value)


def choices(
    enum: type[StrEnum], members: Iterable[StrEnum] | None = None
) -> list[SelectChoice]:
    """Choices for a SelectField: the enum's members (or the given ones), in order."""
    return [SelectChoice(m.value, label(m)) for m in (enum if members is None else members)]
