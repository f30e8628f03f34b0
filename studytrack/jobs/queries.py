"""Reading jobs: the administrator's list and a group's recent archives."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from studytrack.extensions import db
from studytrack.models import Job, JobKind, JobStatus, StudyGroup

JOBS_PAGE_SIZE = 50


def jobs_page(status: JobStatus | None, page: int) -> Any:
    """A page of every job (of `status`, if given), newest first, with its group and asker."""
    query = sa.select(Job).order_by(Job.created_at.desc(), Job.id.desc())
    if status is not None:
        query = query.where(Job.status == status)
    return db.paginate(
        query.options(joinedload(Job.group), joinedload(Job.requested_by)),
        page=page, per_page=JOBS_PAGE_SIZE, error_out=False,
    )


def recent_archives_of(group: StudyGroup, limit: int = 10) -> list[Job]:
    """The group's archives asked for lately, newest first (the archive page lists them)."""
    return list(db.session.scalars(
        sa.select(Job)
        .where(Job.group_id == group.id, Job.kind == JobKind.GROUP_ARCHIVE)
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(limit)
    ))
