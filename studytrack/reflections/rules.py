"""Who must write a reflection for a session: the one definition, used by the editor, the
review queue, the member home, the report and (later) the dashboards.

Required: every person on the session's attendance roster (not a guest) who was present, or who
was on leave or absent and has since recorded make-up study (补学). Observers (列席) are never
required; a person not yet marked is not required until they are marked.
"""

from __future__ import annotations

import sqlalchemy as sa

from studytrack.models import Attendance, AttendanceStatus, Reflection

MAKEUP_STATUSES = (AttendanceStatus.ON_LEAVE, AttendanceStatus.ABSENT)


def must_write_condition() -> sa.ColumnElement[bool]:
    """A WHERE clause on `Attendance` rows whose person owes a reflection."""
    return sa.and_(
        Attendance.user_id.is_not(None),
        sa.or_(
            Attendance.status == AttendanceStatus.PRESENT,
            sa.and_(Attendance.status.in_(MAKEUP_STATUSES), Attendance.makeup_on.is_not(None)),
        ),
    )


def reflection_of_attendance() -> sa.ColumnElement[bool]:
    """The join of an attendance row to its person's reflection for that session."""
    return sa.and_(
        Reflection.session_id == Attendance.session_id,
        Reflection.author_id == Attendance.user_id,
    )


def must_write(attendance: Attendance | None) -> bool:
    """The same rule for one loaded row (None: the person is not on the roster)."""
    if attendance is None or attendance.user_id is None:
        return False
    if attendance.status == AttendanceStatus.PRESENT:
        return True
    return attendance.status in MAKEUP_STATUSES and attendance.makeup_on is not None
