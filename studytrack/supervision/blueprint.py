"""The supervision blueprint: create_app imports this module, and it imports the views."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("supervision", __name__)

from studytrack.supervision import routes  # noqa: E402,F401
