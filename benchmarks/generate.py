"""Fill an EMPTY database with a realistic, deterministic data set at a chosen scale.

Scale 1 is a province: 300 units in a tree four levels deep, 600 study groups, 12,000 users,
15,000 sessions over three years (ending in the current year; those after `today` are drafts),
about 400,000 attendance rows, 180,000 reflections of 600–1,500 characters, 40,000 follow-up
tasks and 20,000 materials, with the annual plans, targets, talks, material links and the
notifications of the last 180 days that the pages show, and the per-session summary
`session_stats` (recomputed at the end: Core inserts bypass the ORM listener that keeps it
current). Every count scales linearly (a few
have a floor so that a tiny scale still has a four-level tree).

Rows are written with SQLAlchemy Core `insert()` in batches of 5,000 (executemany; on
PostgreSQL with COPY FROM STDIN through psycopg, in the same transaction), with
precomputed ids, one password hash shared by every account ("bench2026") and UTC timestamps,
all in one transaction: an interrupted run leaves the database empty. The same `seed` and
`today` give the same rows. Progress (rows and rows/s per table) goes to stderr.

    python -m benchmarks.generate --database-url sqlite:///benchmarks/data/s01.sqlite --scale 0.1

Not generated: audit events, attachments (files), organisations' inactive units.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any, TextIO

import sqlalchemy as sa

from benchmarks.dataset import SHANGHAI, Builder
from studytrack.models import (
    Base,
)

DEFAULT_SEED = 2026
BATCH = 5_000

# Scale 1. Attendance (≈400,000) follows from the groups' sizes and the sessions.
BASE = {
    "organizations": 300, "study_groups": 600, "users": 12_000, "study_sessions": 15_000,
    "reflections": 180_000, "follow_up_tasks": 40_000, "materials": 20_000,
}
FLOORS = {"organizations": 4, "study_groups": 2, "users": 20, "study_sessions": 8,
          "reflections": 0, "follow_up_tasks": 2, "materials": 4}


class GenerateError(RuntimeError):
    """The database is not empty, or has no schema."""


def sizes(scale: float) -> dict[str, int]:
    if scale <= 0:
        raise GenerateError("the scale must be positive")
    return {name: max(FLOORS[name], round(base * scale)) for name, base in BASE.items()}


# --- writing -------------------------------------------------------------------------------


class Writer:
    """Inserts rows in batches with Core executemany, timing and reporting each table."""

    def __init__(self, connection: sa.Connection, out: TextIO | None) -> None:
        self.connection = connection
        self.out = out
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def write(self, model: Any, rows: Iterable[dict[str, Any]]) -> int:
        table = model.__table__
        started = time.perf_counter()
        count = 0
        batch: list[dict[str, Any]] = []
        insert = table.insert()
        copy = self.connection.dialect.name == "postgresql"
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                if copy:
                    self._copy(table, batch)
                else:
                    self.connection.execute(insert, batch)
                count += len(batch)
                batch = []
                if count % 100_000 == 0:
                    self._say(table.name, count, time.perf_counter() - started, end="\r")
        if batch:
            if copy:
                self._copy(table, batch)
            else:
                self.connection.execute(insert, batch)
            count += len(batch)
        elapsed = time.perf_counter() - started
        self.counts[table.name] = self.counts.get(table.name, 0) + count
        self.seconds[table.name] = self.seconds.get(table.name, 0.0) + elapsed
        self._say(table.name, count, elapsed)
        return count

    def refresh_session_stats(self) -> int:
        """Core inserts bypass the ORM listener that keeps `session_stats` current
        (studytrack/stats.py): recompute every session's row, in the same transaction."""
        from studytrack.models import SessionStats
        from studytrack.stats import refresh_session_stats

        started = time.perf_counter()
        refresh_session_stats(self.connection, None)
        name = SessionStats.__tablename__
        count = self.connection.scalar(sa.select(sa.func.count()).select_from(SessionStats)) or 0
        elapsed = time.perf_counter() - started
        self.counts[name] = count
        self.seconds[name] = elapsed
        self._say(name, count, elapsed)
        return count

    def _copy(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        """PostgreSQL: COPY FROM STDIN on the transaction's own psycopg connection, several
        times quicker than executemany. Enums go in as their values, dicts as JSON."""
        from psycopg.types.json import Json

        columns = list(rows[0])
        json_columns = {name for name in columns if isinstance(table.c[name].type, sa.JSON)}
        names = ", ".join(f'"{name}"' for name in columns)
        driver = self.connection.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor, cursor.copy(
            f'COPY "{table.name}" ({names}) FROM STDIN'
        ) as copy:
            for row in rows:
                copy.write_row([
                    Json(value) if name in json_columns and value is not None
                    else value.value if isinstance(value, Enum) else value
                    for name, value in row.items()
                ])

    def _say(self, name: str, count: int, elapsed: float, end: str = "\n") -> None:
        if self.out is None:
            return
        speed = count / elapsed if elapsed > 0 else 0.0
        print(f"  {name:<20} {count:>9,} rows {elapsed:7.1f} s {speed:>10,.0f} rows/s",
              end=end, file=self.out, flush=True)


def check_empty(connection: sa.Connection) -> None:
    """Refuse a database without the schema, or with any row in any of the app's tables."""
    existing = set(sa.inspect(connection).get_table_names())
    missing = [t.name for t in Base.metadata.sorted_tables if t.name not in existing]
    if missing:
        raise GenerateError(
            "the database has no studytrack schema (missing: " + ", ".join(missing[:5])
            + "); run `flask --app studytrack db upgrade` first"
        )
    for table in Base.metadata.sorted_tables:
        if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            raise GenerateError(f"the database is not empty (table {table.name} has rows)")


def generate(
    engine: sa.Engine, scale: float, seed: int = DEFAULT_SEED, today: date | None = None,
    out: TextIO | None = sys.stderr, analyze: bool = True,
) -> dict[str, int]:
    """Fill the empty database behind `engine`; return the rows written per table.
    The tables are then ANALYZEd (`analyze`): on PostgreSQL as autovacuum would soon do; on
    SQLite, which keeps no statistics otherwise, as a deployment should (`PRAGMA optimize`)."""
    today = today or datetime.now(SHANGHAI).date()
    started = time.perf_counter()
    with engine.begin() as connection:
        check_empty(connection)
        if out:
            print(f"Generating scale {scale:g} (seed {seed}, today {today}) into "
                  f"{engine.url.render_as_string(hide_password=True)}", file=out)
        writer = Writer(connection, out)
        Builder(sizes(scale), seed, today).run(writer)
        writer.refresh_session_stats()
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection)
    if analyze and engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("ANALYZE")
    elif analyze and engine.dialect.name == "sqlite":
        # SQLite plans without statistics until ANALYZE (docs/performance.md): without them it
        # reads the year's sessions by status (most of three years) instead of by group and date.
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    if out:
        total = sum(writer.counts.values())
        elapsed = time.perf_counter() - started
        print(f"Done: {total:,} rows in {elapsed:.1f} s ({total / elapsed:,.0f} rows/s).",
              file=out)
    return writer.counts


def _reset_sequences(connection: sa.Connection) -> None:
    """Explicit ids leave PostgreSQL's sequences at 1: move each past the largest id."""
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key:
            connection.exec_driver_sql(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
            )


# --- command line ----------------------------------------------------------------------------


def create_schema_if_missing(app: Any) -> None:
    """An empty database without tables gets the schema from the migrations (as in production)."""
    from flask_migrate import upgrade

    from studytrack.extensions import db

    with app.app_context():
        if not sa.inspect(db.engine).get_table_names():
            upgrade()


def database_url(url: str) -> str:
    """A relative SQLite path is taken from the working directory (Flask-SQLAlchemy would
    otherwise resolve it inside the instance folder); postgresql:// uses psycopg 3."""
    from pathlib import Path

    from studytrack.config import normalize_database_url

    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        path = Path(url[len(prefix):]).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return prefix + str(path)
    return normalize_database_url(url)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="SQLAlchemy or postgresql:// URL")
    parser.add_argument("--scale", type=float, default=0.1, help="1 = a province (default 0.1)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="the day the data set ends around (default: today, Asia/Shanghai)")
    args = parser.parse_args(argv)

    from studytrack import create_app
    from studytrack.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url(args.database_url),
                      "SECRET_KEY": "benchmark-generator-not-for-serving"})
    create_schema_if_missing(app)
    with app.app_context():
        try:
            generate(db.engine, args.scale, args.seed, args.today)
        except GenerateError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())


