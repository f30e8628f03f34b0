"""Reads for reflections. Each function makes a fixed number of queries, whatever the data.

The lists of a session's people are plain rows read on the session's connection after a
flush, as the report's are (`reports/queries.py` says why). Who must write comes from
`Attendance.owes_reflection` (the attendance roster), here as in the member home and the report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import aliased, joinedload

from studytrack.extensions import db
from studytrack.models import (
    HANDED_IN_STATUSES,
    Attendance,
    AttendanceStatus,
    Reflection,
    ReflectionStatus,
    StudyGroup,
    StudySession,
    User,
)
from studytrack.models.reflection import reflection_of_attendance
from studytrack.timeutil import today_local


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


# The review page's two reads are built once and run with the session's id: building them
# costs more than running them. Plain columns, no ORM objects: the page only shows values.
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
    db.session.flush()
    for (user_id, name, position, attendance_status, makeup_on, status, submitted_at,
         is_late) in db.session.connection().execute(_OWED, {"session_id": session.id}):
        state = _STATES.get(status, State.NOT_STARTED)
        result.append(OwedRow(
            Person(user_id, name, position),
            attendance_status,
            makeup_on,
            state,
            submitted_at if state is not State.DRAFT else None,
            bool(is_late and status in HANDED_IN_STATUSES),
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
            number(Reflection.is_handed_in),
            number(status == ReflectionStatus.SUBMITTED),
            number(status == ReflectionStatus.ACCEPTED),
            number(status == ReflectionStatus.RETURNED),
            number(sa.and_(Reflection.is_handed_in, Reflection.is_late)),
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


class Stand(NamedTuple):
    """Where a person stands with their reflection on a session."""

    owes: bool  # the roster asks one of them (Attendance.owes_reflection)
    reflection: Reflection | None  # theirs, with its reviewer


def stand_of(session: StudySession, user: Any) -> Stand:
    """`user`'s stand on `session`: their roster row's answer and their reflection, in one
    query (the session's row joins both, either may be missing)."""
    owes, reflection = db.session.execute(
        sa.select(Attendance.owes_reflection, Reflection)
        .select_from(StudySession)
        .outerjoin(Attendance, sa.and_(Attendance.session_id == StudySession.id,
                                       Attendance.user_id == user.id))
        .outerjoin(Reflection, sa.and_(Reflection.session_id == StudySession.id,
                                       Reflection.author_id == user.id))
        .where(StudySession.id == session.id)
        .options(joinedload(Reflection.reviewer))
    ).one()
    return Stand(bool(owes), reflection)


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
        Reflection.session_id == sa.bindparam("session_id"), Reflection.is_handed_in
    )
    .order_by(sa.func.coalesce(Attendance.sort_order, 0), _AUTHOR.display_name, Reflection.id)
)


def handed_in(session: StudySession) -> list[HandedIn]:
    """The session's reflections that were handed in (never drafts), in roster order of
    authors, with author and reviewer names (one query). Includes authors no longer required."""
    db.session.flush()
    return [
        HandedIn(
            id_, Person(author_id, author_name), status, title, body, char_count, submitted_at,
            is_late, review_comment,
            Person(reviewer_id, reviewer_name) if reviewer_id is not None else None,
            reviewed_at,
        )
        for (id_, author_id, author_name, status, title, body, char_count, submitted_at,
             is_late, review_comment, reviewer_id, reviewer_name, reviewed_at)
        in db.session.connection().execute(_HANDED_IN, {"session_id": session.id})
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


# A page of the group's review queue: whole texts, so a few at a time (a backlog of 84 was a
# page of 468 KB).
QUEUE_PAGE_SIZE = 20


def group_review_queue(group: StudyGroup, page: int = 1,
                       per_page: int | None = None) -> Pagination:
    """A page of the submitted reflections of all the group's published or closed sessions,
    oldest first, each with its session and author; with their number (two queries)."""
    return db.paginate(
        sa.select(Reflection)
        .join(StudySession, StudySession.id == Reflection.session_id)
        .where(
            StudySession.group_id == group.id,
            StudySession.is_held,
            Reflection.status == ReflectionStatus.SUBMITTED,
        )
        .options(
            joinedload(Reflection.session),
            joinedload(Reflection.author),
            joinedload(Reflection.reviewer),
        )
        .order_by(Reflection.submitted_at, Reflection.id),
        page=page, per_page=per_page or QUEUE_PAGE_SIZE, error_out=False,
    )
