"""Reads for group pages. Each function makes a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from studytrack import authz
from studytrack.extensions import db
from studytrack.models import (
    GroupMembership,
    Organization,
    SessionStatus,
    StudyGroup,
    StudySession,
    User,
)


@dataclass(frozen=True)
class GroupRef:
    """What a list needs to name and link a group."""

    id: int
    name: str


@dataclass(frozen=True)
class GroupSummary:
    group: GroupRef
    organization_name: str
    member_count: int
    session_count: int
    published_count: int
    last_session_at: datetime | None


def group_summaries(user: Any = None) -> list[GroupSummary]:
    """The groups the user can open, with member and session counts, in tree order (one query;
    the counts are correlated subqueries on indexed group ids, so only visible groups are
    counted: a member sees 1-2 groups of a site with hundreds)."""
    rows = db.session.execute(_summaries_statement(authz.visible_groups_condition(user)))
    return [
        GroupSummary(GroupRef(group_id, name), *rest) for group_id, name, *rest in rows
    ]


def _summaries_statement(visible: sa.ColumnElement[bool]) -> sa.Select[Any]:
    of_group = StudySession.group_id == StudyGroup.id
    held = StudySession.status != SessionStatus.CANCELLED

    def counted(*where: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
        return sa.select(sa.func.count()).where(*where).scalar_subquery()

    return (
        sa.select(
            StudyGroup.id,
            StudyGroup.name,
            Organization.name,
            counted(GroupMembership.group_id == StudyGroup.id, GroupMembership.left_on.is_(None)),
            counted(of_group, held),
            counted(of_group, held, StudySession.status != SessionStatus.DRAFT),
            sa.select(sa.func.max(StudySession.starts_at)).where(of_group, held)
            .scalar_subquery(),
        )
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(StudyGroup.is_active, visible)
        .order_by(Organization.path, StudyGroup.name)
    )


def group_members(group: StudyGroup) -> list[GroupMembership]:
    """Current members, leaders first, then in the group's own order."""
    title_order = sa.case({"leader": 0, "deputy": 1}, value=GroupMembership.title, else_=2)
    return list(
        db.session.scalars(
            sa.select(GroupMembership)
            .where(GroupMembership.group_id == group.id, GroupMembership.left_on.is_(None))
            .options(selectinload(GroupMembership.user))
            .join(User, GroupMembership.user_id == User.id)
            .order_by(title_order, GroupMembership.sort_order, User.display_name)
        )
    )


def recent_sessions(group: StudyGroup, include_drafts: bool, limit: int = 10) -> list[StudySession]:
    query = (
        sa.select(StudySession)
        .where(StudySession.group_id == group.id)
        .options(selectinload(StudySession.chair))
        .order_by(StudySession.starts_at.desc())
        .limit(limit)
    )
    if not include_drafts:
        query = query.where(StudySession.status != SessionStatus.DRAFT)
    return list(db.session.scalars(query))
