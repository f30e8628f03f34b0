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
- members: current members (left_on is NULL) of the groups, counted once per group.

A figure for a unit is the sum of the figures of the groups in its subtree, so a parent's
numbers equal the sum of what its drill-down rows show (rates are recomputed from the sums,
never averaged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studytrack.models import Organization, StudyGroup


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


# --- the functions the pages call (implemented in SQL; see the module docstring) -------------


def figures_by_group(
    group_ids: Sequence[int], period: Period, today: date | None = None
) -> dict[int, Figures]:
    """Figures per study group; every id in `group_ids` is in the result (zeros if idle).
    A fixed number of queries whatever the number of groups."""
    raise NotImplementedError


def figures_by_unit(
    parent: Organization, period: Period, today: date | None = None
) -> list[UnitFigures]:
    """One row per direct child unit of `parent` (its whole subtree aggregated), plus, when
    `parent` has groups of its own, a row for those (unit is `parent`, own_groups=True).
    Rows in the tree's order (sort_order, name). Fixed number of queries."""
    raise NotImplementedError


def figures_for_unit(org: Organization, period: Period, today: date | None = None) -> Figures:
    """The whole subtree of `org`: equals the sum of figures_by_unit(org) rows."""
    raise NotImplementedError


def figures_by_session(
    group: StudyGroup, period: Period, today: date | None = None
) -> dict[int, Figures]:
    """Per held session of the group in the period (sessions_held is 1 in each)."""
    raise NotImplementedError


def figures_by_person(
    group: StudyGroup | None, user_ids: Sequence[int], period: Period,
    today: date | None = None,
) -> dict[int, PersonFigures]:
    """Per person, in one group (or, with group None, across all their groups)."""
    raise NotImplementedError


def sessions_by_month(
    org: Organization, year: int
) -> list[tuple[int, int, int]]:
    """(month, sessions held, seminars held) for months 1..12 in the subtree of `org`."""
    raise NotImplementedError


def attendance_by_month(org: Organization, year: int) -> list[tuple[int, float | None]]:
    """(month, attendance rate) for months 1..12 in the subtree of `org`."""
    raise NotImplementedError


@dataclass(frozen=True)
class UnitFigures:
    unit: Organization
    figures: Figures
    own_groups: bool = False  # the row for the parent's own groups, not a child subtree
