"""The administration index, and what every page of it shares. The sections live in
routes_organizations, routes_groups and routes_users; every route needs "admin.manage"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import render_template
from flask_wtf import FlaskForm

from studytrack.admin import queries
from studytrack.admin.blueprint import bp
from studytrack.authz import requires
from studytrack.unit_of_work import attempt

T = TypeVar("T")


def saved(form: FlaskForm, save: Callable[[], T]) -> T | None:
    """What `save()` (the page's one service call) returned, when the form was submitted valid
    and the service accepted it; None otherwise, and the form then holds the errors to show."""
    if not form.validate_on_submit():
        return None
    with attempt(form) as outcome:
        result = save()
    return result if outcome.ok else None


@bp.get("/")
@requires("admin.manage")
def index() -> Any:
    return render_template("admin/index.html", counts=queries.admin_counts())
