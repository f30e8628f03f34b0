"""Reads for the secretary's view of a group's figures (and the period selector both record
pages share).

Every function makes a fixed number of queries whatever the data: rows are read with joins
(and eager loading of the many-to-one objects a row shows), never one query per row. The
figures come from `studytrack.dashboard.metrics`; the lists here are the rows behind them, by
the same definitions (dashboard/figures.py): held sessions of the period, reflections owed
(`Attendance.owes_reflection`) and not handed in, overdue once their due date passed, make-up
study owed, tasks still open, overdue past their due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from studytrack.dashboard import metrics
from studytrack.dashboard.figures import (
    OWES_MAKEUP,
    Figures,
    Period,
    ReflectionState,
    due_before,
    reflection_missing,
    reflection_state,
)
from studytrack.dashboard.metrics import held_in
from studytrack.extensions import db
from studytrack.models import (
    ACTIVE_TASK_STATUSES,
    Attendance,
    FollowUpTask,
    GroupMembership,
    GroupRole,
    Reflection,
    StudyGroup,
    StudySession,
    User,
)
from studytrack.models.reflection import reflection_of_attendance
from studytrack.timeutil import local_date_of


def _date_of(session: StudySession) -> date:
    day = local_date_of(session.starts_at)
    assert day is not None
    return day


YEARS_SHOWN = 10


def recent_years(today: date) -> list[int]:
    """The years a period selector offers: this one and the nine before, newest first (an
    older year is still reachable with ?year=). No query."""
    return list(range(today.year, today.year - YEARS_SHOWN, -1))


# --- the secretary's view of one group ---------------------------------------------------------


@dataclass(frozen=True)
class SessionFiguresRow:
    session: StudySession
    figures: Figures

    @property
    def date(self) -> date:
        return _date_of(self.session)


@dataclass(frozen=True)
class MemberFiguresRow:
    membership: GroupMembership
    figures: Figures

    @property
    def user(self) -> User:
        return self.membership.user


@dataclass(frozen=True)
class OwedReflection:
    session: StudySession
    attendance: Attendance
    reflection: Reflection | None  # a draft, or None
    overdue: bool

    @property
    def date(self) -> date:
        return _date_of(self.session)


@dataclass(frozen=True)
class OwedMakeup:
    session: StudySession
    attendance: Attendance

    @property
    def date(self) -> date:
        return _date_of(self.session)


@dataclass(frozen=True)
class OwedTask:
    task: FollowUpTask
    overdue: bool

    @property
    def date(self) -> date:
        return _date_of(self.task.session)


@dataclass(frozen=True)
class GroupFigures:
    group: StudyGroup
    period: Period
    today: date
    figures: Figures
    sessions: list[SessionFiguresRow]
    members: list[MemberFiguresRow]
    owed_reflections: list[OwedReflection]
    owed_makeups: list[OwedMakeup]
    owed_tasks: list[OwedTask]
    # how many are owed of each (the lists hold the first `owed_shown` on the page)
    owed_reflections_total: int
    owed_makeups_total: int
    owed_tasks_total: int


OWED_SHOWN = 20  # the page lists the first of each kind of what is owed; the export, all


def group_figures(group: StudyGroup, period: Period, today: date,
                  owed_shown: int | None = None) -> GroupFigures:
    """The group's figures, per session and per member, and who still owes what: the first
    `owed_shown` of each kind, the most urgent first (all of them with None), and how many."""
    figures = metrics.figures_by_group([group.id], period, today=today).get(group.id, Figures())

    held = db.session.scalars(
        sa.select(StudySession)
        .where(StudySession.group_id == group.id, held_in(period))
        .order_by(StudySession.starts_at, StudySession.id)
    ).all()
    by_session = metrics.figures_by_session(group, period, today=today)
    sessions = [SessionFiguresRow(s, by_session.get(s.id, Figures())) for s in held]

    memberships = group_roster(group, period)
    by_person = metrics.figures_by_person(
        group, [m.user_id for m in memberships], period, today=today
    )
    members = [
        MemberFiguresRow(m, by_person.get(m.user_id, Figures())) for m in memberships
    ]

    owed_reflections, reflections_total = owed_reflections_of(group, period, today, owed_shown)
    owed_makeups, makeups_total = owed_makeups_of(group, period, owed_shown)
    tasks, tasks_total = owed_tasks(group, period, today, owed_shown)
    return GroupFigures(
        group=group, period=period, today=today, figures=figures, sessions=sessions,
        members=members,
        owed_reflections=owed_reflections, owed_makeups=owed_makeups, owed_tasks=tasks,
        owed_reflections_total=reflections_total, owed_makeups_total=makeups_total,
        owed_tasks_total=tasks_total,
    )


def group_roster(group: StudyGroup, period: Period) -> list[GroupMembership]:
    """Members (role member, as the figures count them: secretaries keep the record) of the
    group during the period: current ones, and those who left within it or after it; in the
    group page's order (leader, deputies, then the group's own order)."""
    return list(
        db.session.scalars(
            sa.select(GroupMembership)
            .join(User, GroupMembership.user_id == User.id)
            .where(
                GroupMembership.group_id == group.id,
                GroupMembership.role == GroupRole.MEMBER,
                sa.or_(
                    GroupMembership.left_on.is_(None),
                    GroupMembership.left_on >= period.start,
                ),
            )
            .options(contains_eager(GroupMembership.user))
            .order_by(
                *GroupMembership.roster_order(), User.display_name, GroupMembership.id,
            )
        )
    )


def owed_reflections_of(group: StudyGroup, period: Period, today: date, limit: int | None
                        ) -> tuple[list[OwedReflection], int]:
    """Reflections owed at the group's held sessions and not handed in (none, or a draft):
    overdue ones first, then by due date (none last), session and roster order; the first
    `limit` (all with None), and how many (the group's `reflections_missing`). One query."""
    rows, total = _owed_rows(
        group, period, sa.and_(Attendance.owes_reflection, reflection_missing()),
        (sa.case((due_before(today), 0), else_=1), StudySession.reflection_due_on.is_(None),
         StudySession.reflection_due_on, StudySession.starts_at, StudySession.id),
        limit,
    )
    return [
        OwedReflection(
            session, attendance, reflection,
            reflection_state(
                reflection.status if reflection else None, False, session.reflection_due_on,
                today,
            ) == ReflectionState.OVERDUE,
        )
        for attendance, session, reflection in rows
    ], total


def owed_makeups_of(group: StudyGroup, period: Period, limit: int | None
                    ) -> tuple[list[OwedMakeup], int]:
    """People on leave or absent at the group's held sessions whose make-up study is not
    recorded, by session and roster order; the first `limit` (all with None), and how many.
    One query."""
    rows, total = _owed_rows(group, period, OWES_MAKEUP,
                             (StudySession.starts_at, StudySession.id), limit)
    return [OwedMakeup(session, attendance) for attendance, session, _ in rows], total


def _owed_rows(group: StudyGroup, period: Period, owed: sa.ColumnElement[bool],
               order: tuple[Any, ...], limit: int | None
               ) -> tuple[list[tuple[Attendance, StudySession, Reflection | None]], int]:
    """The roster rows of the group's held sessions that owe `owed`, with their session and
    reflection, in `order` then roster order; the first `limit`, and how many in all."""
    query = (
        sa.select(Attendance, StudySession, Reflection, sa.func.count().over())
        .join(StudySession, Attendance.session_id == StudySession.id)
        .join(User, Attendance.user_id == User.id)
        .outerjoin(Reflection, reflection_of_attendance())
        .where(StudySession.group_id == group.id, held_in(period), owed)
        .options(contains_eager(Attendance.user))
        .order_by(*order, Attendance.sort_order, User.display_name, Attendance.id)
        .limit(limit)
    )
    rows = db.session.execute(query).all()
    return [(a, s, r) for a, s, r, _ in rows], rows[0][3] if rows else 0


def owed_tasks(group: StudyGroup, period: Period, today: date, limit: int | None = None
               ) -> tuple[list[OwedTask], int]:
    """Open and in-progress tasks of the group's held sessions: overdue first, then by due
    date (none last) and session; the first `limit` (all with None), and how many."""
    rows = db.session.execute(
        sa.select(FollowUpTask, sa.func.count().over())
        .join(StudySession, FollowUpTask.session_id == StudySession.id)
        .where(
            StudySession.group_id == group.id, held_in(period),
            FollowUpTask.status.in_(ACTIVE_TASK_STATUSES),
        )
        .options(
            contains_eager(FollowUpTask.session),
            joinedload(FollowUpTask.assignee),
            joinedload(FollowUpTask.organization),
        )
        .order_by(
            sa.case((FollowUpTask.is_overdue(today), 0), else_=1),
            FollowUpTask.due_on.is_(None), FollowUpTask.due_on,
            StudySession.starts_at, FollowUpTask.id,
        )
        .limit(limit)
    ).all()
    return [OwedTask(task, task.is_overdue(today)) for task, _ in rows], rows[0][1] if rows else 0
