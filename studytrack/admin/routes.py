"""The administration index. The sections live in routes_organizations, routes_groups and
routes_users; every route needs the "admin.manage" permission."""

from __future__ import annotations

from typing import Any

from flask import render_template
from flask_login import login_required

from studytrack.admin import queries
from studytrack.admin.blueprint import bp
from studytrack.authz import requires


@bp.get("/")
@login_required
@requires("admin.manage")
def index() -> Any:
    return render_template("admin/index.html", counts=queries.admin_counts())
