"""A job's page follows its job without being reloaded, under the CSP: htmx polls the progress
fragment, the bar moves, and the download link appears when the file is ready (no console
error, CSP violation or failed request on the way: the Watcher).

The job's steps are written here, as the worker writes them (the worker itself runs for real
in tests/test_jobs.py); the journeys' server runs jobs in immediate mode, so a job asked for
through the page would be done before the page opened.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from studytrack.extensions import db
from studytrack.models import Job, JobKind, JobStatus

if TYPE_CHECKING:
    from tests.e2e.conftest import Browsing, LiveServer

pytestmark = pytest.mark.e2e

NAME = "校党委理论学习中心组 2026年学习档案.zip"


def _update(live: LiveServer, job_id: int, **values: object) -> None:
    with live.app.app_context():
        job = db.session.get(Job, job_id)
        assert job is not None
        for key, value in values.items():
            setattr(job, key, value)
        db.session.commit()


def test_the_job_page_shows_progress_and_the_download_without_a_reload(
    browsing: Browsing, live_server: LiveServer,
) -> None:
    live = live_server
    with live.app.app_context():
        job = Job(kind=JobKind.GROUP_ARCHIVE, key=f"group_archive:{live.group_id}:2026",
                  params={"year": 2026}, group_id=live.group_id,
                  requested_by_id=live.users["secretary"])
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        folder = Path(live.app.config["JOBS_FILE_FOLDER"])
    page = browsing.page_as("secretary", phone=True)
    page.goto(f"/jobs/{job_id}")
    page.evaluate("window.notReloaded = true")
    progress = page.locator("#job-progress")
    assert progress.get_attribute("data-status") == "queued"
    browsing.shot(page, "waiting")

    _update(live, job_id, status=JobStatus.RUNNING, progress_done=1, progress_total=3)
    page.wait_for_selector("#job-progress[data-status=running] progress[value='33']",
                           timeout=10_000)
    assert "1 / 3" in progress.inner_text()
    browsing.shot(page, "a third done")

    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"job-{job_id}-1.zip").write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip
    finished = datetime.now(UTC)
    _update(live, job_id, status=JobStatus.DONE, progress_done=3, attempts=1,
            file_path=f"job-{job_id}-1.zip", file_name=NAME, file_size=22,
            finished_at=finished, expires_at=finished + timedelta(hours=24))
    link = page.get_by_role("link", name=f"下载 {NAME}")
    link.wait_for(timeout=10_000)
    assert page.evaluate("window.notReloaded") is True  # the fragment changed, not the page
    assert page.locator("#job-progress[hx-trigger]").count() == 0  # polling has stopped
    browsing.shot(page, "ready")

    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == NAME
