"""Reads for the administration pages. Each function makes a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import contains_eager, selectinload

from studytrack.extensions import db
from studytrack.models import (
    GroupMembership,
    LeadershipRole,
    Organization,
    StudyGroup,
    User,
)
from studytrack.paging import KeysetPage, RowsPage, keyset_page, rows_page, slice_page
from studytrack.pickers import People, every_word_in

USERS_PER_PAGE = 25

T = TypeVar("T")


# --- the overview ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AdminCounts:
    organizations: int
    active_organizations: int
    groups: int
    active_groups: int
    users: int
    active_users: int
    memberships: int
    leadership_roles: int


def admin_counts() -> AdminCounts:
    """Every number on the administration index, in one query."""

    def count(model: Any, *where: sa.SQLColumnExpression[bool]) -> sa.ScalarSelect[int]:
        return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()

    row = db.session.execute(
        sa.select(
            count(Organization),
            count(Organization, Organization.is_active),
            count(StudyGroup),
            count(StudyGroup, StudyGroup.is_active),
            count(User),
            count(User, User.active),
            count(GroupMembership, GroupMembership.left_on.is_(None)),
            count(LeadershipRole),
        )
    ).one()
    return AdminCounts(*row)


# --- the organisation tree ----------------------------------------------------------------


def tree_order(
    items: Iterable[T], key: Callable[[T], Organization | UnitOption]
) -> list[tuple[T, int]]:
    """`items` in depth-first tree order (siblings by sort order, then id), with their depth.

    Units whose parent is not among the items are treated as roots.
    """
    items = list(items)
    ids = {key(item).id for item in items}
    children: dict[int | None, list[T]] = defaultdict(list)
    for item in items:
        parent_id = key(item).parent_id
        children[parent_id if parent_id in ids else None].append(item)
    for siblings in children.values():
        siblings.sort(key=lambda item: (key(item).sort_order, key(item).id))

    ordered: list[tuple[T, int]] = []
    stack = [(item, 0) for item in reversed(children[None])]
    while stack:
        item, depth = stack.pop()
        ordered.append((item, depth))
        stack.extend((child, depth + 1) for child in reversed(children[key(item).id]))
    return ordered


@dataclass(frozen=True)
class UnitRow:
    organization: Organization
    depth: int
    group_count: int
    leader_count: int


UNITS_PER_PAGE = 50


def organization_tree(page: int = 1, per_page: int = UNITS_PER_PAGE) -> Pagination:
    """A page of the units in tree order, with their numbers of study groups and leaders: the
    order comes from every unit's id, parent and sort order (one light statement); only the
    page's units are loaded and counted (one more)."""

    def load(options: Sequence[UnitOption]) -> list[UnitRow]:
        groups = sa.select(sa.func.count()).where(StudyGroup.organization_id == Organization.id)
        leaders = sa.select(sa.func.count()).where(
            LeadershipRole.organization_id == Organization.id
        )
        rows = db.session.execute(
            sa.select(Organization, groups.scalar_subquery(), leaders.scalar_subquery())
            .where(Organization.id.in_([option.id for option in options]))
        ).all()
        found = {org.id: (org, n_groups, n_leaders) for org, n_groups, n_leaders in rows}
        return [UnitRow(found[o.id][0], o.depth, *found[o.id][1:]) for o in options]

    return slice_page(unit_options(), page, per_page, load)


@dataclass(frozen=True)
class UnitOption:
    """What a select of units needs, without loading whole rows."""

    id: int
    parent_id: int | None
    name: str
    sort_order: int
    is_active: bool
    depth: int = 0


def unit_options() -> list[UnitOption]:
    """Every unit in tree order, for the parent and unit selects."""
    rows = db.session.execute(
        sa.select(
            Organization.id,
            Organization.parent_id,
            Organization.name,
            Organization.sort_order,
            Organization.is_active,
        )
    ).all()
    options = [UnitOption(*row) for row in rows]
    return [
        UnitOption(o.id, o.parent_id, o.name, o.sort_order, o.is_active, depth)
        for o, depth in tree_order(options, key=lambda o: o)
    ]


@dataclass(frozen=True)
class UnitDetail:
    ancestors: list[Organization]
    children: list[Organization]
    groups: list[GroupRow]
    leaders: list[LeadershipRole]


def unit_detail(org: Organization) -> UnitDetail:
    """A unit's page: where it sits, the units below it, its groups and its leaders."""
    ancestors = list(
        db.session.scalars(
            sa.select(Organization)
            .where(Organization.id.in_(org.ancestor_ids[:-1]))
            .order_by(Organization.path)
        )
    )
    children = list(
        db.session.scalars(
            sa.select(Organization)
            .where(Organization.parent_id == org.id)
            .order_by(Organization.sort_order, Organization.id)
        )
    )
    leaders = list(
        db.session.scalars(
            sa.select(LeadershipRole)
            .join(LeadershipRole.user)
            .options(contains_eager(LeadershipRole.user))
            .where(LeadershipRole.organization_id == org.id)
            .order_by(User.display_name, User.id)
        )
    )
    return UnitDetail(ancestors, children, group_rows(org.id), leaders)


# --- study groups ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupRow:
    group: StudyGroup
    organization_name: str
    member_count: int


GROUPS_PER_PAGE = 50


def group_page(organization_id: int | None = None, page: int = 1,
               per_page: int = GROUPS_PER_PAGE) -> RowsPage:
    """A page of the study groups (of one unit, or all), with the total (one statement)."""
    return rows_page(_group_rows(organization_id), page, per_page,
                     make=lambda row: GroupRow(*row[:3]))


def group_rows(organization_id: int) -> list[GroupRow]:
    """Every study group of one unit (a unit has a few), for the unit's page."""
    return [GroupRow(*row) for row in db.session.execute(_group_rows(organization_id)).all()]


def _group_rows(organization_id: int | None) -> sa.Select[StudyGroup, str, int]:
    """Study groups with their unit's name and current member count, by unit then name; the
    members are counted for the rows read only."""
    members = (
        sa.select(sa.func.count())
        .where(GroupMembership.group_id == StudyGroup.id, GroupMembership.left_on.is_(None))
        .scalar_subquery()
    )
    query = (
        sa.select(StudyGroup, Organization.name, members)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .order_by(Organization.path, StudyGroup.name, StudyGroup.id)
    )
    if organization_id is not None:
        query = query.where(StudyGroup.organization_id == organization_id)
    return query


@dataclass(frozen=True)
class GroupMembers:
    current: list[GroupMembership]
    former: list[GroupMembership]


def group_members(group: StudyGroup) -> GroupMembers:
    """Everyone who is or was in the group: leaders first, then the group's own order."""
    memberships = db.session.scalars(
        sa.select(GroupMembership)
        .join(GroupMembership.user)
        .options(contains_eager(GroupMembership.user))
        .where(GroupMembership.group_id == group.id)
        .order_by(*GroupMembership.roster_order(), User.display_name, User.id)
    ).all()
    return GroupMembers(
        current=[m for m in memberships if m.left_on is None],
        former=[m for m in memberships if m.left_on is not None],
    )


# --- accounts -------------------------------------------------------------------------------


def member_candidates(group: StudyGroup) -> People:
    """Whom the group's "add a member" picker offers: any active account; those not in the
    group now are listed."""
    current = sa.select(GroupMembership.user_id).where(
        GroupMembership.group_id == group.id, GroupMembership.left_on.is_(None)
    )
    return People(listed_if=(User.id.not_in(current),), logins=True)


def leader_candidates(organization: Organization) -> People:
    """Whom the unit's "grant leadership" picker offers: any active account; those not
    leading the unit yet are listed."""
    leading = sa.select(LeadershipRole.user_id).where(
        LeadershipRole.organization_id == organization.id
    )
    return People(listed_if=(User.id.not_in(leading),), logins=True)


def user_page(search: str = "", status: str = "", *, after: int | None = None,
              before: int | None = None) -> KeysetPage:
    """A page of accounts by name (then login), starting after the account of id `after` or
    ending before the one of id `before` (keyset: page 400 costs what page 1 does, through
    the index on the two). Every word of `search` is part of the login or display name, so a
    single Chinese character finds every name that contains it."""
    query = sa.select(User).options(selectinload(User.organization))
    query = query.where(*every_word_in(search, [User.username, User.display_name]))
    if status in ("active", "inactive"):
        query = query.where(User.active.is_(status == "active"))
    return keyset_page(query, (User.display_name, User.username), User.id, USERS_PER_PAGE,
                       after=after, before=before)


@dataclass(frozen=True)
class MembershipRow:
    membership: GroupMembership
    group: StudyGroup
    organization_name: str


@dataclass(frozen=True)
class UserDetail:
    memberships: list[MembershipRow]
    leadership_roles: list[LeadershipRole]


def user_detail(user: User) -> UserDetail:
    """A person's groups (current first) and the units they lead."""
    rows = db.session.execute(
        sa.select(GroupMembership, StudyGroup, Organization.name)
        .join(StudyGroup, GroupMembership.group_id == StudyGroup.id)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(GroupMembership.user_id == user.id)
        .order_by(GroupMembership.left_on.is_not(None), Organization.path, StudyGroup.name)
    ).all()
    roles = db.session.scalars(
        sa.select(LeadershipRole)
        .join(LeadershipRole.organization)
        .options(contains_eager(LeadershipRole.organization))
        .where(LeadershipRole.user_id == user.id)
        .order_by(Organization.path)
    ).all()
    return UserDetail([MembershipRow(*row) for row in rows], list(roles))


# --- helpers --------------------------------------------------------------------------------


def _count_by(column: Any, *where: sa.ColumnElement[bool]) -> sa.Subquery:
    """(key, n): how many rows each value of `column` has."""
    return (
        sa.select(column.label("key"), sa.func.count().label("n"))
        .where(*where)
        .group_by(column)
        .subquery()
    )

