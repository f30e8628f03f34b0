"""Annual study plans (年度学习计划) of groups, and the targets units are held to."""

from flask import Blueprint

bp = Blueprint("plans", __name__)

from studytrack.plans import routes  # noqa: E402,F401
