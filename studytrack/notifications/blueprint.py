"""The notifications blueprint: create_app imports this module, and it imports the views."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def unread_notification_count() -> int | None:
    """The current user's unread count (loaded with the user: security.load_user), else read
    once per request; None for anonymous visitors."""
    user = current_user._get_current_object()
    if user is None or not user.is_authenticated:
        return None
    loaded: int | None = user.unread_notifications
    if loaded is not None:
        return loaded
    if "unread_notifications" not in g:
        from studytrack.extensions import db
        from studytrack.notifications.queries import unread_count

        try:
            g.unread_notifications = unread_count(user)
        except SQLAlchemyError:  # an error page after a failed transaction still renders
            db.session.rollback()
            g.unread_notifications = None
    count: int | None = g.unread_notifications
    return count


@bp.app_context_processor
def _notification_globals() -> dict[str, Any]:
    """The navigation's bell: read here, before the page renders, not by the template."""
    return {"unread_notifications": unread_notification_count() or 0}


from studytrack.notifications import routes  # noqa: E402,F401
