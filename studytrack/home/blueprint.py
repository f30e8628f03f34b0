"""The home blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from studytrack.home import routes  # noqa: E402,F401
