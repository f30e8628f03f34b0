"""Administration: the organisation tree, study groups, accounts, memberships, leadership."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from studytrack.admin import routes  # noqa: E402,F401
