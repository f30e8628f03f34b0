from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from studytrack import authz
from studytrack.auth import services
from studytrack.auth.blueprint import bp
from studytrack.auth.forms import ChangePasswordForm, LoginForm
from studytrack.errors import DomainError
from studytrack.extensions import db, limiter


def safe_next(target: str | None, default: str = "home.index") -> str:
    """Only paths on this site: never another host, and never a protocol-relative URL.

    Backslashes and control characters are refused anywhere: browsers read "\\" as "/" and drop
    tabs and newlines, so "/\\t/evil.example" would become "//evil.example"."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)
    ):
        return target
    return url_for(default)


def _login_account_key() -> str:
    return "login-account:" + (request.form.get("username") or "").strip().lower()


def _failed(response: Any) -> bool:
    return response.status_code != 302  # a successful login redirects


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_CLIENT"], methods=["POST"],
    deduct_when=_failed, scope="login-client",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"], methods=["POST"],
    key_func=_login_account_key, deduct_when=_failed, scope="login-account",
)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except DomainError as error:
            getattr(form, error.field or "password").errors.append(error.message)
            db.session.commit()
        else:
            login_user(user, remember=form.remember.data)
            db.session.commit()
            if user.must_change_password:
                flash(_("Please set your own password before you continue."), "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.args.get("next"), _landing(user)))
    return render_template("auth/login.html", form=form)


def _landing(user: Any) -> str:
    """Where a login without `next` lands: a leader who is in no study group on the
    dashboard, everyone else on the home page."""
    reach = authz.reach_of(user)
    if reach is not None and reach.leads_anywhere and not reach.group_roles:
        return "dashboard.index"
    return "home.index"


@bp.post("/logout")
def logout() -> Any:
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = ChangePasswordForm(username=current_user.username)
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except DomainError as error:
            getattr(form, error.field or "current_password").errors.append(error.message)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # the new login_version
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@bp.post("/language")
def set_language() -> Any:
    locale = request.form.get("locale", "")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated:
            services.set_locale(current_user, locale)
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.errorhandler(429)
def too_many_attempts(error: Any) -> Any:
    """A rate-limited login stays on the login page, with the message beside the form."""
    if request.endpoint != "auth.login":
        from studytrack.errors import render_error

        return render_error(429)
    form = LoginForm()
    form.password.errors = [
        _("Too many login attempts. Please wait a few minutes before trying again.")
    ]
    return render_template("auth/login.html", form=form), 429
