"""Logging in and out, passwords, and the language choice."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from studytrack.auth import routes  # noqa: E402,F401
