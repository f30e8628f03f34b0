"""Per-session counts of attendance and reflections, kept current on write (issue 7).

A summary of the raw rows of `attendances` and `reflections`, one row per study session,
so the dashboards sum ~15,000 session rows instead of scanning every attendance row of the year
and probing reflections for each. The rows are never edited by hand: `studytrack.stats`
recomputes a session's row from the raw tables in the same transaction as any ORM write that
touches its attendance, its reflections or the session itself, and bulk loaders call
`refresh_session_stats` when they are done. So the figures are never stale.

Counts whose definition depends on "today" (reflections overdue) or on current memberships
(talks by members) are not stored: they are derived when read (docs/metrics.md).
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
    # Rows for which reflections.rules.must_write_condition() holds, and of those the ones
    # with a reflection submitted/returned/accepted, and of those the late ones (only when the
    # session has a due date).
    reflections_required: Mapped[int] = _count()
    reflections_submitted: Mapped[int] = _count()
    reflections_late: Mapped[int] = _count()

    def __repr__(self) -> str:
        return f"<SessionStats {self.session_id}>"
