"""In-app notifications and the unread count in the navigation."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

from studytrack.notifications import routes  # noqa: E402,F401
