"""The reflections blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("reflections", __name__)

from studytrack.reflections import routes  # noqa: E402,F401
