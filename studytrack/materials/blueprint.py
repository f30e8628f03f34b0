"""The materials blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("materials", __name__)

from studytrack.materials import routes  # noqa: E402,F401
