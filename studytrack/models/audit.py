"""The audit trail: who did what to which object, and when."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, utcnow

if TYPE_CHECKING:
    from studytrack.models.user import User


class AuditEvent(Base):
    """Append-only. `action` is a dotted verb such as "session.publish" or "user.create"."""

    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_object_type_object_id", "object_type", "object_id"),
        # A session's history, newest first, a page at a time (study_sessions.queries).
        sa.Index("ix_audit_events_session_id_created_at", "session_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # The study session the event is about (the session itself, or one of its parts): a
    # column of its own, since a look-up in `details` reads every event of the site.
    session_id: Mapped[int | None]

    actor: Mapped[User | None] = relationship()
