"""Learning reflections (心得体会): draft -> submitted -> accepted, or returned for revision."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, TimestampMixin, enum_column
from studytrack.models.study_session import Attendance

if TYPE_CHECKING:
    from studytrack.models.study_session import StudySession
    from studytrack.models.user import User


class ReflectionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"  # 退回修改
    ACCEPTED = "accepted"


# Handed in: submitted at least once, whatever the review said. What the figures count.
HANDED_IN_STATUSES: tuple[ReflectionStatus, ...] = (
    ReflectionStatus.SUBMITTED, ReflectionStatus.RETURNED, ReflectionStatus.ACCEPTED,
)
# Its author may still change it: a draft, or returned for revision.
WRITABLE_REFLECTION_STATUSES: tuple[ReflectionStatus, ...] = (
    ReflectionStatus.DRAFT, ReflectionStatus.RETURNED,
)


class Reflection(TimestampMixin, Base):
    __tablename__ = "reflections"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "author_id"),
        sa.CheckConstraint("char_count >= 0", name="char_count_not_negative"),
        sa.Index("ix_reflections_session_id_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_sessions.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str | None] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    char_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[ReflectionStatus] = mapped_column(
        enum_column(ReflectionStatus, "reflection_status"), default=ReflectionStatus.DRAFT
    )
    submitted_at: Mapped[datetime | None]
    is_late: Mapped[bool] = mapped_column(default=False)
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    reviewed_at: Mapped[datetime | None]
    review_comment: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    session: Mapped[StudySession] = relationship(back_populates="reflections")
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

    @hybrid_property
    def is_handed_in(self) -> bool:
        return self.status in HANDED_IN_STATUSES

    @is_handed_in.inplace.expression
    @classmethod
    def _is_handed_in_expression(cls) -> sa.ColumnElement[bool]:
        return cls.status.in_(HANDED_IN_STATUSES)

    @property
    def is_writable(self) -> bool:
        return self.status in WRITABLE_REFLECTION_STATUSES


def reflection_of_attendance() -> sa.ColumnElement[bool]:
    """The join of an attendance row to its person's reflection for that session."""
    return sa.and_(
        Reflection.session_id == Attendance.session_id,
        Reflection.author_id == Attendance.user_id,
    )
