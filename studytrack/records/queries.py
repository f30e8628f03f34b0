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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from studytrack.dashboard import metrics
from studytrack.dashboard.figures import (
    OWES_MAKEUP,
    Figures,
    Period,
    ReflectionState,
    due_before,
    owes_makeup,
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


def group_figures(group: StudyGroup, period: Period, today: date) -> GroupFigures:
    """The group's figures, per session and per member, and who still owes what."""
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

    owed_reflections, owed_makeups = owed_by_people(group, period, today)
    return GroupFigures(
        group=group, period=period, today=today, figures=figures, sessions=sessions,
        members=members,
        owed_reflections=owed_reflections, owed_makeups=owed_makeups,
        owed_tasks=owed_tasks(group, period, today),
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


def owed_by_people(
    group: StudyGroup, period: Period, today: date
) -> tuple[list[OwedReflection], list[OwedMakeup]]:
    """Two lists from one query over the roster rows of the group's held sessions:

    - reflections owed and not handed in (none, or a draft): overdue ones first, then by due
      date (none last), session and roster order — as many as the group's
      `reflections_missing`;
    - people on leave or absent whose make-up study is not recorded, by session and roster.
    """
    owes_reflection = sa.and_(Attendance.owes_reflection, reflection_missing())
    rows: Sequence[sa.Row[Attendance, StudySession, Reflection | None]] = db.session.execute(
        sa.select(Attendance, StudySession, Reflection)
        .join(StudySession, Attendance.session_id == StudySession.id)
        .join(User, Attendance.user_id == User.id)
        .outerjoin(Reflection, reflection_of_attendance())
        .where(
            StudySession.group_id == group.id, held_in(period),
            sa.or_(owes_reflection, OWES_MAKEUP),
        )
        .options(contains_eager(Attendance.user))
        .order_by(
            sa.case((due_before(today), 0), else_=1),
            StudySession.reflection_due_on.is_(None), StudySession.reflection_due_on,
            StudySession.starts_at, StudySession.id,
            Attendance.sort_order, User.display_name, Attendance.id,
        )
    ).all()
    reflections = [
        OwedReflection(
            session, attendance, reflection,
            reflection_state(
                reflection.status if reflection else None, False, session.reflection_due_on,
                today,
            ) == ReflectionState.OVERDUE,
        )
        for attendance, session, reflection in rows
        if attendance.owes_reflection
    ]
    makeups = sorted(
        (
            OwedMakeup(session, attendance)
            for attendance, session, _ in rows
            if owes_makeup(attendance.status, attendance.makeup_on)
        ),
        key=lambda o: (
            o.session.starts_at, o.session.id, o.attendance.sort_order,
            o.attendance.name, o.attendance.id,
        ),
    )
    return reflections, makeups


def owed_tasks(group: StudyGroup, period: Period, today: date) -> list[OwedTask]:
    """Open and in-progress tasks of the group's held sessions: overdue first, then by due
    date (none last) and session."""
    tasks = db.session.scalars(
        sa.select(FollowUpTask)
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
    ).unique().all()
    return [OwedTask(task, task.is_overdue(today)) for task in tasks]
