"""Every figure the dashboards, the secretary's view and a member's record show, defined once.

CONTRACT (the pages are written against it; implementations aggregate in SQL with a fixed
number of queries whatever the size of the tree and the year — no Python loops over rows):

A *period* is a calendar year, or one quarter of it, in the configured time zone (Asia/Shanghai):
a session belongs to the period in which it starts (local date of `starts_at`).

Counted sessions are those *held*: status published or closed, starting within the period.
Drafts and cancelled sessions count nowhere.

- sessions_planned: plan items of the groups' plans for the period's year whose month (or, for
  items with only a quarter, quarter) falls in the period.
- sessions_held / seminars_held: held sessions; seminars are kind "seminar" (专题研讨).
- attendance: over the attendance rows of held sessions. expected = rows of people who are not
  observers (unmarked rows count as expected and not present); present = status present.
  attendance_rate = present / expected; None when expected is 0 (everyone an observer, or no
  roster yet). on_leave, absent, made_up (leave or absence with make-up study recorded).
- talks: talks of held sessions with a speaker (guest speakers without an account count in
  `talks` but not per member); talks_per_member = talks by current members / members; None
  when the unit has no members.
- reflections: required = attendance rows of held sessions for which
  `reflections.rules.must_write_condition()` holds; submitted = required rows with a
  reflection in status submitted, returned or accepted; on_time = submitted and not late;
  late = submitted and late; missing = required - submitted. completion_rate = submitted /
  required; on_time_rate = on_time / submitted; None when the denominator is 0. Sessions
  without a due date are never late.
- tasks: follow-up tasks of held sessions; cancelled tasks count nowhere. total, done, and
  overdue = not done and due before today (local date). completion_rate = done / total.
- members: current members (left_on is NULL, role member — study secretaries keep the record
  and are not on the roster) of the groups, counted once per group.
- groups: the groups a unit's figures are made of (`counted_groups`): the groups of its
  subtree that are active, or that held a session in the period (a group closed since still
  counts for the time it studied; an idle closed group counts nowhere). figures_by_group counts
  every id it is given.

A figure for a unit is the sum of the figures of the groups in its subtree, so a parent's
numbers equal the sum of what its drill-down rows show (rates are recomputed from the sums,
never averaged).

Refinements of edge cases (docs/metrics.md has the full list):
- Period bounds are the UTC instants of local midnight at the period's start and end
  (`period_bounds`); sessions are compared on `starts_at` against them (index-friendly).
- A person is counted by the attendance rows of held sessions, whatever their membership now.
- Unmarked rows: expected, not present, and not (yet) required to write a reflection.
- Guests (no account) count in attendance like anyone (they are normally observers) and never
  owe a reflection; guest speakers count in `talks` only.
- talks_by_members: talks given by people who are now current members (role member) of the
  session's group; a former member's or a secretary's talk counts in `talks` only.
- Reflections: a draft counts as missing; `reflections_overdue` = missing and the session's
  due date is before today. A session without a due date makes nothing late or overdue.
- Tasks: the session's tasks, whoever owns them (a person or a unit); a task without a due
  date is never overdue.
- `today` (for "overdue") defaults to today's local date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from studytrack import timeutil
from studytrack.extensions import db
from studytrack.followups.queries import overdue_clause
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    GroupMembership,
    GroupRole,
    Organization,
    PlanItem,
    Reflection,
    ReflectionStatus,
    SessionKind,
    SessionStats,
    SessionStatus,
    StudyGroup,
    StudyPlan,
    StudySession,
    Talk,
    TaskStatus,
)
from studytrack.models.session_stats import COUNT_COLUMNS
from studytrack.reflections.rules import MAKEUP_STATUSES, must_write_condition


@dataclass(frozen=True)
class Period:
    year: int
    quarter: int | None = None  # 1..4, or None for the whole year

    @property
    def start(self) -> date:
        return date(self.year, 1 + 3 * (self.quarter - 1), 1) if self.quarter else date(
            self.year, 1, 1
        )

    @property
    def end(self) -> date:
        """The first day after the period."""
        if self.quarter in (None, 4):
            return date(self.year + 1, 1, 1)
        return date(self.year, 1 + 3 * self.quarter, 1)


def rate(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Figures:
    groups: int = 0
    members: int = 0
    sessions_planned: int = 0
    sessions_held: int = 0
    seminars_held: int = 0
    attendance_expected: int = 0
    attendance_present: int = 0
    attendance_on_leave: int = 0
    attendance_absent: int = 0
    attendance_made_up: int = 0
    talks: int = 0
    talks_by_members: int = 0
    reflections_required: int = 0
    reflections_submitted: int = 0
    reflections_on_time: int = 0
    reflections_late: int = 0
    tasks_total: int = 0
    tasks_done: int = 0
    tasks_overdue: int = 0
    # Added for the pages (not in the first contract): details of the same rows.
    attendance_unmarked: int = 0  # rows not yet marked (counted in expected, not present)
    attendance_observers: int = 0  # observer rows (列席): never expected
    reflections_overdue: int = 0  # required, not submitted, due date passed

    @property
    def reflections_missing(self) -> int:
        return self.reflections_required - self.reflections_submitted

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.attendance_present, self.attendance_expected)

    @property
    def reflection_completion_rate(self) -> float | None:
        return rate(self.reflections_submitted, self.reflections_required)

    @property
    def reflection_on_time_rate(self) -> float | None:
        return rate(self.reflections_on_time, self.reflections_submitted)

    @property
    def task_completion_rate(self) -> float | None:
        return rate(self.tasks_done, self.tasks_total)

    @property
    def talks_per_member(self) -> float | None:
        return rate(self.talks_by_members, self.members)

    @property
    def plan_completion_rate(self) -> float | None:
        return rate(self.sessions_held, self.sessions_planned)

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{
            name: getattr(self, name) + getattr(other, name)
            for name in self.__dataclass_fields__
        })


@dataclass(frozen=True)
class PersonFigures:
    """One person's year (or quarter) in one or all of their groups: their study file."""

    sessions_expected: int = 0  # held sessions where they were on the roster, not observer
    sessions_present: int = 0
    sessions_on_leave: int = 0
    sessions_absent: int = 0
    sessions_made_up: int = 0  # leave/absence with make-up study recorded
    sessions_observed: int = 0
    talks: int = 0
    reflections_required: int = 0
    reflections_on_time: int = 0
    reflections_late: int = 0
    reflections_missing: int = 0  # required, not submitted (draft or none), incl. not yet due
    reflections_overdue: int = 0  # missing and the due date has passed
    tasks_total: int = 0  # assigned to them, cancelled excluded
    tasks_done: int = 0
    tasks_overdue: int = 0

    @property
    def attendance_rate(self) -> float | None:
        return rate(self.sessions_present, self.sessions_expected)

    @property
    def reflection_completion_rate(self) -> float | None:
        return rate(self.reflections_on_time + self.reflections_late, self.reflections_required)

    @property
    def reflection_on_time_rate(self) -> float | None:
        return rate(self.reflections_on_time, self.reflections_on_time + self.reflections_late)

    @property
    def task_completion_rate(self) -> float | None:
        return rate(self.tasks_done, self.tasks_total)


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
# Attendance and reflections per session come from `session_stats` (one row per session, kept
# current on every write by studytrack.stats in the writer's transaction, never stale): the
# group and unit figures and attendance_by_month sum those rows for the held sessions instead
# of scanning every attendance row with its reflection. A person's figures read the raw rows.

HELD_STATUSES = (SessionStatus.PUBLISHED, SessionStatus.CLOSED)
SUBMITTED_STATUSES = (
    ReflectionStatus.SUBMITTED, ReflectionStatus.RETURNED, ReflectionStatus.ACCEPTED,
)

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
    start, end = period_bounds(period)
    return sa.and_(
        StudySession.status.in_(HELD_STATUSES),
        StudySession.starts_at >= start,
        StudySession.starts_at < end,
    )


def _count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.sum(sa.case((condition, 1), else_=0))


def _rows(query: sa.Select[Any]) -> dict[Any, _Row]:
    """Run a grouped query whose first column is the key; the rest become int fields."""
    result = db.session.execute(query)
    names = list(result.keys())[1:]
    return {
        row[0]: {name: int(value or 0) for name, value in zip(names, row[1:], strict=True)}
        for row in result
    }


def _submitted() -> sa.ColumnElement[bool]:
    return Reflection.status.in_(SUBMITTED_STATUSES)


def _not_submitted() -> sa.ColumnElement[bool]:
    return sa.or_(Reflection.id.is_(None), Reflection.status.not_in(SUBMITTED_STATUSES))


def _reflection_join() -> sa.ColumnElement[bool]:
    return sa.and_(
        Reflection.session_id == Attendance.session_id,
        Reflection.author_id == Attendance.user_id,
    )


def _late() -> sa.ColumnElement[bool]:
    """Submitted late; a session without a due date never makes a reflection late."""
    return sa.and_(_submitted(), Reflection.is_late, StudySession.reflection_due_on.is_not(None))


def _overdue_reflection(today: date) -> sa.ColumnElement[bool]:
    return sa.and_(
        _not_submitted(),
        StudySession.reflection_due_on.is_not(None),
        StudySession.reflection_due_on < today,
    )


def _expected() -> sa.ColumnElement[bool]:
    return sa.or_(Attendance.status.is_(None), Attendance.status != AttendanceStatus.OBSERVER)


def _made_up() -> sa.ColumnElement[bool]:
    return sa.and_(Attendance.status.in_(MAKEUP_STATUSES), Attendance.makeup_on.is_not(None))


def _stats_overdue(today: date) -> sa.ColumnElement[int]:
    """Per session_stats row: reflections missing (required - submitted) once the session's
    due date is before `today`, else 0 — "overdue" depends on today, so it is not stored."""
    return sa.case(
        (
            sa.and_(
                StudySession.reflection_due_on.is_not(None),
                StudySession.reflection_due_on < today,
            ),
            SessionStats.reflections_required - SessionStats.reflections_submitted,
        ),
        else_=0,
    )


def _group_families(scope: sa.Subquery, period: Period) -> list[dict[Any, _Row]]:
    """groups, members (one query) and sessions_planned (one query), per scope key."""
    membership = sa.and_(
        GroupMembership.group_id == scope.c.group_id,
        GroupMembership.left_on.is_(None),
        GroupMembership.role == GroupRole.MEMBER,
    )
    members = (
        sa.select(
            scope.c.key,
            sa.func.count(sa.distinct(scope.c.group_id)).label("groups"),
            sa.func.count(GroupMembership.id).label("members"),
        )
        .select_from(scope)
        .outerjoin(GroupMembership, membership)
        .group_by(scope.c.key)
    )
    in_period: sa.ColumnElement[bool] = sa.true()
    if period.quarter:
        first = 3 * period.quarter - 2
        in_period = sa.or_(
            PlanItem.month.between(first, first + 2),
            sa.and_(PlanItem.month.is_(None), PlanItem.quarter == period.quarter),
        )
    planned = (
        sa.select(scope.c.key, sa.func.count(PlanItem.id).label("sessions_planned"))
        .select_from(scope)
        .join(StudyPlan, StudyPlan.group_id == scope.c.group_id)
        .join(PlanItem, PlanItem.plan_id == StudyPlan.id)
        .where(StudyPlan.year == period.year, in_period)
        .group_by(scope.c.key)
    )
    return [_rows(members), _rows(planned)]


def _session_families(
    scope: sa.Subquery, key: Any, period: Period, today: date
) -> list[dict[Any, _Row]]:
    """Held sessions with attendance and reflections, talks and tasks: three queries, per key.
    `key` is `scope.c.key`, or StudySession.id for one row per session."""

    def over_sessions(*columns: Any) -> sa.Select[Any]:
        return (
            sa.select(key, *columns)
            .select_from(StudySession)
            .join(scope, StudySession.group_id == scope.c.group_id)
        )

    # Held sessions with their attendance and reflection counts, summed from session_stats
    # (one row per session, kept current on write by studytrack.stats) instead of a scan of
    # every attendance row with its reflection. An outer join: a session without a summary row
    # still counts as held (its counts as 0).
    sessions = (
        over_sessions(
            sa.func.count(StudySession.id).label("sessions_held"),
            _count_if(StudySession.kind == SessionKind.SEMINAR).label("seminars_held"),
            *(sa.func.sum(getattr(SessionStats, name)).label(name) for name in COUNT_COLUMNS),
            sa.func.sum(_stats_overdue(today)).label("reflections_overdue"),
        )
        .outerjoin(SessionStats, SessionStats.session_id == StudySession.id)
        .where(held_in(period))
        .group_by(key)
        .order_by(sa.func.min(StudySession.starts_at), key)
    )

    speaker_member = sa.and_(
        GroupMembership.group_id == StudySession.group_id,
        GroupMembership.user_id == Talk.speaker_id,
        GroupMembership.left_on.is_(None),
        GroupMembership.role == GroupRole.MEMBER,
    )
    talks = (
        over_sessions(
            sa.func.count(Talk.id).label("talks"),
            sa.func.count(GroupMembership.id).label("talks_by_members"),
        )
        .join(Talk, Talk.session_id == StudySession.id)
        .outerjoin(GroupMembership, speaker_member)
        .where(held_in(period))
        .group_by(key)
    )

    tasks = (
        over_sessions(
            sa.func.count(FollowUpTask.id).label("tasks_total"),
            _count_if(FollowUpTask.status == TaskStatus.DONE).label("tasks_done"),
            _count_if(overdue_clause(today)).label("tasks_overdue"),
        )
        .join(FollowUpTask, FollowUpTask.session_id == StudySession.id)
        .where(held_in(period), FollowUpTask.status != TaskStatus.CANCELLED)
        .group_by(key)
    )
    return [_rows(sessions), _rows(talks), _rows(tasks)]


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
    """Figures per scope key (five queries); also the keys that have groups."""
    today = today or timeutil.today_local()
    families = _group_families(scope, period)
    families += _session_families(scope, scope.c.key, period, today)
    keys: set[Any] = set()
    for family in families:
        keys.update(family)
    return _assemble(keys, families), set(families[0])


def counted_groups(org: Organization, period: Period) -> sa.Select[tuple[int]]:
    """SQL: ids of the groups a unit's figures are made of — the groups in the subtree of `org`
    that are active, or that held a session in the period (a group closed since still counts
    for the year it studied in). Pages list these ids to drill down from a unit to its groups:
    figures_by_group over them sums to figures_for_unit(org)."""
    held = sa.exists().where(StudySession.group_id == StudyGroup.id, held_in(period))
    return (
        sa.select(StudyGroup.id)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(Organization.path.startswith(org.path), sa.or_(StudyGroup.is_active, held))
    )


def _subtree_scope(org: Organization, period: Period) -> sa.Subquery:
    ids = counted_groups(org, period).subquery()
    return sa.select(ids.c.id.label("group_id"), sa.literal(org.id).label("key")).subquery()


def figures_by_group(
    group_ids: Sequence[int], period: Period, today: date | None = None
) -> dict[int, Figures]:
    """Figures per study group; every id in `group_ids` is in the result (zeros if idle).
    A fixed number of queries (five) whatever the number of groups; none for an empty list."""
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


def figures_by_unit(
    parent: Organization, period: Period, today: date | None = None
) -> list[UnitFigures]:
    """One row per direct child unit of `parent` (its whole subtree aggregated), plus, when
    `parent` has groups of its own, a row for those (unit is `parent`, own_groups=True, first).
    Rows in the tree's order (sort_order, name). Inactive child units appear only when they
    have counted groups (see counted_groups). Six queries whatever the tree."""
    child = aliased(Organization)
    group_org = aliased(Organization)
    counted = counted_groups(parent, period).subquery()
    in_child = (
        sa.select(StudyGroup.id.label("group_id"), child.id.label("key"))
        .join(counted, counted.c.id == StudyGroup.id)
        .join(group_org, StudyGroup.organization_id == group_org.id)
        .join(
            child,
            sa.and_(child.parent_id == parent.id, group_org.path.startswith(child.path)),
        )
    )
    own = (
        sa.select(StudyGroup.id.label("group_id"), sa.literal(parent.id).label("key"))
        .join(counted, counted.c.id == StudyGroup.id)
        .where(StudyGroup.organization_id == parent.id)
    )
    scope = sa.union_all(in_child, own).subquery()
    figures, with_groups = _figures_by_scope(scope, period, today)
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


def figures_for_unit(org: Organization, period: Period, today: date | None = None) -> Figures:
    """The whole subtree of `org`: equals the sum of figures_by_unit(org) rows, and the sum of
    figures_by_group over counted_groups(org, period). Five queries."""
    figures, _ = _figures_by_scope(_subtree_scope(org, period), period, today)
    return figures.get(org.id, Figures())


def figures_by_session(
    group: StudyGroup, period: Period, today: date | None = None
) -> dict[int, Figures]:
    """Per held session of the group in the period (sessions_held is 1 in each), in order of
    starts_at. Session rows carry the session families only: groups, members and
    sessions_planned are 0 (so talks_per_member is None); the rows sum to the group's figures
    for every other field. Three queries."""
    today = today or timeutil.today_local()
    scope = (
        sa.select(StudyGroup.id.label("group_id"), StudyGroup.id.label("key"))
        .where(StudyGroup.id == group.id)
        .subquery()
    )
    families = _session_families(scope, StudySession.id, period, today)
    return _assemble(families[0], families)  # families[0]: held sessions, by starts_at below


def figures_by_person(
    group: StudyGroup | None, user_ids: Sequence[int], period: Period,
    today: date | None = None,
) -> dict[int, PersonFigures]:
    """Per person, in one group (or, with group None, across all their groups). Every id in
    `user_ids` is in the result. Three queries whatever the number of people; none for an
    empty list.

    Attendance and reflections come from the person's attendance rows of held sessions;
    talks are those they gave at held sessions; tasks those assigned to them at held
    sessions (cancelled excluded)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    today = today or timeutil.today_local()
    where = [held_in(period)]
    if group is not None:
        where.append(StudySession.group_id == group.id)

    required = must_write_condition()
    attendance = (
        sa.select(
            Attendance.user_id,
            _count_if(_expected()).label("sessions_expected"),
            _count_if(Attendance.status == AttendanceStatus.PRESENT).label("sessions_present"),
            _count_if(Attendance.status == AttendanceStatus.ON_LEAVE).label("sessions_on_leave"),
            _count_if(Attendance.status == AttendanceStatus.ABSENT).label("sessions_absent"),
            _count_if(_made_up()).label("sessions_made_up"),
            _count_if(Attendance.status == AttendanceStatus.OBSERVER).label(
                "sessions_observed"
            ),
            _count_if(required).label("reflections_required"),
            _count_if(sa.and_(required, _submitted(), sa.not_(_late()))).label(
                "reflections_on_time"
            ),
            _count_if(sa.and_(required, _late())).label("reflections_late"),
            _count_if(sa.and_(required, _not_submitted())).label("reflections_missing"),
            _count_if(sa.and_(required, _overdue_reflection(today))).label(
                "reflections_overdue"
            ),
        )
        .select_from(Attendance)
        .join(StudySession, Attendance.session_id == StudySession.id)
        .outerjoin(Reflection, _reflection_join())
        .where(Attendance.user_id.in_(ids), *where)
        .group_by(Attendance.user_id)
    )
    talks = (
        sa.select(Talk.speaker_id, sa.func.count(Talk.id).label("talks"))
        .join(StudySession, Talk.session_id == StudySession.id)
        .where(Talk.speaker_id.in_(ids), *where)
        .group_by(Talk.speaker_id)
    )
    tasks = (
        sa.select(
            FollowUpTask.assignee_id,
            sa.func.count(FollowUpTask.id).label("tasks_total"),
            _count_if(FollowUpTask.status == TaskStatus.DONE).label("tasks_done"),
            _count_if(overdue_clause(today)).label("tasks_overdue"),
        )
        .join(StudySession, FollowUpTask.session_id == StudySession.id)
        .where(
            FollowUpTask.assignee_id.in_(ids),
            FollowUpTask.status != TaskStatus.CANCELLED,
            *where,
        )
        .group_by(FollowUpTask.assignee_id)
    )
    families = [_rows(attendance), _rows(talks), _rows(tasks)]
    result: dict[int, PersonFigures] = {}
    for user_id in ids:
        fields: dict[str, int] = {}
        for family in families:
            fields.update(family.get(user_id, {}))
        result[user_id] = PersonFigures(**fields)
    return result


def _month_bounds(year: int) -> list[datetime]:
    """13 UTC instants: the local start of each month of `year`, and of the next January."""
    return [_local_midnight_utc(date(year, month, 1)) for month in range(1, 13)] + [
        _local_midnight_utc(date(year + 1, 1, 1))
    ]


def _month_of(bounds: list[datetime]) -> sa.ColumnElement[int]:
    """SQL: the local month (1..12) of StudySession.starts_at, for a session within the year
    of `bounds` — one CASE per row, so a monthly series is one GROUP BY, not 24 sums."""
    return sa.case(
        *((StudySession.starts_at < bounds[month], month) for month in range(1, 12)),
        else_=12,
    )


def _subtree_sessions(org: Organization, year: int) -> sa.ColumnElement[bool]:
    in_subtree = (
        sa.select(StudyGroup.id)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(Organization.path.startswith(org.path))
    )
    return sa.and_(StudySession.group_id.in_(in_subtree), held_in(Period(year)))


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
