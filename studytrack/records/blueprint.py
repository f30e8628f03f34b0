"""The records blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("records", __name__)

from studytrack.records import routes  # noqa: E402,F401
