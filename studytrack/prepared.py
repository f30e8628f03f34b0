"""Prepared statements on PostgreSQL, kept from one request to the next: a request that wrote
nothing commits.

psycopg prepares a statement the fifth time a connection runs it, and PostgreSQL then plans it
once instead of on every run: planning a page's statements cost more than running them (0.1 to
0.8 ms each). But Flask-SQLAlchemy ends every request by closing the session, which rolls its
transaction back, and to psycopg a ROLLBACK means "forget every prepared statement" (it may have
undone the DDL they depend on): nothing stayed prepared past one request. A transaction that
only read loses nothing by committing instead. A request that failed, holds unflushed changes or
ran anything but a SELECT is rolled back as before. On SQLite a commit of a read ends the
transaction as a rollback would.

After five runs PostgreSQL may switch a prepared statement to a generic plan, made without the
parameters' values. When the good plan depends on a value, either write that value into the
statement, if it takes few values (`sa.bindparam(..., literal_execute=True)`: one prepared
statement per value, each planned knowing it; the record's period, whose generic plan joined
every session of the year, 1.7 → 0.4 ms), or opt out with `.execution_options(prepare=False)`
(planned on every run: one person's figures among thousands, whose generic plan was half again
slower).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from studytrack.extensions import db

WROTE = "studytrack.wrote"  # in Connection.info: this transaction ran more than reads


def _begin(conn: sa.Connection) -> None:
    conn.info[WROTE] = False


def _before_execute(
    conn: sa.Connection, cursor: Any, statement: str, parameters: Any, context: Any,
    executemany: bool,
) -> None:
    if conn.info.get(WROTE) is False and not _is_read(statement, context):
        conn.info[WROTE] = True


def _is_read(statement: str, context: Any) -> bool:
    """A compiled select (WITH … SELECT included), or a textual statement reading SELECT."""
    if context is None or context.isinsert or context.isupdate or context.isdelete:
        return False
    if context.isddl:
        return False
    if context.compiled is not None and not context.is_text:
        return bool(getattr(context.compiled.statement, "is_select", False))
    return statement.lstrip()[:6].upper() == "SELECT"


def _end_request(error: BaseException | None) -> None:
    if error is not None:
        return
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    if session.connection().info.get(WROTE) is False:
        # The session is closed next: its objects stay as they were, as after a rollback.
        session.expire_on_commit = False
        session.commit()


def _do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
    if context is not None and context.execution_options.get("prepare") is False:
        cursor.execute(statement, parameters, prepare=False)
        return True  # executed here
    return None


def init_app(app: Flask) -> None:
    # Teardown functions run last-registered first: this one before Flask-SQLAlchemy's.
    app.teardown_appcontext(_end_request)
    with app.app_context():
        engine = db.engine
    if not sa.event.contains(engine, "begin", _begin):
        sa.event.listen(engine, "begin", _begin)
        sa.event.listen(engine, "before_cursor_execute", _before_execute)
        if engine.dialect.driver == "psycopg":
            sa.event.listen(engine, "do_execute", _do_execute)
