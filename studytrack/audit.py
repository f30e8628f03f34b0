"""Writing the audit trail. Services call record(); it adds to the session and never commits."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_login import current_user

from studytrack.extensions import db
from studytrack.models import AuditEvent


def record(
    action: str,
    obj: Any = None,
    *,
    actor: Any = None,
    organization_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Log `action` ("<object>.<verb>") on `obj` by `actor` (the current user by default)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()  # a new object needs its id before it can be named
    object_type = type(obj).__name__ if obj is not None else ""
    object_id = getattr(obj, "id", None)
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type,
        object_id=object_id,
        organization_id=organization_id,
        details={k: _jsonable(v) for k, v in details.items()},
        session_id=object_id if object_type == "StudySession" else _session_id(details),
    )
    db.session.add(event)
    return event


def _session_id(details: dict[str, Any]) -> int | None:
    """The session a part's event names in its details (services pass `session_id=`)."""
    value = details.get("session_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return str(value)
