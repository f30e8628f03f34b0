"""Study sessions: the record of each meeting, its attendance, talks and minutes."""

from flask import Blueprint

bp = Blueprint("study_sessions", __name__)

from studytrack.study_sessions import attendance_routes, routes, talk_routes  # noqa: E402,F401
