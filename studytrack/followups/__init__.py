"""Follow-up tasks (工作部署 / 督办事项) assigned at sessions, and each person's task list."""

from flask import Blueprint

bp = Blueprint("followups", __name__)

from studytrack.followups import routes  # noqa: E402,F401
