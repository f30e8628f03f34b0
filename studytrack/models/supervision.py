"""Supervision by attending (列席旁听): a person of a unit above attends a session of a group
below, reads that one session's record, and evaluates it on points the unit above sets."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from studytrack.models.organization import Organization
    from studytrack.models.study_session import StudySession
    from studytrack.models.user import User

# What a supervisor rates when the unit above has set no points of its own.
DEFAULT_SUPERVISION_POINTS = ("学习准备", "研讨深度", "联系实际", "记录完整")
RATINGS = (1, 2, 3, 4, 5)  # 1 poor … 5 excellent


class Supervision(TimestampMixin, Base):
    __tablename__ = "supervisions"
    __table_args__ = (sa.UniqueConstraint("session_id", "supervisor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_sessions.id", ondelete="CASCADE"), index=True
    )
    supervisor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The unit above that sent the supervisor (whose points are rated).
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    assigned_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # The points to rate, as the unit set them when the supervisor was assigned.
    points: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    ratings: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)  # point -> 1..5
    comments: Mapped[str | None] = mapped_column(sa.Text)
    evaluated_at: Mapped[datetime | None]

    session: Mapped[StudySession] = relationship()
    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
    organization: Mapped[Organization] = relationship()

    @property
    def is_evaluated(self) -> bool:
        return self.evaluated_at is not None

    def __repr__(self) -> str:
        return f"<Supervision {self.id} session={self.session_id} by={self.supervisor_id}>"
