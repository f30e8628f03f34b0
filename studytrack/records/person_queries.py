"""Reads for a member's yearly study record (个人学习档案).

Its rows are the ones `metrics.figures_by_person` counts — the person's attendance at the
period's held sessions, the talks they gave there, the tasks assigned to them there — and its
figures are counted from those rows with the Python twins of the same definitions
(dashboard/figures.py). Four statements whatever the data: the person's groups, and one per
list. The rows are plain columns in small dataclasses, not ORM objects; each carries the
target (`authz.SessionRef`, `ReflectionRef`, `TaskRef`) the page asks `can()` about.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

import sqlalchemy as sa

from studytrack.authz.targets import ReflectionRef, SessionRef, TaskRef
from studytrack.dashboard.figures import (
    Figures,
    Period,
    ReflectionState,
    count_attendance,
    count_reflections,
    count_tasks,
    owes_makeup,
    reflection_state,
)
from studytrack.dashboard.metrics import held_between, period_bounds
from studytrack.extensions import db
from studytrack.models import (
    HANDED_IN_STATUSES,
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    GroupMembership,
    GroupTitle,
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
from studytrack.models.followup import task_overdue
from studytrack.models.reflection import reflection_of_attendance
from studytrack.models.study_session import owes_reflection
from studytrack.records.queries import recent_years
from studytrack.timeutil import local_tz


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """What the record shows of a held session."""

    id: int
    group_id: int
    group_name: str
    topic: str
    kind: SessionKind
    status: SessionStatus
    was_published: bool
    reflection_due_on: date | None
    date: date  # local date of its start

    @property
    def ref(self) -> SessionRef:
        return SessionRef(self.id, self.group_id, self.status, self.was_published)


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

    @property
    def handed_in(self) -> bool:
        return self.status in HANDED_IN_STATUSES


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One held session where the person was on the roster."""

    session: SessionInfo
    attendance: AttendanceInfo
    reflection: ReflectionInfo | None
    reflection_state: ReflectionState | None  # None when no reflection is owed
    ref: ReflectionRef  # the person's reflection there (a target for `can()`)

    @property
    def date(self) -> date:
        return self.session.date

    @property
    def needs_makeup(self) -> bool:
        return owes_makeup(self.attendance.status, self.attendance.makeup_on)


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
    overdue: bool  # FollowUpTask.is_overdue(today)
    session: SessionInfo
    ref: TaskRef


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
    figures: Figures
    years: list[int] = field(default_factory=list)

    @property
    def reflections(self) -> list[SessionRow]:
        """The sessions at which a reflection is owed."""
        return [row for row in self.sessions if row.reflection_state is not None]


def person_record(person: User, period: Period, today: date) -> PersonRecord:
    """Everything in a person's study file for the period: four statements (their groups;
    their attendance, talks and tasks at the period's held sessions)."""
    memberships_query, attendance_query, talks_query, tasks_query = _statements()
    start, end = period_bounds(period)
    params = {"person_id": person.id, "start": start, "end": end}
    tz = local_tz()
    memberships = [MembershipInfo(*row) for row in db.session.execute(memberships_query, params)]
    sessions = [
        _session_row(row, _session_info(row, tz), person.id, today)
        for row in db.session.execute(attendance_query, params)
    ]
    talks = [
        TalkRow(TalkInfo(row.talk_id, row.talk_kind, row.talk_title), _session_info(row, tz))
        for row in db.session.execute(talks_query, params)
    ]
    tasks = [_task_row(row, _session_info(row, tz), person.id, today)
             for row in db.session.execute(tasks_query, params)]
    figures = (
        count_attendance(row.attendance for row in sessions)
        + count_reflections(row.reflection_state for row in sessions if row.reflection_state)
        + count_tasks(tasks, today)
        + Figures(talks=len(talks))
    )
    return PersonRecord(
        person=person, period=period, today=today, memberships=memberships,
        sessions=sessions, talks=talks, tasks=tasks, figures=figures,
        years=recent_years(today),
    )


def _session_info(row: sa.Row[*tuple[Any, ...]], tz: tzinfo) -> SessionInfo:
    """The session's columns of a row; its date is the local date of its start (the
    database's datetimes are aware UTC)."""
    return SessionInfo(
        row.session_id, row.group_id, row.group_name, row.topic, row.kind, row.session_status,
        row.was_published, row.reflection_due_on, row.starts_at.astimezone(tz).date(),
    )


def _session_row(
    row: sa.Row[*tuple[Any, ...]], session: SessionInfo, person_id: int, today: date
) -> SessionRow:
    reflection = None
    if row.reflection_id is not None:
        reflection = ReflectionInfo(
            row.reflection_id, row.reflection_status, row.submitted_at, row.is_late,
            row.char_count,
        )
    attendance = AttendanceInfo(
        row.attendance_status, row.leave_reason, row.makeup_on, row.makeup_note
    )
    owes = owes_reflection(person_id, attendance.status, attendance.makeup_on)
    status = reflection.status if reflection is not None else None
    state = None
    if owes:
        state = reflection_state(
            status, reflection is not None and reflection.is_late,
            session.reflection_due_on, today,
        )
    return SessionRow(
        session, attendance, reflection, state,
        ReflectionRef(session.ref, person_id, status, author_must_write=owes),
    )


def _task_row(
    row: sa.Row[*tuple[Any, ...]], session: SessionInfo, person_id: int, today: date
) -> TaskRow:
    return TaskRow(
        row.task_id, row.task_title, row.due_on, row.task_status, row.completion_note,
        task_overdue(row.due_on, row.task_status, today), session,
        TaskRef(session.ref, person_id),
    )


# Built once, with the person and the period's bounds as parameters: the page asks them on every
# request, and building them cost more than running them.
@functools.cache
def _statements() -> tuple[
    sa.Select[int, str, GroupTitle, date | None],
    # rows of a session's columns and then the attendance's, the talk's or the task's, read
    # by label
    sa.Select[*tuple[Any, ...]],
    sa.Select[*tuple[Any, ...]],
    sa.Select[*tuple[Any, ...]],
]:
    """person_record's statements: the person's groups, then their attendance (with their
    reflection), talks and tasks at the period's held sessions (:person_id, :start, :end)."""
    person_id: sa.BindParameter[int] = sa.bindparam("person_id")
    # The bounds are written into the statement (literal_execute) so that PostgreSQL plans it
    # for its period: a generic plan, made for any period, scanned every session of the year.
    held = held_between(
        sa.bindparam("start", literal_execute=True), sa.bindparam("end", literal_execute=True)
    )
    session_columns = (  # what _session_info reads
        StudySession.id.label("session_id"), StudySession.group_id,
        StudyGroup.name.label("group_name"), StudySession.topic, StudySession.kind,
        StudySession.status.label("session_status"),
        StudySession.published_at.is_not(None).label("was_published"),
        StudySession.reflection_due_on, StudySession.starts_at,
    )
    in_order = (StudySession.starts_at, StudySession.id)

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
        sa.select(
            *session_columns,
            Attendance.status.label("attendance_status"), Attendance.leave_reason,
            Attendance.makeup_on, Attendance.makeup_note,
            Reflection.id.label("reflection_id"), Reflection.status.label("reflection_status"),
            Reflection.submitted_at, Reflection.is_late, Reflection.char_count,
        )
        .select_from(Attendance)
        .join(StudySession, Attendance.session_id == StudySession.id)
        .join(StudyGroup, StudySession.group_id == StudyGroup.id)
        .outerjoin(Reflection, reflection_of_attendance())
        .where(Attendance.user_id == person_id, held)
        .order_by(*in_order)
    )
    talks = (
        sa.select(
            *session_columns,
            Talk.id.label("talk_id"), Talk.kind.label("talk_kind"),
            Talk.title.label("talk_title"),
        )
        .join(StudySession, Talk.session_id == StudySession.id)
        .join(StudyGroup, StudySession.group_id == StudyGroup.id)
        .where(Talk.speaker_id == person_id, held)
        .order_by(*in_order, Talk.position, Talk.id)
    )
    tasks = (  # open tasks first, then by deadline (none last), date and id
        sa.select(
            *session_columns,
            FollowUpTask.id.label("task_id"), FollowUpTask.title.label("task_title"),
            FollowUpTask.due_on, FollowUpTask.status.label("task_status"),
            FollowUpTask.completion_note,
        )
        .join(StudySession, FollowUpTask.session_id == StudySession.id)
        .join(StudyGroup, StudySession.group_id == StudyGroup.id)
        .where(
            FollowUpTask.assignee_id == person_id,
            FollowUpTask.status != TaskStatus.CANCELLED,
            held,
        )
        .order_by(
            FollowUpTask.status == TaskStatus.DONE, FollowUpTask.due_on.is_(None),
            FollowUpTask.due_on, StudySession.starts_at, FollowUpTask.id,
        )
    )
    return memberships, attendance, talks, tasks
