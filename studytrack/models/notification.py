"""In-app notifications: a returned reflection, a new task, a new submission to review."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, enum_column, utcnow

if TYPE_CHECKING:
    from studytrack.models.followup import FollowUpTask
    from studytrack.models.reflection import Reflection
    from studytrack.models.study_session import StudySession
    from studytrack.models.user import User


class NotificationKind(StrEnum):
    REFLECTION_SUBMITTED = "reflection_submitted"  # to the group's secretaries
    REFLECTION_RETURNED = "reflection_returned"  # to the author
    REFLECTION_ACCEPTED = "reflection_accepted"  # to the author
    TASK_ASSIGNED = "task_assigned"  # to the assignee
    EXPORT_READY = "export_ready"  # to who asked for a file made by a job (details: job_id, name)
    # Reminders (studytrack.reminders; details: what the text needs, as the reminder found it)
    REFLECTION_REQUESTED = "reflection_requested"  # a session published: write a reflection
    REFLECTION_DUE = "reflection_due"
    REFLECTION_OVERDUE = "reflection_overdue"
    MAKEUP_OWED = "makeup_owed"
    TASK_DUE = "task_due"
    TASK_OVERDUE = "task_overdue"
    PLAN_ITEM_DUE = "plan_item_due"
    SECRETARY_DIGEST = "secretary_digest"
    LEADER_DIGEST = "leader_digest"


class Notification(Base):
    """One message to one person. The text is rendered from `kind` and `details` when shown,
    so it appears in the reader's language; `read_at` is None until it is opened."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "notification_kind")
    )
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("study_sessions.id", ondelete="CASCADE"), index=True
    )
    reflection_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reflections.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("follow_up_tasks.id", ondelete="CASCADE"), index=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    # What it is about, read with it to show its text and link (never changed through here).
    session: Mapped[StudySession | None] = relationship(viewonly=True)
    reflection: Mapped[Reflection | None] = relationship(viewonly=True)
    task: Mapped[FollowUpTask | None] = relationship(viewonly=True)

    @staticmethod
    def unread_count_of_user() -> sa.ScalarSelect[int]:
        """The unread notifications of the users row the query selects (correlated)."""
        from studytrack.models.user import User

        return (
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == User.id, Notification.read_at.is_(None))
            .correlate(User)
            .scalar_subquery()
        )
