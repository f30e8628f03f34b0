"""Accounts: create, edit, deactivate, and reset a forgotten password."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studytrack.admin import queries, services
from studytrack.admin.blueprint import bp
from studytrack.admin.forms import (
    NewUserForm,
    ResetPasswordForm,
    UserFilterForm,
    UserForm,
    show_error,
)
from studytrack.authz import requires
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import Organization, User


@bp.get("/users")
@login_required
@requires("admin.manage")
def users() -> Any:
    form = UserFilterForm(request.args)
    search, status = (form.q.data or "", form.status.data) if form.validate() else ("", "")
    return render_template(
        "admin/users.html", form=form, search=search, pagination=queries.user_page(search, status)
    )


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
@requires("admin.manage")
def new_user() -> Any:
    form = NewUserForm(units=queries.unit_options())
    if form.validate_on_submit():
        try:
            user = services.create_user(
                **_account_fields(form), password=form.password.data, must_change_password=True
            )
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Account “%(name)s” created. Give the temporary password to the person.",
                  name=user.username),
                "success",
            )
            return redirect(url_for(".user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.get("/users/<int:user_id>")
@login_required
@requires("admin.manage")
def user(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    return _user_page(user, ResetPasswordForm())


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
@requires("admin.manage")
def edit_user(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user, units=queries.unit_options())
    if form.validate_on_submit():
        try:
            services.update_user(user, **_account_fields(form), acting_user=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(_("Account “%(name)s” saved.", name=user.username), "success")
            return redirect(url_for(".user", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.post("/users/<int:user_id>/activate")
@login_required
@requires("admin.manage")
def activate_user(user_id: int) -> Any:
    return _set_active(user_id, True)


@bp.post("/users/<int:user_id>/deactivate")
@login_required
@requires("admin.manage")
def deactivate_user(user_id: int) -> Any:
    return _set_active(user_id, False)


@bp.post("/users/<int:user_id>/password")
@login_required
@requires("admin.manage")
def reset_password(user_id: int) -> Any:
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        db.session.commit()
        flash(
            _("New temporary password set for %(name)s. They must change it at next login.",
              name=user.display_name),
            "success",
        )
        return redirect(url_for(".user", user_id=user.id))
    return _user_page(user, form)


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
    try:
        services.set_user_active(user, active, acting_user=current_user)
    except DomainError as error:
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        if active:
            flash(_("Account “%(name)s” activated.", name=user.username), "success")
        else:
            flash(_("Account “%(name)s” deactivated.", name=user.username), "success")
    return redirect(url_for(".user", user_id=user.id))
