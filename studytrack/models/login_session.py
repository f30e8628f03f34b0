"""Logins kept on the server: one row per device a person is logged in on."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, utcnow

if TYPE_CHECKING:
    from studytrack.models.user import User


class LoginSession(Base):
    """One login on one device. The browser's session cookie (and its remember-me cookie, when
    asked for) carries a random token; the server keeps only its SHA-256, so a copy of this
    table logs nobody in. Logging out deletes the row. A password change, a deactivation or an
    administrator's "sign out everywhere" raise `User.login_version`, which ends every login
    made under the version before (`auth.login_sessions` also deletes their rows)."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    login_version: Mapped[int]
    remembered: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # the absolute end, whatever the activity
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))
    address: Mapped[str | None] = mapped_column(sa.String(64))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} of user {self.user_id}>"
