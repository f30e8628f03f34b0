"""Configuration from STUDYTRACK_* variables: generated secret key, production guards, URLs."""

from __future__ import annotations

import ast
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from studytrack import create_app
from studytrack.config import ConfigurationError
from studytrack.extensions import db

SOURCE_DIR = Path(__file__).resolve().parent.parent / "studytrack"
GOOD_KEY = "k" * 16 + "-production-secret-key-0123456789"


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """No STUDYTRACK_* variable from the caller's shell; the instance folder in tmp_path."""
    for name in list(os.environ):
        if name.startswith("STUDYTRACK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("STUDYTRACK_INSTANCE_PATH", str(tmp_path / "instance"))
    yield monkeypatch


def test_generated_secret_key_is_kept_in_the_instance_folder(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = create_app()
    key_file = tmp_path / "instance" / "secret_key"

    assert first.instance_path == str(tmp_path / "instance")
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first.secret_key) >= 32
    assert key_file.read_text().strip() == first.secret_key

    second = create_app()
    assert second.secret_key == first.secret_key


def test_each_installation_generates_its_own_key(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = create_app()
    environment.setenv("STUDYTRACK_INSTANCE_PATH", str(tmp_path / "other-instance"))
    other = create_app()
    assert other.secret_key != first.secret_key


def test_a_configured_secret_key_is_used_and_nothing_is_written(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment.setenv("STUDYTRACK_SECRET_KEY", GOOD_KEY)
    app = create_app()
    assert app.secret_key == GOOD_KEY
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_production_with_a_long_key_starts(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("STUDYTRACK_ENV", "production")
    environment.setenv("STUDYTRACK_SECRET_KEY", GOOD_KEY)
    app = create_app()
    assert app.secret_key == GOOD_KEY
    assert not app.debug


def test_production_without_a_secret_key_refuses_to_start(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    environment.setenv("STUDYTRACK_ENV", "production")
    with pytest.raises(ConfigurationError, match="STUDYTRACK_SECRET_KEY"):
        create_app()
    assert not (tmp_path / "instance" / "secret_key").exists()


def test_production_refuses_debug(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("STUDYTRACK_ENV", "production")
    environment.setenv("STUDYTRACK_SECRET_KEY", GOOD_KEY)
    environment.setenv("STUDYTRACK_DEBUG", "1")
    with pytest.raises(ConfigurationError, match="debug"):
        create_app()


def test_production_refuses_a_short_secret_key(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("STUDYTRACK_ENV", "production")
    environment.setenv("STUDYTRACK_SECRET_KEY", "x" * 31)
    with pytest.raises(ConfigurationError, match="32"):
        create_app()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://st:pw@db.example/studytrack", "postgresql+psycopg://st:pw@db.example/studytrack"),
        ("postgresql://st@127.0.0.1:5433/studytrack", "postgresql+psycopg://st@127.0.0.1:5433/studytrack"),
        ("postgresql+psycopg://st@db/studytrack", "postgresql+psycopg://st@db/studytrack"),
        ("sqlite:////srv/studytrack/studytrack.sqlite", "sqlite:////srv/studytrack/studytrack.sqlite"),
    ],
)
def test_database_url_is_normalised_for_psycopg(
    environment: pytest.MonkeyPatch, given: str, expected: str
) -> None:
    environment.setenv("STUDYTRACK_DATABASE_URL", given)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == expected


def test_postgresql_connections_run_without_jit_or_parallel_workers(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("STUDYTRACK_DATABASE_URL", "postgresql://st@db.example/studytrack")
    options = create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {
        "options": "-c jit=off -c max_parallel_workers_per_gather=0"}
    assert options["pool_pre_ping"] is True  # the other engine options are kept

    environment.setenv("STUDYTRACK_POSTGRES_SETTINGS", "work_mem=16MB")
    options = create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"options": "-c work_mem=16MB"}

    environment.setenv(  # options of the URL's own are kept, before these
        "STUDYTRACK_DATABASE_URL", "postgresql://st@db.example/studytrack?options=-csearch_path%3Dx")
    options = create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"options": "-csearch_path=x -c work_mem=16MB"}

    environment.setenv("STUDYTRACK_POSTGRES_SETTINGS", "")  # the server's own settings
    assert "connect_args" not in create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_sqlite_gets_no_postgresql_settings(environment: pytest.MonkeyPatch) -> None:
    assert "connect_args" not in create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]


@pytest.mark.parametrize("settings", ["jit", "jit=off; DROP TABLE users", "a=b c", "x='y'"])
def test_a_postgresql_setting_that_is_not_name_equals_value_is_refused(
    environment: pytest.MonkeyPatch, settings: str
) -> None:
    environment.setenv("STUDYTRACK_DATABASE_URL", "postgresql://st@db.example/studytrack")
    environment.setenv("STUDYTRACK_POSTGRES_SETTINGS", settings)
    with pytest.raises(ConfigurationError, match="STUDYTRACK_POSTGRES_SETTINGS"):
        create_app()


def test_storage_settings_are_checked_at_start(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("STUDYTRACK_STORAGE", "ftp")
    with pytest.raises(ConfigurationError, match="STUDYTRACK_STORAGE"):
        create_app()
    environment.setenv("STUDYTRACK_STORAGE", "S3")
    with pytest.raises(ConfigurationError, match="STUDYTRACK_S3_BUCKET"):
        create_app()
    environment.setenv("STUDYTRACK_S3_BUCKET", "studytrack")
    environment.setenv("STUDYTRACK_S3_SIGNED_URLS", "yes")
    config = create_app().config
    assert (config["STORAGE"], config["S3_BUCKET"], config["S3_SIGNED_URLS"]) == (
        "s3", "studytrack", True)


@pytest.mark.postgresql_only
def test_the_apps_postgresql_connections_have_the_settings(app: Flask) -> None:
    """The server applies them to the app's own connections (the suite's app on PostgreSQL)."""
    shown = {name: db.session.execute(sa.text(f"SHOW {name}")).scalar()
             for name in ("jit", "max_parallel_workers_per_gather")}
    assert shown == {"jit": "off", "max_parallel_workers_per_gather": "0"}


def test_without_a_database_url_sqlite_lives_in_the_instance_folder(
    environment: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = create_app()
    database = tmp_path / "instance" / "studytrack.sqlite"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{database}"
    assert app.config["UPLOAD_FOLDER"] == str(tmp_path / "instance" / "uploads")


# --- no secret in the source ----------------------------------------------------------------


def _names_secret_key(node: ast.AST) -> bool:
    """SECRET_KEY, x.secret_key, config["SECRET_KEY"], {"SECRET_KEY": ...} keys."""
    if isinstance(node, ast.Name):
        name = node.id
    elif isinstance(node, ast.Attribute):
        name = node.attr
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        name = str(node.slice.value)
    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
        name = node.value
    else:
        return False
    return name.upper() == "SECRET_KEY"


def _is_literal_secret(value: ast.AST | None) -> bool:
    """A value made only of constants (a string, "a" + "b", f"{1}"); None is fine.

    A value that calls something (secrets.token_hex) or reads a variable (env lookups) is not
    a literal secret: TestConfig's random "test-only-" key passes.
    """
    if value is None or (isinstance(value, ast.Constant) and value.value in (None, "")):
        return False
    if isinstance(value, ast.Constant) and value.value == "SECRET_KEY":
        return False  # a name, as in config.py's {"SECRET_KEY": "SECRET_KEY"} variable map
    return not any(isinstance(node, ast.Call | ast.Name | ast.Attribute | ast.Subscript)
                   for node in ast.walk(value))


def _literal_secret_keys(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        pairs: list[tuple[ast.AST, ast.AST | None]] = []
        if isinstance(node, ast.Assign):
            pairs = [(target, node.value) for target in node.targets]
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            pairs = [(node.target, node.value)]
        elif isinstance(node, ast.Dict):
            pairs = [(key, value) for key, value in zip(node.keys, node.values, strict=True)
                     if key is not None]
        elif isinstance(node, ast.keyword) and node.arg is not None:
            pairs = [(ast.Name(id=node.arg), node.value)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "setdefault" and len(node.args) == 2:
            pairs = [(node.args[0], node.args[1])]
        for target, value in pairs:
            if _names_secret_key(target) and _is_literal_secret(value):
                found.append(f"{path.relative_to(SOURCE_DIR.parent)}:{node.lineno}")
    return found


def test_no_literal_secret_key_in_the_source() -> None:
    files = sorted(SOURCE_DIR.rglob("*.py"))
    assert files
    offenders = [hit for path in files for hit in _literal_secret_keys(path)]
    assert offenders == [], f"hard-coded SECRET_KEY values: {offenders}"


def test_the_source_check_catches_a_literal_key() -> None:
    tree = ast.parse('SECRET_KEY = "dev"\napp.config["SECRET_KEY"] = "a" + "b"\n'
                     'x = dict(SECRET_KEY="c")\nSECRET_KEY: str | None = None\n'
                     'SECRET_KEY = "test-only-" + secrets.token_hex(8)\n')
    statements = tree.body
    assert _is_literal_secret(statements[0].value)
    assert _names_secret_key(statements[1].targets[0])
    assert _is_literal_secret(statements[1].value)
    assert _is_literal_secret(statements[2].value.keywords[0].value)
    assert not _is_literal_secret(statements[3].value)
    assert not _is_literal_secret(statements[4].value)


def test_login_lifetimes_and_limits_come_from_the_environment(
    environment: pytest.MonkeyPatch,
) -> None:
    """docs/security.md: the session and lock-out policies are settings."""
    environment.setenv("STUDYTRACK_LOGIN_IDLE_MINUTES", "30")
    environment.setenv("STUDYTRACK_LOGIN_MAX_HOURS", "8")
    environment.setenv("STUDYTRACK_LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_CLIENT", "3 per 10 minutes")
    environment.setenv("STUDYTRACK_LOGIN_RATE_LIMIT_PER_CLIENT", "500 per 5 minutes")
    config = create_app().config
    assert (config["LOGIN_IDLE_MINUTES"], config["LOGIN_MAX_HOURS"]) == (30, 8)
    assert config["LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_CLIENT"] == "3 per 10 minutes"
    assert config["LOGIN_RATE_LIMIT_PER_CLIENT"] == "500 per 5 minutes"
    assert config["LOGIN_RATE_LIMIT_PER_ACCOUNT"] == "30 per 15 minutes"  # the default
