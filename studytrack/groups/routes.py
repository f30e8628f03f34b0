from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from studytrack import authz, inputs
from studytrack.groups import queries, services
from studytrack.groups.blueprint import bp


@bp.get("/")
@login_required
def index() -> Any:
    summaries = queries.group_summaries(inputs.page_number())
    return render_template("groups/index.html", summaries=summaries)


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


@bp.post("/<int:group_id>/reflection-sharing")
@login_required
def reflection_sharing(group_id: int) -> Any:
    """The secretary decides whether members read each other's accepted reflections."""
    group = authz.group_or_404(group_id)
    authz.require("group.settings", group)
    shared = request.form.get("shared") == "1"
    services.share_reflections(group, shared)
    flash(_("Members now read each other's accepted reflections.") if shared
          else _("Reflections are now read only by their authors, the secretaries and leaders."),
          "success")
    return redirect(url_for("groups.detail", group_id=group.id))
