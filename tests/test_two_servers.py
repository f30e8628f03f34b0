"""Two app servers of one installation, proved (issue 20, section 4): two gunicorns with
instance folders of their own, one job worker, one PostgreSQL, one Redis (the login limits and
the job queue) and one S3-compatible store (moto's server) for the files jobs make.

- a login made on the first is a login on the second, and logging out on the second ends it
  on the first (logins are rows in PostgreSQL);
- wrong passwords counted on both: the limit holds across the two servers (Redis);
- an archive asked for on the first is built by the worker and downloads from the second
  (the queue in Redis, the file in the object store);
- a file uploaded through the first downloads through the second (each host has an upload
  folder of its own: the file is in the object store).

Skipped without PostgreSQL or Redis, except in CI, where it fails (tests/fixtures/services.py).
"""

from __future__ import annotations

import io
import re
import secrets
import signal
import subprocess
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from studytrack.demo import DEMO_PASSWORD
from tests.fixtures.services import unavailable
from tests.test_deployment import (
    BIN,
    ROOT,
    Browser,
    csrf_token,
    deploy_database_url,  # noqa: F401 (a fixture)
    free_port,
    server_environment,
)

pytestmark = pytest.mark.slow
WRONG_PASSWORD = "Wrong-Password-Two-Servers-1"


@pytest.fixture
def installation(tmp_path: Path, deploy_database_url: str,  # noqa: F811
                 redis_storage: tuple[str, str], s3_endpoint: str) -> Iterator[dict[str, Any]]:
    """Both servers and the worker running, on the demo's data."""
    if not (BIN / "gunicorn").exists():
        unavailable(f"gunicorn is not installed in {BIN} (pip install -e '.[test]')")
    import boto3

    redis_url, prefix = redis_storage
    bucket = f"studytrack-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1",
                 aws_access_key_id="test", aws_secret_access_key="test-secret",
                 ).create_bucket(Bucket=bucket)
    shared = {
        "STUDYTRACK_DATABASE_URL": deploy_database_url,
        "STUDYTRACK_RATELIMIT_STORAGE_URI": redis_url,
        "STUDYTRACK_RATELIMIT_KEY_PREFIX": prefix,
        "STUDYTRACK_QUEUE_URL": redis_url,
        "STUDYTRACK_QUEUE_NAME": prefix,
        "STUDYTRACK_STORAGE": "s3",
        "STUDYTRACK_S3_ENDPOINT_URL": s3_endpoint,
        "STUDYTRACK_S3_BUCKET": bucket,
        "STUDYTRACK_S3_ACCESS_KEY": "test",
        "STUDYTRACK_S3_SECRET_KEY": "test-secret",
        "STUDYTRACK_S3_REGION": "us-east-1",
        "STUDYTRACK_WORKERS": "1",
    }
    envs, secret_key = {}, secrets.token_urlsafe(48)  # one key: sessions signed by either
    for name in ("first", "second", "worker"):
        (tmp_path / name).mkdir()  # an instance and upload folder of each host's own
        envs[name] = {**server_environment(tmp_path / name, **shared),
                      "STUDYTRACK_SECRET_KEY": secret_key,
                      "STUDYTRACK_UPLOAD_FOLDER": str(tmp_path / name / "uploads")}
    for command in (["db", "upgrade"], ["seed-demo"]):
        done = subprocess.run([BIN / "flask", "--app", "studytrack", *command],
                              cwd=tmp_path, env=envs["worker"], capture_output=True,
                              text=True, timeout=300, stdin=subprocess.DEVNULL, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
    ports = {"first": free_port(), "second": free_port()}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = {name: (tmp_path / f"{name}.log").open("wb") for name in envs}
    try:
        for name, port in ports.items():
            processes[name] = subprocess.Popen(
                [BIN / "gunicorn", "-c", ROOT / "gunicorn.conf.py", "studytrack.wsgi:app"],
                cwd=tmp_path / name, env={**envs[name], "STUDYTRACK_BIND": f"127.0.0.1:{port}"},
                stdout=logs[name], stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        processes["worker"] = subprocess.Popen(
            [BIN / "flask", "--app", "studytrack", "jobs", "worker", "--workers", "1"],
            cwd=tmp_path / "worker", env=envs["worker"], stdout=logs["worker"],
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
        for name, port in ports.items():
            _wait_for(port, processes[name], tmp_path / f"{name}.log")
        yield {"ports": ports, "tmp": tmp_path, "processes": processes}
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM if process.args[0] != BIN / "flask"
                                else signal.SIGINT)
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    browser, deadline = Browser(port), time.monotonic() + 60
    while True:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            if browser.request("GET", "/healthz").status == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"no answer on {port} within 60 s"
        time.sleep(0.2)


def _log_in(browser: Browser, username: str, password: str) -> int:
    token = csrf_token(browser.request("GET", "/auth/login").body)
    return browser.request("POST", "/auth/login", {
        "csrf_token": token, "username": username, "password": password}).status


def test_two_servers_share_logins_limits_jobs_and_files(installation: dict[str, Any]) -> None:
    first_port, second_port = installation["ports"]["first"], installation["ports"]["second"]
    first = Browser(first_port)

    # A login made on the first server is a login on the second.
    assert _log_in(first, "secretary", DEMO_PASSWORD) == 302
    second = Browser(second_port)
    second.cookies = dict(first.cookies)  # the same browser's cookies, sent to the other
    home = second.request("GET", "/")
    assert home.status == 200 and "/auth/logout" in home.body

    # An archive asked for on the first is built by the worker, downloads from the second.
    group_id = re.search(r"/groups/(\d+)", home.body).group(1)  # type: ignore[union-attr]
    page = first.request("GET", f"/groups/{group_id}/archive").body
    year = re.search(r'<option value="(\d{4})"', page).group(1)  # type: ignore[union-attr]
    asked = first.request("POST", f"/groups/{group_id}/archive",
                          {"csrf_token": csrf_token(page), "year": year})
    assert asked.status == 302
    job_path = dict((k.lower(), v) for k, v in asked.headers)["location"]
    job_path = "/" + job_path.split("/", 3)[-1] if job_path.startswith("http") else job_path
    deadline = time.monotonic() + 120
    while 'data-status="done"' not in (job_page := second.request("GET", job_path).body):
        assert 'data-status="failed"' not in job_page
        assert time.monotonic() < deadline, (installation["tmp"] / "worker.log").read_text()
        time.sleep(0.5)
    download = second.request("GET", f"{job_path}/download")
    assert download.status == 200
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert any(name.endswith("目录.html") for name in archive.namelist())

    # A file uploaded through the first downloads through the second.
    library = first.request("GET", "/materials").body
    material = re.search(r'href="/materials/(\d+)"', library).group(1)  # type: ignore[union-attr]
    detail = first.request("GET", f"/materials/{material}").body
    pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    uploaded = first.request_multipart(f"/materials/{material}/attachments",
                                       {"csrf_token": csrf_token(detail)},
                                       ("file", "两台服务器.pdf", pdf))
    assert uploaded.status == 302, uploaded.body[-500:]
    listed = second.request("GET", f"/materials/{material}").body
    attachment = re.findall(r"/attachments/(\d+)/download", listed)[-1]
    fetched = second.request("GET", f"/attachments/{attachment}/download")
    assert fetched.status == 200 and fetched.data == pdf
    assert not list((installation["tmp"] / "first" / "uploads").rglob("*.pdf"))

    # Logging out on the second ends the login on the first, even for a copy of the cookie
    # taken before (the login is a row in PostgreSQL, not only a cookie).
    copied = dict(second.cookies)
    token = csrf_token(second.request("GET", "/").body)
    assert second.request("POST", "/auth/logout", {"csrf_token": token}).status == 302
    first.cookies = copied
    after = first.request("GET", "/")
    assert after.status == 302 and "/auth/login" in dict(after.headers).get("Location", "")

    # Wrong passwords on both servers count together: five in all, then both refuse.
    outsider_first, outsider_second = Browser(first_port), Browser(second_port)
    statuses = [_log_in(outsider_first, "member", WRONG_PASSWORD) for _ in range(3)]
    statuses += [_log_in(outsider_second, "member", WRONG_PASSWORD) for _ in range(2)]
    assert statuses == [200] * 5
    assert _log_in(outsider_first, "member", DEMO_PASSWORD) == 429
    assert _log_in(outsider_second, "member", DEMO_PASSWORD) == 429
