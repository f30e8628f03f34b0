"""The suite's options and hooks. The fixtures live in tests/fixtures/, one plugin module per
entity, registered here (see docs/testing.md).

The suite runs on SQLite by default. `pytest --db=postgresql` runs it on the database named by
STUDYTRACK_TEST_DATABASE_URL; a PostgreSQL that cannot be reached fails the run, never skips.
With pytest-xdist (`-n 2`, as `make test` runs it) each worker has a database of its own.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import pytest

# A module that another one imports comes first (pytest rewrites the asserts of a plugin only
# when it is the first to import it).
pytest_plugins = [
    "tests.fixtures.database",
    "tests.fixtures.users",
    "tests.fixtures.app",
    "tests.fixtures.organizations",
    "tests.fixtures.groups",
    "tests.fixtures.sessions",
    "tests.fixtures.world",
    "tests.fixtures.demo",
    "tests.fixtures.services",
    "tests.fixtures.jobs",
    "tests.fixtures.mail",
    "tests.fixtures.receivers",
]


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
