"""Every figure of the dashboards, the records and the session report, defined once.

A figure counts rows — attendance rows, the reflections they owe, talks, follow-up tasks — of
one session (its report, its attendance list) or of the held sessions of a period (the
dashboards, a group's figures, a member's record: `metrics`). Each figure is defined here by
its condition on one row, written twice side by side:

- in SQL (`ATTENDANCE`, `reflection_conditions`, `task_conditions`, `talk_by_member`), for the
  aggregate queries of `metrics` and the per-session summary table (`studytrack.stats`,
  `session_stats`);
- in Python (`count_attendance`, `count_reflections` over `reflection_state`, `count_tasks`),
  for a page that counts the rows it has already read.

`tests/test_figures.py` checks on generated data that both twins count the same, and that the
dashboard, a group's figures, a member's record and the session report agree.
docs/metrics.md explains each figure and its edge cases.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Protocol, cast

import sqlalchemy as sa

from studytrack.models import (
    MAKEUP_STATUSES,
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    GroupMembership,
    GroupRole,
    Reflection,
    ReflectionStatus,
    StudySession,
    Talk,
    TaskStatus,
)
from studytrack.models.followup import task_overdue
from studytrack.models.reflection import HANDED_IN_STATUSES


@dataclass(frozen=True)
class Period:
    """A calendar year, or one quarter of it, in the configured time zone."""

    year: int
    quarter: int | None = None  # 1..4, or None for the whole year

    @property
    def start(self) -> date:
        return date(self.year, 1 + 3 * (self.quarter - 1), 1) if self.quarter else date(
            self.year, 1, 1
        )

    @property
    def end(self) -> date:
        """The first day after the period."""
        if self.quarter in (None, 4):
            return date(self.year + 1, 1, 1)
        return date(self.year, 1 + 3 * self.quarter, 1)


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Figures:
    """The figures of some rows: a unit's, a group's, one session's or one person's. A field
    that does not apply stays 0 (a session has no members, a person no planned sessions)."""

    groups: int = 0
    members: int = 0
    sessions_planned: int = 0
    sessions_held: int = 0
    seminars_held: int = 0
    attendance_expected: int = 0  # rows that are not observers (unmarked included)
    attendance_present: int = 0
    attendance_on_leave: int = 0
    attendance_absent: int = 0
    attendance_made_up: int = 0  # on leave or absent, make-up study recorded
    attendance_unmarked: int = 0  # expected, not marked yet
    attendance_observers: int = 0  # never expected
    talks: int = 0
    talks_by_members: int = 0  # given by people who are now members of the session's group
    reflections_required: int = 0  # rows that owe one (Attendance.owes_reflection)
    reflections_submitted: int = 0  # of those, handed in (submitted, returned or accepted)
    reflections_on_time: int = 0
    reflections_late: int = 0
    reflections_overdue: int = 0  # not handed in, and the due date has passed
    tasks_total: int = 0  # cancelled tasks count nowhere
    tasks_done: int = 0
    tasks_overdue: int = 0

    @property
    def reflections_missing(self) -> int:
        """Owed and not handed in (none, or a draft), whether or not it is due yet."""
        return self.reflections_required - self.reflections_submitted

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.attendance_present, self.attendance_expected)

    @property
    def reflection_completion_rate(self) -> float | None:
        return rate(self.reflections_submitted, self.reflections_required)

    @property
    def reflection_on_time_rate(self) -> float | None:
        return rate(self.reflections_on_time, self.reflections_submitted)

    @property
    def task_completion_rate(self) -> float | None:
        return rate(self.tasks_done, self.tasks_total)

    @property
    def talks_per_member(self) -> float | None:
        return rate(self.talks_by_members, self.members)

    @property
    def plan_completion_rate(self) -> float | None:
        return rate(self.sessions_held, self.sessions_planned)

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{
            field.name: getattr(self, field.name) + getattr(other, field.name)
            for field in fields(self)
        })


#: Each figure's fixed Chinese name, as the official documents (Excel sheets) print it.
FIGURE_ZH: dict[str, str] = {
    "groups": "学习组数",
    "members": "成员数",
    "sessions_planned": "计划次数",
    "sessions_held": "已开展次数",
    "seminars_held": "专题研讨次数",
    "plan_completion_rate": "计划完成率",
    "attendance_expected": "应出席人次",
    "attendance_present": "出席",
    "attendance_on_leave": "请假",
    "attendance_absent": "缺席",
    "attendance_made_up": "已补学",
    "attendance_unmarked": "未登记",
    "attendance_observers": "列席",
    "attendance_rate": "出勤率",
    "talks": "发言次数",
    "talks_by_members": "成员发言次数",
    "talks_per_member": "人均发言次数",
    "reflections_required": "应交心得",
    "reflections_submitted": "已提交",
    "reflections_on_time": "按时提交",
    "reflections_late": "逾期提交",
    "reflections_missing": "未提交",
    "reflections_overdue": "逾期未交",
    "reflection_completion_rate": "心得提交率",
    "reflection_on_time_rate": "心得按时率",
    "tasks_total": "后续任务",
    "tasks_done": "已完成任务",
    "tasks_overdue": "逾期任务",
    "task_completion_rate": "任务完成率",
}
#: The figures that are rates (0..1, or None): shown as percentages.
RATES = frozenset(name for name in FIGURE_ZH if name.endswith("_rate"))


# --- attendance: one row of a session's attendance list -----------------------------------


class AttendanceRow(Protocol):
    """What the attendance figures read of a row: an Attendance, or a row of a page's query."""

    @property
    def status(self) -> AttendanceStatus | None: ...
    @property
    def makeup_on(self) -> date | None: ...


def made_up(status: AttendanceStatus | None, makeup_on: date | None) -> bool:
    """Missed the session (on leave or absent) and has recorded make-up study."""
    return status in MAKEUP_STATUSES and makeup_on is not None


def owes_makeup(status: AttendanceStatus | None, makeup_on: date | None) -> bool:
    """Missed the session and has not recorded make-up study yet."""
    return status in MAKEUP_STATUSES and makeup_on is None


#: SQL: the condition on one Attendance row of each attendance figure.
ATTENDANCE: dict[str, sa.SQLColumnExpression[bool]] = {
    "attendance_expected": sa.or_(
        Attendance.status.is_(None), Attendance.status != AttendanceStatus.OBSERVER
    ),
    "attendance_present": Attendance.status == AttendanceStatus.PRESENT,
    "attendance_on_leave": Attendance.status == AttendanceStatus.ON_LEAVE,
    "attendance_absent": Attendance.status == AttendanceStatus.ABSENT,
    "attendance_made_up": sa.and_(
        Attendance.status.in_(MAKEUP_STATUSES), Attendance.makeup_on.is_not(None)
    ),
    "attendance_unmarked": Attendance.status.is_(None),
    "attendance_observers": Attendance.status == AttendanceStatus.OBSERVER,
}
#: SQL twin of owes_makeup().
OWES_MAKEUP = sa.and_(Attendance.status.in_(MAKEUP_STATUSES), Attendance.makeup_on.is_(None))


def count_attendance(rows: Iterable[AttendanceRow]) -> Figures:
    """The attendance figures of these rows: the Python twin of ATTENDANCE."""
    rows = list(rows)
    statuses = Counter(row.status for row in rows)
    return Figures(
        attendance_expected=len(rows) - statuses[AttendanceStatus.OBSERVER],
        attendance_present=statuses[AttendanceStatus.PRESENT],
        attendance_on_leave=statuses[AttendanceStatus.ON_LEAVE],
        attendance_absent=statuses[AttendanceStatus.ABSENT],
        attendance_made_up=sum(made_up(row.status, row.makeup_on) for row in rows),
        attendance_unmarked=statuses[None],
        attendance_observers=statuses[AttendanceStatus.OBSERVER],
    )


# --- reflections: one attendance row that owes one (Attendance.owes_reflection) ------------


class ReflectionState(StrEnum):
    ON_TIME = "on_time"
    LATE = "late"
    MISSING = "missing"  # not handed in, due date not yet passed (or none)
    OVERDUE = "overdue"  # not handed in, due date passed


def reflection_state(
    status: ReflectionStatus | None, is_late: bool, due_on: date | None, today: date
) -> ReflectionState:
    """The state of a reflection (status None: not started) for a session due on `due_on`
    (None: no due date), judged on `today`. Handed in: submitted, returned or accepted; a
    session without a due date makes nothing late or overdue."""
    if status in HANDED_IN_STATUSES:
        late = is_late and due_on is not None
        return ReflectionState.LATE if late else ReflectionState.ON_TIME
    overdue = due_on is not None and due_on < today
    return ReflectionState.OVERDUE if overdue else ReflectionState.MISSING


def reflection_conditions(today: date | sa.BindParameter[date] | None = None) -> dict[
    str, sa.SQLColumnExpression[bool]
]:
    """SQL: the condition on one Attendance row, with its Reflection outer-joined
    (`reflection_of_attendance`) and its StudySession joined, of each reflection figure; with
    `today`, also of reflections_overdue (which depends on the day, so session_stats does not
    store it)."""
    owed = Attendance.owes_reflection
    handed_in = Reflection.is_handed_in
    conditions: dict[str, sa.SQLColumnExpression[bool]] = {
        "reflections_required": owed,
        "reflections_submitted": sa.and_(owed, handed_in),
        "reflections_late": sa.and_(
            owed, handed_in, Reflection.is_late, StudySession.reflection_due_on.is_not(None)
        ),
    }
    if today is not None:
        conditions["reflections_overdue"] = sa.and_(owed, reflection_missing(), due_before(today))
    return conditions


def reflection_missing() -> sa.ColumnElement[bool]:
    """SQL: no reflection (outer join), or one not handed in (a draft)."""
    return sa.or_(Reflection.id.is_(None), sa.not_(Reflection.is_handed_in))


def due_before(today: date | sa.BindParameter[date]) -> sa.ColumnElement[bool]:
    """SQL: the session's reflections were due before `today` (never without a due date)."""
    return sa.and_(
        StudySession.reflection_due_on.is_not(None), StudySession.reflection_due_on < today
    )


def count_reflections(states: Iterable[ReflectionState]) -> Figures:
    """The reflection figures of the rows that owe one, given each one's state: the Python
    twin of reflection_conditions."""
    counts = Counter(states)
    on_time, late = counts[ReflectionState.ON_TIME], counts[ReflectionState.LATE]
    return Figures(
        reflections_required=counts.total(),
        reflections_submitted=on_time + late,
        reflections_on_time=on_time,
        reflections_late=late,
        reflections_overdue=counts[ReflectionState.OVERDUE],
    )


# --- follow-up tasks ------------------------------------------------------------------------


class TaskRow(Protocol):
    @property
    def status(self) -> TaskStatus: ...
    @property
    def due_on(self) -> date | None: ...


def task_conditions(today: date | sa.BindParameter[date] | None = None) -> dict[
    str, sa.SQLColumnExpression[bool]
]:
    """SQL: the condition on one FollowUpTask of each task figure (tasks_overdue with
    `today` only: a date, or a bound parameter that stands for one)."""
    conditions: dict[str, sa.SQLColumnExpression[bool]] = {
        "tasks_total": FollowUpTask.status != TaskStatus.CANCELLED,
        "tasks_done": FollowUpTask.status == TaskStatus.DONE,
    }
    if today is not None:
        # SQLAlchemy's stubs type a hybrid_method's class-level call as SQLCoreOperations; it
        # returns what the expression returns, a ColumnElement
        conditions["tasks_overdue"] = cast(
            sa.SQLColumnExpression[bool], FollowUpTask.is_overdue(cast(date, today))
        )
    return conditions


def count_tasks(tasks: Iterable[TaskRow], today: date) -> Figures:
    """The task figures of these tasks: the Python twin of task_conditions."""
    counted = [task for task in tasks if task.status != TaskStatus.CANCELLED]
    return Figures(
        tasks_total=len(counted),
        tasks_done=sum(task.status == TaskStatus.DONE for task in counted),
        tasks_overdue=sum(task_overdue(task.due_on, task.status, today) for task in counted),
    )


# --- talks ----------------------------------------------------------------------------------


def talk_by_member() -> sa.ColumnElement[bool]:
    """SQL, correlated to Talk and StudySession: the speaker is now a current member (role
    member) of the session's group; a former member's, a secretary's or a guest's talk counts
    in `talks` only."""
    return (
        sa.select(GroupMembership.id)
        .where(
            GroupMembership.group_id == StudySession.group_id,
            GroupMembership.user_id == Talk.speaker_id,
            GroupMembership.left_on.is_(None),
            GroupMembership.role == GroupRole.MEMBER,
        )
        .correlate_except(GroupMembership)
        .exists()
    )
