"""People who log in, and the leadership role that lets someone see a part of the tree."""

from __future__ import annotations

import secrets
from datetime import datetime, time
from functools import cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from studytrack.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from studytrack.models.organization import Organization
    from studytrack.models.study_group import GroupMembership

LOCALES = ("zh", "en")
DEFAULT_PASSWORD_HASH = "scrypt"


def _password_hash_method() -> str:
    """Werkzeug's strong default; the test configuration picks a cheap one to keep CI fast."""
    if has_app_context():
        return str(current_app.config.get("PASSWORD_HASH_METHOD", DEFAULT_PASSWORD_HASH))
    return DEFAULT_PASSWORD_HASH


@cache
def _unguessable_hash(method: str) -> str:
    return generate_password_hash(secrets.token_urlsafe(32), method=method)


def check_no_password(password: str) -> bool:
    """False, after as much work as checking a real password: a login with an unknown name
    must not answer faster than one with a wrong password, or its timing tells which names
    exist."""
    check_password_hash(_unguessable_hash(_password_hash_method()), password)
    return False


class User(TimestampMixin, Base):
    __tablename__ = "users"
    # `login_token` below is a plain attribute, not a column (SQLAlchemy's documented switch).
    __allow_unmapped__ = True
    __table_args__ = (
        sa.CheckConstraint(f"locale IN {LOCALES!r}", name="locale"),
        sa.CheckConstraint("username <> ''", name="username_not_empty"),
        # the accounts list's order, which it pages through by key (admin.queries.user_page)
        sa.Index("ix_users_display_name_username", "display_name", "username"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[str | None] = mapped_column(sa.String(120))  # 职务, e.g. 党委书记
    email: Mapped[str | None] = mapped_column(sa.String(255))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str] = mapped_column(sa.String(8), default="zh")
    must_change_password: Mapped[bool] = mapped_column(default=True)
    # Bumped on every password change: sessions and remember-me cookies issued before it end.
    login_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None]
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    # Reminders (studytrack.reminders): no mail or robot post between these local times (the
    # window may pass midnight); both None: none.
    quiet_start: Mapped[time | None]
    quiet_end: Mapped[time | None]
    # The private calendar feed's secret (/calendar/<token>.ics); None: no feed. Revocable.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    organization: Mapped[Organization | None] = relationship()
    memberships: Mapped[list[GroupMembership]] = relationship(back_populates="user")
    leadership_roles: Mapped[list[LeadershipRole]] = relationship(back_populates="user")
    # The navigation bar's unread count, loaded with the logged-in user in the same statement
    # (security.load_user: Notification.unread_count_of_user); None where not loaded so.
    unread_notifications: Mapped[int | None] = query_expression()
    # The token of the login this object was loaded for (`auth.login_sessions`); Flask-Login
    # keeps it as the user's id in the session and the remember-me cookie ("alternative
    # tokens" in its documentation), so that one login can end without the others.
    login_token: str | None = None

    # Flask-Login protocol, written out so the model does not depend on Flask.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.login_token

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=_password_hash_method())
        self.login_version = (self.login_version or 0) + 1

    def check_password(self, password: str) -> bool:
        """False for an account without a password (None or empty): nobody can log in to it,
        and the answer takes as long as for one with a password (`check_no_password`)."""
        if not self.password_hash:
            return check_no_password(password)
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class LeadershipRole(TimestampMixin, Base):
    """领导: reads dashboards and records of `organization` and every unit below it."""

    __tablename__ = "leadership_roles"
    __table_args__ = (sa.UniqueConstraint("user_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )

    user: Mapped[User] = relationship(back_populates="leadership_roles")
    organization: Mapped[Organization] = relationship(back_populates="leadership_roles")
