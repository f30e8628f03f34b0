from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import login_required

from studytrack import authz
from studytrack.groups import queries
from studytrack.groups.blueprint import bp


@bp.get("/")
@login_required
def index() -> Any:
    return render_template("groups/index.html", summaries=queries.group_summaries())


@bp.get("/<int:group_id>")
@login_required
def detail(group_id: int) -> Any:
    group = authz.group_or_404(group_id)
    return render_template(
        "groups/detail.html",
        group=group,
        members=queries.group_members(group),
        sessions=queries.recent_sessions(group),
    )
