"""The leader's dashboard: a unit and everything below it, for a year or a quarter.

/dashboard                        the first unit the user leads (a selector when several);
                                  the roots of the tree for an administrator
/dashboard/units/<id>             any unit within reach (a unit outside it answers 404)
/dashboard/units/<id>.xlsx        the same figures as a workbook, made by a job (POST)
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studytrack import authz, inputs, timeutil
from studytrack.dashboard import export, queries
from studytrack.dashboard.blueprint import bp
from studytrack.dashboard.measures import HEADLINES, MEASURES, TargetTexts
from studytrack.dashboard.metrics import Period
from studytrack.jobs.exports import ask_for_dashboard_workbook
from studytrack.models import Organization

YEARS_SHOWN = 6  # the selector offers this year, next year and the years before


def _period() -> Period:
    """?year=&quarter=; anything unusable falls back to this year, whole year."""
    year = inputs.query_year() or timeutil.today_local().year
    quarter = request.args.get("quarter", type=int)
    return Period(year, quarter if quarter in (1, 2, 3, 4) else None)


def _sort() -> tuple[str | None, bool]:
    key = request.args.get("sort") or None
    if key is not None and key != "name" and key not in {m.key for m in MEASURES}:
        key = None
    return key, request.args.get("dir") == "desc"


def _tree_or_404(org_id: int) -> queries.UnitTree:
    """The unit with what the page needs around it; 404 when out of reach, 403 when reachable
    but the user may not see dashboards (a group's member or secretary)."""
    tree = queries.unit_tree(org_id)
    if tree is None or not authz.can("unit.view", tree.unit):
        abort(404)
    authz.require("dashboard.view", tree.unit)
    return tree


def group_figures_url(group_id: int, period: Period) -> str:
    """The group's figures page (records blueprint), for the same period."""
    return url_for("records.group_figures", group_id=group_id, **_period_args(period))


def _period_args(period: Period) -> dict[str, Any]:
    return {"year": period.year, **({"quarter": period.quarter} if period.quarter else {})}


def _page_url(**changes: Any) -> str:
    """This page with some query arguments changed (None removes one)."""
    args: dict[str, Any] = request.args.to_dict()
    args.update(changes)
    args = {key: value for key, value in args.items() if value not in (None, "")}
    return url_for(str(request.endpoint), **(request.view_args or {}), **args)


def _render(tree: queries.UnitTree, units: list[Organization] | None = None) -> Any:
    period = _period()
    board = queries.dashboard(tree, period)
    sort_key, descending = _sort()
    period_args = _period_args(period)

    def unit_url(org: Organization, anchor: str | None = None) -> str:
        return url_for("dashboard.unit", org_id=org.id, _anchor=anchor, **period_args)

    def sort_url(key: str) -> str:
        flip = key == sort_key and not descending
        return _page_url(sort=key, dir="desc" if flip else "asc") + "#units"

    def row_url(row: queries.Row) -> str | None:
        """Where a row's numbers drill down to: the unit's own dashboard, or for the parent's
        own groups the group's figures (when there is one group; several are listed)."""
        if not row.own_groups:
            return unit_url(row.unit, "units")
        if len(row.groups) == 1:
            return group_figures_url(row.groups[0].id, period)
        return None

    this_year = timeutil.today_local().year
    years = sorted(
        {*range(this_year - YEARS_SHOWN + 2, this_year + 2), period.year}, reverse=True
    )
    return render_template(
        "dashboard/unit.html",
        board=board,
        rows=queries.sort_rows(board.rows, sort_key, descending),
        period=period,
        sort_key=sort_key,
        descending=descending,
        measures=[m.in_language() for m in MEASURES],
        headlines=[board.headline[key] for key in HEADLINES],
        breadcrumb=[u for u in tree.ancestors if authz.can("dashboard.view", u)],
        units=units or [],
        years=years,
        group_figures_url=group_figures_url,
        unit_url=unit_url,
        sort_url=sort_url,
        row_url=row_url,
        page_url=_page_url,
        xlsx_url=url_for("dashboard.unit_xlsx", org_id=tree.unit.id, **period_args),
        chart_data=export.chart_data(board),
        target_text=TargetTexts(),
    )


@bp.get("")
@authz.requires("dashboard.view")
def index() -> Any:
    units, trees = queries.top_units(current_user)
    if not units:
        return render_template("dashboard/empty.html")
    chosen = request.args.get("unit", type=int)
    unit = next((u for u in units if u.id == chosen), units[0])
    return _render(trees[unit.id], units)


@bp.get("/units/<int:org_id>")
@login_required
def unit(org_id: int) -> Any:
    return _render(_tree_or_404(org_id))


@bp.get("/units/<int:org_id>.xlsx")
@login_required
def unit_xlsx(org_id: int) -> Any:
    """An old link to the workbook: the dashboard, whose button has it made."""
    tree = _tree_or_404(org_id)
    flash(_("The workbook is made on request: press “Export to Excel”."), "info")
    return redirect(url_for(".unit", org_id=tree.unit.id, **_period_args(_period())))


@bp.post("/units/<int:org_id>.xlsx")
@login_required
def ask_xlsx(org_id: int) -> Any:
    """The figures as a workbook, made by a job (a province's takes a while): its page shows
    the progress, then the download. A second click while it is made joins it."""
    tree = _tree_or_404(org_id)
    job = ask_for_dashboard_workbook(tree.unit, _period(), current_user)
    return redirect(url_for("jobs.detail", job_id=job.id))
