"""Reads of plain columns on the session's own connection.

`db.session.execute()` runs every statement through the ORM's execution path, which costs
about three times as much Python as the statement itself when the statement is a short select
of columns (an ORM-annotated column makes it "ORM-enabled"). Pages that only need rows use
`columns()`: same transaction, same connection, no entities. The session's pending changes
are flushed first, as `session.execute()` would (autoflush).
"""

from __future__ import annotations

from collections.abc import Mapping
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
