"""Reads of plain columns on the session's own connection.

`db.session.execute()` runs every statement through the ORM's execution path, which costs
about three times as much Python as the statement itself when the statement is a short select
of columns (an ORM-annotated column makes it "ORM-enabled"). Pages that only need rows use
`columns()`: same transaction, same connection, no entities. The session's pending changes
are flushed first, as `session.execute()` would (autoflush).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from studytrack.extensions import db


def columns(
    statement: sa.Executable, params: Mapping[str, Any] | None = None
) -> sa.CursorResult[Any]:
    """Run a select of columns (no ORM entities) in the request's transaction."""
    session = db.session
    if session.autoflush:
        session.flush()  # nothing to do, and cheap, when the session holds no changes
    return session.connection().execute(statement, params)


def union_columns(
    kinds: Mapping[int, Sequence[sa.ColumnElement[Any]]], kind: int
) -> list[sa.ColumnElement[Any]]:
    """The columns of one SELECT of a UNION ALL that reads rows of several kinds in one round
    trip: every kind's labelled columns in order, `kind`'s own, and NULL cast to the column's
    type for the others' (PostgreSQL would not take an untyped NULL for some of them)."""
    return [
        column if other == kind else sa.cast(sa.null(), column.type).label(column.name)
        for other, kind_columns in kinds.items() for column in kind_columns
    ]
