"""Pages of lists whose rows are plain columns, not ORM objects.

Flask-SQLAlchemy's `db.paginate` pages a select of one entity and counts it in a second
statement. `rows_page` pages any select, the total counted by the database in the same
statement (`count(*) OVER ()`); only a page past the end, which has no row to carry it, counts
on its own. The template's `render_pagination` macro shows either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from studytrack.extensions import db


class RowsPage(Pagination):
    _total: int | None = None

    def _query_items(self) -> list[Any]:
        select: sa.Select[*tuple[Any, ...]] = self._query_args["select"]
        rows = db.session.execute(
            select.add_columns(sa.func.count().over().label("total"))
            .limit(self.per_page).offset(self._query_offset),
            self._query_args["params"],
        ).all()
        self._total = rows[0].total if rows else None
        make = self._query_args["make"]
        return [make(row) for row in rows]

    def _query_count(self) -> int:
        if self._total is not None:
            return int(self._total)
        if self.page == 1:
            return 0
        select: sa.Select[*tuple[Any, ...]] = self._query_args["select"]
        counted = sa.select(sa.func.count()).select_from(select.order_by(None).subquery())
        return db.session.execute(counted, self._query_args["params"]).scalar() or 0


def rows_page(select: sa.Select[*tuple[Any, ...]], page: int, per_page: int, *,
              make: Callable[[Any], Any] = lambda row: row,
              params: Mapping[str, Any] | None = None) -> RowsPage:
    """Page `page` (1 …) of `select`'s rows, `per_page` of them, each turned into what the page
    shows by `make` (the row carries the total as its last column, `total`)."""
    return RowsPage(page=page, per_page=per_page, error_out=False, select=select,
                    make=make, params=dict(params or {}))
