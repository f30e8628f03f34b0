"""Reads for the dashboard pages, each a fixed number of queries whatever the tree's size.

A unit's page needs: the unit, its ancestors (for the breadcrumb), its child units and the
study groups of the unit and of each child (the drill-down links) — one query, below — then the
figures and the two monthly series (metrics.unit_overview: three queries) and the targets (one
query).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from studytrack import authz
from studytrack.dashboard import metrics
from studytrack.dashboard.measures import MEASURES, Cell, cells
from studytrack.dashboard.metrics import Figures, Month, Period
from studytrack.extensions import db
from studytrack.models import Organization, StudyGroup, TargetMetric, in_subtree
from studytrack.plans.targets import EffectiveTarget, effective_targets_for


@dataclass
class UnitTree:
    """A unit with its ancestors and children, and the groups of it and of each child."""

    unit: Organization
    ancestors: list[Organization]  # from the root down, the unit itself excluded
    children: dict[int, Organization]
    groups: dict[int, list[StudyGroup]] = field(default_factory=dict)  # by organization id


def _start_condition(reach: authz.Reach, org: type[Organization]) -> sa.ColumnElement[bool]:
    if reach.is_admin:
        return org.parent_id.is_(None)
    return org.path.in_(reach.led_paths)


def top_units(user: Any) -> tuple[list[Organization], dict[int, UnitTree]]:
    """The units a dashboard starts from — for an administrator the roots of the tree, for a
    leader the units they lead (those below another unit they lead left out) — each with its
    children and the groups of both (for its page). One query.

    A starting unit's page shows no breadcrumb: nothing above it is within the user's reach
    (an administrator's roots have nothing above them)."""
    reach = authz.reach_of(user)
    if reach is None or not (reach.is_admin or reach.led_paths):
        return [], {}
    parent = aliased(Organization)
    group = aliased(StudyGroup)
    rows = db.session.execute(
        sa.select(Organization, group)
        .outerjoin(parent, Organization.parent_id == parent.id)
        .outerjoin(group, group.organization_id == Organization.id)
        .where(sa.or_(_start_condition(reach, Organization), _start_condition(reach, parent)))
        .order_by(
            Organization.sort_order, Organization.name, Organization.id,
            group.is_active.desc(), group.name, group.id,
        )
    ).all()
    starts = [
        org for org in dict.fromkeys(org for org, _ in rows)
        if (org.parent_id is None if reach.is_admin else org.path in reach.led_paths)
    ]
    paths = [org.path for org in starts]
    starts = [
        org for org in starts
        if not any(org.path != path and org.path.startswith(path) for path in paths)
    ]
    trees = {
        org.id: UnitTree(
            unit=org,
            ancestors=[],
            children={o.id: o for o, _ in rows if o.parent_id == org.id},
            groups=_groups(rows, {org.id} | {o.id for o, _ in rows if o.parent_id == org.id}),
        )
        for org in starts
    }
    return starts, trees


def _groups(
    rows: Any, org_ids: set[int]
) -> dict[int, list[StudyGroup]]:
    groups: dict[int, list[StudyGroup]] = {}
    for org, study_group in rows:
        if study_group is not None and org.id in org_ids:
            groups.setdefault(org.id, []).append(study_group)
    return groups


def unit_tree(org_id: int) -> UnitTree | None:
    """One query: the unit, every unit above it and every unit directly below it, with the
    study groups of the unit and its children (joined in the same statement)."""
    wanted = aliased(Organization)
    is_ancestor = (
        sa.select(wanted.id)
        .where(wanted.id == org_id, in_subtree(wanted.path, Organization.path))
        .exists()
    )
    group = aliased(StudyGroup)
    rows = db.session.execute(
        sa.select(Organization, group)
        .outerjoin(
            group,
            sa.and_(
                group.organization_id == Organization.id,
                sa.or_(Organization.id == org_id, Organization.parent_id == org_id),
            ),
        )
        .where(sa.or_(Organization.id == org_id, Organization.parent_id == org_id, is_ancestor))
        .order_by(group.is_active.desc(), group.name, group.id)
    ).all()
    units = {org.id: org for org, _ in rows}
    unit = units.get(org_id)
    if unit is None:
        return None
    groups = _groups(rows, set(units))
    ancestor_ids = unit.ancestor_ids[:-1]
    return UnitTree(
        unit=unit,
        ancestors=[units[i] for i in ancestor_ids if i in units],
        children={org.id: org for org in units.values() if org.parent_id == org_id},
        groups=groups,
    )


@dataclass(frozen=True)
class Row:
    """One row of the units table."""

    unit: Organization
    own_groups: bool
    figures: Figures
    cells: dict[str, Cell]
    targets: dict[TargetMetric, EffectiveTarget]
    groups: list[StudyGroup]  # the row's unit's own study groups (drill-down links)


@dataclass(frozen=True)
class Dashboard:
    tree: UnitTree
    period: Period
    figures: Figures
    headline: dict[str, Cell]
    targets: dict[TargetMetric, EffectiveTarget]
    rows: list[Row]
    months: list[Month]  # month, held, seminars, attendance rate

    @property
    def unit(self) -> Organization:
        return self.tree.unit


def dashboard(tree: UnitTree, period: Period) -> Dashboard:
    """Every figure of a unit's page: headline (the sum of the rows, which by the metrics'
    contract equals figures_for_unit), the rows, the targets and the months."""
    unit = tree.unit
    unit_rows, months = metrics.unit_overview(unit, period)
    total = sum((row.figures for row in unit_rows), Figures())
    targets_by_unit = effective_targets_for([unit, *(r.unit for r in unit_rows)])
    targets = targets_by_unit.get(unit.id, {})
    rows = [
        Row(
            unit=row.unit,
            own_groups=row.own_groups,
            figures=row.figures,
            cells=cells(row.figures, period, targets_by_unit.get(row.unit.id, {})),
            targets=targets_by_unit.get(row.unit.id, {}),
            groups=tree.groups.get(row.unit.id, []),
        )
        for row in unit_rows
    ]
    return Dashboard(
        tree=tree, period=period, figures=total, headline=cells(total, period, targets),
        targets=targets, rows=rows, months=months,
    )


def sort_rows(rows: list[Row], key: str | None, descending: bool) -> list[Row]:
    """Rows by a column ("name" or a measure key); rows without a value last either way.
    Anything else keeps the tree's order."""
    if key == "name":
        return sorted(rows, key=lambda r: r.unit.name, reverse=descending)
    if key not in {m.key for m in MEASURES}:
        return list(rows)  # the tree's order
    with_value = [r for r in rows if r.cells[key].sort_key is not None]
    without = [r for r in rows if r.cells[key].sort_key is None]
    with_value.sort(key=lambda r: r.cells[key].sort_key or 0.0, reverse=descending)
    return with_value + without

