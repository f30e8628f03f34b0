"""The figures of the dashboards, a group's figures and a member's record, over a period.

Each figure of a row (attendance, reflections, talks, tasks) is defined once in `figures`; this
module counts them over the held sessions of a period, in SQL, with a fixed number of queries
whatever the size of the tree and the year (no Python loops over rows). docs/metrics.md has
every definition and edge case.

A *period* is a calendar year, or one quarter of it, in the configured time zone (Asia/Shanghai):
a session belongs to the period in which it starts (local date of `starts_at`; the period's
bounds are the UTC instants of local midnight at its start and end, `period_bounds`). Counted
sessions are those *held* (`StudySession.is_held`: published or closed) starting within the
period; drafts and cancelled sessions count nowhere. `today` (for "overdue") defaults to
today's local date.

The figures of a group as a whole, defined here:
- groups: the groups a unit's figures are made of (`counted_groups`): the groups of its
  subtree that are active, or that held a session in the period (a group closed since still
  counts for the time it studied; an idle closed group counts nowhere). figures_by_group counts
  every id it is given.
- members: current members (left_on is NULL, role member — study secretaries keep the record
  and are not on the roster) of the groups, counted once per group.
- sessions_planned: plan items of the groups' plans for the period's year whose month (or, for
  items with only a quarter, quarter) falls in the period.
- sessions_held / seminars_held: held sessions; seminars are kind "seminar" (专题研讨).

A figure for a unit is the sum of the figures of the groups in its subtree, so a parent's
numbers equal the sum of what its drill-down rows show (rates are recomputed from the sums,
never averaged). A person is counted by their attendance rows of held sessions, whatever their
membership now.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from studytrack import timeutil
from studytrack.dashboard.figures import (
    ATTENDANCE,
    Figures,
    Period,
    due_before,
    rate,
    reflection_conditions,
    task_conditions,
)
from studytrack.extensions import db
from studytrack.models import (
    ACTIVE_TASK_STATUSES,
    Attendance,
    FollowUpTask,
    GroupMembership,
    GroupRole,
    Organization,
    PlanItem,
    Reflection,
    SessionKind,
    SessionStats,
    StudyGroup,
    StudyPlan,
    StudySession,
    Talk,
    in_subtree,
)
from studytrack.models.reflection import reflection_of_attendance
from studytrack.models.session_stats import COUNT_COLUMNS

__all__ = [
    "Figures", "Month", "Period", "UnitFigures", "attendance_by_month", "counted_groups",
    "figures_by_group", "figures_by_person", "figures_by_session", "figures_by_unit",
    "figures_for_unit", "held_between", "held_in", "period_bounds", "rate", "sessions_by_month",
    "unit_overview",
]


@dataclass(frozen=True)
class UnitFigures:
    unit: Organization
    figures: Figures
    own_groups: bool = False  # the row for the parent's own groups, not a child subtree


# --- implementation ---------------------------------------------------------------------------
#
# Every figure family is one aggregate query, grouped by a *key*: a group id, a child unit id,
# a session id or a user id. The groups in scope come as a subquery `scope(group_id, key)`, so
# the same queries serve a list of groups, the child units of a parent (each group mapped to the
# child whose subtree holds it) and a whole subtree (every group mapped to the unit itself).
#
# Attendance, reflections, talks and tasks per session come from `session_stats` (one row per
# session, kept current on every write by studytrack.stats in the writer's transaction, never
# stale): the group and unit figures and attendance_by_month sum those rows for the held
# sessions instead of scanning every attendance row with its reflection, every talk with its
# speaker's membership and every task. A person's figures read the raw rows.

_Row = dict[str, int]


def _local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which the local date `day` begins (Asia/Shanghai by default)."""
    return datetime.combine(day, time(), tzinfo=timeutil.local_tz()).astimezone(UTC)


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) of the period in UTC: a session starting at `t` belongs to the period when
    start <= t < end, i.e. when its local date falls in the period."""
    return _local_midnight_utc(period.start), _local_midnight_utc(period.end)


def held_in(period: Period) -> sa.ColumnElement[bool]:
    """SQL: the StudySession is held (published or closed) and starts within `period`."""
    return held_between(*period_bounds(period))


def held_between(start: Any, end: Any) -> sa.ColumnElement[bool]:
    """held_in with the bounds as values or bound parameters."""
    return sa.and_(StudySession.is_held, StudySession.starts_at >= start,
                   StudySession.starts_at < end)


def _count_if(condition: sa.SQLColumnExpression[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _rows(
    query: sa.Select[*tuple[Any, ...]], keys: int = 1, params: dict[str, Any] | None = None
) -> dict[Any, _Row]:
    """Run a grouped query (with bound `params`) whose first column is the key (the first
    `keys` columns, as a tuple, when keys > 1); the rest become int fields."""
    result = db.session.execute(query, params)
    names = list(result.keys())[keys:]
    return {
        (row[0] if keys == 1 else tuple(row[:keys])): {
            name: int(value or 0) for name, value in zip(names, row[keys:], strict=True)
        }
        for row in result
    }


def _stats_overdue(today: date | sa.BindParameter[date]) -> sa.ColumnElement[int]:
    """Per session_stats row: reflections missing (required - submitted) once the session's
    due date is before `today`, else 0 — "overdue" depends on today, so it is not stored."""
    return sa.case(
        (due_before(today), SessionStats.reflections_required - SessionStats.reflections_submitted),
        else_=0,
    )


def _group_query(scope: sa.Subquery, year: Any, quarter: Any | None) -> sa.Select[*tuple[Any, ...]]:
    """groups, members and sessions_planned (plan items of `year`, of `quarter` unless None)
    per scope key: one query, each group's members and plan items counted by a correlated
    subquery (no join that multiplies rows). Year and quarter: values or bound parameters."""
    members = (
        sa.select(sa.func.count(GroupMembership.id))
        .where(
            GroupMembership.group_id == scope.c.group_id,
            GroupMembership.left_on.is_(None),
            GroupMembership.role == GroupRole.MEMBER,
        )
        .scalar_subquery()
    )
    in_period: sa.ColumnElement[bool] = sa.true()
    if quarter is not None:
        in_period = sa.or_(
            PlanItem.month.between(quarter * 3 - 2, quarter * 3),
            sa.and_(PlanItem.month.is_(None), PlanItem.quarter == quarter),
        )
    planned = (
        sa.select(sa.func.count(PlanItem.id))
        .join(StudyPlan, PlanItem.plan_id == StudyPlan.id)
        .where(StudyPlan.group_id == scope.c.group_id, StudyPlan.year == year, in_period)
        .scalar_subquery()
    )
    per_group = sa.select(
        scope.c.key, scope.c.group_id,
        members.label("members"), planned.label("sessions_planned"),
    ).subquery()
    return (
        sa.select(
            per_group.c.key,
            sa.func.count(sa.distinct(per_group.c.group_id)).label("groups"),
            sa.func.sum(per_group.c.members).label("members"),
            sa.func.sum(per_group.c.sessions_planned).label("sessions_planned"),
        )
        .group_by(per_group.c.key)
    )


#: session_stats columns summed into the Figures field of the same name.
_SUMMED = tuple(name for name in COUNT_COLUMNS if name != "tasks_open_dated")


def _not_yet_due(today: date | sa.BindParameter[date]) -> sa.Subquery:
    """Per session, its open or in-progress tasks due today or later. Overdue tasks are
    session_stats.tasks_open_dated less these: a range of the (status, due_on) index that
    holds only the tasks still ahead, however long the history."""
    return (
        sa.select(FollowUpTask.session_id, sa.func.count().label("n"))
        .where(FollowUpTask.status.in_(ACTIVE_TASK_STATUSES), FollowUpTask.due_on >= today)
        .group_by(FollowUpTask.session_id)
        .subquery()
    )


def _session_query(
    scope: sa.Subquery,
    keys: Sequence[Any],
    where: sa.ColumnElement[bool],
    today: date | sa.BindParameter[date],
) -> sa.Select[*tuple[Any, ...]]:
    """Held sessions with their attendance, reflection, talk and task counts, grouped by
    `keys` (scope.c.key, StudySession.id, or a key and a month): one query summing
    session_stats (kept current on write by studytrack.stats), no scan of the raw rows.
    An outer join: a session without a summary row still counts as held (its counts as 0)."""
    not_yet_due = _not_yet_due(today)
    overdue_tasks = SessionStats.tasks_open_dated - sa.func.coalesce(not_yet_due.c.n, 0)
    return (
        sa.select(
            *keys,
            sa.func.count(StudySession.id).label("sessions_held"),
            _count_if(StudySession.kind == SessionKind.SEMINAR).label("seminars_held"),
            *(sa.func.sum(getattr(SessionStats, name)).label(name) for name in _SUMMED),
            sa.func.sum(_stats_overdue(today)).label("reflections_overdue"),
            sa.func.sum(overdue_tasks).label("tasks_overdue"),
        )
        .select_from(StudySession)
        .join(scope, StudySession.group_id == scope.c.group_id)
        .outerjoin(SessionStats, SessionStats.session_id == StudySession.id)
        .outerjoin(not_yet_due, not_yet_due.c.session_id == StudySession.id)
        .where(where)
        .group_by(*keys)
    )


def _assemble(keys: Iterable[Any], families: list[dict[Any, _Row]]) -> dict[Any, Figures]:
    result: dict[Any, Figures] = {}
    for key in keys:
        fields: dict[str, int] = {}
        for family in families:
            fields.update(family.get(key, {}))
        fields["reflections_on_time"] = (
            fields.get("reflections_submitted", 0) - fields.get("reflections_late", 0)
        )
        result[key] = Figures(**fields)
    return result


def _figures_by_scope(
    scope: sa.Subquery, period: Period, today: date | None
) -> tuple[dict[Any, Figures], set[Any]]:
    """Figures per scope key (two queries); also the keys that have groups."""
    today = today or timeutil.today_local()
    groups = _rows(_group_query(scope, period.year, period.quarter))
    sessions = _rows(_session_query(scope, [scope.c.key], held_in(period), today))
    return _assemble(groups.keys() | sessions.keys(), [groups, sessions]), set(groups)


def counted_groups(org: Organization, period: Period) -> sa.Select[int]:
    """SQL: ids of the groups a unit's figures are made of — the groups in the subtree of `org`
    that are active, or that held a session in the period (a group closed since still counts
    for the year it studied in). Pages list these ids to drill down from a unit to its groups:
    figures_by_group over them sums to figures_for_unit(org)."""
    return _counted_groups(org.path, *period_bounds(period))


def _counted_groups(path: Any, start: Any, end: Any) -> sa.Select[int]:
    """counted_groups with the unit's path and the period's bounds as values or parameters."""
    return (
        sa.select(StudyGroup.id)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(in_subtree(Organization.path, path), _is_counted(start, end))
    )


def _is_counted(start: Any, end: Any) -> sa.ColumnElement[bool]:
    """SQL: the StudyGroup counts for the period [start, end): active, or held a session in
    it (a group closed since still counts for the year it studied in)."""
    held = sa.exists().where(StudySession.group_id == StudyGroup.id, held_between(start, end))
    return sa.or_(StudyGroup.is_active, held)


def _subtree_scope(org: Organization, period: Period) -> sa.Subquery:
    ids = counted_groups(org, period).subquery()
    return sa.select(ids.c.id.label("group_id"), sa.literal(org.id).label("key")).subquery()


def figures_by_group(
    group_ids: Sequence[int], period: Period, today: date | None = None
) -> dict[int, Figures]:
    """Figures per study group; every id in `group_ids` is in the result (zeros if idle).
    A fixed number of queries (two) whatever the number of groups; none for an empty list."""
    ids = sorted(set(group_ids))
    if not ids:
        return {}
    scope = (
        sa.select(StudyGroup.id.label("group_id"), StudyGroup.id.label("key"))
        .where(StudyGroup.id.in_(ids))
        .subquery()
    )
    figures, _ = _figures_by_scope(scope, period, today)
    return {group_id: figures.get(group_id, Figures()) for group_id in ids}


def _children_scope(parent_id: Any, counted: sa.ColumnElement[bool] | None) -> sa.Subquery:
    """(group_id, key): each group of the subtree of unit `parent_id` mapped to the direct
    child unit whose subtree holds it, or to the parent for its own groups. Only the groups
    for which `counted` holds (_is_counted), or with None every group (a group that is not
    counted held no session in the period, so its session figures are zeros anyway)."""
    child = aliased(Organization)
    group_org = aliased(Organization)
    in_child = (
        sa.select(StudyGroup.id.label("group_id"), child.id.label("key"))
        .select_from(child)
        .join(group_org, in_subtree(group_org.path, child.path))
        .join(StudyGroup, StudyGroup.organization_id == group_org.id)
        .where(child.parent_id == parent_id)
    )
    own = (
        sa.select(
            StudyGroup.id.label("group_id"),
            sa.cast(parent_id, sa.Integer).label("key"),
        )
        .where(StudyGroup.organization_id == parent_id)
    )
    if counted is not None:
        in_child = in_child.where(counted)
        own = own.where(counted)
    return sa.union_all(in_child, own).subquery()


def _unit_rows(
    parent: Organization, figures: dict[Any, Figures], with_groups: set[Any]
) -> list[UnitFigures]:
    """figures_by_unit's rows, in the tree's order (one query: the child units)."""
    children = db.session.scalars(
        sa.select(Organization)
        .where(Organization.parent_id == parent.id)
        .order_by(Organization.sort_order, Organization.name, Organization.id)
    ).all()
    rows: list[UnitFigures] = []
    if parent.id in with_groups:
        rows.append(UnitFigures(parent, figures.get(parent.id, Figures()), own_groups=True))
    rows.extend(
        UnitFigures(unit, figures.get(unit.id, Figures()))
        for unit in children
        if unit.is_active or unit.id in with_groups
    )
    return rows


def figures_by_unit(
    parent: Organization, period: Period, today: date | None = None
) -> list[UnitFigures]:
    """One row per direct child unit of `parent` (its whole subtree aggregated), plus, when
    `parent` has groups of its own, a row for those (unit is `parent`, own_groups=True, first).
    Rows in the tree's order (sort_order, name). Inactive child units appear only when they
    have counted groups (see counted_groups). Three queries whatever the tree."""
    scope = _children_scope(parent.id, _is_counted(*period_bounds(period)))
    figures, with_groups = _figures_by_scope(scope, period, today)
    return _unit_rows(parent, figures, with_groups)


#: (month, sessions held, seminars held, attendance rate) — a unit's monthly series.
Month = tuple[int, int, int, float | None]


def unit_overview(
    parent: Organization, period: Period, today: date | None = None
) -> tuple[list[UnitFigures], list[Month]]:
    """What a unit's dashboard shows: figures_by_unit(parent, period), and for months 1..12 of
    the period's year what sessions_by_month and attendance_by_month give. Three queries:
    the held sessions of the whole year are summed once per (row, month), so the months and
    the rows' session figures (the months within the period) come from the same statement."""
    start, end = period_bounds(period)
    bounds = _month_bounds(period.year)
    params = {
        "parent_id": parent.id, "start": start, "end": end,
        "year": period.year, "quarter": period.quarter,
        "today": today or timeutil.today_local(),
        **{f"month_{i}": bound for i, bound in enumerate(bounds)},
    }
    group_query, session_query = _overview_statements(period.quarter is not None)
    groups = _rows(group_query, params=params)
    by_month = _rows(session_query, keys=2, params=params)
    first = period.start.month
    in_period = range(first, first + 3) if period.quarter else range(1, 13)
    sessions: dict[Any, _Row] = {}
    months: dict[int, _Row] = {}
    for (key, month), fields in by_month.items():
        _add(months.setdefault(month, {}), fields)
        if month in in_period:
            _add(sessions.setdefault(key, {}), fields)
    figures = _assemble(groups.keys() | sessions.keys(), [groups, sessions])
    series = [
        (
            month,
            months.get(month, {}).get("sessions_held", 0),
            months.get(month, {}).get("seminars_held", 0),
            rate(months.get(month, {}).get("attendance_present", 0),
                 months.get(month, {}).get("attendance_expected", 0)),
        )
        for month in range(1, 13)
    ]
    return _unit_rows(parent, figures, set(groups)), series


# Built once per shape (a quarter adds a condition on plan items), with the unit, the period,
# its year's month bounds and today as bound parameters: the dashboard asks them on every
# request, and building them cost more than running them.
@functools.cache
def _overview_statements(
    quarterly: bool,
) -> tuple[sa.Select[*tuple[Any, ...]], sa.Select[*tuple[Any, ...]]]:
    """unit_overview's two statements."""
    parent_id = sa.bindparam("parent_id", type_=sa.Integer)
    counted = _is_counted(sa.bindparam("start"), sa.bindparam("end"))
    quarter = sa.bindparam("quarter", type_=sa.Integer) if quarterly else None
    groups = _group_query(
        _children_scope(parent_id, counted), sa.bindparam("year", type_=sa.Integer), quarter
    )
    every_group = _children_scope(parent_id, None)
    bounds: list[sa.BindParameter[datetime]] = [sa.bindparam(f"month_{i}") for i in range(13)]
    sessions = _session_query(
        every_group,
        [every_group.c.key, _month_of(bounds).label("month")],
        held_between(bounds[0], bounds[12]),
        sa.bindparam("today", type_=sa.Date),
    )
    return groups, sessions


def _add(total: _Row, fields: _Row) -> None:
    for name, value in fields.items():
        total[name] = total.get(name, 0) + value


def figures_for_unit(org: Organization, period: Period, today: date | None = None) -> Figures:
    """The whole subtree of `org`: equals the sum of figures_by_unit(org) rows, and the sum of
    figures_by_group over counted_groups(org, period). Two queries."""
    figures, _ = _figures_by_scope(_subtree_scope(org, period), period, today)
    return figures.get(org.id, Figures())


def figures_by_session(
    group: StudyGroup, period: Period, today: date | None = None
) -> dict[int, Figures]:
    """Per held session of the group in the period (sessions_held is 1 in each), in order of
    starts_at. Session rows carry the session families only: groups, members and
    sessions_planned are 0 (so talks_per_member is None); the rows sum to the group's figures
    for every other field. One query."""
    today = today or timeutil.today_local()
    scope = (
        sa.select(StudyGroup.id.label("group_id"), StudyGroup.id.label("key"))
        .where(StudyGroup.id == group.id)
        .subquery()
    )
    query = _session_query(scope, [StudySession.id], held_in(period), today).order_by(
        sa.func.min(StudySession.starts_at), StudySession.id
    )
    sessions = _rows(query)
    return _assemble(sessions, [sessions])  # in the query's order: by starts_at


def figures_by_person(
    group: StudyGroup | None, user_ids: Sequence[int], period: Period,
    today: date | None = None,
) -> dict[int, Figures]:
    """Per person, in one group (or, with group None, across all their groups). Every id in
    `user_ids` is in the result. One query whatever the number of people; none for an empty
    list.

    Attendance and reflections come from the person's attendance rows of held sessions;
    talks are those they gave at held sessions; tasks those assigned to them at held
    sessions. A member's record counts the same figures from the rows it shows, with the
    Python twins of the same definitions (records.person_queries)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    start, end = period_bounds(period)
    params: dict[str, Any] = {
        "ids": ids, "start": start, "end": end, "today": today or timeutil.today_local(),
    }
    if group is not None:
        params["group_id"] = group.id
    rows = _rows(_person_query(group is not None), params=params)
    return _assemble(ids, [rows])


# Built once per shape, with the people, the period's bounds, today and the group as bound
# parameters: the group's figures ask it on every request, and building it cost more than
# running it.
@functools.cache
def _person_query(in_group: bool) -> sa.Select[*tuple[Any, ...]]:
    """figures_by_person's statement (:ids, :start, :end, :today, :group_id). The three
    families (attendance and reflections, talks, tasks) are aggregated apart, then joined on
    the person: one round trip instead of three."""
    where = [held_between(sa.bindparam("start"), sa.bindparam("end"))]
    if in_group:
        where.append(StudySession.group_id == sa.bindparam("group_id"))
    ids: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
    today: sa.BindParameter[date] = sa.bindparam("today", type_=sa.Date())

    attendance = (
        sa.select(
            Attendance.user_id,
            *(_count_if(condition).label(name) for name, condition in {
                **ATTENDANCE, **reflection_conditions(today),
            }.items()),
        )
        .select_from(Attendance)
        .join(StudySession, Attendance.session_id == StudySession.id)
        .outerjoin(Reflection, reflection_of_attendance())
        .where(Attendance.user_id.in_(ids), *where)
        .group_by(Attendance.user_id)
        .cte("person_attendance")
    )
    talks = (
        sa.select(Talk.speaker_id, sa.func.count(Talk.id).label("talks"))
        .join(StudySession, Talk.session_id == StudySession.id)
        .where(Talk.speaker_id.in_(ids), *where)
        .group_by(Talk.speaker_id)
        .cte("person_talks")
    )
    tasks = (
        sa.select(
            FollowUpTask.assignee_id,
            *(_count_if(condition).label(name)
              for name, condition in task_conditions(today).items()),
        )
        .join(StudySession, FollowUpTask.session_id == StudySession.id)
        .where(FollowUpTask.assignee_id.in_(ids), *where)
        .group_by(FollowUpTask.assignee_id)
        .cte("person_tasks")
    )
    people = sa.union(
        sa.select(attendance.c.user_id), sa.select(talks.c.speaker_id),
        sa.select(tasks.c.assignee_id),
    ).subquery("people")
    person = people.c.user_id
    return (
        sa.select(
            person,
            *(column for column in attendance.c if column.name != "user_id"),
            talks.c.talks,
            *(column for column in tasks.c if column.name != "assignee_id"),
        )
        .select_from(people)
        .outerjoin(attendance, attendance.c.user_id == person)
        .outerjoin(talks, talks.c.speaker_id == person)
        .outerjoin(tasks, tasks.c.assignee_id == person)
        # Planned for its people on every run: PostgreSQL's generic plan, made without them,
        # was much slower (studytrack.prepared).
        .execution_options(prepare=False)
    )


def _month_bounds(year: int) -> list[datetime]:
    """13 UTC instants: the local start of each month of `year`, and of the next January."""
    return [_local_midnight_utc(date(year, month, 1)) for month in range(1, 13)] + [
        _local_midnight_utc(date(year + 1, 1, 1))
    ]


def _month_of(bounds: Sequence[Any]) -> sa.ColumnElement[int]:
    """SQL: the local month (1..12) of StudySession.starts_at, for a session within the year
    of `bounds` — one CASE per row, so a monthly series is one GROUP BY, not 24 sums."""
    return sa.case(
        *((StudySession.starts_at < bounds[month], month) for month in range(1, 12)),
        else_=12,
    )


def _subtree_sessions(org: Organization, year: int) -> sa.ColumnElement[bool]:
    groups = (
        sa.select(StudyGroup.id)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(in_subtree(Organization.path, org.path))
    )
    return sa.and_(StudySession.group_id.in_(groups), held_in(Period(year)))


def sessions_by_month(
    org: Organization, year: int
) -> list[tuple[int, int, int]]:
    """(month, sessions held, seminars held) for months 1..12 in the subtree of `org`, by the
    local month of starts_at. One query (grouped by month)."""
    inner = (
        sa.select(_month_of(_month_bounds(year)).label("month"), StudySession.kind)
        .where(_subtree_sessions(org, year))
        .subquery()
    )
    rows = _rows(
        sa.select(
            inner.c.month,
            sa.func.count().label("held"),
            _count_if(inner.c.kind == SessionKind.SEMINAR).label("seminars"),
        ).group_by(inner.c.month)
    )
    return [
        (month, rows.get(month, {}).get("held", 0), rows.get(month, {}).get("seminars", 0))
        for month in range(1, 13)
    ]


def attendance_by_month(org: Organization, year: int) -> list[tuple[int, float | None]]:
    """(month, attendance rate) for months 1..12 in the subtree of `org`: present / expected
    over the attendance rows of the month's held sessions (summed from session_stats); None
    for a month without any. One query (grouped by month)."""
    inner = (
        sa.select(
            _month_of(_month_bounds(year)).label("month"),
            SessionStats.attendance_present,
            SessionStats.attendance_expected,
        )
        .select_from(StudySession)
        .join(SessionStats, SessionStats.session_id == StudySession.id)
        .where(_subtree_sessions(org, year))
        .subquery()
    )
    rows = _rows(
        sa.select(
            inner.c.month,
            sa.func.sum(inner.c.attendance_present).label("present"),
            sa.func.sum(inner.c.attendance_expected).label("expected"),
        ).group_by(inner.c.month)
    )
    return [
        (month, rate(rows.get(month, {}).get("present", 0), rows.get(month, {}).get("expected", 0)))
        for month in range(1, 13)
    ]
