"""The plans blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("plans", __name__)

from studytrack.plans import routes  # noqa: E402,F401
