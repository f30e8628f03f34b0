"""docs/deployment.md, followed by a test: PostgreSQL, `flask db upgrade`, gunicorn with two
workers and gunicorn.conf.py, Redis as the rate limiter's shared storage.

The test makes a PostgreSQL database of its own (on the server of STUDYTRACK_TEST_DATABASE_URL,
else postgres@127.0.0.1:5432) and uses its own key prefix in Redis (STUDYTRACK_TEST_REDIS_URL,
else redis://127.0.0.1:6379/15); both are removed afterwards. Without PostgreSQL or Redis the
test is skipped, except in CI (CI=true), where it fails.

That the login limit holds "across workers" is shown, not assumed: a gunicorn sync worker
reads a request to its end before it takes another connection, so a connection that has sent
half a request pins one worker and every other request goes to the other. Each worker's pid is
in the JSON request log.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from studytrack.config import normalize_database_url
from tests.fixtures.services import unavailable

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
USERNAME = "zhang.secretary"
PASSWORD = "Correct-Horse-Deploy-42"
WRONG_PASSWORD = "Wrong-Password-Never-Logged-77"
QUERY_TOKEN = "tok-in-a-query-string-never-logged"
PER_ACCOUNT_LIMIT = 5  # Config.LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_CLIENT = "5 per 5 minutes"


# --- services -----------------------------------------------------------------------------


@pytest.fixture
def deploy_database_url() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    server_url = sa.make_url(normalize_database_url(
        os.environ.get("STUDYTRACK_TEST_DATABASE_URL") or DEFAULT_POSTGRES_URL
    ))
    engine = sa.create_engine(
        server_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        engine.dispose()
        unavailable(f"PostgreSQL is not reachable at {server_url.render_as_string()}: "
                    f"{str(error.orig).strip().splitlines()[0]}")
    name = f"studytrack_deploy_{uuid.uuid4().hex[:12]}"
    with engine.connect() as connection:
        connection.execute(sa.text(
            f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
            "LC_CTYPE 'C.UTF-8' TEMPLATE template0"
        ))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- a small HTTP client: a cookie jar and one connection per request ---------------------


@dataclass
class Reply:
    status: int
    body: str
    headers: list[tuple[str, str]]
    data: bytes = b""  # the body as it came (a download)


class Browser:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request_multipart(self, path: str, form: dict[str, str],
                          file: tuple[str, str, bytes]) -> Reply:
        """POST a form with one file, as a browser sends it."""
        boundary = "studytrack-test-boundary"
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                 f"{value}\r\n".encode() for name, value in form.items()]
        field, filename, data = file
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                     f'filename="{filename}"\r\nContent-Type: application/octet-stream'
                     f"\r\n\r\n".encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, body=b"".join(parts),
                            content_type=f"multipart/form-data; boundary={boundary}")

    def request(self, method: str, path: str, form: dict[str, str] | None = None, *,
                body: bytes | str | None = None, content_type: str | None = None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form)
            content_type = "application/x-www-form-urlencoded"
        if content_type is not None:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            reply = Reply(response.status, data.decode(errors="replace"),
                          response.getheaders(), data)
        finally:
            connection.close()
        for name, value in reply.headers:
            if name.lower() == "set-cookie":
                for morsel in SimpleCookie(value).values():
                    self.cookies[morsel.key] = morsel.value
        return reply


class Blocker:
    """Half a request on its own connection: the sync worker that accepts it waits for the
    rest and takes no other connection meanwhile."""

    def __init__(self, port: int) -> None:
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=30)
        # Connections are accepted in the order they were made: this one goes to an idle
        # worker before any request made after it.
        self.socket.sendall(f"GET /auth/login HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n".encode())

    def release(self) -> int:
        self.socket.sendall(b"Connection: close\r\n\r\n")
        data = b""
        while chunk := self.socket.recv(65536):
            data += chunk
        self.socket.close()
        return int(data.split(b" ", 2)[1])


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token on the login page"
    return match.group(1)


# --- the test -----------------------------------------------------------------------------


def server_environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The service's environment file, as docs/deployment.md writes it; nothing inherited."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("STUDYTRACK_", "FLASK_", "FORWARDED_ALLOW_IPS"))}
    env.update(STUDYTRACK_ENV="production", STUDYTRACK_SECRET_KEY=secrets.token_urlsafe(48),
               STUDYTRACK_INSTANCE_PATH=str(tmp_path / "instance"), **settings)
    return env


def create_account(database_url: str, tmp_path: Path) -> None:
    from studytrack import create_app
    from studytrack.admin.services import create_user
    from studytrack.config import TestConfig
    from studytrack.extensions import db

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        UPLOAD_FOLDER = str(tmp_path / "uploads")

    app = create_app(Config)
    with app.app_context():
        create_user(username=USERNAME, display_name="张秘书", password=PASSWORD,
                    must_change_password=False)
        db.session.commit()
        db.engine.dispose()


def shared_counters(redis_url: str, key_prefix: str) -> list[bytes]:
    import redis

    with redis.Redis.from_url(redis_url) as client:
        return list(client.scan_iter(match=f"*{key_prefix}*"))


def request_lines(log: str) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "studytrack.request"]


def test_gunicorn_with_two_workers_shares_the_login_limit_through_redis(
    tmp_path: Path, deploy_database_url: str, redis_storage: tuple[str, str]
) -> None:
    if not (BIN / "gunicorn").exists():
        unavailable(f"gunicorn is not installed in {BIN} (pip install -e '.[test]')")
    started = time.monotonic()
    redis_url, key_prefix = redis_storage
    port = free_port()
    env = server_environment(
        tmp_path,
        STUDYTRACK_DATABASE_URL=deploy_database_url,
        STUDYTRACK_RATELIMIT_STORAGE_URI=redis_url,
        STUDYTRACK_RATELIMIT_KEY_PREFIX=key_prefix,
        STUDYTRACK_LOG_FORMAT="json",
        STUDYTRACK_WORKERS="2",
        STUDYTRACK_BIND=f"127.0.0.1:{port}",
    )

    # 1. The schema, by the migrations, as an upgrade does it.
    upgrade = subprocess.run(
        [BIN / "flask", "--app", "studytrack", "db", "upgrade"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False,
    )
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    create_account(deploy_database_url, tmp_path)

    # 2. gunicorn, as the systemd unit starts it.
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log_file:
        server = subprocess.Popen(
            [BIN / "gunicorn", "-c", ROOT / "gunicorn.conf.py", "studytrack.wsgi:app"],
            cwd=tmp_path, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    try:
        browser = Browser(port)
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "gunicorn stopped:\n" + log_path.read_text()[-3000:]
            try:
                health = browser.request("GET", "/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.2)
        assert health.status == 200
        assert json.loads(health.body) == {"status": "ok", "database": "ok"}

        # 3. Wrong passwords: two on one worker, three on the other.
        login_page = browser.request("GET", f"/auth/login?token={QUERY_TOKEN}")
        assert login_page.status == 200
        token = csrf_token(login_page.body)

        def attempt(password: str) -> int:
            form = {"csrf_token": token, "username": USERNAME, "password": password}
            return browser.request("POST", "/auth/login", form).status

        first = Blocker(port)                      # pins worker A
        assert [attempt(WRONG_PASSWORD) for _ in range(2)] == [200, 200]  # worker B
        second = Blocker(port)                     # pins worker B
        assert first.release() == 200              # frees worker A
        assert [attempt(WRONG_PASSWORD) for _ in range(3)] == [200, 200, 200]  # worker A
        # Counted per worker, A would allow two more tries and B three.
        assert attempt(WRONG_PASSWORD) == 429      # worker A
        assert attempt(PASSWORD) == 429            # worker A: even the right password waits
        third = Blocker(port)                      # pins worker A
        assert second.release() == 200             # frees worker B
        assert attempt(PASSWORD) == 429            # worker B
        assert third.release() == 200

        assert browser.request("GET", "/healthz").status == 200
        assert shared_counters(redis_url, key_prefix), "no rate-limit counters in Redis"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    assert server.returncode == 0, log_path.read_text()[-3000:]

    # 4. The request log: which worker served what, and nothing that must not be there.
    log = log_path.read_text()
    posts = [line for line in request_lines(log) if line["method"] == "POST"]
    assert [line["status"] for line in posts] == [200] * 5 + [429] * 3, posts
    failures = Counter(line["pid"] for line in posts if line["status"] == 200)
    refusals = {line["pid"] for line in posts if line["status"] == 429}
    assert sorted(failures.values()) == [2, 3], failures
    assert refusals == set(failures), "both workers must refuse once the limit is reached"
    for line in request_lines(log):
        assert {"method", "path", "endpoint", "status", "duration_ms", "user_id"} <= set(line)
    for secret in (PASSWORD, WRONG_PASSWORD, QUERY_TOKEN, "token=", USERNAME,
                   env["STUDYTRACK_SECRET_KEY"]):
        assert secret not in log, secret
    print(f"deployment test: {time.monotonic() - started:.1f} s, workers {sorted(failures)}")
