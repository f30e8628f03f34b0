"""The columns of the dashboard: what each shows, how it is held against its target.

The figures themselves, their Chinese names and which are rates are defined once in
`figures`; this module only says, for each figure the dashboard shows, its label on screen,
which target metric it is compared with and how that target scales:

- counts with a target (sessions, seminars) are per group and year: the target is multiplied
  by the number of groups counted and by the share of the year (a quarter is 0.25);
- talks per member are per member and year: the target is multiplied by the share of the year;
- rates compare as fractions 0..1.

A unit without groups gets no verdict on counts (nothing to hold to a per-group target).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from studytrack.dashboard.figures import FIGURE_ZH, RATES, Figures, Period
from studytrack.formatting import percent
from studytrack.models import Organization, TargetMetric
from studytrack.plans.targets import EffectiveTarget, is_rate, meets, scaled_value


@dataclass(frozen=True)
class Measure:
    """A figure (a field or rate of `Figures`, named by `key`) as a column of the dashboard."""

    key: str
    label: Any  # lazy string (English source, translated on screen)
    metric: TargetMetric | None = None
    per_member: bool = False  # talks per member: scaled by the period only, not by groups
    # The table's two header rows: the figure's group ("Reflections") and its short name
    # under it ("On time"), so every column fits a desk's screen; elsewhere `label`.
    group: Any = None
    short: Any = None

    def in_language(self) -> Measure:
        """This measure with its names in the request's language, as plain strings: the
        table writes a column's name in each of its rows (a lazy string translates anew
        every time it is written)."""
        def text(name: Any) -> str | None:
            return None if name is None else str(name)

        return replace(self, label=str(self.label), group=text(self.group), short=text(self.short))

    @property
    def zh(self) -> str:
        """The fixed Chinese header of the Excel export: the figure's one Chinese name."""
        return FIGURE_ZH[self.key]

    @property
    def is_rate(self) -> bool:
        return self.key in RATES

    def value(self, figures: Figures) -> int | float | None:
        value: int | float | None = getattr(figures, self.key)
        return value

    def scale(self, figures: Figures, period: Period) -> float:
        share = 0.25 if period.quarter else 1.0
        return share if self.per_member else share * figures.groups

    def verdict(
        self, figures: Figures, period: Period, target: EffectiveTarget | None
    ) -> bool | None:
        """True (meets), False (misses) or None (no target, or nothing to judge)."""
        if self.metric is None or target is None:
            return None
        value = self.value(figures)
        if not self.is_rate and not self.per_member and figures.groups == 0:
            return None
        return meets(self.metric, value, target, scale=self.scale(figures, period))


OVERVIEW, SESSIONS, ATTENDANCE = _l("Overview"), _l("Sessions"), _l("Attendance")
REFLECTIONS, TASKS, TALKS = _l("Reflections"), _l("Tasks"), _l("Talks")
MEASURES: tuple[Measure, ...] = (
    Measure("groups", _l("Groups"), group=OVERVIEW, short=_l("Groups")),
    Measure("members", _l("Members"), group=OVERVIEW, short=_l("Members")),
    Measure("sessions_planned", _l("Sessions planned"), group=SESSIONS,
            short=_l("Planned")),
    Measure("sessions_held", _l("Sessions held"), metric=TargetMetric.SESSIONS_PER_YEAR,
            group=SESSIONS, short=_l("Held")),
    Measure("plan_completion_rate", _l("Plan completion"), group=SESSIONS,
            short=_l("Of the plan")),
    Measure("seminars_held", _l("Seminars held"), metric=TargetMetric.SEMINARS_PER_YEAR,
            group=SESSIONS, short=_l("Seminars")),
    Measure("attendance_rate", _l("Attendance rate"), metric=TargetMetric.ATTENDANCE_RATE,
            group=ATTENDANCE, short=_l("Rate")),
    Measure("reflection_completion_rate", _l("Reflections submitted"),
            metric=TargetMetric.REFLECTION_COMPLETION_RATE, group=REFLECTIONS,
            short=_l("Submission rate")),
    Measure("reflection_on_time_rate", _l("Reflections on time"),
            metric=TargetMetric.REFLECTION_ON_TIME_RATE, group=REFLECTIONS,
            short=_l("On-time rate")),
    Measure("reflections_missing", _l("Reflections missing"), group=REFLECTIONS,
            short=_l("Missing")),
    Measure("tasks_done", _l("Tasks done"), group=TASKS, short=_l("Done")),
    Measure("tasks_overdue", _l("Tasks overdue"), group=TASKS, short=_l("Overdue")),
    Measure("task_completion_rate", _l("Task completion"),
            metric=TargetMetric.TASK_COMPLETION_RATE, group=TASKS, short=_l("Completion")),
    Measure("talks_per_member", _l("Talks per member"), metric=TargetMetric.TALKS_PER_MEMBER,
            per_member=True, group=TALKS, short=_l("Per member")),
)
BY_KEY = {measure.key: measure for measure in MEASURES}

# The headline cards, in order (the table shows every measure).
HEADLINES = (
    "sessions_held", "seminars_held", "attendance_rate", "reflection_completion_rate",
    "reflection_on_time_rate", "task_completion_rate", "talks_per_member",
)


def format_value(measure: Measure, value: int | float | None) -> str:
    if value is None:
        return "—"
    if measure.is_rate:
        return percent(value)
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _number(value: float | Decimal) -> str:
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True)
class Cell:
    """One figure on screen: the value, its verdict and what it is held against."""

    measure: Measure
    value: int | float | None
    verdict: bool | None
    target: EffectiveTarget | None
    held_against: float | None  # the scaled target value the figure is compared with
    scaled: bool = False  # the target was scaled to the period and the groups counted

    @property
    def text(self) -> str:
        return format_value(self.measure, self.value)

    @property
    def css(self) -> str:
        if self.target is None:
            return "figure-no-target" if self.measure.metric else "figure-plain"
        if self.verdict is None:
            return "figure-no-value"
        return "figure-meets" if self.verdict else "figure-misses"

    @property
    def sort_key(self) -> float | None:
        return None if self.value is None else float(self.value)

    def target_text(self, unit: Organization | None = None) -> str:
        """"Target 90% (inherited from 校党委)"; "No target set" when there is none."""
        if self.measure.metric is None:
            return ""
        if self.target is None:
            return str(_("No target set"))
        return f"{self.target_value_text()} {self.source_text(unit)}"

    def target_value_text(self) -> str:
        assert self.target is not None
        value = self.target.value
        if is_rate(self.target.metric):
            return str(_("Target %(value)s", value=percent(float(value))))
        if self.measure.per_member:
            text = str(_("Target %(value)s per member a year", value=_number(value)))
        else:
            text = str(_("Target %(value)s per group a year", value=_number(value)))
        if self.held_against is not None and self.scaled:
            text += " " + _("(%(value)s for this period)", value=_number(self.held_against))
        return text

    def source_text(self, unit: Organization | None = None) -> str:
        assert self.target is not None
        source = self.target.source
        if source is None:
            return str(_("(default setting)"))
        if unit is not None and source.id == unit.id:
            return str(_("(set by this unit)"))
        return str(_("(inherited from %(unit)s)", unit=source.name))


class TargetTexts:
    """Cell.target_text for one page, each distinct text translated once: a unit's rows share
    most of their targets (inherited from above), and gettext costs more than the lookup."""

    def __init__(self) -> None:
        self._texts: dict[tuple[Any, ...], str] = {}

    def __call__(self, c: Cell, unit: Organization | None = None) -> str:
        target = c.target
        own = (
            unit is not None and target is not None and target.source is not None
            and target.source.id == unit.id
        )
        key = (c.measure.key, target, c.held_against, c.scaled, own)
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = c.target_text(unit)
        return text


def cell(
    measure: Measure, figures: Figures, period: Period,
    targets: dict[TargetMetric, EffectiveTarget],
) -> Cell:
    target = targets.get(measure.metric) if measure.metric else None
    scale = measure.scale(figures, period)
    held_against = None if target is None else scaled_value(target, scale=scale)
    scaled = not measure.is_rate and (
        period.quarter is not None or (not measure.per_member and figures.groups != 1)
    )
    return Cell(
        measure, measure.value(figures), measure.verdict(figures, period, target), target,
        held_against, scaled,
    )


def cells(
    figures: Figures, period: Period, targets: dict[TargetMetric, EffectiveTarget]
) -> dict[str, Cell]:
    return {m.key: cell(m, figures, period, targets) for m in MEASURES}
