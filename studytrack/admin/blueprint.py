"""The admin blueprint: create_app imports this module, and it imports the views."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from studytrack.admin import (  # noqa: E402,F401
    routes,
    routes_groups,
    routes_organizations,
    routes_users,
)
