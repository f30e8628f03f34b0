"""The job queue for real: a worker process (`flask jobs worker`) runs the archive a request
asked for, through Redis, and the download is served afterwards; a queue that cannot be
reached fails the job visibly instead of losing the request.

The rest of the jobs' behaviour (joining, progress, notification, failure and retry, expiry,
who may see what) runs in the queue's immediate mode: tests/test_export_routes.py.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from studytrack import create_app, demo
from studytrack.config import TestConfig
from studytrack.demo import DEMO_PASSWORD
from studytrack.extensions import db
from studytrack.models import GroupMembership, GroupRole, Job, JobStatus, StudyGroup, User

pytestmark = pytest.mark.slow

FLASK = Path(sys.executable).with_name("flask")
WORKER_TIMEOUT = 120  # seconds for the archive of the demo group's year, PDFs included


def site(tmp_path: Path, **config: Any) -> Flask:
    """An app on a database file of its own (a worker process must reach it too)."""

    class SiteConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'site.sqlite'}"
        UPLOAD_FOLDER = str(tmp_path / "uploads")
        JOBS_FILE_FOLDER = str(tmp_path / "job-files")
        JOBS_IMMEDIATE = False

    for key, value in config.items():
        setattr(SiteConfig, key, value)
    app = create_app(SiteConfig)
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        demo.seed()
        db.session.commit()
        db.session.remove()
    return app


def secretary_client(app: Flask) -> tuple[FlaskClient, int, int]:
    """A client logged in as the secretary of a demo group with held sessions; the group's id
    and a year it held sessions in."""
    with app.app_context():
        group_id, username = db.session.execute(
            sa.select(StudyGroup.id, User.username)
            .join(GroupMembership, GroupMembership.group_id == StudyGroup.id)
            .join(User, User.id == GroupMembership.user_id)
            .where(GroupMembership.role == GroupRole.SECRETARY)
            .order_by(StudyGroup.id).limit(1)
        ).one()
    client = app.test_client()
    assert client.post("/auth/login", data={"username": username,
                                            "password": DEMO_PASSWORD}).status_code == 302
    page = client.get(f"/groups/{group_id}/archive").get_data(as_text=True)
    year = int(re.search(r'<option value="(\d{4})"', page).group(1))  # type: ignore[union-attr]
    return client, group_id, year


def job_of(app: Flask, job_url: str) -> Job:
    with app.app_context():
        job = db.session.get(Job, int(job_url.rsplit("/", 1)[1]))
        assert job is not None
        db.session.expunge(job)
        return job


@pytest.fixture
def worker(tmp_path: Path, redis_storage: tuple[str, str]) -> Iterator[tuple[Flask, Any]]:
    """The site's app queuing through Redis, and a worker process running its jobs."""
    url, prefix = redis_storage
    app = site(tmp_path, JOBS_QUEUE_URL=url, JOBS_QUEUE_NAME=prefix)
    env = {
        **os.environ,
        "STUDYTRACK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "STUDYTRACK_QUEUE_URL": url,
        "STUDYTRACK_QUEUE_NAME": prefix,
        "STUDYTRACK_JOB_FILE_FOLDER": app.config["JOBS_FILE_FOLDER"],
        "STUDYTRACK_INSTANCE_PATH": str(tmp_path / "worker-instance"),
        "STUDYTRACK_SECRET_KEY": app.config["SECRET_KEY"],
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(
        [str(FLASK), "--app", "studytrack", "jobs", "worker", "--workers", "1"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        yield app, process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        with app.app_context():
            db.engine.dispose()


def test_a_worker_process_builds_the_archive_through_redis(worker: tuple[Flask, Any],
                                                          tmp_path: Path) -> None:
    app, process = worker
    client, group_id, year = secretary_client(app)

    asked = client.post(f"/groups/{group_id}/archive", data={"year": year})
    assert asked.status_code == 302
    job_url = asked.headers["Location"]
    assert job_of(app, job_url).status in (JobStatus.QUEUED, JobStatus.RUNNING)
    page = client.get(job_url).get_data(as_text=True)
    assert "hx-trigger" in page  # the page polls while the worker builds it

    deadline = time.monotonic() + WORKER_TIMEOUT
    while (job := job_of(app, job_url)).is_pending and time.monotonic() < deadline:
        assert process.poll() is None, (tmp_path / "worker.log").read_text()
        time.sleep(0.5)
    assert job.status == JobStatus.DONE, (job.error, (tmp_path / "worker.log").read_text())
    assert job.progress_done == job.progress_total > 1

    response = client.get(f"{job_url}/download", buffered=True)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        names = archive.namelist()
    assert any(name.endswith("学习记录.pdf") for name in names)
    assert any(name.endswith("目录.html") for name in names)


def test_a_queue_that_cannot_be_reached_fails_the_job_for_all_to_see(tmp_path: Path) -> None:
    """Redis down: the request still answers, its job is kept, failed, with the reason, for
    the administrator to queue again."""
    app = site(tmp_path, JOBS_QUEUE_URL="redis://127.0.0.1:9/0")  # nothing listens on 9
    client, group_id, year = secretary_client(app)

    asked = client.post(f"/groups/{group_id}/archive", data={"year": year})
    assert asked.status_code == 302
    job = job_of(app, asked.headers["Location"])
    assert job.status == JobStatus.FAILED
    assert job.error and "ConnectionError" in job.error
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'data-status="failed"' in page
    with app.app_context():
        db.engine.dispose()
