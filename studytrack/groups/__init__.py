"""Study groups a person can open: their members and their sessions."""

from flask import Blueprint

bp = Blueprint("groups", __name__, url_prefix="/groups")

from studytrack.groups import routes  # noqa: E402,F401
