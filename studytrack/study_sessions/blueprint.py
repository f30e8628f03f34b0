"""The study_sessions blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("study_sessions", __name__)

from studytrack.study_sessions import attendance_routes, routes, talk_routes  # noqa: E402,F401
