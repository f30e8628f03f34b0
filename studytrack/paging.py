"""Pages of lists whose rows are plain columns, not ORM objects, or whose order SQL cannot give.

Flask-SQLAlchemy's `db.paginate` pages a select of one entity and counts it in a second
statement. `rows_page` pages any select, the total counted by the database in the same
statement (`count(*) OVER ()`); only a page past the end, which has no row to carry it, counts
on its own. `slice_page` pages an order computed in Python (a tree's), loading only the page's
rows. The template's `render_pagination` macro shows any of them.

`keyset_page` pages a long list people page deep in (the accounts): each page starts after (or
ends before) the row of a given id, found through an index in the list's order, so page 400
costs what page 1 does; its pages have no numbers, only first, previous and next
(`render_keyset_pagination`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from studytrack.extensions import db

T = TypeVar("T")


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


class SlicePage(Pagination):
    def _query_items(self) -> list[Any]:
        order = self._query_args["order"]
        return list(self._query_args["load"](order[self._query_offset:][:self.per_page]))

    def _query_count(self) -> int:
        return len(self._query_args["order"])


def slice_page(order: Sequence[T], page: int, per_page: int,
               load: Callable[[Sequence[T]], Sequence[Any]]) -> SlicePage:
    """Page `page` of `order` (light rows in an order computed in Python), each page's rows
    loaded by `load` from its slice of `order`."""
    return SlicePage(page=page, per_page=per_page, error_out=False, order=order, load=load)


@dataclass(frozen=True)
class KeysetPage:
    items: list[Any]
    total: int
    next_after: int | None  # the id the next page starts after; None on the last page
    previous_before: int | None  # the id the previous page ends before; None on the first


def keyset_page(select: sa.Select[Any], key: Sequence[sa.SQLColumnExpression[Any]],
                id_column: sa.SQLColumnExpression[int], per_page: int, *,
                after: int | None = None, before: int | None = None) -> KeysetPage:
    """The page of `select` (of one entity with an `id`, not yet ordered) in the order of
    `key` (columns of a unique order, as an index has them) that starts after the entity of id
    `after`, or ends before the one of id `before`; the first page without either. Two
    statements: the total, and the page with one more row to tell whether it goes on."""
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(select.order_by(None).subquery())
    ).scalar() or 0
    cursor_id = after if after is not None else before
    forward = before is None or after is not None
    if cursor_id is not None:
        # the cursor's own values of the key, from a one-row subquery (FROM, not correlated)
        cursor = sa.select(*key).where(id_column == cursor_id).subquery()
        here, there = sa.tuple_(*key), sa.tuple_(*cursor.c)
        select = select.where(here > there if forward else here < there)
    ordered = list(key) if forward else [column.desc() for column in key]
    items = list(db.session.scalars(select.order_by(*ordered).limit(per_page + 1)))
    goes_on = len(items) > per_page
    items = items[:per_page] if forward else items[:per_page][::-1]
    if not items:
        return KeysetPage(items, total, None, None)
    return KeysetPage(
        items, total,
        next_after=items[-1].id if goes_on or not forward else None,
        previous_before=items[0].id if cursor_id is not None and (forward or goes_on) else None,
    )
