"""The followups blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("followups", __name__)

from studytrack.followups import routes  # noqa: E402,F401
