"""Study groups and who belongs to them, with their role and title."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from studytrack.admin import queries, services
from studytrack.admin.blueprint import bp
from studytrack.admin.forms import (
    AddMemberForm,
    GroupFilterForm,
    GroupForm,
    MembershipForm,
    show_error,
)
from studytrack.authz import requires
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import GroupMembership, Organization, StudyGroup, User


@bp.get("/groups")
@login_required
@requires("admin.manage")
def groups() -> Any:
    form = GroupFilterForm(request.args, units=queries.unit_options())
    organization_id = form.organization_id.data if form.validate() else None
    return render_template(
        "admin/groups.html", form=form, organization_id=organization_id,
        groups=queries.group_rows(organization_id),
    )


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
@requires("admin.manage")
def new_group() -> Any:
    form = GroupForm(
        units=queries.unit_options(),
        organization_id=request.args.get("organization_id", type=int),
    )
    if form.validate_on_submit():
        try:
            group = services.create_group(
                db.get_or_404(Organization, form.organization_id.data), form.name.data,
                description=form.description.data, is_active=form.is_active.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Study group “%(name)s” created.", name=group.name), "success")
            return redirect(url_for(".group", group_id=group.id))
    return render_template("admin/group_form.html", form=form, group=None)


@bp.get("/groups/<int:group_id>")
@login_required
@requires("admin.manage")
def group(group_id: int) -> Any:
    group = db.get_or_404(StudyGroup, group_id)
    return _group_page(group, AddMemberForm(users=queries.user_options()))


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@login_required
@requires("admin.manage")
def edit_group(group_id: int) -> Any:
    group = db.get_or_404(StudyGroup, group_id)
    form = GroupForm(obj=group, units=queries.unit_options())
    if form.validate_on_submit():
        try:
            services.update_group(
                group, organization=db.get_or_404(Organization, form.organization_id.data),
                name=form.name.data, description=form.description.data,
                is_active=form.is_active.data,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Study group “%(name)s” saved.", name=group.name), "success")
            return redirect(url_for(".group", group_id=group.id))
    return render_template("admin/group_form.html", form=form, group=group)


@bp.post("/groups/<int:group_id>/members")
@login_required
@requires("admin.manage")
def add_member(group_id: int) -> Any:
    group = db.get_or_404(StudyGroup, group_id)
    form = AddMemberForm(users=queries.user_options())
    if form.validate_on_submit():
        user = db.get_or_404(User, form.user_id.data)
        try:
            services.add_member(
                group, user, role=form.role.data, title=form.title.data,
                sort_order=form.sort_order.data or 0,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("%(name)s added to the group.", name=user.display_name), "success")
            return redirect(url_for(".group", group_id=group.id))
    return _group_page(group, form)


@bp.route("/memberships/<int:membership_id>/edit", methods=["GET", "POST"])
@login_required
@requires("admin.manage")
def edit_membership(membership_id: int) -> Any:
    membership = _current_membership_or_404(membership_id)
    form = MembershipForm(obj=membership)
    if form.validate_on_submit():
        services.update_membership(
            membership, role=form.role.data, title=form.title.data,
            sort_order=form.sort_order.data or 0,
        )
        db.session.commit()
        flash(_("Membership of %(name)s saved.", name=membership.user.display_name), "success")
        return redirect(url_for(".group", group_id=membership.group_id))
    return render_template("admin/membership_form.html", form=form, membership=membership)


@bp.post("/memberships/<int:membership_id>/remove")
@login_required
@requires("admin.manage")
def remove_member(membership_id: int) -> Any:
    membership = _current_membership_or_404(membership_id)
    services.remove_member(membership)
    db.session.commit()
    flash(_("%(name)s removed from the group.", name=membership.user.display_name), "success")
    return redirect(url_for(".group", group_id=membership.group_id))


def _group_page(group: StudyGroup, form: AddMemberForm) -> Any:
    return render_template(
        "admin/group.html", group=group, members=queries.group_members(group), form=form
    )


def _current_membership_or_404(membership_id: int) -> GroupMembership:
    """Former memberships are history: they are not edited or removed again."""
    membership = db.get_or_404(GroupMembership, membership_id)
    if membership.left_on is not None:
        abort(404)
    return membership
