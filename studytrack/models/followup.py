"""Follow-up tasks (工作部署 / 督办事项) assigned at a session."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, TimestampMixin, enum_column

if TYPE_CHECKING:
    from studytrack.models.organization import Organization
    from studytrack.models.study_session import StudySession
    from studytrack.models.user import User


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


# Still to be done: what "overdue" and the open counts look at.
ACTIVE_TASK_STATUSES: tuple[TaskStatus, ...] = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
CLOSED_TASK_STATUSES: tuple[TaskStatus, ...] = (TaskStatus.DONE, TaskStatus.CANCELLED)


class FollowUpTask(TimestampMixin, Base):
    __tablename__ = "follow_up_tasks"
    __table_args__ = (
        sa.CheckConstraint(
            "assignee_id IS NOT NULL OR organization_id IS NOT NULL", name="has_owner"
        ),
        sa.CheckConstraint(
            "status <> 'done' OR completion_note IS NOT NULL", name="done_needs_note"
        ),
        sa.CheckConstraint(
            "status <> 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_needs_reason"
        ),
        sa.Index("ix_follow_up_tasks_status_due_on", "status", "due_on"),
        # The dashboards' task aggregate per session, answered from the index (issue 7).
        sa.Index("ix_follow_up_tasks_session_id_status", "session_id", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_sessions.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    detail: Mapped[str | None] = mapped_column(sa.Text)
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    organization_id: Mapped[int | None] = mapped_column(  # the responsible unit
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    due_on: Mapped[date | None]
    status: Mapped[TaskStatus] = mapped_column(
        enum_column(TaskStatus, "task_status"), default=TaskStatus.OPEN
    )
    completion_note: Mapped[str | None] = mapped_column(sa.Text)
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    session: Mapped[StudySession] = relationship(back_populates="tasks")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    organization: Mapped[Organization | None] = relationship()
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def is_active(self) -> bool:
        """Still to be done: open or in progress."""
        return self.status in ACTIVE_TASK_STATUSES

    @hybrid_method
    def is_overdue(self, today: date) -> bool:
        """Due before `today` and still open or in progress."""
        return task_overdue(self.due_on, self.status, today)

    # hybrid_method.expression already works in place (its `.inplace` hides the type from mypy)
    @is_overdue.expression
    @classmethod
    def _is_overdue_expression(cls, today: date) -> sa.ColumnElement[bool]:
        return sa.and_(
            cls.due_on.is_not(None), cls.due_on < today, cls.status.in_(ACTIVE_TASK_STATUSES)
        )


def task_overdue(due_on: date | None, status: TaskStatus, today: date) -> bool:
    """FollowUpTask.is_overdue for a task read as plain columns."""
    return due_on is not None and due_on < today and status in ACTIVE_TASK_STATUSES
