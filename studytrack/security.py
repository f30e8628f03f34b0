"""Logins, security headers and the Content-Security-Policy."""

from __future__ import annotations

from typing import Any

from flask import Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import with_expression
from werkzeug.middleware.proxy_fix import ProxyFix

from studytrack.extensions import db, login_manager, talisman
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


def load_user(user_id: str) -> User | None:
    """Session ids are "<id>.<login_version>": a password change ends older sessions."""
    try:
        raw_id, raw_version = user_id.split(".", 1)
        user = db.session.get(User, int(raw_id), options=[_WITH_UNREAD_COUNT])
        version = int(raw_version)
    except ValueError:
        return None
    if user is None or not user.active or user.login_version != version:
        return None
    return user


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
