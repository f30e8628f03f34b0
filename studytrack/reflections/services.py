"""Writes for reflections (心得体会). Services add and flush, raise DomainError with a translatable
message, write the audit trail and the notifications, and never commit.

The flow::

    (nothing) ──save_draft──▶ draft ──submit──▶ submitted ──accept──▶ accepted
                                ▲                   │
                                │                   └──return (comment)──▶ returned
                                └────────── revise and submit again ◀────────┘

Who may write is the policy's ("reflection.write": the roster's `Attendance.owes_reflection`,
the session's and the reflection's status); the services check the same rules again, whoever
calls them, and say what was broken. Reflections are written and submitted while the session is
published; a submitted one is read-only until a study secretary returns it.

Character count (字数): every character that is not whitespace counts as one — a Chinese
character, a Latin letter, a digit, a punctuation mark, an emoji. Whitespace (spaces, line
breaks, the full-width space U+3000) does not count, and neither do the invisible joiners of
emoji sequences (U+200D, U+FEFF, variation selectors U+FE00–FE0F), so "👍" and "❤️" count one.
studytrack/static/js/reflection_editor.js counts the same way for the live counter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from studytrack import audit
from studytrack.errors import DomainError, StaleVersion
from studytrack.extensions import db
from studytrack.labels import label
from studytrack.models import (
    Attendance,
    GroupMembership,
    GroupRole,
    NotificationKind,
    Reflection,
    ReflectionStatus,
    SessionStatus,
    StudySession,
    User,
)
from studytrack.notifications.services import notify
from studytrack.reflections.rules import BODY_MAX, COMMENT_MAX, NEEDS_COMMENT, TITLE_MAX
from studytrack.timeutil import local_date_of, now_utc

_NOT_COUNTED = frozenset("\u200d\ufeff") | frozenset(chr(c) for c in range(0xFE00, 0xFE10))

CLOSED = _l(
    "This session is closed: reflections can no longer be saved or submitted. Your text is "
    "kept below; copy it if you want to keep it."
)
NOT_OPEN = _l("This session is not open for reflections.")
NOT_REQUIRED = _l(
    "You are not asked to write a reflection for this session: reflections are written by those "
    "who attended, or who were absent or on leave and have recorded their make-up study."
)
READ_ONLY = _l(
    "Your reflection has been handed in and can no longer be changed, unless the study "
    "secretary returns it for revision."
)


class StaleReflection(StaleVersion):
    """The reflection was saved elsewhere (another tab or device) since this editor loaded it."""

    def __init__(self, reflection: Reflection | None) -> None:
        super().__init__(
            _l(
                "Your reflection was saved from another tab or device after this page was "
                "opened. Your text is kept here; compare it with the saved version, then save "
                "again to keep yours."
            )
        )
        self.reflection = reflection


def count_characters(text: str | None) -> int:
    """字数: the characters that are neither whitespace nor invisible joiners (module doc)."""
    return sum(1 for ch in text or "" if not ch.isspace() and ch not in _NOT_COUNTED)


def normalize_body(text: str | None) -> str:
    """The text as written; only browsers' CR LF line ends become LF."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


# --- reads the rules need -----------------------------------------------------------------------


def attendance_of(session: StudySession, user: User) -> Attendance | None:
    return db.session.scalar(
        sa.select(Attendance).where(
            Attendance.session_id == session.id, Attendance.user_id == user.id
        )
    )


def reflection_of(session: StudySession, user: User) -> Reflection | None:
    return db.session.scalar(
        sa.select(Reflection).where(
            Reflection.session_id == session.id, Reflection.author_id == user.id
        )
    )


def _check_open(session: StudySession) -> None:
    if session.status == SessionStatus.CLOSED:
        raise DomainError(CLOSED, field="body")
    if session.status != SessionStatus.PUBLISHED:
        raise DomainError(NOT_OPEN, field="body")


def _check_required(session: StudySession, author: User) -> None:
    attendance = attendance_of(session, author)
    if attendance is None or not attendance.owes_reflection:
        raise DomainError(NOT_REQUIRED)


def _check_writable(reflection: Reflection) -> None:
    if not reflection.is_writable:
        raise DomainError(READ_ONLY)


# --- writing ------------------------------------------------------------------------------------


def save_draft(
    session: StudySession,
    author: User,
    title: str | None,
    body: str | None,
    expected_version: int | None = None,
) -> Reflection:
    """Create or update `author`'s one reflection on `session` (status stays draft or returned).

    `expected_version` is the version the editor loaded (None: it saw no reflection yet); any
    other version raises StaleReflection and nothing is changed. Saving the same text again
    changes nothing (no new version).
    """
    _check_open(session)
    _check_required(session, author)
    reflection = reflection_of(session, author)
    if reflection is not None:
        _check_writable(reflection)
    if (reflection.version if reflection is not None else None) != expected_version:
        raise StaleReflection(reflection)
    title = (title or "").strip() or None
    if title is not None and len(title) > TITLE_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=TITLE_MAX), field="title")
    body = normalize_body(body)
    if len(body) > BODY_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=BODY_MAX), field="body")
    if reflection is None:
        reflection = Reflection(
            session=session, author=author, title=title, body=body,
            char_count=count_characters(body), status=ReflectionStatus.DRAFT,
        )
        db.session.add(reflection)
        db.session.flush()
        audit.record(
            "reflection.create", reflection, actor=author,
            organization_id=session.group.organization_id, session_id=session.id,
            characters=reflection.char_count,
        )
        return reflection
    # A draft is the member's working copy: saved every few seconds, it is not logged each time
    # (the audit trail records creating, submitting and reviewing).
    reflection.title = title
    reflection.body = body
    reflection.char_count = count_characters(body)
    db.session.flush()
    return reflection


def submit(reflection: Reflection, *, now: datetime | None = None) -> Reflection:
    """Hand the reflection in: checks the session, the author, the minimum length; marks it late
    when the local date (Asia/Shanghai) is after the due date. A resubmission after a return
    keeps the first submission's lateness: the return was the reviewer's request."""
    session = reflection.session
    _check_open(session)
    _check_required(session, reflection.author)
    _check_writable(reflection)
    if (refusal := too_short_to_hand_in(reflection)) is not None:
        raise refusal
    now = now or now_utc()
    resubmission = reflection.status == ReflectionStatus.RETURNED
    if not resubmission:
        due = session.reflection_due_on
        local_day = local_date_of(now)
        reflection.is_late = bool(due and local_day and local_day > due)
    source = reflection.status
    reflection.status = ReflectionStatus.SUBMITTED
    reflection.submitted_at = now
    db.session.flush()
    audit.record(
        "reflection.submit", reflection, actor=reflection.author,
        organization_id=session.group.organization_id, session_id=session.id,
        **{"from": source.value, "to": ReflectionStatus.SUBMITTED.value},
        characters=reflection.char_count, late=reflection.is_late,
    )
    secretaries = [s for s in current_secretaries(session) if s != reflection.author_id]
    notify(
        secretaries, NotificationKind.REFLECTION_SUBMITTED,
        session_id=session.id, reflection_id=reflection.id,
        author=reflection.author.display_name, topic=session.topic,
        resubmission=resubmission, late=reflection.is_late,
    )
    return reflection


def too_short_to_hand_in(reflection: Reflection) -> DomainError | None:
    """The refusal when the saved text is shorter than the session asks for, else None.

    The editor asks before submitting: the draft is saved all the same (the message says so),
    and only its submission is refused."""
    minimum = reflection.session.min_reflection_chars or 0
    if reflection.char_count >= minimum:
        return None
    return DomainError(
        _l(
            "Your reflection has %(count)d characters; this session asks for at least "
            "%(min)d. Your text is saved as a draft.",
            count=reflection.char_count, min=minimum,
        ),
        field="body",
    )


def current_secretaries(session: StudySession) -> list[int]:
    """Ids of the group's current, active study secretaries."""
    return list(
        db.session.scalars(
            sa.select(GroupMembership.user_id)
            .join(User, User.id == GroupMembership.user_id)
            .where(
                GroupMembership.group_id == session.group_id,
                GroupMembership.role == GroupRole.SECRETARY,
                GroupMembership.left_on.is_(None),
                User.active,
            )
            .order_by(GroupMembership.user_id)
        )
    )


# --- reviewing ----------------------------------------------------------------------------------


def _check_reviewable(reflection: Reflection, reviewer: User) -> None:
    if reflection.status != ReflectionStatus.SUBMITTED:
        raise DomainError(_l("Only a submitted reflection can be reviewed; this one is %(state)s.",
                             state=_state_name(reflection.status)))
    if reflection.author_id == reviewer.id:
        raise DomainError(_l("You cannot review your own reflection."))
    if not reflection.session.is_held:
        raise DomainError(NOT_OPEN)


def accept(reflection: Reflection, reviewer: User, comment: str | None = None) -> Reflection:
    """Accept a submitted reflection (also after the session is closed). An optional comment
    replaces the comment of an earlier return."""
    _check_reviewable(reflection, reviewer)
    comment = (comment or "").strip() or None
    _review(reflection, reviewer, ReflectionStatus.ACCEPTED, comment, "reflection.accept")
    notify(
        [reflection.author_id], NotificationKind.REFLECTION_ACCEPTED,
        session_id=reflection.session_id, reflection_id=reflection.id,
        topic=reflection.session.topic, reviewer=reviewer.display_name,
    )
    return reflection


def return_for_revision(reflection: Reflection, reviewer: User, comment: str | None) -> Reflection:
    """Send a submitted reflection back to its author with a comment saying what to revise.
    Only while the session is published: after closing, the author could not revise it."""
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(NEEDS_COMMENT, field="comment")
    if len(comment) > COMMENT_MAX:
        raise DomainError(_l("At most %(n)d characters.", n=COMMENT_MAX), field="comment")
    _check_reviewable(reflection, reviewer)
    if reflection.session.status != SessionStatus.PUBLISHED:
        raise DomainError(_l(
            "This session is closed, so the member could not revise the reflection. Accept it, "
            "or reopen the session first."
        ))
    _review(reflection, reviewer, ReflectionStatus.RETURNED, comment, "reflection.return")
    notify(
        [reflection.author_id], NotificationKind.REFLECTION_RETURNED,
        session_id=reflection.session_id, reflection_id=reflection.id,
        topic=reflection.session.topic, reviewer=reviewer.display_name, comment=comment,
    )
    return reflection


def _review(
    reflection: Reflection, reviewer: User, target: ReflectionStatus, comment: str | None,
    action: str,
) -> None:
    source = reflection.status
    reflection.status = target
    reflection.reviewer = reviewer
    reflection.reviewed_at = now_utc()
    reflection.review_comment = comment
    db.session.flush()
    audit.record(
        action, reflection, actor=reviewer,
        organization_id=reflection.session.group.organization_id,
        session_id=reflection.session_id, author=reflection.author.display_name,
        **{"from": source.value, "to": target.value}, comment=comment,
    )


def _state_name(status: ReflectionStatus) -> Any:
    return label(status)
