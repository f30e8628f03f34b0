"""Reads for annual study plans. Each function makes a fixed number of queries, whatever the
size of the plan or the number of groups.

An item's status, decided here only (in Python for loaded items, in SQL for counts):
- HELD: a held session (StudySession.is_held: published or closed) is linked to it;
- DUE: not held, and its month (or, for an item with only a quarter, its quarter) is not yet
  over — in local time (Asia/Shanghai by default);
- OVERDUE: not held, and its period is over.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from studytrack import authz, timeutil
from studytrack.extensions import db
from studytrack.models import (
    Organization,
    PlanItem,
    StudyGroup,
    StudyPlan,
    StudySession,
)


class ItemStatus(StrEnum):
    HELD = "held"
    DUE = "due"
    OVERDUE = "overdue"


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def period_end(year: int, month: int | None, quarter: int | None) -> date:
    """The first day after the item's period: its month, or else its quarter."""
    last_month = month if month is not None else 3 * (quarter or 4)
    return date(year + 1, 1, 1) if last_month == 12 else date(year, last_month + 1, 1)


def item_status(year: int, month: int | None, quarter: int | None, held: bool,
                today: date) -> ItemStatus:
    if held:
        return ItemStatus.HELD
    return ItemStatus.OVERDUE if today >= period_end(year, month, quarter) else ItemStatus.DUE


def period_over_clause(year: int, today: date) -> sa.ColumnElement[bool]:
    """SQL for "the item's period is over on `today`" for items of a plan of `year`."""
    if year < today.year:
        return sa.true()
    if year > today.year:
        return sa.false()
    return sa.or_(
        PlanItem.month < today.month,
        sa.and_(PlanItem.month.is_(None), PlanItem.quarter < quarter_of(today)),
    )


def in_quarter_clause(quarter: int) -> sa.ColumnElement[bool]:
    """SQL for "the item is planned within `quarter`": its month, or else its quarter."""
    return sa.or_(
        PlanItem.month.between(3 * quarter - 2, 3 * quarter),
        sa.and_(PlanItem.month.is_(None), PlanItem.quarter == quarter),
    )


def item_order(item: PlanItem) -> tuple[int, bool, int, int]:
    """Plan order: by month; an item with only a quarter after that quarter's months."""
    when = item.month if item.month is not None else 3 * (item.quarter or 4)
    return (when, item.month is None, item.position, item.id)


def held_clause() -> sa.ColumnElement[bool]:
    """SQL for "a held session is linked to the item" (correlated)."""
    return sa.exists().where(StudySession.plan_item_id == PlanItem.id, StudySession.is_held)


# --- the dashboards' figure ----------------------------------------------------------------


class PlanStatus(NamedTuple):
    planned: int
    held: int
    overdue: int


def plan_status(
    group_ids: Iterable[int], year: int, today: date, *, quarter: int | None = None
) -> dict[int, PlanStatus]:
    """For each group: items planned in its plan for `year` (or only those planned within
    `quarter`), how many are held and how many are overdue. One query; groups without a plan
    answer (0, 0, 0)."""
    ids = sorted(set(group_ids))
    result = {group_id: PlanStatus(0, 0, 0) for group_id in ids}
    if not ids:
        return result
    held = held_clause()
    query = (
        sa.select(
            StudyPlan.group_id,
            sa.func.count(PlanItem.id),
            sa.func.coalesce(sa.func.sum(sa.case((held, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(
                sa.case((sa.and_(sa.not_(held), period_over_clause(year, today)), 1), else_=0)
            ), 0),
        )
        .join(PlanItem, PlanItem.plan_id == StudyPlan.id)
        .where(StudyPlan.group_id.in_(ids), StudyPlan.year == year)
        .group_by(StudyPlan.group_id)
    )
    if quarter is not None:
        query = query.where(in_quarter_clause(quarter))
    for group_id, planned, held_count, overdue in db.session.execute(query):
        result[group_id] = PlanStatus(int(planned), int(held_count), int(overdue))
    return result


# --- the plan page -------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemRow:
    item: PlanItem
    status: ItemStatus
    sessions: list[StudySession]  # linked sessions the viewer may see, by start
    period_end: date


@dataclass(frozen=True)
class PlanPage:
    group: StudyGroup
    year: int
    plan: StudyPlan | None
    rows: list[ItemRow] = field(default_factory=list)
    unplanned: list[StudySession] = field(default_factory=list)  # held, linked to no item
    years: list[int] = field(default_factory=list)  # years to switch to

    def count(self, status: ItemStatus) -> int:
        return sum(1 for row in self.rows if row.status == status)


def load_plan(group: StudyGroup, year: int) -> StudyPlan | None:
    """The plan with its items and their responsible people (two queries)."""
    return db.session.scalar(
        sa.select(StudyPlan)
        .where(StudyPlan.group_id == group.id, StudyPlan.year == year)
        .options(selectinload(StudyPlan.items).joinedload(PlanItem.responsible))
    )


def plan_years(group: StudyGroup, around: int) -> list[int]:
    """Years with a plan, plus the years next to `around` (one query), newest first."""
    years = set(db.session.scalars(
        sa.select(StudyPlan.year).where(StudyPlan.group_id == group.id)
    ))
    years.update({around - 1, around, around + 1})
    return sorted(years, reverse=True)


def plan_page(group: StudyGroup, year: int, today: date, user: Any = None) -> PlanPage:
    """Everything the plan page shows, in five queries whatever the plan's size; of the
    sessions linked to items, those `user` (the current user by default) may open."""
    years = plan_years(group, today.year)
    if year not in years:
        years = sorted({*years, year}, reverse=True)
    plan = load_plan(group, year)
    start, end = timeutil.local_year_bounds(year)
    unplanned = list(db.session.scalars(
        sa.select(StudySession)
        .where(
            StudySession.group_id == group.id,
            StudySession.plan_item_id.is_(None),
            StudySession.is_held,
            StudySession.starts_at >= start, StudySession.starts_at < end,
        )
        .order_by(StudySession.starts_at, StudySession.id)
    ))
    if plan is None:
        return PlanPage(group, year, None, [], unplanned, years)
    items = sorted(plan.items, key=item_order)
    linked: dict[int, list[StudySession]] = {item.id: [] for item in items}
    held: set[int] = set()
    if items:
        for session in db.session.scalars(
            sa.select(StudySession)
            .join(StudyGroup, StudySession.group_id == StudyGroup.id)
            .join(Organization, StudyGroup.organization_id == Organization.id)
            .where(StudySession.plan_item_id.in_(list(linked)),
                   authz.visible_sessions_condition(user))
            .order_by(StudySession.starts_at, StudySession.id)
        ):
            assert session.plan_item_id is not None
            linked[session.plan_item_id].append(session)
            if session.is_held:
                held.add(session.plan_item_id)
    rows = [
        ItemRow(
            item=item,
            status=item_status(year, item.month, item.quarter, item.id in held, today),
            sessions=linked[item.id],
            period_end=period_end(year, item.month, item.quarter),
        )
        for item in items
    ]
    return PlanPage(group, year, plan, rows, unplanned, years)


# What the pages of an item show: its plan, the plan's group and the person responsible.
ITEM_PAGE = (
    joinedload(PlanItem.plan, innerjoin=True).joinedload(StudyPlan.group, innerjoin=True),
    joinedload(PlanItem.responsible),
)


def linked_sessions(item: PlanItem) -> list[StudySession]:
    return list(db.session.scalars(
        sa.select(StudySession)
        .where(StudySession.plan_item_id == item.id)
        .order_by(StudySession.starts_at, StudySession.id)
    ))


# --- the session form's "Plan item" select -------------------------------------------------


@dataclass(frozen=True)
class ItemOption:
    id: int
    year: int
    month: int | None
    quarter: int | None
    topic: str


def item_options(
    group: StudyGroup, years: Sequence[int], keep: int | None = None
) -> list[ItemOption]:
    """Items of the group's plans for `years`, in plan order, plus the item `keep` (the one a
    session is linked to now, whatever its year). One query."""
    condition = sa.and_(StudyPlan.group_id == group.id, StudyPlan.year.in_(list(years)))
    if keep is not None:
        condition = sa.or_(condition, PlanItem.id == keep)
    rows = db.session.execute(
        sa.select(PlanItem.id, StudyPlan.year, PlanItem.month, PlanItem.quarter, PlanItem.topic)
        .join(StudyPlan, PlanItem.plan_id == StudyPlan.id)
        .where(condition)
        .order_by(
            StudyPlan.year, sa.func.coalesce(PlanItem.month, PlanItem.quarter * 3),
            PlanItem.month.is_(None), PlanItem.position, PlanItem.id,
        )
    ).all()
    return [ItemOption(*row) for row in rows]
