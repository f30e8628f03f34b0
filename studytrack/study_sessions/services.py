"""Writes to the session record: create, edit, minutes and the lifecycle.

Services check the domain's rules (rules.py), raise DomainError beside the right field, write an
audit event and never commit: the request's unit of work commits once. Every save of an edit
form is compared with the version the user loaded; a stale save raises StaleRecordError (an
errors.StaleVersion) and changes nothing. Creating and publishing a session put the group's
members on its attendance list.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from studytrack import audit, timeutil
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import (
    EDITABLE_SESSION_STATUSES,
    GroupMembership,
    PlanItem,
    SessionKind,
    SessionStatus,
    StudyGroup,
    StudyPlan,
    StudySession,
    User,
)
from studytrack.models.base import utcnow
from studytrack.study_sessions.attendance_services import ensure_roster
from studytrack.study_sessions.rules import (
    CANCEL_REASON_REQUIRED,
    CHAIR_NOT_MEMBER,
    DUE_BEFORE_SESSION,
    ENDS_BEFORE_START,
    MIN_LENGTH_NEGATIVE,
    RECORDER_NOT_MEMBER,
    SessionData,
    StaleRecordError,
    plan_item_elsewhere,
)

# --- create and edit -----------------------------------------------------------------------


def current_member_ids(group: StudyGroup) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(GroupMembership.user_id).where(
                GroupMembership.group_id == group.id, GroupMembership.left_on.is_(None)
            )
        )
    )


def _check(group: StudyGroup, data: SessionData, session: StudySession | None = None) -> None:
    if data.ends_at is not None and data.ends_at < data.starts_at:
        raise DomainError(ENDS_BEFORE_START, field="ends_at")
    if data.reflection_due_on is not None and data.reflection_due_on < data.starts_at.date():
        raise DomainError(DUE_BEFORE_SESSION, field="reflection_due_on")
    if data.min_reflection_chars < 0:
        raise DomainError(MIN_LENGTH_NEGATIVE, field="min_reflection_chars")
    members: set[int] | None = None
    for field, message in (("chair_id", CHAIR_NOT_MEMBER), ("recorder_id", RECORDER_NOT_MEMBER)):
        person = getattr(data, field)
        # Someone who has since left the group may stay named on an older record.
        if person is None or (session is not None and getattr(session, field) == person):
            continue
        if members is None:
            members = current_member_ids(group)
        if person not in members:
            raise DomainError(message, field=field)
    if data.plan_item_id is not None:
        _check_plan_item(group, data.plan_item_id, data.starts_at.year)


def _check_plan_item(group: StudyGroup, item_id: int, year: int) -> None:
    """The item must belong to this group's plan for the (local) year of the session."""
    found = db.session.scalar(
        sa.select(PlanItem.id)
        .join(StudyPlan, PlanItem.plan_id == StudyPlan.id)
        .where(PlanItem.id == item_id, StudyPlan.group_id == group.id, StudyPlan.year == year)
    )
    if found is None:
        raise DomainError(plan_item_elsewhere(year), field="plan_item_id")


def _apply(session: StudySession, data: SessionData) -> dict[str, list[Any]]:
    """Copy `data` onto the session; return the changes as {field: [old, new]} for the log."""
    changes: dict[str, list[Any]] = {}
    values: dict[str, Any] = {f.name: getattr(data, f.name) for f in fields(data)}
    values["starts_at"] = timeutil.local_to_utc(data.starts_at)
    values["ends_at"] = timeutil.local_to_utc(data.ends_at)
    # Naming people in the log may query; a half-filled new session must not be flushed.
    with db.session.no_autoflush:
        for name, new in values.items():
            old = getattr(session, name)
            if old != new:
                changes[name] = [_loggable(name, old), _loggable(name, new)]
                setattr(session, name, new)
    return changes


def _loggable(name: str, value: Any) -> Any:
    """A readable, JSON-friendly value for the audit details."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return timeutil.utc_to_local(value).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if name in ("chair_id", "recorder_id"):
        user = db.session.get(User, value)
        return user.display_name if user else value
    if name == "plan_item_id":
        item = db.session.get(PlanItem, value)
        return item.topic if item else value
    return str(value) if isinstance(value, SessionKind | SessionStatus) else value


def create_session(group: StudyGroup, data: SessionData, created_by: User | None) -> StudySession:
    """A new session of `group`, as a draft only its secretaries see, with the group's members
    on its attendance list (not yet marked)."""
    _check(group, data)
    session = StudySession(
        group=group, status=SessionStatus.DRAFT, created_by_id=getattr(created_by, "id", None)
    )
    changes = _apply(session, data)
    db.session.add(session)
    db.session.flush()
    audit.record(
        "session.create", session, organization_id=group.organization_id,
        session_id=session.id, changes=changes,
    )
    ensure_roster(session)
    return session


def check_version(session: StudySession, expected_version: int | None) -> None:
    if expected_version is None or expected_version != session.version:
        raise StaleRecordError()


def update_session(
    session: StudySession, data: SessionData, expected_version: int | None
) -> dict[str, list[Any]]:
    """Save the edit form, unless the session changed since the user loaded it."""
    check_version(session, expected_version)
    _check(session.group, data, session)
    changes = _apply(session, data)
    if changes:
        db.session.flush()
        audit.record(
            "session.update", session, organization_id=session.group.organization_id,
            session_id=session.id, changes=changes,
        )
    return changes


def normalize_minutes(text: str | None) -> str | None:
    """Plain text: unify line ends, drop trailing spaces, keep paragraphs; empty is None."""
    if text is None:
        return None
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    result = "\n".join(lines).strip("\n")
    return result or None


def save_minutes(session: StudySession, text: str | None, expected_version: int | None) -> bool:
    """Store the minutes (plain text; no markup is interpreted). True when they changed."""
    check_version(session, expected_version)
    minutes = normalize_minutes(text)
    if minutes == session.minutes:
        return False
    old = session.minutes
    session.minutes = minutes
    db.session.flush()
    audit.record(
        "session.minutes", session, organization_id=session.group.organization_id,
        session_id=session.id,
        characters=[len(old or ""), len(minutes or "")],
    )
    return True


# --- lifecycle -----------------------------------------------------------------------------

ALLOWED_FROM: dict[str, frozenset[SessionStatus]] = {
    "publish": frozenset({SessionStatus.DRAFT}),
    "close": frozenset({SessionStatus.PUBLISHED}),
    "reopen": frozenset({SessionStatus.CLOSED}),
    "cancel": frozenset(EDITABLE_SESSION_STATUSES),  # a closed record is locked
}

REFUSED = {
    "publish": _l("Only a draft can be published."),
    "close": _l("Only a published session can be closed."),
    "reopen": _l("Only a closed session can be reopened."),
    "cancel": _l("Only a draft or published session can be cancelled."),
}


def _require_from(session: StudySession, step: str) -> None:
    if session.status not in ALLOWED_FROM[step]:
        raise DomainError(REFUSED[step])


def _transition(session: StudySession, step: str, new_status: SessionStatus,
                **details: Any) -> None:
    _require_from(session, step)
    old = session.status
    session.status = new_status
    db.session.flush()
    audit.record(
        f"session.{step}", session, organization_id=session.group.organization_id,
        session_id=session.id, status=[old.value, new_status.value], **details,
    )


def publish(session: StudySession) -> None:
    """Draft -> published: members of the group see it, and reflections open. Members who
    joined the group since the session was created are put on its attendance list."""
    _require_from(session, "publish")
    session.published_at = utcnow()
    _transition(session, "publish", SessionStatus.PUBLISHED)
    ensure_roster(session)


def close(session: StudySession) -> None:
    """Published -> closed: the record is locked until a secretary reopens it."""
    _require_from(session, "close")
    session.closed_at = utcnow()
    _transition(session, "close", SessionStatus.CLOSED)


def reopen(session: StudySession) -> None:
    """Closed -> published, for a correction; the log keeps when it was closed before."""
    _require_from(session, "reopen")
    closed_at = session.closed_at
    session.closed_at = None
    _transition(
        session, "reopen", SessionStatus.PUBLISHED,
        closed_at=_loggable("closed_at", closed_at),
    )


def cancel(session: StudySession, reason: str | None) -> None:
    """Draft or published -> cancelled. Nothing is deleted; the reason is kept in the log."""
    _require_from(session, "cancel")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(CANCEL_REASON_REQUIRED, field="reason")
    _transition(session, "cancel", SessionStatus.CANCELLED, reason=reason)
