"""The data of one session report: what the page, the print layout, Word, PDF, the news-release
draft and the yearly archive all show. Built by `reports.queries.session_report(session)`; the
writers in `studytrack.exports` take it and never touch the database.

Everything is plain values (str, int, date, datetime in UTC), already resolved: names rather
than ids, labels as enum members (render them with `labels.label`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from studytrack.dashboard.figures import Figures
from studytrack.models import (
    AttendanceStatus,
    MaterialKind,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    TalkKind,
    TaskStatus,
)


@dataclass(frozen=True)
class ReportAttachment:
    id: int
    original_name: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class ReportMaterial:
    id: int
    kind: MaterialKind
    title: str
    speaker: str | None  # speaker or author
    issued_on: date | None
    source: str | None
    url: str | None
    summary: str | None
    attachments: tuple[ReportAttachment, ...] = ()
    short_name: str | None = None  # 简称, as the press names it: “2·23”重要讲话


@dataclass(frozen=True)
class ReportAttendee:
    """A row of the attendance list."""

    name: str
    position: str | None
    status: AttendanceStatus | None  # None: not marked
    leave_reason: str | None
    makeup_on: date | None
    makeup_note: str | None


@dataclass(frozen=True)
class ReportTalk:
    kind: TalkKind
    speaker: str
    position: str | None
    summary: str | None
    title: str | None = None  # added by the report page (optional, at the end)


@dataclass(frozen=True)
class ReportTask:
    title: str
    detail: str | None
    assignee: str | None
    organization: str | None
    due_on: date | None
    status: TaskStatus
    is_overdue: bool
    completion_note: str | None


@dataclass(frozen=True)
class ReportReflection:
    author: str
    position: str | None
    status: ReflectionStatus | None  # None: required but not started
    title: str | None
    body: str | None  # the full text only for accepted reflections, else None
    char_count: int
    submitted_at: datetime | None
    is_late: bool  # handed in after the due date (never when the session has none)
    # Added by the report page (optional, at the end):
    is_required: bool = True  # False: written although the rules do not require it
    is_overdue: bool = False  # required, not yet submitted, and the due date has passed


@dataclass(frozen=True)
class SessionReport:
    session_id: int
    organization: str
    group: str
    kind: SessionKind
    status: SessionStatus
    topic: str
    starts_at: datetime
    ends_at: datetime | None
    location: str | None
    chair: str | None
    recorder: str | None
    minutes: str | None  # plain text with paragraphs separated by blank lines
    reflection_due_on: date | None
    min_reflection_chars: int | None
    materials: tuple[ReportMaterial, ...] = ()
    attendees: tuple[ReportAttendee, ...] = ()
    talks: tuple[ReportTalk, ...] = ()
    tasks: tuple[ReportTask, ...] = ()
    reflections: tuple[ReportReflection, ...] = ()
    figures: Figures | None = None  # the session's figures (dashboard/figures.py)
    extra: dict[str, str] = field(default_factory=dict)
    # Added by the report page (optional, at the end):
    chair_position: str | None = None
    recorder_position: str | None = None
    as_of: date | None = None  # the local date that "overdue" and "late" were judged on
    reflections_accepted: int = 0  # of the required reflections, the accepted ones
    news_release: str | None = None  # the news release marked final (新闻稿定稿), if any
