"""Writes to a session's attendance: the roster, marking, observers and make-up study.

Services check the rules (rules.py), raise DomainError beside the right field, write audit
events (with the session's id in their details, so the session's history shows them) and never
commit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from studytrack import audit, timeutil
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.labels import label
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    StudySession,
    User,
)
from studytrack.study_sessions.attendance_queries import OBSERVER_SORT_BASE, roster_people
from studytrack.study_sessions.rules import (
    ALREADY_ON_LIST,
    LEAVE_REASON_REQUIRED,
    MAKEUP_BEFORE_SESSION,
    MAKEUP_DATE_REQUIRED,
    MAKEUP_IN_FUTURE,
    MAKEUP_NOTE_REQUIRED,
    MAKEUP_ONLY_FOR_MISSED,
    NOT_MARKED,
    OBSERVER,
    ONLY_OBSERVERS_REMOVED,
    UNKNOWN_PERSON,
    RowErrors,
    RowInput,
    RowProblem,
    blank_to_none,
)


def _organization_id(session: StudySession) -> int:
    return session.group.organization_id


def _status_name(status: AttendanceStatus | None) -> Any:
    return label(status) if status is not None else NOT_MARKED


# --- the roster ----------------------------------------------------------------------------


def ensure_roster(session: StudySession) -> list[Attendance]:
    """Put every current member of the group on the session's list (not yet marked); return
    the rows added. Called when the session is created and when it is published, and by the
    attendance page's action for members who joined since.

    Study secretaries keep the record rather than study in the group: they are not put on
    the list (add one as an observer, 列席, when they should appear on it).

    Idempotent: people already on the list are never added twice. Rows of the group's people
    follow the group's order: group leader, deputies, then the members' sort order and names.
    Race-safe: the session's row is locked first (SELECT … FOR UPDATE; SQLite writes one at a
    time anyway), so a second secretary doing the same at the same moment waits, then finds
    everyone on the list and adds nobody.
    """
    db.session.execute(
        sa.select(StudySession.id).where(StudySession.id == session.id).with_for_update()
    )
    members = db.session.execute(roster_people(session.group_id)).all()
    existing = {
        row.user_id: row
        for row in db.session.scalars(
            sa.select(Attendance).where(Attendance.session_id == session.id)
        )
        if row.user_id is not None
    }
    added: list[Attendance] = []
    names: dict[int, str] = {}
    for rank, (user_id, name) in enumerate(members):
        row = existing.get(user_id)
        if row is None:
            added.append(Attendance(session_id=session.id, user_id=user_id, sort_order=rank))
            names[user_id] = name
        elif row.status != AttendanceStatus.OBSERVER and row.sort_order != rank:
            row.sort_order = rank
    if not added:
        return []
    db.session.add_all(added)
    db.session.flush()
    audit.record(
        "attendance.create", session, organization_id=_organization_id(session),
        session_id=session.id, people=list(names.values()),
    )
    return added


# --- marking -------------------------------------------------------------------------------


def _normalized(status: AttendanceStatus | None, reason: str | None) -> tuple[Any, str | None]:
    """A leave reason is kept only for people on leave."""
    return status, (blank_to_none(reason) if status == AttendanceStatus.ON_LEAVE else None)


def save_attendance(session: StudySession, rows: list[RowInput]) -> int:
    """Write the rows the user changed; return how many. Nothing is written if any row is
    wrong (a missing leave reason, or a row someone else changed meanwhile)."""
    ids = [row.attendance_id for row in rows]
    stored = {
        row.id: row
        for row in db.session.scalars(
            sa.select(Attendance)
            .where(Attendance.session_id == session.id, Attendance.id.in_(ids))
            .options(selectinload(Attendance.user))
        )
    }
    problems: list[RowProblem] = []
    writes: list[tuple[Attendance, AttendanceStatus | None, str | None]] = []
    for item in rows:
        row = stored.get(item.attendance_id)
        if row is None or row.status == AttendanceStatus.OBSERVER:
            continue  # removed meanwhile, or an observer (not marked on this form)
        new = _normalized(item.status, item.leave_reason)
        loaded = _normalized(item.loaded_status, item.loaded_reason)
        current = (row.status, row.leave_reason)
        if new in (loaded, current):
            continue  # not changed by this user, or already so
        if current != loaded:
            problems.append(RowProblem(
                row.id, "status",
                _changed_message(row.status),
                row.status, row.leave_reason,
            ))
        elif new[0] == AttendanceStatus.ON_LEAVE and not new[1]:
            problems.append(RowProblem(row.id, "leave_reason", LEAVE_REASON_REQUIRED))
        else:
            writes.append((row, *new))
    if problems:
        raise RowErrors(problems)
    for row, status, reason in writes:
        changes: dict[str, list[Any]] = {}
        if row.status != status:
            changes["status"] = [_value(row.status), _value(status)]
        if row.leave_reason != reason:
            changes["leave_reason"] = [row.leave_reason, reason]
        row.status, row.leave_reason = status, reason
        audit.record(
            "attendance.update", row, organization_id=_organization_id(session),
            session_id=session.id, person=row.name, changes=changes,
        )
    db.session.flush()
    return len(writes)


def _changed_message(status: AttendanceStatus | None) -> Any:
    return _l(
        "Someone else changed this person's attendance while you were editing: it is now "
        "“%(status)s”. Check it and save again.",
        status=_status_name(status),
    )


def _value(status: AttendanceStatus | None) -> str | None:
    return status.value if status is not None else None


def mark_all_present(session: StudySession) -> int:
    """Mark everyone not yet marked as present; rows already marked are left alone."""
    rows = list(
        db.session.scalars(
            sa.select(Attendance)
            .where(Attendance.session_id == session.id, Attendance.status.is_(None))
            .options(selectinload(Attendance.user))
        )
    )
    for row in rows:
        row.status = AttendanceStatus.PRESENT
    if rows:
        db.session.flush()
        audit.record(
            "attendance.mark_all_present", session, organization_id=_organization_id(session),
            session_id=session.id, count=len(rows), people=[row.name for row in rows],
        )
    return len(rows)


# --- observers -----------------------------------------------------------------------------


def add_observer(
    session: StudySession,
    user_id: int | None = None,
    guest_name: str | None = None,
    guest_position: str | None = None,
) -> Attendance:
    """An observer (列席) from outside the group: a user with an account, or a guest named
    with their position. Someone already on the list is refused beside the field."""
    OBSERVER.check(user_id, guest_name)
    guest_name = blank_to_none(guest_name)
    guest_position = blank_to_none(guest_position)
    on_list = sa.select(Attendance.id).where(Attendance.session_id == session.id)
    if user_id is not None:
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            raise DomainError(UNKNOWN_PERSON, field="user_id")
        if db.session.scalar(on_list.where(Attendance.user_id == user_id)) is not None:
            raise DomainError(ALREADY_ON_LIST, field="user_id")
        row = Attendance(session_id=session.id, user_id=user.id)
        name = user.display_name
        guest_position = None
    else:
        assert guest_name is not None
        same_name = sa.or_(
            sa.func.lower(Attendance.guest_name) == guest_name.lower(),
            Attendance.user_id.in_(
                sa.select(User.id).where(sa.func.lower(User.display_name) == guest_name.lower())
            ),
        )
        if db.session.scalar(on_list.where(same_name).limit(1)) is not None:
            raise DomainError(ALREADY_ON_LIST, field="guest_name")
        row = Attendance(
            session_id=session.id, guest_name=guest_name, guest_position=guest_position
        )
        name = guest_name
    row.status = AttendanceStatus.OBSERVER
    last = db.session.scalar(
        sa.select(sa.func.max(Attendance.sort_order)).where(
            Attendance.session_id == session.id,
            Attendance.status == AttendanceStatus.OBSERVER,
        )
    )
    row.sort_order = max(last + 1 if last is not None else 0, OBSERVER_SORT_BASE)
    # Added by someone else at the same moment: the unique constraint refuses it at the flush
    # (the unit of work answers "changed meanwhile").
    db.session.add(row)
    db.session.flush()
    audit.record(
        "attendance.add_observer", row, organization_id=_organization_id(session),
        session_id=session.id, person=name, position=guest_position,
    )
    return row


def remove_attendance(attendance: Attendance) -> None:
    """Take an observer off the list. Members stay on it: they are marked, not removed."""
    if attendance.status != AttendanceStatus.OBSERVER:
        raise DomainError(ONLY_OBSERVERS_REMOVED)
    session = attendance.session
    audit.record(
        "attendance.remove", attendance, organization_id=_organization_id(session),
        session_id=session.id, person=attendance.name,
    )
    db.session.delete(attendance)
    db.session.flush()


# --- make-up study -------------------------------------------------------------------------


def record_makeup(attendance: Attendance, makeup_on: date | None, note: str | None) -> None:
    """Record (or correct) the make-up study of someone who was on leave or absent."""
    if not attendance.missed:
        raise DomainError(MAKEUP_ONLY_FOR_MISSED)
    session = attendance.session
    if makeup_on is None:
        raise DomainError(MAKEUP_DATE_REQUIRED, field="makeup_on")
    session_day = timeutil.local_date_of(session.starts_at)
    if session_day is not None and makeup_on < session_day:
        raise DomainError(MAKEUP_BEFORE_SESSION, field="makeup_on")
    if makeup_on > timeutil.today_local():
        raise DomainError(MAKEUP_IN_FUTURE, field="makeup_on")
    note = blank_to_none(note)
    if note is None:
        raise DomainError(MAKEUP_NOTE_REQUIRED, field="makeup_note")
    changes: dict[str, list[Any]] = {}
    if attendance.makeup_on != makeup_on:
        changes["makeup_on"] = [
            attendance.makeup_on.isoformat() if attendance.makeup_on else None,
            makeup_on.isoformat(),
        ]
    if attendance.makeup_note != note:
        changes["makeup_note"] = [attendance.makeup_note, note]
    attendance.makeup_on, attendance.makeup_note = makeup_on, note
    db.session.flush()
    audit.record(
        "attendance.makeup", attendance, organization_id=_organization_id(session),
        session_id=session.id, person=attendance.name, changes=changes,
    )
