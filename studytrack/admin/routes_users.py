"""Accounts: create, edit, deactivate, and reset a forgotten password."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from studytrack import inputs
from studytrack.admin import queries, services
from studytrack.admin.blueprint import bp
from studytrack.admin.forms import NewUserForm, ResetPasswordForm, UserFilterForm, UserForm
from studytrack.admin.routes import saved
from studytrack.authz import requires
from studytrack.extensions import db
from studytrack.models import Organization, User
from studytrack.submissions import once
from studytrack.unit_of_work import attempt


@bp.get("/users")
@requires("admin.manage")
def users() -> Any:
    form = UserFilterForm(request.args)
    search, status = (form.q.data or "", form.status.data) if form.validate() else ("", "")
    return render_template(
        "admin/users.html", form=form, search=search,
        pagination=queries.user_page(search, status, after=inputs.query_id("after"),
                                     before=inputs.query_id("before")),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@requires("admin.manage")
@once
def new_user() -> Any:
    form = NewUserForm()
    user = saved(form, lambda: services.create_user(
        **_account_fields(form), password=form.password.data, must_change_password=True
    ))
    if user is None:
        return render_template("admin/user_form.html", form=form, user=None)
    flash(_("Account “%(name)s” created. Give the temporary password to the person.",
            name=user.username), "success")
    return redirect(url_for(".user", user_id=user.id))


@bp.get("/users/<int:user_id>")
@requires("admin.manage")
def user(user_id: int) -> Any:
    return _user_page(db.get_or_404(User, user_id), ResetPasswordForm())


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@requires("admin.manage")
def edit_user(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if saved(form, lambda: services.update_user(
        user, **_account_fields(form), acting_user=current_user
    )) is None:
        return render_template("admin/user_form.html", form=form, user=user)
    flash(_("Account “%(name)s” saved.", name=user.username), "success")
    return redirect(url_for(".user", user_id=user.id))


@bp.post("/users/<int:user_id>/activate")
@requires("admin.manage")
def activate_user(user_id: int) -> Any:
    return _set_active(user_id, True)


@bp.post("/users/<int:user_id>/deactivate")
@requires("admin.manage")
def deactivate_user(user_id: int) -> Any:
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/password")
@requires("admin.manage")
def reset_password(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if saved(form, lambda: services.reset_password(user, form.password.data)) is None:
        return _user_page(user, form)
    flash(_("New temporary password set for %(name)s. They must change it at next login.",
            name=user.display_name), "success")
    return redirect(url_for(".user", user_id=user.id))


def _user_page(user: User, form: ResetPasswordForm) -> Any:
    return render_template(
        "admin/user.html", user=user, detail=queries.user_detail(user), form=form
    )


def _account_fields(form: UserForm) -> dict[str, Any]:
    organization_id = form.organization_id.data
    return {
        "username": form.username.data,
        "display_name": form.display_name.data,
        "position": form.position.data,
        "email": form.email.data,
        "phone": form.phone.data,
        "organization": db.session.get(Organization, organization_id) if organization_id else None,
        "is_admin": form.is_admin.data,
        "locale": form.locale.data,
    }


def _set_active(user_id: int, active: bool) -> Any:
    user = db.get_or_404(User, user_id)
    with attempt() as outcome:  # a refusal is flashed
        services.set_user_active(user, active, acting_user=current_user)
    if outcome.ok:
        flash(_("Account “%(name)s” activated.", name=user.username) if active
              else _("Account “%(name)s” deactivated.", name=user.username), "success")
    return redirect(url_for(".user", user_id=user.id))


@bp.post("/users/<int:user_id>/sign-out")
@requires("admin.manage")
def sign_out_user(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    services.sign_out_everywhere(user)
    flash(_("%(name)s has been signed out on every device.", name=user.display_name), "success")
    return redirect(url_for(".user", user_id=user.id))
