from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import current_user, login_required

from studytrack import authz, inputs
from studytrack.groups import queries as group_queries
from studytrack.home import desk, queries
from studytrack.home.blueprint import bp
from studytrack.timeutil import today_local


@bp.get("/")
@login_required
def index() -> Any:
    """The landing page: what is due for me (reflections to write, returned ones, my tasks),
    recent sessions and my history; then the groups, and the leader's and admin's overviews."""
    roles = authz.roles_anywhere()
    today = today_local()
    return render_template(
        "home/index.html",
        my_roles=roles,
        mine=queries.member_home(current_user, today),
        desk=(desk.secretary_desk(current_user, today)
              if authz.Role.SECRETARY in roles else None),
        today=today,
        summaries=group_queries.group_summaries(per_page=group_queries.GROUPS_ON_HOME),
        units=(queries.units_led(current_user, per_page=queries.UNITS_ON_HOME)
               if authz.Role.LEADER in roles else None),
        counts=queries.site_counts() if authz.Role.ADMIN in roles else None,
    )


@bp.get("/units")
@login_required
def organizations() -> Any:
    units = queries.units_led(current_user, inputs.page_number())
    if units is None:
        authz.require("dashboard.view")
    return render_template("home/organizations.html", units=units)
