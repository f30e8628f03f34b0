"""The ops blueprint: create_app imports this module, and it imports the views."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ops", __name__)

from studytrack.ops import routes  # noqa: E402, F401  (routes register on bp)
