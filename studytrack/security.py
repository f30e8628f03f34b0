"""Logins, security headers and the Content-Security-Policy."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, user_loaded_from_cookie
from sqlalchemy.orm import with_expression
from werkzeug.middleware.proxy_fix import ProxyFix

from studytrack.auth import login_sessions
from studytrack.extensions import login_manager, talisman
from studytrack.models import Notification, User

# No inline script or style anywhere: everything comes from our own static files.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": ["'self'", "data:"],
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Every page shows the user's unread count: it comes with the user, not in a statement of its own.
_WITH_UNREAD_COUNT = with_expression(User.unread_notifications, Notification.unread_count_of_user())


def load_user(token: str) -> User | None:
    """The user of a live login (`auth.login_sessions`): the session's "user id" is the
    login's token. The login is kept in `g.login_session` for the pages that show or end it."""
    found = login_sessions.find(token, _WITH_UNREAD_COUNT)
    if found is None:
        return None
    user, g.login_session = found
    return user


def rotate_remembered_login(sender: Any, user: User, **extra: Any) -> None:
    """A login restored from its remember-me cookie gets a new token and a new cookie, so the
    cookie just used cannot be used again (Flask-Login's `user_loaded_from_cookie`)."""
    login = g.get("login_session")
    if login is not None:
        login_sessions.rotate(user, login)
        login_user(user, remember=True, fresh=False)


# Endpoints a user who must still set a password may open.
PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "auth.set_language", "static"}


def enforce_password_change() -> Any:
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in PASSWORD_CHANGE_ALLOWED
    ):
        return redirect(url_for("auth.change_password"))
    return None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    user_loaded_from_cookie.connect(rotate_remembered_login, app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to open this page.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    app.before_request(enforce_password_change)

    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SECURE_COOKIES"],
        session_cookie_http_only=True,
        strict_transport_security=app.config["FORCE_HTTPS"],
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="same-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        # Flask's documented way to wrap its WSGI app, which mypy sees as replacing a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops
        )
