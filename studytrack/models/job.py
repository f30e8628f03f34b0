"""Background jobs (后台任务): long work run by the job queue's worker, never in a request.

A row is what the request asked for and what became of it: the queue (Huey, studytrack.jobs)
only carries its id. So a job is never lost with the queue, its progress and its error are
shown to whoever may see them, and a second request for the same work joins it (`key`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, enum_column, utcnow

if TYPE_CHECKING:
    from studytrack.models.study_group import StudyGroup
    from studytrack.models.user import User


class JobKind(StrEnum):
    GROUP_ARCHIVE = "group_archive"  # a group's yearly study archive (学习档案), a .zip
    REPORT_PDF = "report_pdf"  # a session report's PDF, as its asker reads the report
    DASHBOARD_WORKBOOK = "dashboard_workbook"  # a unit's dashboard figures, an .xlsx


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for a worker (or for its next attempt after an error)
    RUNNING = "running"
    DONE = "done"  # its file is ready until expires_at
    FAILED = "failed"  # every attempt failed; `error` says why


# A job still on its way: a second request for the same work joins it.
PENDING_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        sa.Index("ix_jobs_key_created_at", "key", "created_at"),
        sa.Index("ix_jobs_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(enum_column(JobKind, "job_kind"))
    # The work itself ("group_archive:12:2026"): the same key is the same work.
    key: Mapped[str] = mapped_column(sa.String(120))
    # The state of the data it is made from, when asked (a changed one needs a new file).
    version: Mapped[str] = mapped_column(sa.String(64), default="")
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("study_groups.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    # The file made: where the job store keeps it, the name it downloads as, its size.
    file_path: Mapped[str | None] = mapped_column(sa.String(255))
    file_name: Mapped[str | None] = mapped_column(sa.String(255))
    file_size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    group: Mapped[StudyGroup | None] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def percent(self) -> int:
        """How far it is, 0-100 (100 once done)."""
        if self.status == JobStatus.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(99, self.progress_done * 100 // self.progress_total)

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_JOB_STATUSES

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status}>"
