"""The signed token of a mail's one-click unsubscribe link: who, and which kind of reminder.

It does not expire (an old mail's link still works) and does nothing but turn that kind of
mail off for that person, so it needs no login; it is signed with the app's secret key.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from studytrack.models import ReminderKind

SALT = "studytrack-unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt=SALT)


def unsubscribe_token(user_id: int, kind: ReminderKind) -> str:
    return _serializer().dumps([user_id, kind.value])


def read_unsubscribe_token(token: str) -> tuple[int, ReminderKind] | None:
    """(user id, kind) of a valid token; None for anything else."""
    try:
        user_id, kind = _serializer().loads(token)
        return int(user_id), ReminderKind(kind)
    except (BadSignature, ValueError, TypeError):
        return None
