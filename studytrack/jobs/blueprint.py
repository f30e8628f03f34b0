"""The jobs blueprint: create_app imports this module, and it imports the views."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

from studytrack.jobs import routes  # noqa: E402,F401
