"""The dashboard blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from studytrack.dashboard import routes  # noqa: E402,F401
