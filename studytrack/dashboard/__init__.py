"""Leadership dashboards: figures for a unit and everything below it, against its targets."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from studytrack.dashboard import routes  # noqa: E402,F401
