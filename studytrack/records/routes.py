"""Routes of the records blueprint: a member's yearly study record (个人学习档案) and the
secretary's view of their group's figures, with who still owes what; each with its Excel file.

Who may see what (authz): "record.view" on a User — the person themself, the secretaries of
any group they are or were in, leaders above those groups, admins; anyone else gets 404 (the
page does not say the person exists). "group.view_records" on a group — its secretaries,
leaders above, admins; members get 403, and a group out of reach 404.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_login import login_required
from sqlalchemy.orm import joinedload

from studytrack import authz, inputs
from studytrack.dashboard.figures import Period
from studytrack.exports.common import safe_filename_part
from studytrack.exports.tables import send_workbook, workbook
from studytrack.models import StudyGroup
from studytrack.records import export, person_queries, queries
from studytrack.records.blueprint import bp
from studytrack.timeutil import today_local


def _period(allow_quarter: bool) -> Period:
    """The period asked for (?year=&quarter=): this year by default; nonsense is ignored."""
    year = inputs.query_year() or today_local().year
    quarter = request.args.get("quarter", type=int) if allow_quarter else None
    return Period(year, quarter if quarter in (1, 2, 3, 4) else None)


def _group_for_records(group_id: int) -> StudyGroup:
    group = authz.group_or_404(group_id, joinedload(StudyGroup.organization))  # in the title
    authz.require("group.view_records", group)
    return group


# --- a member's yearly record --------------------------------------------------------------


@bp.get("/people/<int:user_id>/record")
@login_required
def person(user_id: int) -> Any:
    person = authz.person_or_404(user_id)
    record = person_queries.person_record(person, _period(allow_quarter=False), today_local())
    return render_template("records/person.html", record=record)


@bp.get("/people/<int:user_id>/record.xlsx")
@login_required
def person_xlsx(user_id: int) -> Any:
    person = authz.person_or_404(user_id)
    record = person_queries.person_record(person, _period(allow_quarter=False), today_local())
    name = safe_filename_part(person.display_name) or person.username
    return send_workbook(
        workbook(export.person_sheets(record)),
        f"{record.period.year}年 {name} 个人学习档案.xlsx",
    )


# --- the secretary's view of one group ---------------------------------------------------------


@bp.get("/groups/<int:group_id>/figures")
@login_required
def group_figures(group_id: int) -> Any:
    group = _group_for_records(group_id)
    today = today_local()
    return render_template(
        "records/group_figures.html",
        data=queries.group_figures(group, _period(allow_quarter=True), today,
                                   owed_shown=queries.OWED_SHOWN),
        years=queries.recent_years(today),
    )


@bp.get("/groups/<int:group_id>/figures.xlsx")
@login_required
def group_figures_xlsx(group_id: int) -> Any:
    group = _group_for_records(group_id)
    data = queries.group_figures(group, _period(allow_quarter=True), today_local())
    name = safe_filename_part(group.name) or str(group.id)
    return send_workbook(
        workbook(export.group_sheets(data)),
        f"{export.period_label(data.period)} {name} 学习情况.xlsx",
    )
