"""Reads for attendance and talks: the roster, the people one may choose, and the counts.

`attendance_summary()` is a pure function over rows already loaded (the session page loads
`session.attendances` with their users eagerly), so the counts cost no query at all; they are
the attendance figures of dashboard/figures.py, counted from those rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from studytrack.dashboard.figures import count_attendance
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    GroupMembership,
    GroupRole,
    StudySession,
    User,
)
from studytrack.pickers import People

# Observers are listed after the group's own people, whatever their sort order.
OBSERVER_SORT_BASE = 100_000


def roster_people(group_id: int) -> sa.Select[int, str]:
    """(user id, name) of the people a session's attendance list names, in roster order: the
    group's current members (a study secretary keeps the record and is not on it), group
    leader first, then deputies, then the members' sort order and names."""
    return (
        sa.select(GroupMembership.user_id, User.display_name)
        .join(User, GroupMembership.user_id == User.id)
        .where(
            GroupMembership.group_id == group_id,
            GroupMembership.left_on.is_(None),
            GroupMembership.role == GroupRole.MEMBER,
        )
        .order_by(*GroupMembership.roster_order(), User.display_name, User.id)
    )


# --- the counts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceSummary:
    """Counts by status and the attendance rate of one session (`figures.count_attendance`):
    the rate is present / expected, where expected is everyone on the list except observers
    (members on leave, absent or not yet marked all count as expected); None when nobody is
    expected."""

    rows: list[Attendance]  # everyone, in roster order: the group's people, then observers
    present: int
    on_leave: int
    absent: int
    observers: int
    unmarked: int
    expected: int
    rate: float | None

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def members(self) -> list[Attendance]:
        return [row for row in self.rows if row.status != AttendanceStatus.OBSERVER]

    @property
    def observer_rows(self) -> list[Attendance]:
        return [row for row in self.rows if row.status == AttendanceStatus.OBSERVER]

    @property
    def makeups(self) -> list[Attendance]:
        """Rows with a make-up study recorded."""
        return [row for row in self.rows if row.makeup_on is not None]


class RosterRow(Protocol):
    """What the roster order reads of a row: an Attendance, or a row of the report's roster."""

    @property
    def status(self) -> AttendanceStatus | None: ...
    @property
    def sort_order(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def id(self) -> int: ...


def roster_key(row: RosterRow) -> tuple[bool, int, str, int]:
    return (
        row.status == AttendanceStatus.OBSERVER,
        row.sort_order or 0,
        row.name,
        row.id or 0,
    )


def attendance_summary(attendances: Iterable[Attendance]) -> AttendanceSummary:
    """Count the rows by status; no database access."""
    rows = sorted(attendances, key=roster_key)
    figures = count_attendance(rows)
    return AttendanceSummary(
        rows=rows,
        present=figures.attendance_present,
        on_leave=figures.attendance_on_leave,
        absent=figures.attendance_absent,
        observers=figures.attendance_observers,
        unmarked=figures.attendance_unmarked,
        expected=figures.attendance_expected,
        rate=figures.attendance_rate,
    )


# --- the attendance page -------------------------------------------------------------------


def roster(session: StudySession) -> list[Attendance]:
    """The session's attendance rows with their people, in roster order (two queries)."""
    rows = db.session.scalars(
        sa.select(Attendance)
        .where(Attendance.session_id == session.id)
        .options(selectinload(Attendance.user))
    ).all()
    return sorted(rows, key=roster_key)


def person_label(name: str, position: str | None) -> str:
    """A person as the pickers name them: 平杰（党委书记）."""
    return f"{name}（{position}）" if position else name


def missing_members(session: StudySession) -> int:
    """How many of the group's current members are not on the session's list: people who
    joined the group since the list was made (one query)."""
    people = roster_people(session.group_id).order_by(None).subquery()
    on_list = sa.select(Attendance.id).where(
        Attendance.session_id == session.id, Attendance.user_id == people.c.user_id
    )
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(people).where(~on_list.exists())
    ) or 0


def observer_candidates(session: StudySession) -> People:
    """Whom the observer picker offers: anyone with an account; those not on the session's
    list yet are listed."""
    on_list = sa.select(Attendance.user_id).where(
        Attendance.session_id == session.id, Attendance.user_id.is_not(None)
    )
    return People(listed_if=(User.id.not_in(on_list),))


def speaker_choices(
    session: StudySession, keep: int | None = None
) -> list[tuple[int, str]]:
    """(id, name) of the people who may give a talk: the group's current members (leaders
    first), then anyone with an account on the session's attendance list (observers), plus
    `keep` (the current speaker of a talk being edited). One query."""
    membership = aliased(GroupMembership)
    # The people, found from the group's roster and the session's list (not by reading every
    # account of the site): then their names, members in roster order first.
    people: list[sa.Select[Any]] = [
        sa.select(GroupMembership.user_id).where(
            GroupMembership.group_id == session.group_id, GroupMembership.left_on.is_(None)
        ),
        sa.select(Attendance.user_id).where(
            Attendance.session_id == session.id, Attendance.user_id.is_not(None)
        ),
    ]
    if keep is not None:
        people.append(sa.select(sa.literal(keep)))
    rows = db.session.execute(
        sa.select(User.id, User.display_name, User.position)
        .outerjoin(
            membership,
            sa.and_(
                membership.user_id == User.id,
                membership.group_id == session.group_id,
                membership.left_on.is_(None),
            ),
        )
        .where(User.id.in_(sa.union(*people)))
        .order_by(
            membership.id.is_(None),
            *GroupMembership.roster_order(membership),
            User.display_name,
            User.id,
        )
    ).all()
    return [(user_id, person_label(name, position)) for user_id, name, position in rows]
