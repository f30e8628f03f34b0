"""Administration: the organisation tree, study groups, accounts, memberships, leadership."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from studytrack.admin import (  # noqa: E402,F401
    routes,
    routes_groups,
    routes_organizations,
    routes_users,
)
