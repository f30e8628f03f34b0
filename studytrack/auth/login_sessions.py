"""Logins kept on the server (`LoginSession`): started, found, listed and ended here.

Flask-Login keeps the login's random token as the user's id, in the session cookie and, when
asked for, the remember-me cookie; the table keeps its hash. So logging out ends the login for
every copy of its cookies, and a person can end their logins on other devices.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
import ua_parser
from flask import current_app

from studytrack.extensions import db
from studytrack.models import LoginSession, User
from studytrack.models.base import utcnow

# Seeing a login again within this time does not update its "last seen" (no write per page).
TOUCH_INTERVAL = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime(remembered: bool) -> timedelta:
    config = current_app.config
    if remembered:
        return timedelta(seconds=int(config["REMEMBER_COOKIE_DURATION"]))
    return timedelta(hours=int(config["LOGIN_MAX_HOURS"]))


def _idle_limit(login: LoginSession) -> timedelta:
    if login.remembered:  # a remembered login is meant to survive days away
        return _lifetime(True)
    return timedelta(minutes=int(current_app.config["LOGIN_IDLE_MINUTES"]))


def start(user: User, *, remembered: bool, user_agent: str | None, address: str | None) -> str:
    """A new login of `user` on this device: its token, also set as `user.login_token`.
    The person's logins that have ended meanwhile are cleared away."""
    now = utcnow()
    _delete_ended(user, now)
    token = secrets.token_urlsafe(32)
    db.session.add(LoginSession(
        user=user, token_hash=token_hash(token), login_version=user.login_version,
        remembered=remembered, created_at=now, last_seen_at=now,
        expires_at=now + _lifetime(remembered),
        user_agent=(user_agent or "")[:255] or None, address=(address or "")[:64] or None,
    ))
    user.login_token = token
    return token


def is_live(login: LoginSession, user: User, now: datetime) -> bool:
    return (
        user.active
        and login.login_version == user.login_version
        and now < login.expires_at
        and now < login.last_seen_at + _idle_limit(login)
    )


def find(token: str, *user_options: Any) -> tuple[User, LoginSession] | None:
    """The live login of `token` and its user (loaded with `user_options`), in one statement;
    None for an unknown, ended or expired one. Notes the login as seen now."""
    row = db.session.execute(
        sa.select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == token_hash(token))
        .options(*user_options)
    ).first()
    if row is None:
        return None
    user, login = row
    now = utcnow()
    if not is_live(login, user, now):
        return None
    if now - login.last_seen_at > TOUCH_INTERVAL:
        login.last_seen_at = now
    user.login_token = token
    return user, login


def rotate(user: User, login: LoginSession) -> str:
    """A new token for a login restored from its remember-me cookie: the cookie used is
    spent, so a stolen copy of it stops working once its owner comes back."""
    token = secrets.token_urlsafe(32)
    login.token_hash = token_hash(token)
    user.login_token = token
    return token


def end(token: str | None) -> None:
    """Log this login out (nothing for an unknown token)."""
    if token:
        db.session.execute(
            sa.delete(LoginSession).where(LoginSession.token_hash == token_hash(token))
        )


def end_other(user: User, login_id: int, current_token: str | None) -> bool:
    """End one of `user`'s own logins other than the current one; False if there is none."""
    return _deleted(_others(user, current_token).where(LoginSession.id == login_id)) > 0


def end_all_others(user: User, current_token: str | None) -> int:
    return _deleted(_others(user, current_token))


def _others(user: User, current_token: str | None) -> sa.Delete:
    """Deleting `user`'s logins but the current one."""
    query = sa.delete(LoginSession).where(LoginSession.user_id == user.id)
    if current_token:
        query = query.where(LoginSession.token_hash != token_hash(current_token))
    return query


def end_everywhere(user: User) -> None:
    """Every login of `user` ends at once (a password change, a deactivation, an
    administrator's "sign out everywhere"): the version goes up, the rows go."""
    user.login_version = (user.login_version or 0) + 1
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))


def active(user: User) -> list[LoginSession]:
    """The person's live logins, the most recently seen first."""
    now = utcnow()
    logins = db.session.scalars(
        sa.select(LoginSession)
        .where(LoginSession.user_id == user.id,
               LoginSession.login_version == user.login_version,
               LoginSession.expires_at > now)
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    )
    return [login for login in logins if is_live(login, user, now)]


def _delete_ended(user: User, now: datetime) -> None:
    ended = [login.id for login in db.session.scalars(
        sa.select(LoginSession).where(LoginSession.user_id == user.id)
    ) if not is_live(login, user, now)]
    if ended:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.id.in_(ended)))


def device_name(user_agent: str | None) -> str:
    """A login's device as a person recognises it: "Chrome · Windows", "WeChat Browser · iOS
    (iPhone)"; the raw text when ua-parser knows neither part."""
    if not user_agent:
        return ""
    found = ua_parser.parse(user_agent)
    browser = found.user_agent.family if found.user_agent else None
    system = found.os.family if found.os else None
    if found.device and found.device.family not in ("Other", "Spider") and system:
        system = f"{system} ({found.device.family})"
    named = " · ".join(part for part in (browser, system) if part and part != "Other")
    return named or user_agent[:80]


def _deleted(query: sa.Delete) -> int:
    """How many rows a DELETE removed."""
    result = db.session.execute(query)
    return int(cast("sa.CursorResult[Any]", result).rowcount)
