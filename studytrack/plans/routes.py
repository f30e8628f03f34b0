"""Routes of the plans blueprint: target settings of a unit and of the installation, and a
group's annual study plan with its items.

Who may do what (authz): "target.edit" on an Organization (its leaders and those above,
admins) sets the unit's targets; "admin.manage" sets the installation defaults; "plan.view"
on a group (members, secretaries, leaders above, admins) reads its plans; "plan.edit"
(secretaries, admins) writes them. Every save runs in `attempt`: a refusal goes beside its
field, and a save against an older version of the plan (rules.StalePlanError) keeps the input
and shows the version saved now.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from studytrack import authz, timeutil
from studytrack.extensions import db
from studytrack.models import PlanItem, StudyGroup, StudyPlan, TargetMetric, User
from studytrack.plans import queries, services
from studytrack.plans.blueprint import bp
from studytrack.plans.forms import ItemForm, PlanForm, VersionForm, period_value, targets_form
from studytrack.plans.labels import METRIC_HELP, metric_label, period_label
from studytrack.plans.targets import default_targets, is_rate, target_chain, to_display
from studytrack.study_sessions.queries import member_choices
from studytrack.submissions import once
from studytrack.unit_of_work import attempt


@bp.app_template_filter("plan_period")
def plan_period(item: Any) -> Any:
    """An item's month or quarter, e.g. "Month 3" (3月)."""
    return period_label(item.month, item.quarter)


@bp.app_template_filter("target_value")
def target_value(target: Any) -> str:
    """An EffectiveTarget as people read it: "90 %" or "12"."""
    text = to_display(target.metric, target.value)
    return f"{text} %" if is_rate(target.metric) else text


def _actor() -> User:
    user: User = current_user._get_current_object()  # flask_login has no types
    return user


# --- targets -------------------------------------------------------------------------------


def _metrics() -> list[dict[str, Any]]:
    return [
        {"metric": m, "label": metric_label(m), "help": METRIC_HELP[m], "rate": is_rate(m)}
        for m in TargetMetric
    ]


@bp.route("/organizations/<int:org_id>/targets", methods=["GET", "POST"])
@login_required
def organization_targets(org_id: int) -> Any:
    org = authz.unit_or_404(org_id, "unit.view")
    authz.require("target.edit", org)
    chain = target_chain(org)
    form = targets_form(chain.own) if request.method == "GET" else targets_form({})
    if form.validate_on_submit():
        with attempt(form) as outcome:
            changes = services.set_targets(org, form.values(), _actor())
        if outcome.ok:
            flash(_("The targets of %(unit)s have been saved.", unit=org.name) if changes
                  else _("The targets were not changed."), "success" if changes else "info")
            return redirect(url_for(".organization_targets", org_id=org.id))
    return render_template(
        "plans/targets.html", form=form, organization=org, inherited=chain.inherited,
        metrics=_metrics(),
    )


@bp.route("/admin/targets", methods=["GET", "POST"])
@authz.requires("admin.manage")
def default_targets_page() -> Any:
    own = default_targets()
    form = targets_form(own) if request.method == "GET" else targets_form({})
    if form.validate_on_submit():
        with attempt(form) as outcome:
            changes = services.set_targets(None, form.values(), _actor())
        if outcome.ok:
            flash(_("The installation's default targets have been saved.") if changes
                  else _("The targets were not changed."), "success" if changes else "info")
            return redirect(url_for(".default_targets_page"))
    return render_template("admin/targets.html", form=form, inherited={}, metrics=_metrics())


# --- the plan page -------------------------------------------------------------------------


def _year_or_404(year: int) -> int:
    if not 2000 <= year <= 2100:
        abort(404)
    return year


def _group_or_404(group_id: int, permission: str) -> StudyGroup:
    """The group, if the user may see it (else 404), and may do `permission` on it (else 403)."""
    group = authz.group_or_404(group_id)
    authz.require(permission, group)
    return group


def _plan_url(group_id: int, year: int, anchor: str | None = None) -> str:
    return url_for(".plan", group_id=group_id, year=year, _anchor=anchor)


@bp.get("/groups/<int:group_id>/plans")
@login_required
def current_plan(group_id: int) -> Any:
    group = _group_or_404(group_id, "plan.view")
    return redirect(_plan_url(group.id, timeutil.today_local().year))


@bp.get("/groups/<int:group_id>/plans/<int:year>")
@login_required
def plan(group_id: int, year: int) -> Any:
    group = _group_or_404(group_id, "plan.view")
    today = timeutil.today_local()
    page = queries.plan_page(group, _year_or_404(year), today)
    return render_template(
        "plans/plan.html", page=page, group=group, today=today,
        can_edit=authz.can("plan.edit", group), statuses=queries.ItemStatus,
    )


def _plan_or_404(group: StudyGroup, year: int) -> StudyPlan:
    plan = queries.load_plan(group, _year_or_404(year))
    if plan is None:
        abort(404)
    return plan


@bp.route("/groups/<int:group_id>/plans/<int:year>/new", methods=["GET", "POST"])
@login_required
@once
def create_plan(group_id: int, year: int) -> Any:
    group = _group_or_404(group_id, "plan.edit")
    _year_or_404(year)
    if queries.load_plan(group, year) is not None:
        return redirect(_plan_url(group.id, year))
    form = PlanForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            services.create_plan(
                group, year, title=form.title.data, note=form.note.data, actor=_actor()
            )
        if outcome.ok:
            flash(_("The plan for %(year)d has been created. Add its items now.", year=year),
                  "success")
            return redirect(_plan_url(group.id, year))
    elif request.method == "GET":
        form.title.data = _("%(group)s: study plan %(year)d", group=group.name, year=year)
    return render_template("plans/plan_form.html", form=form, group=group, year=year, plan=None)


@bp.route("/groups/<int:group_id>/plans/<int:year>/edit", methods=["GET", "POST"])
@login_required
def edit_plan(group_id: int, year: int) -> Any:
    group = _group_or_404(group_id, "plan.edit")
    plan = _plan_or_404(group, year)
    form = PlanForm(obj=plan if request.method == "GET" else None)
    conflict = False
    if form.validate_on_submit():
        with attempt(form, record=plan) as outcome:
            services.update_plan(
                plan, expected_version=form.expected_version, title=form.title.data,
                note=form.note.data, actor=_actor(),
            )
        if outcome.ok:
            flash(_("The plan has been saved."), "success")
            return redirect(_plan_url(group.id, year))
        conflict = outcome.conflict
    return render_template(
        "plans/plan_form.html", form=form, group=group, year=year, plan=plan, conflict=conflict
    )


# --- plan items ----------------------------------------------------------------------------


def _item_or_404(item_id: int, permission: str) -> PlanItem:
    """The item, if the user may see its group (else 404) and do `permission` (else 403)."""
    item = db.session.get(PlanItem, item_id, options=queries.ITEM_PAGE)
    if item is None:
        abort(404)
    _group_or_404(item.plan.group_id, permission)
    return item


def _item_form(group: StudyGroup, item: PlanItem | None = None, **kwargs: Any) -> ItemForm:
    keep = (item.responsible_id,) if item is not None else ()
    return ItemForm(member_choices=member_choices(group, keep=keep), **kwargs)


@bp.route("/groups/<int:group_id>/plans/<int:year>/items/new", methods=["GET", "POST"])
@login_required
@once
def add_item(group_id: int, year: int) -> Any:
    group = _group_or_404(group_id, "plan.edit")
    plan = _plan_or_404(group, year)
    form = _item_form(group, data={"kind": "collective", "version": plan.version}
                      if request.method == "GET" else None)
    conflict = False
    if form.validate_on_submit():
        with attempt(form, record=plan) as outcome:
            item = services.add_item(
                plan, form.to_data(), expected_version=form.expected_version, actor=_actor()
            )
        if outcome.ok:
            flash(_("The item has been added to the plan."), "success")
            return redirect(_plan_url(group.id, year, f"item-{item.id}"))
        conflict = outcome.conflict
    return render_template(
        "plans/item_form.html", form=form, group=group, plan=plan, item=None,
        conflict=conflict,
    )


def _item_data(item: PlanItem) -> dict[str, Any]:
    return {
        "period": period_value(item.month, item.quarter),
        "topic": item.topic,
        "kind": item.kind.value,
        "planned_materials": item.planned_materials,
        "responsible_id": item.responsible_id,
        "position": item.position,
        "version": item.plan.version,
    }


@bp.route("/plan-items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(item_id: int) -> Any:
    item = _item_or_404(item_id, "plan.edit")
    group = item.plan.group
    form = _item_form(group, item, data=_item_data(item) if request.method == "GET" else None)
    conflict = False
    if form.validate_on_submit():
        with attempt(form, record=item.plan) as outcome:
            services.update_item(
                item, form.to_data(), expected_version=form.expected_version, actor=_actor()
            )
        if outcome.ok:
            flash(_("The plan item has been saved."), "success")
            return redirect(_plan_url(group.id, item.plan.year, f"item-{item.id}"))
        if outcome.conflict:
            item = _item_or_404(item_id, "plan.edit")  # 404 if it was deleted meanwhile
            conflict = True
    return render_template(
        "plans/item_form.html", form=form, group=group, plan=item.plan, item=item,
        conflict=conflict,
    )


@bp.route("/plan-items/<int:item_id>/delete", methods=["GET", "POST"])
@login_required
def delete_item(item_id: int) -> Any:
    """GET asks for confirmation (naming the sessions that will be unlinked); POST deletes."""
    item = _item_or_404(item_id, "plan.edit")
    plan = item.plan
    group_id, year = plan.group_id, plan.year
    form = VersionForm(data={"version": plan.version} if request.method == "GET" else None)
    if form.validate_on_submit():
        with attempt(form, record=plan) as outcome:
            unlinked = services.delete_item(
                item, expected_version=form.expected_version, actor=_actor()
            )
        if outcome.ok:
            message = _("The item has been deleted from the plan.")
            if unlinked:
                message += " " + ngettext(
                    "%(num)d session that was linked to it is kept, no longer linked.",
                    "%(num)d sessions that were linked to it are kept, no longer linked.",
                    unlinked,
                )
            flash(message, "success")
            return redirect(_plan_url(group_id, year))
        if outcome.conflict:
            item = _item_or_404(item_id, "plan.edit")  # 404 if it was deleted meanwhile
    return render_template(
        "plans/item_delete.html", form=form, item=item, group=item.plan.group,
        plan=item.plan, sessions=queries.linked_sessions(item),
    )
