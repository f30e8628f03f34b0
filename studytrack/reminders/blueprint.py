"""The reminders blueprint: create_app imports this module, and it imports the views."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reminders", __name__)

from studytrack.reminders import calendar_routes, robot_routes, routes  # noqa: E402,F401
