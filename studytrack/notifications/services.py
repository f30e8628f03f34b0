"""Writing notifications. Callers pass the kind and the objects; the text is rendered on display."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa

from studytrack.extensions import db
from studytrack.models import Notification, NotificationKind, User
from studytrack.models.base import utcnow


def notify(
    recipients: Iterable[User | int],
    kind: NotificationKind,
    *,
    session_id: int | None = None,
    reflection_id: int | None = None,
    task_id: int | None = None,
    **details: Any,
) -> list[Notification]:
    """Add one notification per recipient (flushed, not committed: the caller commits)."""
    notes = [
        Notification(
            user_id=r if isinstance(r, int) else r.id, kind=kind, session_id=session_id,
            reflection_id=reflection_id, task_id=task_id, details=details,
        )
        for r in dict.fromkeys(recipients)
    ]
    db.session.add_all(notes)
    db.session.flush()
    return notes


def mark_read(notification: Notification, now: datetime | None = None) -> bool:
    """Mark one notification read (its first reading time is kept). True if it was unread."""
    if notification.read_at is not None:
        return False
    notification.read_at = now or utcnow()
    db.session.flush()
    return True


def mark_all_read(user: User | int, now: datetime | None = None) -> int:
    """Mark every unread notification of `user` read, in one UPDATE; returns how many."""
    user_id = user if isinstance(user, int) else user.id
    # An UPDATE's result is a CursorResult, which Session.execute's stubs do not say (SQLAlchemy
    # casts the same way in Query.update)
    result = cast(sa.CursorResult[*tuple[Any, ...]], db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session="fetch")
    ))
    return int(result.rowcount or 0)
