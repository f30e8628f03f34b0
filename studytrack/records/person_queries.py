"""Reads for a member's yearly study record (个人学习档案): its rows, and the objects its
permission checks are asked with.

The rules are those of `queries` (held sessions, owed and handed-in reflections, counted
tasks); the figures are `studytrack.dashboard.metrics`' person figures, counted from the
rows. A fixed number of queries whatever the data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from enum import StrEnum
from functools import cache
from operator import itemgetter
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Load, joinedload

from studytrack.dashboard.metrics import Period, PersonFigures
from studytrack.extensions import db
from studytrack.followups.queries import overdue_clause
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    GroupMembership,
    GroupTitle,
    Organization,
    Reflection,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    StudyGroup,
    StudySession,
    Talk,
    TalkKind,
    TaskStatus,
    User,
)
from studytrack.models.study_session import MAKEUP_STATUSES
from studytrack.reads import columns, union_columns
from studytrack.records.queries import (
    HANDED_IN_STATUSES,
    HELD_STATUSES,
    recent_years,
    utc_bounds,
)
from studytrack.timeutil import local_tz

T = TypeVar("T")

# --- the state of one reflection that is owed ----------------------------------------------------


class ReflectionState(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # not handed in, due date not yet passed (or none)
    OVERDUE = "overdue"  # not handed in, due date passed


def reflection_state(
    reflection: ReflectionInfo | None, due_on: date | None, today: date
) -> ReflectionState:
    """The state of a reflection owed for a session due on `due_on` (None: no due date)."""
    if reflection is not None and reflection.status in HANDED_IN_STATUSES:
        # Sessions without a due date are never late.
        late = reflection.is_late and due_on is not None
        return ReflectionState.LATE if late else ReflectionState.ON_TIME
    overdue = due_on is not None and due_on < today
    return ReflectionState.OVERDUE if overdue else ReflectionState.MISSING


# --- a member's yearly record ----------------------------------------------------------------
# Its rows are plain columns (read with `reads.columns`) in small dataclasses, not ORM
# objects: building an object per attendance, session, reflection, talk and task cost the page
# more than its queries. The permission checks get real objects, one per group (links.py).


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What the record shows of a held session."""

    id: int
    group_id: int
    group_name: str
    topic: str
    kind: SessionKind
    status: SessionStatus
    reflection_due_on: date | None
    date: date  # local date of its start


@dataclass(frozen=True, slots=True)
class AttendanceInfo:
    status: AttendanceStatus | None  # None: not yet marked
    leave_reason: str | None
    makeup_on: date | None
    makeup_note: str | None


@dataclass(frozen=True, slots=True)
class ReflectionInfo:
    id: int
    status: ReflectionStatus
    submitted_at: datetime | None
    is_late: bool
    char_count: int


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One held session where the person was on the roster."""

    session: SessionInfo
    attendance: AttendanceInfo
    reflection: ReflectionInfo | None
    reflection_state: ReflectionState | None  # None when no reflection is owed
    needs_makeup: bool  # on leave or absent, make-up study not recorded

    @property
    def date(self) -> date:
        return self.session.date


@dataclass(frozen=True, slots=True)
class TalkInfo:
    id: int
    kind: TalkKind
    title: str | None


@dataclass(frozen=True, slots=True)
class TalkRow:
    talk: TalkInfo
    session: SessionInfo

    @property
    def date(self) -> date:
        return self.session.date


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A follow-up task assigned to the person (not cancelled)."""

    id: int
    title: str
    due_on: date | None
    status: TaskStatus
    completion_note: str | None
    overdue: bool  # FollowUpTask.is_overdue(today), decided in SQL by overdue_clause
    session: SessionInfo


@dataclass(frozen=True, slots=True)
class MembershipInfo:
    """One of the person's groups, current or left."""

    group_id: int
    group_name: str
    title: GroupTitle
    left_on: date | None


@dataclass(frozen=True)
class PersonRecord:
    person: User
    period: Period
    today: date
    memberships: list[MembershipInfo]
    sessions: list[SessionRow]
    talks: list[TalkRow]
    tasks: list[TaskRow]
    figures: PersonFigures
    years: list[int] = field(default_factory=list)

    @property
    def reflections(self) -> list[SessionRow]:
        """The sessions at which a reflection is owed."""
        return [row for row in self.sessions if row.reflection_state is not None]


def person_record(person: User, period: Period, today: date) -> PersonRecord:
    """Everything in a person's study file for the period: two queries (their groups; their
    attendance, talks and tasks at the period's held sessions)."""
    q = _record_queries()
    start, end = utc_bounds(period)
    params = {"person_id": person.id, "start": start, "end": end, "today": today}
    memberships = [MembershipInfo(*row) for row in columns(q.memberships, params).all()]
    tz = local_tz()  # looked up once, not per row
    # Each list's rows with the key of its order (one statement reads all three).
    sessions: list[tuple[tuple[Any, ...], SessionRow]] = []
    talks: list[tuple[tuple[Any, ...], TalkRow]] = []
    tasks: list[tuple[tuple[Any, ...], TaskRow]] = []
    for row in columns(q.held, params).all():
        session = _session_info(row, tz)
        if row.row_kind == _ATTENDANCE:
            sessions.append(((row.starts_at, session.id), _session_row(row, session, today)))
        elif row.row_kind == _TALK:
            talks.append((
                (row.starts_at, session.id, row.talk_position, row.talk_id),
                TalkRow(TalkInfo(row.talk_id, row.talk_kind, row.talk_title), session),
            ))
        else:  # open tasks first, then by deadline (none last), date and id
            tasks.append((
                (row.task_status == TaskStatus.DONE, row.due_on is None,
                 row.due_on or date.min, row.starts_at, row.task_id),
                TaskRow(row.task_id, row.task_title, row.due_on, row.task_status,
                        row.completion_note, row.overdue, session),
            ))
    session_rows, talk_rows, task_rows = _in_order(sessions), _in_order(talks), _in_order(tasks)
    return PersonRecord(
        person=person, period=period, today=today, memberships=memberships,
        sessions=session_rows, talks=talk_rows, tasks=task_rows,
        figures=_figures(session_rows, talk_rows, task_rows), years=recent_years(today),
    )


def _in_order(keyed: list[tuple[tuple[Any, ...], T]]) -> list[T]:
    return [item for _, item in sorted(keyed, key=itemgetter(0))]


def _figures(
    sessions: list[SessionRow], talks: list[TalkRow], tasks: list[TaskRow]
) -> PersonFigures:
    """The record's figures, counted from its own rows rather than read again: they are the
    very rows `metrics.figures_by_person` counts (the person's attendance at the period's held
    sessions, their talks there, their tasks there but cancelled ones), and the states are
    decided by the same rules (`Attendance.owes_reflection`, `reflection_state`, `overdue_clause`).
    tests/test_records.py checks that both agree for every person of a varied data set."""
    attendance = Counter(row.attendance.status for row in sessions)
    states = Counter(row.reflection_state for row in sessions)  # None: none owed
    return PersonFigures(
        sessions_expected=len(sessions) - attendance[AttendanceStatus.OBSERVER],
        sessions_present=attendance[AttendanceStatus.PRESENT],
        sessions_on_leave=attendance[AttendanceStatus.ON_LEAVE],
        sessions_absent=attendance[AttendanceStatus.ABSENT],
        sessions_made_up=sum(
            row.attendance.status in MAKEUP_STATUSES and row.attendance.makeup_on is not None
            for row in sessions
        ),
        sessions_observed=attendance[AttendanceStatus.OBSERVER],
        talks=len(talks),
        reflections_required=len(sessions) - states[None],
        reflections_on_time=states[ReflectionState.ON_TIME],
        reflections_late=states[ReflectionState.LATE],
        reflections_missing=states[ReflectionState.MISSING] + states[ReflectionState.OVERDUE],
        reflections_overdue=states[ReflectionState.OVERDUE],
        tasks_total=len(tasks),
        tasks_done=sum(task.status == TaskStatus.DONE for task in tasks),
        tasks_overdue=sum(task.overdue for task in tasks),
    )


def _session_info(row: sa.Row, tz: tzinfo) -> SessionInfo:
    """The session's columns of a row; its date is the local date of its start (the
    database's datetimes are aware UTC)."""
    return SessionInfo(
        row.session_id, row.group_id, row.group_name, row.topic, row.kind, row.session_status,
        row.reflection_due_on, row.starts_at.astimezone(tz).date(),
    )


def _session_row(row: sa.Row, session: SessionInfo, today: date) -> SessionRow:
    reflection = None
    if row.reflection_id is not None:
        reflection = ReflectionInfo(
            row.reflection_id, row.reflection_status, row.submitted_at, row.is_late,
            row.char_count,
        )
    attendance = AttendanceInfo(
        row.attendance_status, row.leave_reason, row.makeup_on, row.makeup_note
    )
    return SessionRow(
        session, attendance, reflection,
        reflection_state(reflection, session.reflection_due_on, today)
        if row.owes_reflection else None,
        attendance.status in MAKEUP_STATUSES and attendance.makeup_on is None,
    )


@dataclass(frozen=True)
class _RecordQueries:
    memberships: sa.Select[tuple[int, str, GroupTitle, date | None]]
    held: sa.CompoundSelect  # attendance, talks and tasks at held sessions: `row_kind`


_RECORD_QUERIES: list[_RecordQueries] = []
_ATTENDANCE, _TALK, _TASK = 0, 1, 2  # the `row_kind` of the held-session rows


def _record_queries() -> _RecordQueries:
    """person_record's statements, built once per process with the person, the period's UTC
    bounds and today as parameters (:person_id, :start, :end, :today): building and hashing
    them each time cost the page more than running them. The rules that decide a row's
    state are the SQL ones: `Attendance.owes_reflection` and `overdue_clause()`.

    The person's attendance rows, talks and tasks at the period's held sessions are one
    statement, a UNION ALL of three SELECTs (one round trip instead of three): every SELECT
    has the session's columns, then each kind's own, NULL in the others' rows."""
    if _RECORD_QUERIES:
        return _RECORD_QUERIES[0]
    person_id = sa.bindparam("person_id")
    # The period's bounds are written into the statement (`literal_execute`), so PostgreSQL
    # prepares one statement per period and plans it knowing the period: planned for any
    # period (a bound parameter), it took a year for a few dozen sessions and hash-joined
    # every session of the year (1.7 ms instead of 0.4 at scale 1, studytrack.prepared).
    held = sa.and_(
        StudySession.status.in_(HELD_STATUSES),
        StudySession.starts_at >= sa.bindparam("start", literal_execute=True),
        StudySession.starts_at < sa.bindparam("end", literal_execute=True),
    )  # held_in(period)
    session_columns = (  # what _session_info reads
        StudySession.id.label("session_id"), StudySession.group_id,
        StudyGroup.name.label("group_name"), StudySession.topic, StudySession.kind,
        StudySession.status.label("session_status"), StudySession.reflection_due_on,
        StudySession.starts_at,
    )
    kinds: dict[int, list[sa.ColumnElement[Any]]] = {
        _ATTENDANCE: [
            Attendance.status.label("attendance_status"),
            Attendance.leave_reason.label("leave_reason"),
            Attendance.makeup_on.label("makeup_on"), Attendance.makeup_note.label("makeup_note"),
            sa.case((Attendance.owes_reflection, True), else_=False).label("owes_reflection"),
            Reflection.id.label("reflection_id"),
            Reflection.status.label("reflection_status"),
            Reflection.submitted_at.label("submitted_at"), Reflection.is_late.label("is_late"),
            Reflection.char_count.label("char_count"),
        ],
        _TALK: [
            Talk.id.label("talk_id"), Talk.kind.label("talk_kind"),
            Talk.title.label("talk_title"), Talk.position.label("talk_position"),
        ],
        _TASK: [
            FollowUpTask.id.label("task_id"), FollowUpTask.title.label("task_title"),
            FollowUpTask.due_on.label("due_on"), FollowUpTask.status.label("task_status"),
            FollowUpTask.completion_note.label("completion_note"),
            sa.case(
                (overdue_clause(sa.bindparam("today", type_=sa.Date)), True), else_=False
            ).label("overdue"),
        ],
    }

    def select_of(kind: int) -> sa.Select[Any]:
        return sa.select(sa.literal(kind, sa.Integer).label("row_kind"), *session_columns,
                         *union_columns(kinds, kind))

    memberships = (  # in MembershipInfo's order
        sa.select(
            GroupMembership.group_id, StudyGroup.name, GroupMembership.title,
            GroupMembership.left_on,
        )
        .join(StudyGroup, GroupMembership.group_id == StudyGroup.id)
        .where(GroupMembership.user_id == person_id)
        .order_by(GroupMembership.left_on.is_not(None), GroupMembership.id)
    )
    attendance = (
        select_of(_ATTENDANCE)
        .select_from(Attendance)
        .join(StudySession, Attendance.session_id == StudySession.id)
        .outerjoin(
            Reflection,
            sa.and_(Reflection.session_id == StudySession.id, Reflection.author_id == person_id),
        )
        .where(Attendance.user_id == person_id)
    )
    talks = (
        select_of(_TALK).select_from(Talk)
        .join(StudySession, Talk.session_id == StudySession.id)
        .where(Talk.speaker_id == person_id)
    )
    tasks = (
        select_of(_TASK).select_from(FollowUpTask)
        .join(StudySession, FollowUpTask.session_id == StudySession.id)
        .where(
            FollowUpTask.assignee_id == person_id,
            FollowUpTask.status != TaskStatus.CANCELLED,
        )
    )
    held_rows = sa.union_all(*(
        query.join(StudyGroup, StudySession.group_id == StudyGroup.id).where(held)
        for query in (attendance, talks, tasks)
    ))
    queries = _RecordQueries(memberships, held_rows)
    _RECORD_QUERIES.append(queries)
    return queries


# --- the objects the record's permission checks are asked with -----------------------------


@dataclass(frozen=True)
class PermissionObjects:
    sessions: dict[int, StudySession]
    reflections: dict[int, Reflection]
    tasks: dict[int, FollowUpTask]


@cache
def _permission_statement() -> sa.Select[tuple[StudySession, Reflection, FollowUpTask]]:
    """Built once: the sessions, with what `authz` reads of them (group and unit), each with
    the asked-for reflection and task at it, if any (at most one of each per session: they
    are asked for one per group). A reflection's or task's `.session` is then found in the
    identity map without a query."""
    return (
        sa.select(StudySession, Reflection, FollowUpTask)
        .outerjoin(Reflection, sa.and_(
            Reflection.session_id == StudySession.id,
            Reflection.id.in_(sa.bindparam("reflection_ids", expanding=True)),
        ))
        .outerjoin(FollowUpTask, sa.and_(
            FollowUpTask.session_id == StudySession.id,
            FollowUpTask.id.in_(sa.bindparam("task_ids", expanding=True)),
        ))
        .where(StudySession.id.in_(sa.bindparam("session_ids", expanding=True)))
        .options(
            # Only what the checks read (a session's minutes and a reflection's text are
            # long); anything else would be loaded when first read.
            Load(StudySession).load_only(
                StudySession.group_id, StudySession.status, StudySession.published_at
            ),
            Load(Reflection).load_only(
                Reflection.session_id, Reflection.author_id, Reflection.status
            ),
            Load(FollowUpTask).load_only(FollowUpTask.session_id, FollowUpTask.assignee_id),
            joinedload(StudySession.group)
            .load_only(StudyGroup.organization_id)
            .joinedload(StudyGroup.organization)
            .load_only(Organization.path),
        )
    )


def permission_objects(
    sessions: Iterable[SessionInfo],
    reflections: Iterable[tuple[SessionInfo, int]],
    tasks: Iterable[TaskRow],
) -> PermissionObjects:
    """These sessions, reflections (with their session) and tasks as ORM objects for
    `authz`, in one query whatever the numbers."""
    reflections, tasks = list(reflections), list(tasks)
    session_ids = {
        *(s.id for s in sessions), *(s.id for s, _ in reflections),
        *(task.session.id for task in tasks),
    }
    rows = db.session.execute(_permission_statement(), {
        "session_ids": list(session_ids),
        "reflection_ids": [reflection_id for _, reflection_id in reflections],
        "task_ids": [task.id for task in tasks],
    }).all()
    return PermissionObjects(
        sessions={session.id: session for session, _, _ in rows},
        reflections={r.id: r for _, r, _ in rows if r is not None},
        tasks={task.id: task for _, _, task in rows if task is not None},
    )
