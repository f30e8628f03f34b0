"""Reads for group pages. Each function makes a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
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
class GroupSummary:
    group: StudyGroup
    organization_name: str
    member_count: int
    session_count: int
    published_count: int
    last_session_at: Any


def group_summaries(user: Any = None) -> list[GroupSummary]:
    """The groups the user can open, with member and session counts, in tree order."""
    visible = authz.visible_groups(user).where(StudyGroup.is_active).subquery()
    # Count only within the visible groups: a member sees 1-2 groups of a site with hundreds.
    visible_ids = sa.select(visible.c.id)
    members = (
        sa.select(GroupMembership.group_id, sa.func.count().label("n"))
        .where(GroupMembership.left_on.is_(None), GroupMembership.group_id.in_(visible_ids))
        .group_by(GroupMembership.group_id)
        .subquery()
    )
    sessions = (
        sa.select(
            StudySession.group_id,
            sa.func.count().label("n"),
            sa.func.count().filter(StudySession.status != SessionStatus.DRAFT).label("published"),
            sa.func.max(StudySession.starts_at).label("last"),
        )
        .where(
            StudySession.status != SessionStatus.CANCELLED,
            StudySession.group_id.in_(visible_ids),
        )
        .group_by(StudySession.group_id)
        .subquery()
    )
    group = sa.orm.aliased(StudyGroup, visible)
    rows = db.session.execute(
        sa.select(
            group,
            Organization.name,
            sa.func.coalesce(members.c.n, 0),
            sa.func.coalesce(sessions.c.n, 0),
            sa.func.coalesce(sessions.c.published, 0),
            sessions.c.last,
        )
        .join(Organization, group.organization_id == Organization.id)
        .outerjoin(members, members.c.group_id == group.id)
        .outerjoin(sessions, sessions.c.group_id == group.id)
        .order_by(Organization.path, group.name)
    ).all()
    return [GroupSummary(*row) for row in rows]


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
