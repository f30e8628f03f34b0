"""Targets in force for a unit: the nearest setting up the tree, then the installation default.

A target set on a unit holds for every unit below it unless one of them sets its own; a row
with ``organization_id`` NULL is the installation's default. There are no built-in numbers: a
metric set nowhere has no target, and is absent from the answer.

Rates (attendance, reflection completion and on-time, task completion) are stored as
fractions 0..1. Counts (sessions and seminars per year) are per group and year, and talks per
member per year; `meets()` scales them to the period and the number of groups compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from studytrack.extensions import db
from studytrack.models import Organization, Target, TargetMetric

RATE_METRICS: frozenset[TargetMetric] = frozenset({
    TargetMetric.ATTENDANCE_RATE,
    TargetMetric.REFLECTION_COMPLETION_RATE,
    TargetMetric.REFLECTION_ON_TIME_RATE,
    TargetMetric.TASK_COMPLETION_RATE,
})
COUNT_METRICS: frozenset[TargetMetric] = frozenset(TargetMetric) - RATE_METRICS


HUNDRED = Decimal(100)


def is_rate(metric: TargetMetric) -> bool:
    return metric in RATE_METRICS


def plain_number(value: Decimal) -> str:
    """90.000 -> "90", 0.925 -> "0.925": what a person would type."""
    return format(value.normalize(), "f")


def to_display(metric: TargetMetric, value: Decimal) -> str:
    """A stored value as entered: rates as percentages."""
    return plain_number(value * HUNDRED if is_rate(metric) else value)


@dataclass(frozen=True)
class EffectiveTarget:
    metric: TargetMetric
    value: Decimal
    source: Organization | None  # None = installation default

    @property
    def is_default(self) -> bool:
        return self.source is None


def _chain(org: Organization) -> list[int]:
    """The unit's own id first, then its ancestors up to the root."""
    own_id: int | None = org.id  # None until the unit is flushed (Mapped[int] says int)
    ids = org.ancestor_ids or ([own_id] if own_id is not None else [])
    return list(reversed(ids))


def _settings(org_ids: Iterable[int]) -> list[tuple[Target, Organization | None]]:
    """Every target row set on one of `org_ids` or as the default, with its unit: one query."""
    ids = sorted(set(org_ids))
    condition: sa.ColumnElement[bool] = Target.organization_id.is_(None)
    if ids:
        condition = sa.or_(condition, Target.organization_id.in_(ids))
    rows = db.session.execute(
        sa.select(Target, Organization)
        .outerjoin(Organization, Target.organization_id == Organization.id)
        .where(condition)
    ).all()
    return [(target, organization) for target, organization in rows]


def _resolve(
    chain: list[int],
    by_org: dict[int | None, dict[TargetMetric, tuple[Decimal, Organization | None]]],
) -> dict[TargetMetric, EffectiveTarget]:
    result: dict[TargetMetric, EffectiveTarget] = {}
    for org_id in [*chain, None]:
        for metric, (value, source) in by_org.get(org_id, {}).items():
            if metric not in result:
                result[metric] = EffectiveTarget(metric, value, source)
    return {metric: result[metric] for metric in TargetMetric if metric in result}


def _index(
    rows: list[tuple[Target, Organization | None]],
) -> dict[int | None, dict[TargetMetric, tuple[Decimal, Organization | None]]]:
    by_org: dict[int | None, dict[TargetMetric, tuple[Decimal, Organization | None]]] = {}
    for target, organization in rows:
        by_org.setdefault(target.organization_id, {})[TargetMetric(target.metric)] = (
            Decimal(target.value), organization,
        )
    return by_org


def effective_targets(org: Organization) -> dict[TargetMetric, EffectiveTarget]:
    """The targets in force for `org`, each with the unit it comes from (one query)."""
    chain = _chain(org)
    return _resolve(chain, _index(_settings(chain)))


def effective_targets_for(
    orgs: Sequence[Organization],
) -> dict[int, dict[TargetMetric, EffectiveTarget]]:
    """`effective_targets` for many units at once, keyed by unit id (one query)."""
    chains = {org.id: _chain(org) for org in orgs}
    by_org = _index(_settings(i for chain in chains.values() for i in chain))
    return {org_id: _resolve(chain, by_org) for org_id, chain in chains.items()}


@dataclass(frozen=True)
class TargetChain:
    """What the settings page of a unit shows: its own settings, and for every metric what
    applies when it sets none (from the units above, else the installation default)."""

    own: dict[TargetMetric, Decimal]
    inherited: dict[TargetMetric, EffectiveTarget]


def target_chain(org: Organization) -> TargetChain:
    """The unit's own settings and what it inherits (one query)."""
    chain = _chain(org)
    by_org = _index(_settings(chain))
    own = {metric: value for metric, (value, _) in by_org.get(org.id, {}).items()}
    return TargetChain(own=own, inherited=_resolve(chain[1:], by_org))


def default_targets() -> dict[TargetMetric, Decimal]:
    """The installation defaults as set (one query)."""
    rows = db.session.execute(
        sa.select(Target.metric, Target.value).where(Target.organization_id.is_(None))
    ).all()
    return {TargetMetric(metric): Decimal(value) for metric, value in rows}


def own_targets(org: Organization) -> dict[TargetMetric, Decimal]:
    """What `org` sets itself (one query)."""
    rows = db.session.execute(
        sa.select(Target.metric, Target.value).where(Target.organization_id == org.id)
    ).all()
    return {TargetMetric(metric): Decimal(value) for metric, value in rows}


def scaled_value(target: EffectiveTarget, *, scale: float = 1.0) -> float:
    """The value a figure is held against: rates as they are, counts times `scale`."""
    value = float(target.value)
    return value if is_rate(target.metric) else value * scale


def meets(
    metric: TargetMetric,
    value: float | None,
    target: EffectiveTarget | None,
    *,
    scale: float = 1.0,
) -> bool | None:
    """Whether `value` reaches the target; None when there is no target or no value.

    Rates compare as fractions 0..1 (the scale does not apply). Counts are per group and year:
    pass the count and `scale` — the share of the year (a quarter is 0.25) times the number of
    groups counted — and the target is scaled to match. For talks per member, pass the talks
    per member in the period and the share of the year as `scale`.
    """
    if target is None or value is None:
        return None
    if target.metric != metric:
        raise ValueError(f"target for {target.metric} compared with {metric}")
    return float(value) >= scaled_value(target, scale=scale) - 1e-9
