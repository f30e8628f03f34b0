"""Fixtures after the Flask tutorial and Indico: an app per test, a clean database, factories.

The suite runs on SQLite by default. `pytest --db=postgresql` runs it on the database named by
STUDYTRACK_TEST_DATABASE_URL; a PostgreSQL that cannot be reached fails the run, never skips.
With pytest-xdist (`-n 2`, as `make test` runs it) each worker has a database of its own.
"""

from __future__ import annotations

import contextvars
import importlib.util
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient

from studytrack import create_app
from studytrack.admin import services as admin_services
from studytrack.config import TestConfig, normalize_database_url
from studytrack.extensions import db
from studytrack.models import (
    Base,
    GroupRole,
    GroupTitle,
    Organization,
    OrganizationKind,
    SessionKind,
    SessionStatus,
    StudyGroup,
    StudySession,
    User,
)

PASSWORD = "correct-horse-42"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db", choices=("sqlite", "postgresql"), default="sqlite",
        help="database to run on; postgresql uses STUDYTRACK_TEST_DATABASE_URL",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Some tests run in one of the two passes only (deselected, not skipped, in the other):
    postgresql_only ones on PostgreSQL; the browser journeys (tests/e2e, ~1.5 min, they test
    the browser side and already ran on SQLite) on SQLite, unless STUDYTRACK_E2E_POSTGRESQL=1."""
    on_postgresql = config.getoption("--db") == "postgresql"
    e2e_too = os.environ.get("STUDYTRACK_E2E_POSTGRESQL") == "1"

    def wanted(item: pytest.Item) -> bool:
        if on_postgresql:
            return e2e_too or "/tests/e2e/" not in str(item.path).replace(os.sep, "/")
        return item.get_closest_marker("postgresql_only") is None

    kept = [item for item in items if wanted(item)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


if importlib.util.find_spec("xdist") is not None:  # pytest-xdist is in the test extras

    def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
        """With -n (and the default --dist load): each test is its own unit of work, except
        the browser journeys (tests/e2e), which go together, in their order, to one worker:
        later journeys use what earlier ones recorded, and they share one browser and one live
        server. The scheduler hands out the largest unit first, so that worker starts with
        them. (--dist loadgroup would do this with xdist_group marks, but pytest 9.2 node ids
        broke it: pytest-xdist issue 1386.)"""
        if config.getoption("dist") != "load":
            return None  # an explicit --dist loadfile, loadscope, … is obeyed
        from xdist.scheduler import LoadScopeScheduling

        class JourneysTogether(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                path = nodeid.split("::", 1)[0].replace(os.sep, "/")
                return "tests/e2e" if "/e2e/" in f"/{path}" else nodeid

        return JourneysTogether(config, log)


def pytest_report_header(config: pytest.Config) -> str:
    return f"studytrack database: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The suite's database. Under pytest-xdist each worker (gw0, gw1, …) has one of its own:
    SQLite is in memory per process anyway; on PostgreSQL the worker creates the database
    `<name>_<worker>` beside the one named by STUDYTRACK_TEST_DATABASE_URL, with the same
    encoding and collation, and drops it at the end."""
    if request.config.getoption("--db") == "sqlite":
        yield "sqlite://"
        return
    url = os.environ.get("STUDYTRACK_TEST_DATABASE_URL")
    if not url:
        pytest.fail("--db=postgresql needs STUDYTRACK_TEST_DATABASE_URL", pytrace=False)
    url = normalize_database_url(url)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        engine.dispose()
        pytest.fail(f"PostgreSQL is not reachable at {url}: {error}", pytrace=False)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        name = f"{sa.make_url(url).database}_{worker}"
        with engine.connect() as connection:
            encoding, collate, ctype = connection.execute(sa.text(
                "SELECT pg_encoding_to_char(encoding), datcollate, datctype FROM pg_database "
                "WHERE datname = current_database()"
            )).one()
            try:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                connection.execute(sa.text(
                    f"CREATE DATABASE \"{name}\" ENCODING '{encoding}' LC_COLLATE '{collate}' "
                    f"LC_CTYPE '{ctype}' TEMPLATE template0"
                ))
            except sa.exc.DBAPIError as error:
                engine.dispose()
                pytest.fail(f"could not create the database {name} of worker {worker}: "
                            f"{str(error.orig).strip()} (a parallel run needs CREATEDB; "
                            "PYTEST_WORKERS=0 make test, or pytest without -n, runs in one "
                            "process)", pytrace=False)
        url = sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    try:
        _prepare_postgresql(url)
        yield url
    finally:
        if worker:
            with engine.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _prepare_postgresql(url: str) -> None:
    """An empty schema (whatever an earlier run left is dropped), and commits that do not wait
    for the disk (synchronous_commit=off, for every connection to this throwaway database: what
    other sessions see is unchanged, only a server crash could lose the last commits)."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
            Base.metadata.create_all(connection)
            database = connection.scalar(sa.text("SELECT current_database()"))
            connection.execute(sa.text(
                f'ALTER DATABASE "{database}" SET synchronous_commit = off'
            ))
    finally:
        engine.dispose()


@pytest.fixture
def is_postgresql(database_url: str) -> bool:
    return database_url.startswith("postgresql")


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, as a server does: its own app context, `g` and
    database session. The `app` fixture keeps one app context open for the whole test, and
    Flask would otherwise reuse it for every request, so `g` (the logged-in user, the authz
    cache, the locale) would leak from one request, and from one client, to the next.

    Afterwards the test body's own session is expired, so it reads what the request committed.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # not when following a redirect inside the isolated context
            db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def shared_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One application for the whole run: building one (compiling its URL rules, creating the
    schema) cost more than most tests themselves. The `app` fixture gives each test a clean
    database, its own folders and the configuration as it was."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        UPLOAD_FOLDER = str(tmp_path_factory.mktemp("uploads"))

    app = create_app(Config)
    app.test_client_class = IsolatedClient
    if database_url == "sqlite://":
        with app.app_context():
            db.create_all()  # in memory, on the one connection the app keeps (StaticPool)
    yield app
    with app.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter collects them


@pytest.fixture
def app(shared_app: Flask, tmp_path: Any) -> Iterator[Flask]:
    app = shared_app
    saved_config, saved_instance_path = dict(app.config), app.instance_path
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    app.instance_path = str(tmp_path / "instance")
    try:
        with app.app_context():
            yield app
            db.session.remove()
            _empty_all_tables()
    finally:
        app.config.clear()
        app.config.update(saved_config)
        app.instance_path = saved_instance_path


def _empty_all_tables() -> None:
    """DELETE, children first: much quicker than TRUNCATE on the few rows a test leaves.

    On PostgreSQL one query first finds the tables a test used (rows, or a sequence that was
    drawn from); only those are emptied, in one round trip, and their id sequences start again
    at 1, as SQLite's ids do after a DELETE."""
    with db.engine.begin() as connection:
        if connection.dialect.name != "postgresql":
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
            return
        probe, cleaners = _postgresql_cleaners(connection)
        used = connection.exec_driver_sql(probe).scalars().all()
        if used:
            connection.exec_driver_sql("; ".join(cleaners[index] for index in used))


_POSTGRESQL_CLEANERS: tuple[str, list[str]] | None = None


def _postgresql_cleaners(connection: sa.Connection) -> tuple[str, list[str]]:
    """(the probe query, one cleaning statement per table), built once per run: the tables
    children first, each with its id sequence (serial or identity) if it has one."""
    global _POSTGRESQL_CLEANERS
    if _POSTGRESQL_CLEANERS is None:
        preparer = connection.dialect.identifier_preparer
        checks: list[str] = []
        cleaners: list[str] = []
        for index, table in enumerate(reversed(Base.metadata.sorted_tables)):
            name = preparer.format_table(table)
            sequences = [
                sequence for column in table.primary_key.columns
                if (sequence := connection.scalar(
                    sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                    {"table": name, "column": column.name},
                ))
            ]
            used = " OR ".join([f"EXISTS (SELECT FROM {name})",
                                *(f"(SELECT is_called FROM {seq})" for seq in sequences)])
            checks.append(f"SELECT {index} WHERE {used}")
            restarts = [f"SELECT setval('{seq}', 1, false)" for seq in sequences]
            cleaners.append("; ".join([f"DELETE FROM {name}", *restarts]))
        _POSTGRESQL_CLEANERS = (" UNION ALL ".join(checks) + " ORDER BY 1", cleaners)
    return _POSTGRESQL_CLEANERS


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], FlaskClient]:
    """login(user) logs the test client in through the real login form."""

    def do_login(user: User, password: str = PASSWORD) -> FlaskClient:
        response = client.post(
            "/auth/login", data={"username": user.username, "password": password}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do_login


# --- factories: real saved objects, made through the services -----------------------------


@pytest.fixture
def create_org() -> Callable[..., Organization]:
    counter = iter(range(1, 10_000))

    def make(
        name: str | None = None,
        parent: Organization | None = None,
        kind: OrganizationKind = OrganizationKind.COMMITTEE,
    ) -> Organization:
        org = admin_services.create_organization(
            name or f"测试党委{next(counter)}", kind=kind, parent=parent
        )
        db.session.commit()
        return org

    return make


@pytest.fixture
def create_user() -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(
        username: str | None = None,
        display_name: str | None = None,
        *,
        is_admin: bool = False,
        active: bool = True,
        must_change_password: bool = False,
        password: str = PASSWORD,
        **fields: Any,
    ) -> User:
        n = next(counter)
        user = admin_services.create_user(
            username=username or f"user{n}",
            display_name=display_name or f"同志{n}",
            password=password,
            is_admin=is_admin,
            must_change_password=must_change_password,
            **fields,
        )
        user.active = active
        db.session.commit()
        return user

    return make


@pytest.fixture
def create_group(create_org: Callable[..., Organization]) -> Callable[..., StudyGroup]:
    counter = iter(range(1, 10_000))

    def make(
        organization: Organization | None = None,
        name: str | None = None,
        members: tuple[User, ...] = (),
        secretaries: tuple[User, ...] = (),
    ) -> StudyGroup:
        group = admin_services.create_group(
            organization or create_org(), name or f"理论学习中心组{next(counter)}"
        )
        for user in members:
            admin_services.add_member(group, user, GroupRole.MEMBER, GroupTitle.MEMBER)
        for user in secretaries:
            admin_services.add_member(group, user, GroupRole.SECRETARY, GroupTitle.MEMBER)
        db.session.commit()
        return group

    return make


@pytest.fixture
def create_session() -> Callable[..., StudySession]:
    def make(
        group: StudyGroup,
        topic: str = "学习贯彻习近平总书记重要讲话精神",
        status: SessionStatus = SessionStatus.PUBLISHED,
        starts_at: datetime | None = None,
        **fields: Any,
    ) -> StudySession:
        starts_at = starts_at or datetime(2026, 3, 26, 6, 0, tzinfo=UTC)
        session = StudySession(
            group=group,
            topic=topic,
            kind=fields.pop("kind", SessionKind.COLLECTIVE),
            starts_at=starts_at,
            ends_at=fields.pop("ends_at", starts_at + timedelta(hours=2)),
            location=fields.pop("location", "518会议室"),
            status=status,
            **fields,
        )
        db.session.add(session)
        db.session.commit()
        return session

    return make


@pytest.fixture
def grant_leadership() -> Callable[[User, Organization], None]:
    def grant(user: User, organization: Organization) -> None:
        admin_services.grant_leadership(user, organization)
        db.session.commit()

    return grant


# --- measuring ----------------------------------------------------------------------------


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], Any]:
    """with count_queries() as counter: ...; counter.count is the number of SQL statements."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before_cursor_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before_cursor_execute)

    return counting
