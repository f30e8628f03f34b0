"""Asking for a job, running it, and the files it leaves.

A job's row is written by the request that asks for it; the worker runs it by id. Running is
idempotent: a job already done is not run again, and a failed attempt leaves nothing half
made (the file is written under a temporary name and renamed when complete). An attempt that
fails is retried with a growing delay (queue.py); after the last one the job is marked failed
with its error, which its page and the administrator's list show.
"""

from __future__ import annotations

import os
import tempfile
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from studytrack.extensions import db
from studytrack.models import (
    PENDING_JOB_STATUSES,
    Job,
    JobKind,
    JobStatus,
    NotificationKind,
)
from studytrack.models.base import utcnow
from studytrack.notifications.services import notify
from studytrack.storage import storage
from studytrack.unit_of_work import after_commit

ERROR_LIMIT = 4000  # characters of the error kept on the row
STALLED_ERROR = ("Stalled: still waiting or running after JOBS_STALE_MINUTES (its worker "
                 "stopped, or the queue lost it).")

# What each kind of job does: (the job, a progress callback(done, total)) -> the file made,
# as (its storage key, its size, the name it downloads as). Filled by the kinds' modules.
Builder = Callable[[Job, Callable[[int, int], None]], tuple[str, int, str]]
BUILDERS: dict[JobKind, Builder] = {}


def file_of(job: Job) -> str | None:
    """The storage key of the job's finished file, if the file is there."""
    if not job.file_path:
        return None
    return job.file_path if storage().exists(job.file_path) else None


def ask(kind: JobKind, key: str, version: str, *, requested_by: int | None,
        group_id: int | None = None, params: dict[str, object] | None = None) -> Job:
    """The job for this work: one on its way or done from the same data (its file still
    kept) is joined, else a new one is queued once the request commits."""
    found = current(key, version)
    if found is not None:
        return found
    job = Job(kind=kind, key=key, version=version, params=params or {}, group_id=group_id,
              requested_by_id=requested_by)
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    after_commit(lambda: enqueue(job_id))
    return job


def current(key: str, version: str) -> Job | None:
    """The newest job of `key` on its way, or done from data of `version` and not expired."""
    now = utcnow()
    job = db.session.scalar(
        sa.select(Job).where(Job.key == key).order_by(Job.created_at.desc(), Job.id.desc())
        .limit(1)
    )
    if job is None:
        return None
    if job.status in PENDING_JOB_STATUSES:
        return None if is_stalled(job, now) else job
    if (job.status == JobStatus.DONE and job.version == version
            and (job.expires_at is None or job.expires_at > now) and file_of(job) is not None):
        return job
    return None


def is_stalled(job: Job, now: datetime) -> bool:
    """A job on its way for longer than JOBS_STALE_MINUTES: its worker stopped while running
    it, or the queue lost it (Redis emptied). It is not joined, and the clean-up fails it."""
    limit = timedelta(minutes=int(current_app.config["JOBS_STALE_MINUTES"]))
    since = job.started_at if job.status == JobStatus.RUNNING else job.created_at
    return job.status in PENDING_JOB_STATUSES and since is not None and since < now - limit


def fail_stalled() -> int:
    """Mark the stalled jobs failed, with the reason, for the administrator to see and queue
    again; how many."""
    now = utcnow()
    pending = db.session.scalars(sa.select(Job).where(Job.status.in_(PENDING_JOB_STATUSES)))
    stalled = [job for job in pending if is_stalled(job, now)]
    for job in stalled:
        job.status = JobStatus.FAILED
        job.finished_at = now
        job.error = STALLED_ERROR
    db.session.commit()
    return len(stalled)


def enqueue(job_id: int) -> None:
    """Hand the job to the queue. If the queue cannot be reached, the job is marked failed
    (its page says so, and the administrator can queue it again): nothing is lost."""
    from studytrack.jobs.queue import queue

    try:
        queue().run_job(job_id)
    except Exception as error:  # the queue's storage (Redis, the SQLite file) failed
        current_app.logger.exception("Job %s could not be queued", job_id)
        _fail(job_id, f"{type(error).__name__}: {error}")


def retry(job: Job) -> None:
    """Queue a failed job again (the administrator's "retry"), once the request commits."""
    job.status = JobStatus.QUEUED
    job.error = None
    job.finished_at = None
    job.progress_done = 0
    db.session.flush()
    job_id = job.id
    after_commit(lambda: enqueue(job_id))


def run(job_id: int, *, last_attempt: bool) -> None:
    """One attempt at the job (in the worker, in an app context of its own)."""
    job = db.session.get(Job, job_id)
    if job is None or job.status in (JobStatus.DONE, JobStatus.FAILED):
        return  # removed, or run already (a message delivered twice)
    job.status = JobStatus.RUNNING
    job.attempts += 1
    job.started_at = utcnow()
    job.progress_done = 0
    db.session.commit()

    def progress(done: int, total: int) -> None:
        job.progress_done, job.progress_total = done, total
        db.session.commit()

    try:
        key, size, name = BUILDERS[job.kind](job, progress)
    except Exception as error:
        db.session.rollback()
        message = "".join(traceback.format_exception_only(error)).strip()
        current_app.logger.exception("Job %s (%s) failed, attempt %s", job_id, job.kind,
                                     job.attempts)
        if last_attempt:
            _fail(job_id, message)
            return
        _note_retry(job_id, message)
        raise  # the queue tries again later
    job.file_path = key
    job.file_name = name
    job.file_size = size
    job.status = JobStatus.DONE
    job.error = None  # an earlier attempt's
    job.finished_at = utcnow()
    job.expires_at = job.finished_at + timedelta(hours=int(current_app.config["JOBS_KEEP_HOURS"]))
    job.progress_done = job.progress_total
    if job.requested_by_id is not None:
        notify([job.requested_by_id], NotificationKind.EXPORT_READY, job_id=job.id, name=name)
    db.session.commit()


def _note_retry(job_id: int, message: str) -> None:
    db.session.execute(
        sa.update(Job).where(Job.id == job_id)
        .values(status=JobStatus.QUEUED, error=message[:ERROR_LIMIT])
    )
    db.session.commit()


def _fail(job_id: int, message: str) -> None:
    db.session.rollback()
    db.session.execute(
        sa.update(Job).where(Job.id == job_id)
        .values(status=JobStatus.FAILED, error=message[:ERROR_LIMIT], finished_at=utcnow())
    )
    db.session.commit()


def new_file(job: Job, suffix: str) -> tuple[Path, str]:
    """(a temporary file of this host to write the job's file to, the storage key it is
    stored under when complete: finish_file)."""
    handle, name = tempfile.mkstemp(prefix=f"studytrack-job-{job.id}-", suffix=suffix)
    os.close(handle)
    return Path(name), _file_key(job, suffix)


def _file_key(job: Job, suffix: str) -> str:
    return f"jobs/job-{job.id}-{job.attempts}{suffix}"


def finish_file(temporary: Path, key: str) -> tuple[str, int]:
    """Store the complete file under `key`; (key, its size)."""
    size = temporary.stat().st_size
    storage().put(key, temporary)
    return key, size


def store_file(job: Job, suffix: str, data: bytes) -> tuple[str, int]:
    """Store a small file made in memory as the job's; (its key, its size)."""
    key = _file_key(job, suffix)
    storage().put_bytes(key, data)
    return key, len(data)


def remove_expired() -> int:
    """Delete the files whose time is up (and the rows' mention of them), and the reports'
    kept PDFs not used for as long; how many files of jobs."""
    now = utcnow()
    expired = list(db.session.scalars(
        sa.select(Job).where(Job.file_path.is_not(None), Job.expires_at <= now)
    ))
    for job in expired:
        storage().delete(str(job.file_path))
        job.file_path = None
    db.session.commit()
    _remove_unused_pdfs(now.timestamp() - 3600 * int(current_app.config["JOBS_KEEP_HOURS"]))
    return len(expired)


def _remove_unused_pdfs(before: float) -> None:
    from studytrack.reports.documents import CACHE_PREFIX

    kept = storage()
    for key, used, _size in list(kept.listing(CACHE_PREFIX)):
        if used.timestamp() < before:
            kept.delete(key)
