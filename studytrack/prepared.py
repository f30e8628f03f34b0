"""`execution_options(prepare=False)` for a statement that must be planned on every run.

psycopg prepares a statement the fifth time a connection runs it, and PostgreSQL may then switch
to a generic plan, made without the parameters' values. Where the good plan depends on a value
that takes many values (one person's figures among thousands), the statement opts out with
`.execution_options(prepare=False)`, which psycopg has no SQLAlchemy option for; this hook
passes it on. (Prepared statements survive from one request to the next because every
successful request ends with a COMMIT: unit_of_work.py.)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from studytrack.extensions import db


def _do_execute(cursor: Any, statement: str, parameters: Any, context: Any) -> bool | None:
    if context is not None and context.execution_options.get("prepare") is False:
        cursor.execute(statement, parameters, prepare=False)
        return True  # executed here
    return None


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    if engine.dialect.driver == "psycopg" and not sa.event.contains(
        engine, "do_execute", _do_execute
    ):
        sa.event.listen(engine, "do_execute", _do_execute)
