"""Units of the organisation tree and who leads them."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from studytrack.admin import queries, services
from studytrack.admin.blueprint import bp
from studytrack.admin.forms import GrantLeadershipForm, OrganizationForm, show_error
from studytrack.authz import requires
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import LeadershipRole, Organization, User


@bp.get("/organizations")
@login_required
@requires("admin.manage")
def organizations() -> Any:
    return render_template("admin/organizations.html", units=queries.organization_tree())


@bp.route("/organizations/new", methods=["GET", "POST"])
@login_required
@requires("admin.manage")
def new_organization() -> Any:
    form = OrganizationForm(
        units=queries.unit_options(), parent_id=request.args.get("parent_id", type=int)
    )
    if form.validate_on_submit():
        try:
            org = services.create_organization(
                form.name.data, kind=form.kind.data, parent=_parent(form),
                short_name=form.short_name.data, sort_order=form.sort_order.data or 0,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Unit “%(name)s” created.", name=org.name), "success")
            return redirect(url_for(".organization", organization_id=org.id))
    return render_template("admin/organization_form.html", form=form, organization=None)


@bp.get("/organizations/<int:organization_id>")
@login_required
@requires("admin.manage")
def organization(organization_id: int) -> Any:
    org = db.get_or_404(Organization, organization_id)
    return _organization_page(org, GrantLeadershipForm(users=queries.user_options()))


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@login_required
@requires("admin.manage")
def edit_organization(organization_id: int) -> Any:
    org = db.get_or_404(Organization, organization_id)
    form = OrganizationForm(obj=org, units=queries.unit_options())
    if form.validate_on_submit():
        try:
            services.update_organization(
                org, name=form.name.data, kind=form.kind.data, parent=_parent(form),
                short_name=form.short_name.data, sort_order=form.sort_order.data or 0,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Unit “%(name)s” saved.", name=org.name), "success")
            return redirect(url_for(".organization", organization_id=org.id))
    return render_template("admin/organization_form.html", form=form, organization=org)


@bp.post("/organizations/<int:organization_id>/activate")
@login_required
@requires("admin.manage")
def activate_organization(organization_id: int) -> Any:
    return _set_active(organization_id, True)


@bp.post("/organizations/<int:organization_id>/deactivate")
@login_required
@requires("admin.manage")
def deactivate_organization(organization_id: int) -> Any:
    return _set_active(organization_id, False)


@bp.post("/organizations/<int:organization_id>/leaders")
@login_required
@requires("admin.manage")
def grant_leadership(organization_id: int) -> Any:
    org = db.get_or_404(Organization, organization_id)
    form = GrantLeadershipForm(users=queries.user_options())
    if form.validate_on_submit():
        user = db.get_or_404(User, form.user_id.data)
        try:
            services.grant_leadership(user, org)
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s now leads this unit.", name=user.display_name), "success")
            return redirect(url_for(".organization", organization_id=org.id))
    return _organization_page(org, form)


@bp.post("/leadership/<int:role_id>/revoke")
@login_required
@requires("admin.manage")
def revoke_leadership(role_id: int) -> Any:
    role = db.get_or_404(LeadershipRole, role_id)
    organization_id, name = role.organization_id, role.user.display_name
    services.revoke_leadership(role)
    db.session.commit()
    flash(_("%(name)s no longer leads this unit.", name=name), "success")
    return redirect(url_for(".organization", organization_id=organization_id))


def _organization_page(org: Organization, form: GrantLeadershipForm) -> Any:
    return render_template(
        "admin/organization.html", organization=org, detail=queries.unit_detail(org),
        form=form,
    )


def _parent(form: OrganizationForm) -> Organization | None:
    """The chosen parent; the select only offers existing units."""
    if form.parent_id.data is None:
        return None
    return db.session.get(Organization, form.parent_id.data)


def _set_active(organization_id: int, active: bool) -> Any:
    org = db.get_or_404(Organization, organization_id)
    services.set_organization_active(org, active)
    db.session.commit()
    if active:
        flash(_("Unit “%(name)s” activated.", name=org.name), "success")
    else:
        flash(_("Unit “%(name)s” deactivated.", name=org.name), "success")
    return redirect(url_for(".organization", organization_id=org.id))
