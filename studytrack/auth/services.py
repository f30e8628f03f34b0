"""Authentication rules, testable without HTTP."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from studytrack import audit
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import User
from studytrack.models.base import utcnow
from studytrack.models.user import check_no_password


def find_user(username: str) -> User | None:
    """Login names match without regard to case or surrounding spaces."""
    name = username.strip().lower()
    if not name:
        return None
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == name))


def authenticate(username: str, password: str) -> User:
    user = find_user(username)
    known = user.check_password(password) if user is not None else check_no_password(password)
    if user is None or not known:
        raise DomainError(_l("Wrong login name or password."), field="password")
    # Only someone who knows the password learns that the account is inactive.
    if not user.active:
        raise DomainError(
            _l("This account has been deactivated. Please contact your administrator."),
            field="username",
        )
    user.last_login_at = utcnow()
    audit.record("user.login", user, actor=user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not user.check_password(current_password):
        raise DomainError(_l("The current password is wrong."), field="current_password")
    user.set_password(new_password)
    user.must_change_password = False
    audit.record("user.change_password", user, actor=user)


def set_locale(user: User | None, locale: str) -> None:
    if user is not None:
        user.locale = locale
