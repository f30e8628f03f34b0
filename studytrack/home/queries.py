"""Reads for the landing pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from studytrack import authz
from studytrack.extensions import db
from studytrack.models import GroupMembership, Organization, StudyGroup, User


@dataclass(frozen=True)
class UnitRow:
    organization: Organization
    depth: int
    group_count: int


def units_led(user: Any) -> list[UnitRow]:
    """Every unit the user leads and every unit below, in tree order, with group counts."""
    reach = authz.reach_of(user)
    if reach is None or not reach.leadership_paths:
        return []
    groups = (
        sa.select(StudyGroup.organization_id, sa.func.count().label("n"))
        .where(StudyGroup.is_active)
        .group_by(StudyGroup.organization_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Organization, sa.func.coalesce(groups.c.n, 0))
        .outerjoin(groups, groups.c.organization_id == Organization.id)
        .where(sa.or_(*[Organization.path.startswith(p) for p in reach.leadership_paths]))
        .order_by(Organization.path)
    ).all()
    top = min(org.depth for org, _ in rows) if rows else 0
    return [UnitRow(org, org.depth - top, n) for org, n in rows]


@dataclass(frozen=True)
class SiteCounts:
    organizations: int
    groups: int
    users: int
    memberships: int


def site_counts() -> SiteCounts:
    def count(model: Any) -> sa.ScalarSelect[int]:
        return sa.select(sa.func.count()).select_from(model).scalar_subquery()

    row = db.session.execute(
        sa.select(count(Organization), count(StudyGroup), count(User), count(GroupMembership))
    ).one()
    return SiteCounts(*row)
