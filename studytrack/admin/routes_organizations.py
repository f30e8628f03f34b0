"""Units of the organisation tree and who leads them."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from studytrack import inputs
from studytrack.admin import queries, services
from studytrack.admin.blueprint import bp
from studytrack.admin.forms import (
    GrantLeadershipForm,
    OrganizationForm,
    UnitSearchForm,
)
from studytrack.admin.routes import saved
from studytrack.authz import requires
from studytrack.extensions import db
from studytrack.models import LeadershipRole, Organization, User
from studytrack.pickers import matches_fragment
from studytrack.submissions import once
from studytrack.unit_of_work import attempt


@bp.get("/organizations")
@requires("admin.manage")
def organizations() -> Any:
    units = queries.organization_tree(inputs.page_number())
    return render_template("admin/organizations.html", units=units)


@bp.route("/organizations/new", methods=["GET", "POST"])
@requires("admin.manage")
@once
def new_organization() -> Any:
    form = OrganizationForm(parent_id=inputs.query_id("parent_id"))
    org = saved(form, lambda: services.create_organization(**_unit_fields(form)))
    if org is None:
        return render_template("admin/organization_form.html", form=form, organization=None)
    flash(_("Unit “%(name)s” created.", name=org.name), "success")
    return redirect(url_for(".organization", organization_id=org.id))


@bp.get("/units/search")
@requires("admin.manage")
def search_units() -> Any:
    """The matches of a unit picker (parent_id or organization_id, by the text sent)."""
    form = UnitSearchForm(request.args)
    field = form.parent_id if "parent_id-search" in request.args else form.organization_id
    return matches_fragment(field)


@bp.get("/organizations/<int:organization_id>")
@requires("admin.manage")
def organization(organization_id: int) -> Any:
    org = db.get_or_404(Organization, organization_id)
    return _organization_page(org, GrantLeadershipForm(people=queries.leader_candidates(org)))


@bp.get("/organizations/<int:organization_id>/leaders/search")
@requires("admin.manage")
def search_leaders(organization_id: int) -> Any:
    """The "grant leadership" picker's matches for the text typed (an htmx fragment)."""
    org = db.get_or_404(Organization, organization_id)
    form = GrantLeadershipForm(request.args, people=queries.leader_candidates(org))
    return matches_fragment(form.user_id)


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@requires("admin.manage")
def edit_organization(organization_id: int) -> Any:
    org = db.get_or_404(Organization, organization_id)
    form = OrganizationForm(obj=org)
    if saved(form, lambda: services.update_organization(org, **_unit_fields(form))) is None:
        return render_template("admin/organization_form.html", form=form, organization=org)
    flash(_("Unit “%(name)s” saved.", name=org.name), "success")
    return redirect(url_for(".organization", organization_id=org.id))


@bp.post("/organizations/<int:organization_id>/activate")
@requires("admin.manage")
def activate_organization(organization_id: int) -> Any:
    return _set_active(organization_id, True)


@bp.post("/organizations/<int:organization_id>/deactivate")
@requires("admin.manage")
def deactivate_organization(organization_id: int) -> Any:
    return _set_active(organization_id, False)


@bp.post("/organizations/<int:organization_id>/leaders")
@requires("admin.manage")
def grant_leadership(organization_id: int) -> Any:
    org = db.get_or_404(Organization, organization_id)
    form = GrantLeadershipForm(people=queries.leader_candidates(org))
    role = saved(form, lambda: services.grant_leadership(
        db.get_or_404(User, form.user_id.data), org
    ))
    if role is None:
        return _organization_page(org, form)
    flash(_("%(name)s now leads this unit.", name=role.user.display_name), "success")
    return redirect(url_for(".organization", organization_id=org.id))


@bp.post("/leadership/<int:role_id>/revoke")
@requires("admin.manage")
def revoke_leadership(role_id: int) -> Any:
    role = db.get_or_404(LeadershipRole, role_id)
    organization_id, name = role.organization_id, role.user.display_name
    with attempt() as outcome:
        services.revoke_leadership(role)
    if outcome.ok:
        flash(_("%(name)s no longer leads this unit.", name=name), "success")
    return redirect(url_for(".organization", organization_id=organization_id))


def _organization_page(org: Organization, form: GrantLeadershipForm) -> Any:
    return render_template(
        "admin/organization.html", organization=org, detail=queries.unit_detail(org),
        form=form,
    )


def _unit_fields(form: OrganizationForm) -> dict[str, Any]:
    parent_id = form.parent_id.data  # the select offers only existing units
    return {
        "name": form.name.data,
        "kind": form.kind.data,
        "parent": db.session.get(Organization, parent_id) if parent_id is not None else None,
        "short_name": form.short_name.data,
        "sort_order": form.sort_order.data or 0,
    }


def _set_active(organization_id: int, active: bool) -> Any:
    org = db.get_or_404(Organization, organization_id)
    with attempt() as outcome:
        services.set_organization_active(org, active)
    if outcome.ok:
        flash(_("Unit “%(name)s” activated.", name=org.name) if active
              else _("Unit “%(name)s” deactivated.", name=org.name), "success")
    return redirect(url_for(".organization", organization_id=org.id))
