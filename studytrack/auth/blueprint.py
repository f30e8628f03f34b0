"""The auth blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from studytrack.auth import routes  # noqa: E402,F401
