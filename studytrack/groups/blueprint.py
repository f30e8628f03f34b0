"""The groups blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("groups", __name__, url_prefix="/groups")

from studytrack.groups import routes  # noqa: E402,F401
