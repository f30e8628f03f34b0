"""Reads for reflections. Each function makes a fixed number of queries, whatever the data.

Who must write comes from `Attendance.owes_reflection` (the attendance roster), here as in
the member home and the report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from studytrack import authz
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    Reflection,
    ReflectionStatus,
    SessionStatus,
    StudyGroup,
    StudySession,
    User,
)
from studytrack.models.reflection import reflection_of_attendance
from studytrack.reads import columns
from studytrack.timeutil import today_local

HANDED_IN = (ReflectionStatus.SUBMITTED, ReflectionStatus.RETURNED, ReflectionStatus.ACCEPTED)


class State(StrEnum):
    """Where a required person stands: their reflection's status, or not started."""

    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class Person(NamedTuple):
    """What the review page shows of a user."""

    id: int
    display_name: str
    position: str | None = None


class OwedRow(NamedTuple):
    user: Person
    attendance_status: AttendanceStatus | None
    makeup_on: date | None
    state: State
    submitted_at: datetime | None  # when handed in (None while not started or a draft)
    is_late: bool  # handed in after the due date
    overdue: bool  # not handed in (or returned and not yet resubmitted), and past the due date

    @property
    def owes(self) -> bool:
        """Still has to hand in (again): not started, draft or returned."""
        return self.state in (State.NOT_STARTED, State.DRAFT, State.RETURNED)


@dataclass(frozen=True)
class Counts:
    required: int = 0
    submitted: int = 0  # handed in: submitted, returned or accepted
    waiting: int = 0  # submitted and waiting for review
    accepted: int = 0
    returned: int = 0
    late: int = 0  # handed in late
    owing: int = 0  # not started, draft or returned


def _state(reflection: Reflection | None) -> State:
    return State.NOT_STARTED if reflection is None else State(reflection.status.value)


# The review page's two reads are built once and run with the session's id: building them
# costs more than running them. Plain columns, no ORM objects: the page only shows values
# (run by `reads.columns`, outside the ORM's execution path, which would cost more again).
_OWED = (
    sa.select(
        User.id, User.display_name, User.position, Attendance.status, Attendance.makeup_on,
        Reflection.status, Reflection.submitted_at, Reflection.is_late,
    )
    .select_from(Attendance)
    .join(User, User.id == Attendance.user_id)
    .outerjoin(
        Reflection,
        reflection_of_attendance(),
    )
    .where(Attendance.session_id == sa.bindparam("session_id"), Attendance.owes_reflection)
    .order_by(Attendance.sort_order, User.display_name, User.id)
)
_STATES = {status: State(status.value) for status in ReflectionStatus}


def owed(session: StudySession, today: date | None = None) -> list[OwedRow]:
    """Everyone who must write for `session`, in roster order, with where their reflection
    stands (one query; no texts)."""
    today = today or today_local()
    due = session.reflection_due_on
    past_due = bool(due and today > due)
    result = []
    for (user_id, name, position, attendance_status, makeup_on,
         status, submitted_at, is_late) in columns(_OWED, {"session_id": session.id}):
        state = _STATES.get(status, State.NOT_STARTED)
        result.append(OwedRow(
            Person(user_id, name, position),
            attendance_status,
            makeup_on,
            state,
            submitted_at if state is not State.DRAFT else None,
            bool(is_late and status in HANDED_IN),
            past_due and state is not State.SUBMITTED and state is not State.ACCEPTED,
        ))
    return result


def counts_of(rows: list[OwedRow]) -> Counts:
    """The figures of a list from `owed` (one pass: a page lists some sixty rows)."""
    states: Counter[State] = Counter()
    late = 0
    for row in rows:
        states[row.state] += 1
        late += row.is_late
    return Counts(
        required=len(rows),
        submitted=states[State.SUBMITTED] + states[State.RETURNED] + states[State.ACCEPTED],
        waiting=states[State.SUBMITTED],
        accepted=states[State.ACCEPTED],
        returned=states[State.RETURNED],
        late=late,
        owing=states[State.NOT_STARTED] + states[State.DRAFT] + states[State.RETURNED],
    )


def counts(session: StudySession) -> Counts:
    """The same figures as counts_of(owed(session)), in one aggregate query (no texts loaded)."""
    status = Reflection.status

    def number(condition: Any) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        sa.select(
            sa.func.count(Attendance.id),
            number(status.in_(HANDED_IN)),
            number(status == ReflectionStatus.SUBMITTED),
            number(status == ReflectionStatus.ACCEPTED),
            number(status == ReflectionStatus.RETURNED),
            number(sa.and_(status.in_(HANDED_IN), Reflection.is_late)),
        )
        .select_from(Attendance)
        .outerjoin(
            Reflection,
            reflection_of_attendance(),
        )
        .where(Attendance.session_id == session.id, Attendance.owes_reflection)
    ).one()
    required, submitted, waiting, accepted, returned, late = (int(v or 0) for v in row)
    return Counts(
        required=required, submitted=submitted, waiting=waiting, accepted=accepted,
        returned=returned, late=late, owing=required - submitted + returned,
    )


def my_reflection(session: StudySession, user: Any) -> Reflection | None:
    """`user`'s reflection on `session`, with its reviewer (one query)."""
    return db.session.scalar(
        sa.select(Reflection)
        .where(Reflection.session_id == session.id, Reflection.author_id == user.id)
        .options(joinedload(Reflection.reviewer))
    )


class HandedIn(NamedTuple):
    """A handed-in reflection as the review page shows it."""

    id: int
    author: Person
    status: ReflectionStatus
    title: str | None
    body: str
    char_count: int
    submitted_at: datetime | None
    is_late: bool
    review_comment: str | None
    reviewer: Person | None
    reviewed_at: datetime | None


_AUTHOR = aliased(User, name="author")
_REVIEWER = aliased(User, name="reviewer")
_HANDED_IN = (
    sa.select(
        Reflection.id, Reflection.author_id, _AUTHOR.display_name, Reflection.status,
        Reflection.title, Reflection.body, Reflection.char_count, Reflection.submitted_at,
        Reflection.is_late, Reflection.review_comment, Reflection.reviewer_id,
        _REVIEWER.display_name, Reflection.reviewed_at,
    )
    .join(_AUTHOR, _AUTHOR.id == Reflection.author_id)
    .outerjoin(_REVIEWER, _REVIEWER.id == Reflection.reviewer_id)
    .outerjoin(
        Attendance,
        reflection_of_attendance(),
    )
    .where(
        Reflection.session_id == sa.bindparam("session_id"), Reflection.status.in_(HANDED_IN)
    )
    .order_by(sa.func.coalesce(Attendance.sort_order, 0), _AUTHOR.display_name, Reflection.id)
)


def handed_in(session: StudySession) -> list[HandedIn]:
    """The session's reflections that were handed in (never drafts), in roster order of
    authors, with author and reviewer names (one query). Includes authors no longer required."""
    return [
        HandedIn(
            id_, Person(author_id, author_name), status, title, body, char_count, submitted_at,
            is_late, review_comment,
            Person(reviewer_id, reviewer_name) if reviewer_id is not None else None,
            reviewed_at,
        )
        for (id_, author_id, author_name, status, title, body, char_count, submitted_at,
             is_late, review_comment, reviewer_id, reviewer_name, reviewed_at)
        in columns(_HANDED_IN, {"session_id": session.id})
    ]


def review_queue(session: StudySession) -> list[Reflection]:
    """Submitted reflections of `session` waiting for review, oldest submission first."""
    return list(
        db.session.scalars(
            sa.select(Reflection)
            .where(
                Reflection.session_id == session.id,
                Reflection.status == ReflectionStatus.SUBMITTED,
            )
            .options(joinedload(Reflection.author), joinedload(Reflection.reviewer))
            .order_by(Reflection.submitted_at, Reflection.id)
        )
    )


def group_review_queue(group: StudyGroup) -> list[Reflection]:
    """Submitted reflections of all the group's published or closed sessions, oldest first,
    each with its session and author (one query)."""
    return list(
        db.session.scalars(
            sa.select(Reflection)
            .join(StudySession, StudySession.id == Reflection.session_id)
            .where(
                StudySession.group_id == group.id,
                StudySession.status.in_((SessionStatus.PUBLISHED, SessionStatus.CLOSED)),
                Reflection.status == ReflectionStatus.SUBMITTED,
            )
            .options(
                joinedload(Reflection.session),
                joinedload(Reflection.author),
                joinedload(Reflection.reviewer),
            )
            .order_by(Reflection.submitted_at, Reflection.id)
        )
    )


def reflection_for_page(reflection_id: int) -> Reflection | None:
    """A reflection with its session (and what `can` needs), author and reviewer."""
    return db.session.scalar(
        sa.select(Reflection)
        .where(Reflection.id == reflection_id)
        .options(
            joinedload(Reflection.session, innerjoin=True)
            .joinedload(StudySession.group, innerjoin=True)
            .joinedload(StudyGroup.organization, innerjoin=True),
            joinedload(Reflection.author),
            joinedload(Reflection.reviewer),
        )
    )


# --- the panel on the session page ------------------------------------------------------------


@dataclass(frozen=True)
class Panel:
    must_write: bool  # the current user must write for this session
    on_roster_status: AttendanceStatus | None  # the current user's attendance, if on the roster
    reflection: Reflection | None  # the current user's own reflection
    counts: Counts | None  # for those who may read the group's reflections
    may_review: bool

    @property
    def state(self) -> State:
        return _state(self.reflection)

    @property
    def visible(self) -> bool:
        return self.must_write or self.reflection is not None or self.counts is not None


def session_panel(session: StudySession, user: Any) -> Panel:
    """What the session page's reflections panel shows to `user`: their own status (one query,
    the roster is already loaded with the session) and, for secretaries and leaders, the figures
    (one query)."""
    empty = Panel(False, None, None, None, False)
    if not getattr(user, "is_authenticated", False):
        return empty
    if session.status not in (SessionStatus.PUBLISHED, SessionStatus.CLOSED):
        return empty
    mine = next((a for a in session.attendances if a.user_id == user.id), None)
    must = mine is not None and mine.owes_reflection
    reflection = my_reflection(session, user) if mine is not None else None
    readable = authz.can("reflection.view", session, user)
    return Panel(
        must_write=must,
        on_roster_status=mine.status if mine is not None else None,
        reflection=reflection,
        counts=counts(session) if readable else None,
        may_review=authz.can("reflection.review", session, user),
    )
