"""The operator's side inside the app: GET /healthz and the request log.

The request log must hold what an operator needs (method, path, endpoint, status, duration,
user id) and nothing that could leak: no query string, no form data, no cookie, no login name.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from studytrack import create_app
from studytrack.config import ConfigurationError, TestConfig
from studytrack.extensions import db
from studytrack.ops.logs import JsonFormatter, TextFormatter

ROOT = Path(__file__).resolve().parent.parent
REQUEST_FIELDS = {"method", "path", "endpoint", "status", "duration_ms", "user_id", "remote_addr"}
SECRET_PASSWORD = "pw-Must-Not-Be-Logged-7431"
SECRET_TOKEN = "tok-must-not-be-logged-9182"


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "studytrack.request"]


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as a person and a log collector would see it, in both formats."""
    text, as_json = TextFormatter(), JsonFormatter()
    return "\n".join(
        part
        for record in caplog.records
        for part in (record.getMessage(), text.format(record), as_json.format(record),
                     repr(getattr(record, "request", None)))
    )


@pytest.fixture
def request_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="studytrack")
    return caplog


# --- the health check ---------------------------------------------------------------------


def test_healthz_answers_ok_without_login_or_cookie(client) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_takes_no_post(client) -> None:
    assert client.post("/healthz").status_code == 405


@pytest.fixture
def unreachable_database_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app whose PostgreSQL is a closed port (1): the connection is refused at once."""
    monkeypatch.setenv("STUDYTRACK_INSTANCE_PATH", str(tmp_path / "instance"))

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = (
            f"postgresql://studytrack:{SECRET_PASSWORD}@127.0.0.1:1/studytrack?connect_timeout=3"
        )

    app = create_app(Config)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_healthz_answers_503_when_the_database_is_unreachable(
    unreachable_database_app: Flask, request_log: pytest.LogCaptureFixture
) -> None:
    response = unreachable_database_app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}
    body = response.get_data(as_text=True)
    for detail in ("refused", "127.0.0.1", "psycopg", "OperationalError", SECRET_PASSWORD):
        assert detail not in body, detail
    assert "Set-Cookie" not in response.headers

    # The operator learns why from the log, without the password of the database URL.
    warnings = [r for r in request_log.records if r.name == "studytrack.ops.routes"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "database unreachable" in warnings[0].getMessage()
    (line,) = request_records(request_log)
    assert line.levelno == logging.WARNING  # a failing check is not quiet
    assert line.request["status"] == 503
    assert SECRET_PASSWORD not in everything_logged(request_log)


# --- the request log ----------------------------------------------------------------------


def test_each_request_logs_one_line_with_its_fields(
    client, request_log: pytest.LogCaptureFixture
) -> None:
    response = client.get("/auth/login")
    assert response.status_code == 200

    (record,) = request_records(request_log)
    assert record.levelno == logging.INFO
    fields = record.request
    assert set(fields) == REQUEST_FIELDS
    assert fields["method"] == "GET"
    assert fields["path"] == "/auth/login"
    assert fields["endpoint"] == "auth.login"
    assert fields["status"] == 200
    assert isinstance(fields["duration_ms"], float) and 0 <= fields["duration_ms"] < 60_000
    assert fields["user_id"] is None
    assert fields["remote_addr"] == "127.0.0.1"

    as_json = json.loads(JsonFormatter().format(record))
    assert set(as_json) >= REQUEST_FIELDS
    assert {"time", "level", "logger", "pid"} <= set(as_json)
    assert as_json["logger"] == "studytrack.request" and as_json["pid"] == os.getpid()
    assert as_json["path"] == "/auth/login"
    text = TextFormatter().format(record)
    assert "GET /auth/login 200 " in text and "endpoint=auth.login" in text


def test_a_password_post_and_a_token_query_never_reach_the_log(
    client, create_user, request_log: pytest.LogCaptureFixture
) -> None:
    user = create_user(username="wang.secretary", display_name="王秘书", email="wang@example.cn")

    client.get(f"/auth/login?token={SECRET_TOKEN}&next=/groups")
    client.post(
        f"/auth/login?token={SECRET_TOKEN}",
        data={"username": user.username, "password": SECRET_PASSWORD},
    )
    client.post(  # a failed login logs the same way, without what was typed
        "/auth/login", data={"username": "nobody-" + SECRET_TOKEN, "password": SECRET_PASSWORD}
    )

    records = request_records(request_log)
    assert [(r.request["method"], r.request["path"], r.request["status"]) for r in records] == [
        ("GET", "/auth/login", 200),
        ("POST", "/auth/login", 200),  # wrong password: the form again
        ("POST", "/auth/login", 200),
    ]
    logged = everything_logged(request_log)
    for secret in (SECRET_PASSWORD, SECRET_TOKEN, "token=", "next=", "?"):
        assert secret not in logged, secret


def test_the_logged_in_user_is_logged_by_id_only(
    client, login, create_user, request_log: pytest.LogCaptureFixture
) -> None:
    user = create_user(
        username="li.member", display_name="李同志", email="li@example.cn", phone="13800138000"
    )
    login(user)
    request_log.clear()

    response = client.get("/")

    assert response.status_code == 200
    (record,) = [r for r in request_records(request_log) if r.request["path"] == "/"]
    assert record.request["user_id"] == user.id
    logged = everything_logged(request_log)
    for personal in ("li.member", "李同志", "li@example.cn", "13800138000"):
        assert personal not in logged, personal


def test_a_successful_login_logs_the_new_users_id(
    client, create_user, request_log: pytest.LogCaptureFixture
) -> None:
    user = create_user()
    client.post("/auth/login", data={"username": user.username, "password": "correct-horse-42"})

    (record,) = request_records(request_log)
    assert record.request["status"] == 302
    assert record.request["user_id"] == user.id


def test_a_forged_line_break_in_the_path_stays_on_one_line(
    client, request_log: pytest.LogCaptureFixture
) -> None:
    client.get("/nothing%0A2026-01-01 INFO studytrack.request: GET /admin 200")

    (record,) = request_records(request_log)
    assert record.request["status"] == 404
    assert "\n" not in TextFormatter().format(record)
    assert "\\x0a" in record.getMessage()


def test_successful_health_checks_log_quietly(client, request_log) -> None:
    client.get("/healthz")
    (record,) = request_records(request_log)
    assert record.levelno == logging.DEBUG


def test_the_remote_address_can_be_left_out(app, client, request_log) -> None:
    app.config["LOG_REMOTE_ADDR"] = False
    client.get("/auth/login")
    (record,) = request_records(request_log)
    assert "remote_addr" not in record.request


def test_a_request_id_from_the_proxy_is_kept_and_junk_is_dropped(client, request_log) -> None:
    client.get("/auth/login", headers={"X-Request-ID": "7f3a9c2e1b"})
    client.get("/auth/login", headers={"X-Request-ID": "x" * 65})
    client.get("/auth/login", headers={"X-Request-ID": "a b;forged"})
    first, *others = request_records(request_log)
    assert first.request["request_id"] == "7f3a9c2e1b"
    assert all("request_id" not in record.request for record in others)


# --- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"), [("STUDYTRACK_LOG_FORMAT", "xml"), ("STUDYTRACK_LOG_LEVEL", "LOUD")]
)
def test_unknown_log_settings_refuse_to_start(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, value: str
) -> None:
    monkeypatch.setenv("STUDYTRACK_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=variable):
        create_app()


# What a server process does: nobody configured logging, so the app writes JSON to stderr.
# FORCE_HTTPS redirects pages to HTTPS but not the health check. The limiter's Redis is a
# closed port: logins still work, limited in the worker's memory. (A process of its own: the
# extension objects are shared, and such an app here would change the suite's app.)
SERVER_PROCESS = textwrap.dedent(
    """
    from studytrack import create_app
    from studytrack.extensions import db

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        db.create_all()
    client = app.test_client()
    page = client.get("/auth/login?token=TOKEN")
    assert page.status_code == 302 and page.location.startswith("https://"), page.status_code
    health = client.get("/healthz")
    assert health.status_code == 200, health.status_code
    assert health.get_json() == {"status": "ok", "database": "ok"}
    statuses = [
        client.post("/auth/login", base_url="https://localhost",
                    data={"username": "nobody", "password": "PASSWORD"}).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429], statuses
    """
)


@pytest.mark.slow
def test_a_server_process_writes_json_lines_to_stderr(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("STUDYTRACK_", "FLASK_"))}
    env.update(
        STUDYTRACK_INSTANCE_PATH=str(tmp_path / "instance"),
        STUDYTRACK_LOG_FORMAT="json",
        STUDYTRACK_FORCE_HTTPS="1",
        STUDYTRACK_RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
    )
    script = SERVER_PROCESS.replace("TOKEN", SECRET_TOKEN).replace("PASSWORD", SECRET_PASSWORD)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]

    lines: list[dict[str, Any]] = [json.loads(line) for line in result.stderr.splitlines()]
    requests = [line for line in lines if line["logger"] == "studytrack.request"]
    # The successful health check is quiet (DEBUG); the redirect and the logins are not.
    assert [(line["method"], line["path"], line["status"]) for line in requests] == [
        ("GET", "/auth/login", 302), *[("POST", "/auth/login", 200)] * 5,
        ("POST", "/auth/login", 429),
    ]
    for line in requests:
        assert set(line) >= REQUEST_FIELDS and line["level"] == "INFO"
    # The operator is told that Redis is gone.
    assert any(line["logger"] == "flask-limiter" and "falling back" in line["message"]
               for line in lines)
    for secret in (SECRET_TOKEN, SECRET_PASSWORD, "nobody"):
        assert secret not in result.stderr + result.stdout, secret
