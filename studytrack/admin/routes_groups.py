"""Study groups and who belongs to them, with their role and title."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from studytrack import inputs
from studytrack.admin import queries, services
from studytrack.admin.blueprint import bp
from studytrack.admin.forms import AddMemberForm, GroupFilterForm, GroupForm, MembershipForm
from studytrack.admin.routes import saved
from studytrack.authz import requires
from studytrack.extensions import db
from studytrack.models import GroupMembership, Organization, StudyGroup, User
from studytrack.pickers import matches_fragment
from studytrack.submissions import once
from studytrack.unit_of_work import attempt


@bp.get("/groups")
@requires("admin.manage")
def groups() -> Any:
    form = GroupFilterForm(request.args)
    organization_id = form.organization_id.data if form.validate() else None
    return render_template(
        "admin/groups.html", form=form, organization_id=organization_id,
        groups=queries.group_page(organization_id, inputs.page_number()),
    )


@bp.route("/groups/new", methods=["GET", "POST"])
@requires("admin.manage")
@once
def new_group() -> Any:
    form = GroupForm(organization_id=inputs.query_id("organization_id"))
    group = saved(form, lambda: services.create_group(
        db.get_or_404(Organization, form.organization_id.data), form.name.data,
        description=form.description.data, is_active=form.is_active.data,
        members_read_reflections=form.members_read_reflections.data,
    ))
    if group is None:
        return render_template("admin/group_form.html", form=form, group=None)
    flash(_("Study group “%(name)s” created.", name=group.name), "success")
    return redirect(url_for(".group", group_id=group.id))


@bp.get("/groups/<int:group_id>")
@requires("admin.manage")
def group(group_id: int) -> Any:
    group = db.get_or_404(StudyGroup, group_id)
    return _group_page(group, AddMemberForm(people=queries.member_candidates(group)))


@bp.get("/groups/<int:group_id>/members/search")
@requires("admin.manage")
def search_members(group_id: int) -> Any:
    """The "add a member" picker's matches for the text typed (an htmx fragment)."""
    group = db.get_or_404(StudyGroup, group_id)
    form = AddMemberForm(request.args, people=queries.member_candidates(group))
    return matches_fragment(form.user_id)


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@requires("admin.manage")
def edit_group(group_id: int) -> Any:
    group = db.get_or_404(StudyGroup, group_id)
    form = GroupForm(obj=group)
    if saved(form, lambda: services.update_group(
        group, organization=db.get_or_404(Organization, form.organization_id.data),
        name=form.name.data, description=form.description.data, is_active=form.is_active.data,
        members_read_reflections=form.members_read_reflections.data,
    )) is None:
        return render_template("admin/group_form.html", form=form, group=group)
    flash(_("Study group “%(name)s” saved.", name=group.name), "success")
    return redirect(url_for(".group", group_id=group.id))


@bp.post("/groups/<int:group_id>/members")
@requires("admin.manage")
@once
def add_member(group_id: int) -> Any:
    group = db.get_or_404(StudyGroup, group_id)
    form = AddMemberForm(people=queries.member_candidates(group))
    membership = saved(form, lambda: services.add_member(
        group, db.get_or_404(User, form.user_id.data), role=form.role.data,
        title=form.title.data, sort_order=form.sort_order.data or 0,
    ))
    if membership is None:
        return _group_page(group, form)
    flash(_("%(name)s added to the group.", name=membership.user.display_name), "success")
    return redirect(url_for(".group", group_id=group.id))


@bp.route("/memberships/<int:membership_id>/edit", methods=["GET", "POST"])
@requires("admin.manage")
def edit_membership(membership_id: int) -> Any:
    membership = _current_membership_or_404(membership_id)
    form = MembershipForm(obj=membership)
    if saved(form, lambda: services.update_membership(
        membership, role=form.role.data, title=form.title.data,
        sort_order=form.sort_order.data or 0,
    )) is None:
        return render_template("admin/membership_form.html", form=form, membership=membership)
    flash(_("Membership of %(name)s saved.", name=membership.user.display_name), "success")
    return redirect(url_for(".group", group_id=membership.group_id))


@bp.post("/memberships/<int:membership_id>/remove")
@requires("admin.manage")
def remove_member(membership_id: int) -> Any:
    membership = _current_membership_or_404(membership_id)
    with attempt() as outcome:
        services.remove_member(membership)
    if outcome.ok:
        flash(_("%(name)s removed from the group.", name=membership.user.display_name),
              "success")
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
