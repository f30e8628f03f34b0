"""Per-session counts of attendance, reflections, talks and tasks, kept current on write
(issue 7).

A summary of the raw rows of `attendances`, `reflections`, `talks` and `follow_up_tasks`, one
row per study session, so the dashboards sum the held sessions' rows instead of scanning every
attendance row, talk and task of the year. The rows are never edited by hand:
`studytrack.stats` recomputes a session's row from the raw tables in the same transaction as
any ORM write that touches its attendance, reflections, talks, tasks, the session itself, or
the membership of one of its speakers in its group (talks_by_members counts current members),
and bulk loaders call `refresh_session_stats` when they are done. So the figures are never
stale.

Counts that depend on "today" are not stored: reflections overdue are derived from the
stored counts and the session's due date; tasks overdue are `tasks_open_dated` less the open
tasks not yet due, counted when read (docs/metrics.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from studytrack.models.base import Base

#: The stored counts, in the order of the table's columns (after session_id).
COUNT_COLUMNS = (
    "attendance_expected",
    "attendance_present",
    "attendance_on_leave",
    "attendance_absent",
    "attendance_made_up",
    "attendance_unmarked",
    "attendance_observers",
    "reflections_required",
    "reflections_submitted",
    "reflections_late",
    "talks",
    "talks_by_members",
    "tasks_total",
    "tasks_done",
    "tasks_open_dated",
)


def _count() -> Mapped[int]:
    return mapped_column(sa.Integer, nullable=False, default=0, server_default="0")


class SessionStats(Base):
    __tablename__ = "session_stats"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    # Attendance rows (docs/metrics.md, "Figures"): expected = not observer, unmarked included.
    attendance_expected: Mapped[int] = _count()
    attendance_present: Mapped[int] = _count()
    attendance_on_leave: Mapped[int] = _count()
    attendance_absent: Mapped[int] = _count()
    attendance_made_up: Mapped[int] = _count()
    attendance_unmarked: Mapped[int] = _count()
    attendance_observers: Mapped[int] = _count()
    # Rows for which Attendance.owes_reflection holds, and of those the ones
    # with a reflection submitted/returned/accepted, and of those the late ones (only when the
    # session has a due date).
    reflections_required: Mapped[int] = _count()
    reflections_submitted: Mapped[int] = _count()
    reflections_late: Mapped[int] = _count()
    # Talks; of those, the ones whose speaker is now a current member (role member) of the
    # session's group.
    talks: Mapped[int] = _count()
    talks_by_members: Mapped[int] = _count()
    # Tasks not cancelled; of those the done ones, and the open or in-progress ones with a due
    # date (overdue = these less the ones due today or later, which are few: metrics).
    tasks_total: Mapped[int] = _count()
    tasks_done: Mapped[int] = _count()
    tasks_open_dated: Mapped[int] = _count()

    def __repr__(self) -> str:
        return f"<SessionStats {self.session_id}>"
