"""Reads for the landing pages. Each function makes a fixed number of queries, whatever the data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from studytrack import authz
from studytrack.extensions import db
from studytrack.followups import queries as followup_queries
from studytrack.models import (
    Attendance,
    FollowUpTask,
    GroupMembership,
    Organization,
    Reflection,
    ReflectionStatus,
    SessionStatus,
    StudyGroup,
    StudySession,
    User,
)
from studytrack.reflections import rules


@dataclass(frozen=True)
class UnitRow:
    organization: Organization
    depth: int
    group_count: int


def units_led(user: Any) -> list[UnitRow]:
    """Every unit the user leads and every unit below, in tree order, with group counts."""
    reach = authz.reach_of(user)
    if reach is None or not reach.leadership_paths:
        return []
    groups = (
        sa.select(StudyGroup.organization_id, sa.func.count().label("n"))
        .where(StudyGroup.is_active)
        .group_by(StudyGroup.organization_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Organization, sa.func.coalesce(groups.c.n, 0))
        .outerjoin(groups, groups.c.organization_id == Organization.id)
        .where(sa.or_(*[Organization.path.startswith(p) for p in reach.leadership_paths]))
        .order_by(Organization.path)
    ).all()
    top = min(org.depth for org, _ in rows) if rows else 0
    return [UnitRow(org, org.depth - top, n) for org, n in rows]


@dataclass(frozen=True)
class SiteCounts:
    organizations: int
    groups: int
    users: int
    memberships: int


def site_counts() -> SiteCounts:
    def count(model: Any) -> sa.ScalarSelect[int]:
        return sa.select(sa.func.count()).select_from(model).scalar_subquery()

    row = db.session.execute(
        sa.select(count(Organization), count(StudyGroup), count(User), count(GroupMembership))
    ).one()
    return SiteCounts(*row)


# --- the member's home ---------------------------------------------------------------------

HOME_TASKS = 8
RECENT_SESSIONS = 5
HISTORY = 10


@dataclass(frozen=True)
class OwedReflection:
    """A reflection the user must write for a session: not started, a draft, or returned."""

    session: StudySession
    reflection: Reflection | None

    @property
    def due_on(self) -> date | None:
        return self.session.reflection_due_on

    def is_overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today

    def is_due_today(self, today: date) -> bool:
        return self.due_on is not None and self.due_on == today


@dataclass(frozen=True)
class RecentSession:
    session: StudySession
    my_status: ReflectionStatus | None  # my reflection's status, None when I have none


@dataclass(frozen=True)
class MemberHome:
    to_write: list[OwedReflection]  # not started or draft, by due date
    returned: list[OwedReflection]  # returned to me for revision, by due date
    tasks: list[FollowUpTask]  # open and in progress, assigned to me, by due date
    more_tasks: bool  # there are more than those shown
    recent_sessions: list[RecentSession]  # published and closed sessions of my groups
    history: list[Reflection]  # my submitted and accepted reflections, latest first

    @property
    def is_empty(self) -> bool:
        return not (self.to_write or self.returned or self.tasks or self.recent_sessions
                    or self.history)


def member_home(user: Any) -> MemberHome:
    """What the member home shows, in at most four queries whatever the data (two when the
    user belongs to no group: their tasks and their history)."""
    reach = authz.reach_of(user)
    group_ids = sorted(reach.group_roles) if reach is not None else []
    owed = _owed_reflections(user, group_ids) if group_ids else []
    tasks = _active_tasks(user, HOME_TASKS + 1)
    return MemberHome(
        to_write=[o for o in owed if o.reflection is None
                  or o.reflection.status == ReflectionStatus.DRAFT],
        returned=[o for o in owed if o.reflection is not None
                  and o.reflection.status == ReflectionStatus.RETURNED],
        tasks=tasks[:HOME_TASKS],
        more_tasks=len(tasks) > HOME_TASKS,
        recent_sessions=_recent_sessions(user, group_ids) if group_ids else [],
        history=_history(user),
    )


def _my_reflection(user: Any) -> sa.ColumnElement[bool]:
    return sa.and_(Reflection.session_id == StudySession.id, Reflection.author_id == user.id)


def _owed_reflections(user: Any, group_ids: list[int]) -> list[OwedReflection]:
    """Published sessions of the user's groups where the roster says they must write
    (reflections.rules) and their reflection is missing, a draft or returned."""
    rows = db.session.execute(
        sa.select(StudySession, Reflection)
        .join(Attendance, sa.and_(
            Attendance.session_id == StudySession.id, Attendance.user_id == user.id
        ))
        .outerjoin(Reflection, _my_reflection(user))
        .where(
            StudySession.group_id.in_(group_ids),
            StudySession.status == SessionStatus.PUBLISHED,
            rules.must_write_condition(),
            sa.or_(Reflection.id.is_(None), Reflection.status.in_(WRITABLE)),
        )
        .options(joinedload(StudySession.group), joinedload(Reflection.reviewer))
        .order_by(
            StudySession.reflection_due_on.is_(None), StudySession.reflection_due_on,
            StudySession.starts_at, StudySession.id,
        )
    ).unique()
    return [OwedReflection(session, reflection) for session, reflection in rows]


WRITABLE = (ReflectionStatus.DRAFT, ReflectionStatus.RETURNED)


def _active_tasks(user: Any, limit: int) -> list[FollowUpTask]:
    return list(
        db.session.scalars(
            sa.select(FollowUpTask)
            .where(
                FollowUpTask.assignee_id == user.id,
                FollowUpTask.status.in_(followup_queries.ACTIVE_STATUSES),
            )
            .options(
                # session_ref() asks can('session.view'), which needs the group and its unit
                joinedload(FollowUpTask.session, innerjoin=True)
                .joinedload(StudySession.group, innerjoin=True)
                .joinedload(StudyGroup.organization, innerjoin=True)
            )
            .order_by(FollowUpTask.due_on.is_(None), FollowUpTask.due_on, FollowUpTask.id)
            .limit(limit)
        )
    )


def _recent_sessions(user: Any, group_ids: list[int]) -> list[RecentSession]:
    rows = db.session.execute(
        sa.select(StudySession, Reflection.status)
        .outerjoin(Reflection, _my_reflection(user))
        .where(
            StudySession.group_id.in_(group_ids),
            StudySession.status.in_((SessionStatus.PUBLISHED, SessionStatus.CLOSED)),
        )
        .options(joinedload(StudySession.group))
        .order_by(StudySession.starts_at.desc(), StudySession.id.desc())
        .limit(RECENT_SESSIONS)
    ).unique()
    return [RecentSession(session, status) for session, status in rows]


def _history(user: Any) -> list[Reflection]:
    return list(
        db.session.scalars(
            sa.select(Reflection)
            .where(
                Reflection.author_id == user.id,
                Reflection.status.in_((ReflectionStatus.SUBMITTED, ReflectionStatus.ACCEPTED)),
            )
            .options(joinedload(Reflection.session, innerjoin=True)
                     .joinedload(StudySession.group, innerjoin=True))
            .order_by(
                Reflection.submitted_at.is_(None), Reflection.submitted_at.desc(),
                Reflection.id.desc(),
            )
            .limit(HISTORY)
        )
    )
