"""The Alembic scripts build exactly the models' schema, on SQLite and on PostgreSQL.

An empty database is upgraded to head with Flask-Migrate, then compared with the models by
Alembic's autogenerate comparison: any difference means a model change without a migration
(or a migration that does not match its model). On PostgreSQL the suite's database already
holds create_all()'s tables in schema public, so the migrations run in a fresh schema of their
own, reached through search_path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

from studytrack import create_app
from studytrack.config import TestConfig
from studytrack.extensions import db
from studytrack.models import Base

SCHEMA_PREFIX = "migration_test_"


@pytest.fixture
def empty_database(database_url: str, tmp_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(database URL, engine options) of an empty database on the suite's backend."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}", {}
        return

    schema = f"{SCHEMA_PREFIX}{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        # Schemas an interrupted earlier run could not drop.
        stale = connection.scalars(
            sa.text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"),
            {"prefix": SCHEMA_PREFIX + "%"},
        ).all()
        for name in stale:
            connection.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield database_url, {"connect_args": {"options": f"-csearch_path={schema}"}}
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def migration_app(
    empty_database: tuple[str, dict[str, Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Flask]:
    url, engine_options = empty_database

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = engine_options

    monkeypatch.setenv("STUDYTRACK_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(Config)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def table_names() -> set[str]:
    with db.engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names())


def schema_differences() -> list[Any]:
    """What autogenerate would put into a new migration; empty when all is in step."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_one_head_revision(migration_app: Flask) -> None:
    directory = migration_app.extensions["migrate"].directory
    heads = ScriptDirectory(directory).get_heads()
    assert len(heads) == 1, (
        f"several migration heads {heads}: two migrations share a down_revision; "
        "rebase one of them (or `flask db merge`)"
    )


def test_upgrade_of_an_empty_database_yields_the_models_schema(migration_app: Flask) -> None:
    assert table_names() == set()  # really empty: not the suite's create_all() tables

    upgrade()

    assert set(Base.metadata.tables) <= table_names()
    assert schema_differences() == []


def test_downgrade_to_base_and_upgrade_again(migration_app: Flask) -> None:
    upgrade()
    downgrade(revision="base")

    assert table_names() <= {"alembic_version"}

    upgrade()

    assert schema_differences() == []


def test_the_audit_session_column_is_filled_from_the_events_before_it(migration_app: Flask) -> None:
    """Issue 18: a session's history reads an indexed column; the events recorded before the
    column came get it from their object or their details."""
    upgrade(revision="c170e4ac9d34")
    events = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("action"),
                      sa.column("object_type"), sa.column("object_id", sa.Integer),
                      sa.column("created_at"), sa.column("details", sa.JSON))
    with db.engine.begin() as connection:
        connection.execute(sa.insert(events), [
            {"id": 1, "action": "session.publish", "object_type": "StudySession",
             "object_id": 7, "created_at": "2026-03-26 06:00:00", "details": {}},
            {"id": 2, "action": "talk.add", "object_type": "Talk", "object_id": 3,
             "created_at": "2026-03-26 06:01:00", "details": {"session_id": 7}},
            {"id": 3, "action": "user.create", "object_type": "User", "object_id": 5,
             "created_at": "2026-03-26 06:02:00", "details": {"username": "x"}},
            {"id": 4, "action": "task.add", "object_type": "FollowUpTask", "object_id": 9,
             "created_at": "2026-03-26 06:03:00", "details": {"session_id": "not a number"}},
        ])

    upgrade()

    with db.engine.connect() as connection:
        filled = dict(connection.execute(sa.text(
            "SELECT id, session_id FROM audit_events ORDER BY id")).all())
    assert filled == {1: 7, 2: 7, 3: None, 4: None}
