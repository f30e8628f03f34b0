"""Reads for group pages. Each function makes a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from studytrack import authz
from studytrack.extensions import db
from studytrack.models import (
    GroupMembership,
    Organization,
    StudyGroup,
    StudySession,
    User,
)
from studytrack.paging import RowsPage, rows_page


@dataclass(frozen=True)
class GroupLink:
    """What a list needs to name and link a group."""

    id: int
    name: str


@dataclass(frozen=True)
class GroupSummary:
    group: GroupLink
    organization_name: str
    member_count: int
    held_count: int  # published and closed sessions
    last_session_at: datetime | None  # of the last session held (published or closed)


GROUPS_PER_PAGE = 24  # a page of /groups/ (two cards a row on a desk)
GROUPS_ON_HOME = 6  # the home page shows the first few, and links to the rest


def group_summaries(page: int = 1, per_page: int = GROUPS_PER_PAGE, user: Any = None
                    ) -> RowsPage:
    """A page of the groups the user can open, with member and session counts, in tree order,
    and how many there are (one query; the counts are correlated subqueries on indexed group
    ids, so only the page's groups are counted: a province leader sees hundreds)."""
    visible, values = authz.visible_groups_bound(user)
    return rows_page(_summaries_statement(visible), page, per_page, params=values,
                     make=_summary)


def _summary(row: Any) -> GroupSummary:
    group_id, name, unit, members, held, last, _total = row
    return GroupSummary(GroupLink(group_id, name), unit, members, held, last)


@cache
def _summaries_statement(
    visible: sa.ColumnElement[bool],
) -> sa.Select[int, str, str, int, int, datetime]:
    # Built once per shape of the visibility condition (the home page of every user asks).
    of_group = StudySession.group_id == StudyGroup.id

    def counted(*where: sa.SQLColumnExpression[bool]) -> sa.ScalarSelect[int]:
        return sa.select(sa.func.count()).where(*where).scalar_subquery()

    return (
        sa.select(
            StudyGroup.id,
            StudyGroup.name,
            Organization.name,
            counted(GroupMembership.group_id == StudyGroup.id, GroupMembership.left_on.is_(None)),
            counted(of_group, StudySession.is_held),
            # the last session held, not a draft planned for later
            sa.select(sa.func.max(StudySession.starts_at)).where(of_group, StudySession.is_held)
            .scalar_subquery(),
        )
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(StudyGroup.is_active, visible)
        .order_by(Organization.path, StudyGroup.name, StudyGroup.id)
    )


def group_members(group: StudyGroup) -> list[GroupMembership]:
    """Current members, leaders first, then in the group's own order."""
    return list(
        db.session.scalars(
            sa.select(GroupMembership)
            .where(GroupMembership.group_id == group.id, GroupMembership.left_on.is_(None))
            .options(selectinload(GroupMembership.user))
            .join(User, GroupMembership.user_id == User.id)
            .order_by(*GroupMembership.roster_order(), User.display_name)
        )
    )


def recent_sessions(group: StudyGroup, user: Any = None, limit: int = 10) -> list[StudySession]:
    """The group's latest sessions that `user` (the current user by default) may open."""
    return list(db.session.scalars(
        sa.select(StudySession)
        .join(StudyGroup, StudySession.group_id == StudyGroup.id)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(StudySession.group_id == group.id, authz.visible_sessions_condition(user))
        .options(selectinload(StudySession.chair))
        .order_by(StudySession.starts_at.desc())
        .limit(limit)
    ))
