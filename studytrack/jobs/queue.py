"""The job queue: Huey, one per app, built from the configuration by init_app.

- STUDYTRACK_QUEUE_URL = "redis://…": RedisHuey, for production (several app servers and
  workers share it);
- otherwise SqliteHuey in a file of the instance folder (`jobs-queue.sqlite`): no set-up,
  what `make run` uses with its worker;
- JOBS_IMMEDIATE (the tests): a job runs as it is queued, in the process that queues it,
  through the same code as in a worker.

Only a job's id goes through the queue: its row (models.Job) says what to do and keeps what
became of it, so the queue can be emptied or moved without losing anything a user asked for.
A job is queued after the request that asked for it has committed (unit_of_work.after_commit),
so a worker always finds its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab

QUEUE_FILE = "jobs-queue.sqlite"


@dataclass(frozen=True)
class Queue:
    """The app's queue and its two tasks (app.extensions["studytrack.jobs"])."""

    huey: Huey
    run_job: Any  # huey TaskWrapper: run_job(job_id) queues it
    housekeeping: Any  # the periodic clean-up
    send_reminders: Any  # send_reminders() queues sending the reminders' mails and posts due
    scan_reminders: Any  # the periodic scheduler of reminders (studytrack.reminders)


def build_huey(app: Flask) -> Huey:
    """The Huey of this app's configuration."""
    config = app.config
    name = str(config["JOBS_QUEUE_NAME"])
    url = config.get("JOBS_QUEUE_URL")
    options: dict[str, Any] = {"results": False, "utc": True}
    if url:
        return RedisHuey(name, url=url, **options)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(Path(app.instance_path) / QUEUE_FILE), **options)


def init_app(app: Flask) -> None:
    from studytrack.jobs import archive, exports, services  # noqa: F401 (they register builders)
    from studytrack.reminders import services as reminder_services

    huey = build_huey(app)
    huey.immediate = bool(app.config["JOBS_IMMEDIATE"])
    retries = int(app.config["JOBS_RETRIES"])

    # Each run in an app context of its own (the worker's threads have none; in immediate
    # mode it is nested in the request's, with a database session of its own).
    @huey.task(retries=retries, retry_delay=int(app.config["JOBS_RETRY_DELAY"]),
               retry_backoff=2, context=True, name="studytrack.run_job")
    def run_job(job_id: int, task: Any = None) -> None:
        last_attempt = task is None or not task.retries
        with app.app_context():
            services.run(job_id, last_attempt=last_attempt)

    @huey.periodic_task(crontab(minute="*/15"), name="studytrack.housekeeping")
    def housekeeping() -> None:
        """Every quarter of an hour: stalled jobs failed, files whose time is up removed,
        uploads no attachment names (their request failed to commit), and reminders' mails
        left half-sent by a stopped worker failed."""
        from studytrack.materials.services import remove_orphan_files

        with app.app_context():
            services.fail_stalled()
            services.remove_expired()
            remove_orphan_files()
            reminder_services.fail_stalled()

    @huey.task(name="studytrack.send_reminders")
    def send_reminders() -> None:
        """The reminders' mails and robot posts whose time has come (queued when some are
        made, and every minute: those that waited for a quiet window or a retry)."""
        with app.app_context():
            reminder_services.send_due()

    @huey.periodic_task(crontab(minute="*"), name="studytrack.send_reminders_due")
    def send_reminders_due() -> None:
        with app.app_context():
            reminder_services.send_due()

    @huey.periodic_task(crontab(minute="*/5"), name="studytrack.scan_reminders")
    def scan_reminders() -> None:
        """Every five minutes: the reminders due now, from the data (never one twice)."""
        with app.app_context():
            reminder_services.scan()

    app.extensions["studytrack.jobs"] = Queue(huey, run_job, housekeeping, send_reminders,
                                              scan_reminders)


def queue() -> Queue:
    found: Queue = current_app.extensions["studytrack.jobs"]
    return found
