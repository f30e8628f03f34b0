"""What is due now: each kind of reminder read from the data, for the scheduler (services.scan).

Each function answers the reminders due at `today` (local), whether or not they were sent:
the scheduler keeps those it has not recorded yet. A reminder's subject names what it is
about and the occasion (the due date it reminds of, the week of a weekly one), so a changed
due date, or a new week of an owed make-up study, is a new reminder; the same one never is.

The same rules as the pages: who owes a reflection is `Attendance.owes_reflection`, a handed-in
one is `HANDED_IN_STATUSES`, an overdue task is `FollowUpTask.is_overdue`, an owed make-up is
the dashboard's OWES_MAKEUP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from studytrack.dashboard.figures import OWES_MAKEUP
from studytrack.extensions import db
from studytrack.models import (
    ACTIVE_TASK_STATUSES,
    HANDED_IN_STATUSES,
    HELD_STATUSES,
    Attendance,
    FollowUpTask,
    GroupMembership,
    GroupRole,
    LeadershipRole,
    PlanItem,
    Reflection,
    ReflectionStatus,
    SessionStatus,
    StudyGroup,
    StudyPlan,
    StudySession,
    User,
)
from studytrack.models import ReminderKind as Kind
from studytrack.timeutil import local_to_utc

# Reminders of what happened (a session published, a reflection returned, a task assigned)
# are sent while the thing is fresh; older ones are not news (an installation's first scan).
FRESH_DAYS = 7
# Overdue reflections and tasks are reminded of once, within this many days of the due date.
OVERDUE_WINDOW_DAYS = 30
# An owed make-up study is reminded of every week, for sessions of the last this many days.
MAKEUP_WINDOW_DAYS = 90


@dataclass(frozen=True)
class Due:
    """A reminder due to a person (`user_id`) or to a group's chat robots (`group_id` only)."""

    kind: Kind
    subject: str
    user_id: int | None = None
    group_id: int | None = None
    session_id: int | None = None
    reflection_id: int | None = None
    task_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def recipient(self) -> str:
        return f"user:{self.user_id}" if self.user_id is not None else f"group:{self.group_id}"


def due_now(today: date, days_before: int, *, timely: bool) -> Iterator[Due]:
    """Every reminder due at `today`. `timely`: also those of time passing (due soon,
    overdue, make-ups, plans, digests), which wait for the morning; the others (a session
    published, a reflection returned, a task assigned) go out at any hour."""
    yield from reflections_requested(today)
    yield from reflections_returned(today)
    yield from tasks_assigned(today)
    if timely:
        yield from reflections_due(today, days_before)
        yield from reflections_overdue(today)
        yield from tasks_due(today, days_before)
        yield from tasks_overdue(today)
        yield from makeups_owed(today)
        yield from plan_items_due(today)


# --- reflections ----------------------------------------------------------------------------


def _owing(*where: Any) -> sa.Select[*tuple[Any, ...]]:
    """(session, person, due date, topic, group) of each reflection owed and not handed in, at
    published sessions (open for reflections; a closed or cancelled one asks nothing more)."""
    handed_in = (
        sa.select(Reflection.id)
        .where(Reflection.session_id == StudySession.id,
               Reflection.author_id == Attendance.user_id,
               Reflection.status.in_(HANDED_IN_STATUSES))
        .exists()
    )
    return (
        sa.select(StudySession.id, Attendance.user_id, StudySession.reflection_due_on,
                  StudySession.topic, StudySession.group_id)
        .join(Attendance, Attendance.session_id == StudySession.id)
        .join(User, User.id == Attendance.user_id)
        .where(StudySession.status == SessionStatus.PUBLISHED, Attendance.owes_reflection,
               User.active, ~handed_in, *where)
        .order_by(StudySession.id, Attendance.user_id)
    )


def reflections_requested(today: date) -> Iterator[Due]:
    """A published session asks each person who owes a reflection to write it (also one who
    owes it later, once their make-up study is recorded), until its due date (a session
    without one: for OVERDUE_WINDOW_DAYS after it was published)."""
    not_due_yet = sa.or_(
        StudySession.reflection_due_on >= today,
        sa.and_(StudySession.reflection_due_on.is_(None),  # no due date: while recent
                StudySession.published_at >= _days_ago(today, OVERDUE_WINDOW_DAYS)),
    )
    sessions: set[int] = set()
    for session_id, user_id, due_on, topic, _group in db.session.execute(_owing(not_due_yet)):
        sessions.add(session_id)
        yield Due(Kind.REFLECTION_REQUESTED, f"session:{session_id}", user_id=user_id,
                  session_id=session_id, details=_dated(topic, due_on))
    yield from _to_robots(Kind.REFLECTION_REQUESTED, sessions, today, not_due_yet)


def reflections_due(today: date, days_before: int) -> Iterator[Due]:
    soon = StudySession.reflection_due_on.between(today, today + timedelta(days=days_before))
    yield from _owed_by_date(Kind.REFLECTION_DUE, "due", soon)


def reflections_overdue(today: date) -> Iterator[Due]:
    late = StudySession.reflection_due_on.between(
        today - timedelta(days=OVERDUE_WINDOW_DAYS), today - timedelta(days=1))
    yield from _owed_by_date(Kind.REFLECTION_OVERDUE, "overdue", late)


def _owed_by_date(kind: Kind, occasion: str, when: Any) -> Iterator[Due]:
    """One reminder per person owing, and one per session to its group's robots (who still
    owes it, by name)."""
    names: dict[int, tuple[str, date | None, int, list[str]]] = {}
    rows = db.session.execute(_owing(when).add_columns(User.display_name))
    for session_id, user_id, due_on, topic, group_id, name in rows:
        names.setdefault(session_id, (topic, due_on, group_id, []))[3].append(name)
        yield Due(kind, f"session:{session_id}:{occasion}:{due_on}", user_id=user_id,
                  session_id=session_id, details=_dated(topic, due_on))
    for session_id, (topic, due_on, group_id, people) in names.items():
        yield Due(kind, f"session:{session_id}:{occasion}:{due_on}", group_id=group_id,
                  session_id=session_id, details={**_dated(topic, due_on), "names": people})


def _to_robots(kind: Kind, sessions: set[int], today: date,
               *where: Any) -> Iterator[Due]:
    """The sessions just published, announced to their groups' robots."""
    if not sessions:
        return
    fresh = StudySession.published_at >= _days_ago(today, FRESH_DAYS)
    rows = db.session.execute(
        sa.select(StudySession.id, StudySession.group_id, StudySession.topic,
                  StudySession.reflection_due_on)
        .where(StudySession.id.in_(sessions), fresh, *where)
    )
    for session_id, group_id, topic, due_on in rows:
        yield Due(kind, f"session:{session_id}", group_id=group_id, session_id=session_id,
                  details=_dated(topic, due_on))


def reflections_returned(today: date) -> Iterator[Due]:
    """A reflection returned for revision, to its author (in-app already, at the return):
    each return is its own reminder."""
    rows = db.session.execute(
        sa.select(Reflection.id, Reflection.author_id, Reflection.session_id,
                  Reflection.reviewed_at, Reflection.review_comment, StudySession.topic)
        .join(StudySession, StudySession.id == Reflection.session_id)
        .join(User, User.id == Reflection.author_id)
        .where(Reflection.status == ReflectionStatus.RETURNED, User.active,
               Reflection.reviewed_at >= _days_ago(today, FRESH_DAYS),
               StudySession.status == SessionStatus.PUBLISHED)
    )
    for reflection_id, author_id, session_id, reviewed_at, comment, topic in rows:
        yield Due(Kind.REFLECTION_RETURNED,
                  f"reflection:{reflection_id}:returned:{reviewed_at:%Y%m%d%H%M%S}",
                  user_id=author_id, session_id=session_id, reflection_id=reflection_id,
                  details={"topic": topic, "comment": comment or ""})


# --- make-up study --------------------------------------------------------------------------


def makeups_owed(today: date) -> Iterator[Due]:
    """Each week, to whoever missed a session and has no make-up study recorded, and to the
    group's secretaries (one per session, with the names)."""
    week = f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    rows = db.session.execute(
        sa.select(Attendance.id, Attendance.user_id, User.display_name, StudySession.id,
                  StudySession.topic, StudySession.starts_at, StudySession.group_id)
        .join(StudySession, StudySession.id == Attendance.session_id)
        .join(User, User.id == Attendance.user_id)
        .where(OWES_MAKEUP, StudySession.status.in_(HELD_STATUSES), User.active,
               StudySession.starts_at >= _days_ago(today, MAKEUP_WINDOW_DAYS),
               StudySession.starts_at < _days_ago(today, -1))  # taken place, by today
        .order_by(StudySession.id, Attendance.sort_order, Attendance.id)
    )
    sessions: dict[int, tuple[str, int, list[str]]] = {}
    for attendance_id, user_id, name, session_id, topic, starts_at, group_id in rows:
        sessions.setdefault(session_id, (topic, group_id, []))[2].append(name)
        yield Due(Kind.MAKEUP_OWED, f"attendance:{attendance_id}:{week}", user_id=user_id,
                  session_id=session_id,
                  details={"topic": topic, "date": starts_at.isoformat()})
    secretaries = _secretaries({group_id for _, group_id, _ in sessions.values()})
    for session_id, (topic, group_id, names) in sessions.items():
        for user_id in secretaries.get(group_id, []):
            yield Due(Kind.MAKEUP_OWED, f"session:{session_id}:makeups:{week}",
                      user_id=user_id, session_id=session_id,
                      details={"topic": topic, "names": names})


# --- follow-up tasks ------------------------------------------------------------------------


def tasks_assigned(today: date) -> Iterator[Due]:
    """A task given to a person (in-app already, when assigned)."""
    rows = db.session.execute(
        _tasks().where(FollowUpTask.assignee_id.is_not(None),
                       FollowUpTask.created_at >= _days_ago(today, FRESH_DAYS))
    )
    for task_id, assignee_id, _unit_id, title, due_on, session_id, _group_id in rows:
        yield Due(Kind.TASK_ASSIGNED, f"task:{task_id}:assignee:{assignee_id}",
                  user_id=assignee_id, session_id=session_id, task_id=task_id,
                  details=_titled(title, due_on))


def tasks_due(today: date, days_before: int) -> Iterator[Due]:
    soon = FollowUpTask.due_on.between(today, today + timedelta(days=days_before))
    yield from _tasks_by_date(Kind.TASK_DUE, "due", soon)


def tasks_overdue(today: date) -> Iterator[Due]:
    late = FollowUpTask.due_on.between(today - timedelta(days=OVERDUE_WINDOW_DAYS),
                                       today - timedelta(days=1))
    yield from _tasks_by_date(Kind.TASK_OVERDUE, "overdue", late)


def _tasks_by_date(kind: Kind, occasion: str, when: Any) -> Iterator[Due]:
    """To the person responsible, or the leaders of the unit responsible when no person is
    named; and to the group's robots."""
    rows = list(db.session.execute(_tasks().where(when)))
    leaders = _leaders({unit_id for _, assignee, unit_id, *_ in rows if assignee is None})
    for task_id, assignee_id, unit_id, title, due_on, session_id, group_id in rows:
        subject = f"task:{task_id}:{occasion}:{due_on}"
        details = _titled(title, due_on)
        people = [assignee_id] if assignee_id is not None else leaders.get(unit_id, [])
        for user_id in people:
            yield Due(kind, subject, user_id=user_id, session_id=session_id, task_id=task_id,
                      details=details)
        yield Due(kind, subject, group_id=group_id, session_id=session_id, task_id=task_id,
                  details=details)


def _tasks() -> sa.Select[*tuple[Any, ...]]:
    """Active tasks of sessions that took place, with who and which group."""
    return (
        sa.select(FollowUpTask.id, FollowUpTask.assignee_id, FollowUpTask.organization_id,
                  FollowUpTask.title, FollowUpTask.due_on, FollowUpTask.session_id,
                  StudySession.group_id)
        .join(StudySession, StudySession.id == FollowUpTask.session_id)
        .outerjoin(User, User.id == FollowUpTask.assignee_id)
        .where(FollowUpTask.status.in_(ACTIVE_TASK_STATUSES),
               StudySession.status.in_(HELD_STATUSES),
               sa.or_(FollowUpTask.assignee_id.is_(None), User.active))
        .order_by(FollowUpTask.id)
    )


# --- plans ----------------------------------------------------------------------------------


def plan_items_due(today: date) -> Iterator[Due]:
    """A plan item for this month with no session linked yet, to the group's secretaries."""
    has_session = (
        sa.select(StudySession.id)
        .where(StudySession.plan_item_id == PlanItem.id,
               StudySession.status != SessionStatus.CANCELLED)
        .exists()
    )
    rows = list(db.session.execute(
        sa.select(PlanItem.id, PlanItem.topic, StudyPlan.group_id)
        .join(StudyPlan, StudyPlan.id == PlanItem.plan_id)
        .join(StudyGroup, StudyGroup.id == StudyPlan.group_id)
        .where(StudyPlan.year == today.year, PlanItem.month == today.month, ~has_session,
               StudyGroup.is_active)
        .order_by(PlanItem.id)
    ))
    secretaries = _secretaries({group_id for *_, group_id in rows})
    for item_id, topic, group_id in rows:
        for user_id in secretaries.get(group_id, []):
            yield Due(Kind.PLAN_ITEM_DUE, f"plan_item:{item_id}:{today:%Y-%m}",
                      user_id=user_id, details={"topic": topic, "group_id": group_id,
                                                "month": today.month})


# --- who ------------------------------------------------------------------------------------


def _secretaries(group_ids: set[int]) -> dict[int, list[int]]:
    """The active secretaries of each group."""
    if not group_ids:
        return {}
    found: dict[int, list[int]] = {}
    for group_id, user_id in db.session.execute(
        sa.select(GroupMembership.group_id, GroupMembership.user_id)
        .join(User, User.id == GroupMembership.user_id)
        .where(GroupMembership.group_id.in_(group_ids),
               GroupMembership.role == GroupRole.SECRETARY,
               GroupMembership.left_on.is_(None), User.active)
        .order_by(GroupMembership.user_id)
    ):
        found.setdefault(group_id, []).append(user_id)
    return found


def _leaders(unit_ids: set[int | None]) -> dict[int, list[int]]:
    """The active leaders of each unit (a task given to a unit reaches them)."""
    ids = {unit_id for unit_id in unit_ids if unit_id is not None}
    if not ids:
        return {}
    found: dict[int, list[int]] = {}
    for unit_id, user_id in db.session.execute(
        sa.select(LeadershipRole.organization_id, LeadershipRole.user_id)
        .join(User, User.id == LeadershipRole.user_id)
        .where(LeadershipRole.organization_id.in_(ids), User.active)
        .order_by(LeadershipRole.user_id)
    ):
        found.setdefault(unit_id, []).append(user_id)
    return found


def _days_ago(today: date, days: int) -> datetime:
    """The start (local midnight, in UTC) of the day `days` before `today`."""
    return local_to_utc(datetime.combine(today - timedelta(days=days), time()))


def _dated(topic: str, due_on: date | None) -> dict[str, Any]:
    return {"topic": topic, "due_on": due_on.isoformat() if due_on else None}


def _titled(title: str, due_on: date | None) -> dict[str, Any]:
    return {"title": title, "due_on": due_on.isoformat() if due_on else None}

