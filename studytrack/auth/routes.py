"""Logging in and out, one's own password, and the interface language."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from studytrack import authz
from studytrack.auth import login_sessions, services
from studytrack.auth.blueprint import bp
from studytrack.auth.forms import ChangePasswordForm, LoginForm
from studytrack.errors import DomainError
from studytrack.extensions import limiter
from studytrack.models import User
from studytrack.redirects import next_url
from studytrack.unit_of_work import attempt


def _login_account() -> str:
    return "login-account:" + (request.form.get("username") or "").strip().lower()


def _login_account_and_client() -> str:
    return f"{_login_account()}@{request.remote_addr or ''}"


def _refused(response: Response) -> bool:
    """Only a refused name and password counts against the limits: not a login, not a form
    left incomplete, and not an attempt that a limit refused before the password was checked
    (docs/security.md, "Lock-outs")."""
    return bool(g.get("login_refused"))


def _limit(setting: str) -> Callable[[], str]:
    return lambda: str(current_app.config[setting])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _limit("LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_CLIENT"), methods=["POST"],
    key_func=_login_account_and_client, deduct_when=_refused, scope="login-account-client",
)
@limiter.limit(
    _limit("LOGIN_RATE_LIMIT_PER_ACCOUNT"), methods=["POST"],
    key_func=_login_account, deduct_when=_refused, scope="login-account",
)
@limiter.limit(
    _limit("LOGIN_RATE_LIMIT_PER_CLIENT"), methods=["POST"],
    deduct_when=_refused, scope="login-client",
)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(next_url(url_for("home.index")))
    form = LoginForm()
    if form.validate_on_submit():
        # A plain try/except, not attempt(): that would roll back, and a refused login is not a
        # failed write to undo (whatever a refusal records is kept). The rate limits count it
        # (_refused).
        try:
            user = services.authenticate(form.username.data, form.password.data)
        except DomainError as error:
            g.login_refused = True
            error.show_on(form)
        else:
            _log_in(user, remembered=bool(form.remember.data))
            if user.must_change_password:
                flash(_("Please set your own password before you continue."), "warning")
                return redirect(url_for("auth.change_password"))
            return redirect(next_url(url_for(_landing(user))))
    return render_template("auth/login.html", form=form)


def _log_in(user: User, *, remembered: bool) -> None:
    """A new login of `user` on this device, kept on the server (`login_sessions`)."""
    login_sessions.start(
        user, remembered=remembered, user_agent=request.user_agent.string,
        address=request.remote_addr,
    )
    login_user(user, remember=remembered)


def _landing(user: Any) -> str:
    """Where a login without `next` lands: a leader who is in no study group on the
    dashboard, everyone else on the home page."""
    reach = authz.reach_of(user)
    if reach is not None and reach.leads_anywhere and not reach.group_roles:
        return "dashboard.index"
    return "home.index"


@bp.post("/logout")
def logout() -> Any:
    if current_user.is_authenticated:
        login_sessions.end(current_user.get_id())
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password() -> Any:
    form = ChangePasswordForm(username=current_user.username)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        if outcome.ok:
            # The change ended every login, this one included: it goes on as a new one.
            login = g.get("login_session")
            _log_in(current_user._get_current_object(),
                    remembered=bool(login is not None and login.remembered))
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
    return redirect(next_url(url_for("home.index")))


@bp.errorhandler(429)
def too_many_attempts(error: Any) -> Any:
    """A rate-limited login stays on the login page, with the message beside the form."""
    if request.endpoint != "auth.login":
        from studytrack.errors import render_error

        return render_error(429)
    form = LoginForm()
    form.password.errors = [_wait_message()]
    return render_template("auth/login.html", form=form), 429


def _wait_message() -> str:
    """How long the refused person must wait: until the breached limit's window resets."""
    breached = limiter.current_limit
    if breached is None:
        return str(_("Too many login attempts. Please wait a few minutes before trying again."))
    # reset_at is a whole second, rounded up: 5 minutes and 1 second still read "5 minutes".
    minutes = max(1, math.ceil((breached.reset_at - time.time() - 1) / 60))
    return str(ngettext(
        "Too many failed login attempts. Please wait %(num)d minute before trying again.",
        "Too many failed login attempts. Please wait %(num)d minutes before trying again.",
        minutes,
    ))


@bp.get("/logins")
@login_required
def logins() -> Any:
    """The person's live logins: device, address, when last seen; each other one can end."""
    return render_template(
        "auth/logins.html",
        logins=[(login, login_sessions.device_name(login.user_agent))
                for login in login_sessions.active(current_user)],
        current_token_hash=login_sessions.token_hash(current_user.get_id() or ""),
    )


@bp.post("/logins/<int:login_id>/end")
@login_required
def end_login(login_id: int) -> Any:
    if login_sessions.end_other(current_user, login_id, current_user.get_id()):
        flash(_("That login has ended."), "success")
    else:
        flash(_("That login had already ended."), "info")
    return redirect(url_for("auth.logins"))


@bp.post("/logins/end-others")
@login_required
def end_other_logins() -> Any:
    ended = login_sessions.end_all_others(current_user, current_user.get_id())
    flash(ngettext("%(num)d other login has ended.", "%(num)d other logins have ended.", ended),
          "success")
    return redirect(url_for("auth.logins"))
