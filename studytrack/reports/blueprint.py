"""The reports blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("reports", __name__)

from studytrack.reports import export_routes, routes  # noqa: E402,F401
