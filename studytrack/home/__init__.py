"""The landing page for each role, and the leader's view of the units below."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from studytrack.home import routes  # noqa: E402,F401
