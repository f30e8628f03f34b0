"""Reads for the landing pages. Each function makes a fixed number of queries, whatever the data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import sqlalchemy as sa

from studytrack import authz
from studytrack.extensions import db
from studytrack.models import (
    ACTIVE_TASK_STATUSES,
    WRITABLE_REFLECTION_STATUSES,
    Attendance,
    FollowUpTask,
    GroupMembership,
    Organization,
    Reflection,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    StudyGroup,
    StudySession,
    TaskStatus,
    User,
    in_subtree,
)
from studytrack.models.followup import task_overdue
from studytrack.paging import RowsPage, rows_page


@dataclass(frozen=True)
class UnitRow:
    organization: Organization
    depth: int
    group_count: int


UNITS_PER_PAGE = 50  # a page of /units
UNITS_ON_HOME = 8  # the leader's home shows the first few, and links to the rest


def units_led(user: Any, page: int = 1, per_page: int = UNITS_PER_PAGE) -> RowsPage | None:
    """A page of the units the user leads and every unit below, in tree order, with group
    counts, and how many there are (one query); None for someone who leads no unit."""
    reach = authz.reach_of(user)
    if reach is None or not reach.led_paths:
        return None
    groups = (
        sa.select(StudyGroup.organization_id, sa.func.count().label("n"))
        .where(StudyGroup.is_active)
        .group_by(StudyGroup.organization_id)
        .subquery()
    )
    top = min(Organization.depth_of(path) for path in reach.led_paths)
    return rows_page(
        sa.select(Organization, sa.func.coalesce(groups.c.n, 0))
        .outerjoin(groups, groups.c.organization_id == Organization.id)
        .where(sa.or_(*[in_subtree(Organization.path, p) for p in reach.led_paths]))
        .order_by(Organization.path),
        page, per_page, make=lambda row: UnitRow(row[0], row[0].depth - top, row[1]),
    )


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
    """A reflection the user must write for a session: not started, a draft, or returned.
    Plain values (no ORM objects): the home only shows them."""

    session_id: int
    topic: str
    group_name: str
    starts_at: datetime
    due_on: date | None
    min_chars: int
    status: ReflectionStatus | None  # None: not started
    review_comment: str | None
    reviewer_name: str | None
    reviewed_at: datetime | None
    overdue: bool  # due before today
    due_today: bool


@dataclass(frozen=True)
class RecentSession:
    session_id: int
    topic: str
    group_name: str
    starts_at: datetime
    kind: SessionKind
    my_status: ReflectionStatus | None  # my reflection's status, None when I have none


@dataclass(frozen=True)
class HistoryItem:
    """One of my submitted or accepted reflections."""

    reflection_id: int
    session_id: int
    topic: str
    group_name: str
    submitted_at: datetime | None
    status: ReflectionStatus
    is_late: bool
    char_count: int


@dataclass(frozen=True)
class MyTask:
    """One of my open tasks, with what its line shows of the session."""

    task_id: int
    title: str
    due_on: date | None
    status: TaskStatus
    overdue: bool  # as FollowUpTask.is_overdue decides
    session_id: int
    topic: str
    starts_at: datetime
    session_visible: bool  # may I open the session (authz's session.view)


@dataclass(frozen=True)
class MemberHome:
    to_write: list[OwedReflection]  # not started or draft, by due date
    returned: list[OwedReflection]  # returned to me for revision, by due date
    tasks: list[MyTask]  # open and in progress, assigned to me, by due date
    more_tasks: bool  # there are more than those shown
    recent_sessions: list[RecentSession]  # published and closed sessions of my groups
    history: list[HistoryItem]  # my submitted and accepted reflections, latest first

    @property
    def is_empty(self) -> bool:
        return not (self.to_write or self.returned or self.tasks or self.recent_sessions
                    or self.history)


def member_home(user: Any, today: date) -> MemberHome:
    """What the member home shows, in at most three queries whatever the data (two when the
    user belongs to no group: their tasks and their history). Due dates are judged against
    `today` (the local date)."""
    reach = authz.reach_of(user)
    group_ids = sorted(reach.group_roles) if reach is not None else []
    mine = {"me": user.id, "group_ids": group_ids}
    sessions = db.session.execute(_sessions_query(), mine).all() if group_ids else []
    owed = [_owed(row, today) for row in sessions if row.owed]
    tasks = db.session.execute(_tasks_query(), mine).all()
    return MemberHome(
        to_write=[o for o in owed if o.status is None or o.status == ReflectionStatus.DRAFT],
        returned=[o for o in owed if o.status == ReflectionStatus.RETURNED],
        tasks=_my_tasks(tasks[:HOME_TASKS], today),
        more_tasks=len(tasks) > HOME_TASKS,
        recent_sessions=[
            RecentSession(row.session_id, row.topic, row.group_name, row.starts_at, row.kind,
                          row.status)
            for row in sorted(sessions, key=lambda row: row.recency)
            if row.recency <= RECENT_SESSIONS
        ],
        history=[HistoryItem(*row) for row in db.session.execute(_history_query(), mine)],
    )


def _owed(row: Any, today: date) -> OwedReflection:
    return OwedReflection(
        row.session_id, row.topic, row.group_name, row.starts_at, row.due_on, row.min_chars,
        row.status, row.review_comment, row.reviewer_name, row.reviewed_at,
        overdue=row.due_on is not None and row.due_on < today, due_today=row.due_on == today,
    )


def _my_tasks(rows: Sequence[Any], today: date) -> list[MyTask]:
    """May I open the task's session? authz answers from the session's group and state, which
    the row carries (an assignee may be outside the group, and a draft is the secretaries')."""
    return [
        MyTask(
            row.id, row.title, row.due_on, row.status,
            overdue=task_overdue(row.due_on, row.status, today),
            session_id=row.session_id, topic=row.topic, starts_at=row.starts_at,
            session_visible=authz.can("session.view", authz.SessionRef(
                row.session_id, row.group_id, row.session_status, row.published_at is not None,
            )),
        )
        for row in rows
    ]


# The statements are built once (the member home asks them on every request), with the user
# and their groups as bound parameters ("me", "group_ids"); they read plain rows.

_ME: sa.BindParameter[int] = sa.bindparam("me")
_GROUP_IDS: sa.BindParameter[int] = sa.bindparam("group_ids", expanding=True)


def _my_reflection() -> sa.ColumnElement[bool]:
    return sa.and_(Reflection.session_id == StudySession.id, Reflection.author_id == _ME)


@cache
def _sessions_query() -> sa.Select[*tuple[Any, ...]]:
    """The published and closed sessions of my groups that are either owed or among the latest
    (one statement for two lists), with my reflection and its reviewer. Owed: published, the
    roster says I must write (Attendance.owes_reflection) and my reflection is missing, a
    draft or returned. `recency` numbers the sessions newest first; owed ones come by due date.

    Only the published sessions (the ones still open) and the latest few are joined to my
    attendance and reflection: not the years of closed sessions behind them. The latest few
    are the newest of that set too, so their `recency` is the same as over all sessions."""
    listed = (StudySession.group_id.in_(_GROUP_IDS), StudySession.is_held)
    newest_first = (StudySession.starts_at.desc(), StudySession.id.desc())
    latest = sa.select(StudySession.id).where(*listed).order_by(*newest_first).limit(
        RECENT_SESSIONS
    )
    owed = sa.and_(
        StudySession.status == SessionStatus.PUBLISHED,
        Attendance.owes_reflection,
        sa.or_(Reflection.id.is_(None), Reflection.status.in_(WRITABLE_REFLECTION_STATUSES)),
    )
    rows = (
        sa.select(
            StudySession.id.label("session_id"), StudySession.topic,
            StudyGroup.name.label("group_name"), StudySession.starts_at,
            StudySession.reflection_due_on.label("due_on"),
            StudySession.min_reflection_chars.label("min_chars"), StudySession.kind,
            Reflection.status, Reflection.review_comment, Reflection.reviewer_id,
            Reflection.reviewed_at,
            sa.case((owed, sa.true()), else_=sa.false()).label("owed"),
            sa.func.row_number().over(order_by=newest_first).label("recency"),
        )
        .join(StudyGroup, StudySession.group_id == StudyGroup.id)
        .outerjoin(Attendance, sa.and_(
            Attendance.session_id == StudySession.id, Attendance.user_id == _ME
        ))
        .outerjoin(Reflection, _my_reflection())
        .where(
            *listed,
            sa.or_(StudySession.status == SessionStatus.PUBLISHED, StudySession.id.in_(latest)),
        )
        .subquery()
    )
    return (
        sa.select(rows, User.display_name.label("reviewer_name"))
        .outerjoin(User, rows.c.reviewer_id == User.id)  # only for the rows kept
        .where(sa.or_(rows.c.owed, rows.c.recency <= RECENT_SESSIONS))
        .order_by(
            rows.c.due_on.is_(None), rows.c.due_on, rows.c.starts_at, rows.c.session_id,
        )
    )


@cache
def _tasks_query() -> sa.Select[
    int, str, date | None, TaskStatus, int, str, datetime, int, SessionStatus, datetime | None
]:
    """My open and in-progress tasks, one more than shown (to tell whether there are more),
    with what authz reads of their session (its group, status and whether it was published)."""
    return (
        sa.select(
            FollowUpTask.id, FollowUpTask.title, FollowUpTask.due_on, FollowUpTask.status,
            StudySession.id.label("session_id"), StudySession.topic, StudySession.starts_at,
            StudySession.group_id, StudySession.status.label("session_status"),
            StudySession.published_at,
        )
        .join(StudySession, FollowUpTask.session_id == StudySession.id)
        .where(FollowUpTask.assignee_id == _ME, FollowUpTask.status.in_(ACTIVE_TASK_STATUSES))
        .order_by(FollowUpTask.due_on.is_(None), FollowUpTask.due_on, FollowUpTask.id)
        .limit(HOME_TASKS + 1)
    )


@cache
def _history_query() -> sa.Select[
    int, int, str, str, datetime | None, ReflectionStatus, bool, int
]:
    return (
        sa.select(
            Reflection.id, Reflection.session_id, StudySession.topic, StudyGroup.name,
            Reflection.submitted_at, Reflection.status, Reflection.is_late, Reflection.char_count,
        )
        .join(StudySession, Reflection.session_id == StudySession.id)
        .join(StudyGroup, StudySession.group_id == StudyGroup.id)
        .where(
            Reflection.author_id == _ME,
            Reflection.status.in_((ReflectionStatus.SUBMITTED, ReflectionStatus.ACCEPTED)),
        )
        .order_by(
            Reflection.submitted_at.is_(None), Reflection.submitted_at.desc(),
            Reflection.id.desc(),
        )
        .limit(HISTORY)
    )
