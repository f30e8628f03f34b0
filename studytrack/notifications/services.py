"""Writing notifications. Callers pass the kind and the objects; the text is rendered on display."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from studytrack.extensions import db
from studytrack.models import Notification, NotificationKind, User


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
