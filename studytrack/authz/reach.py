"""A user's reach: the groups they are in and the units they lead, read once per request.

Every rule of the policy is answered from the reach and a target's ids, without loading the
target's group or unit: the reach already knows every group and unit below the units the user
leads. For a province's leader that is a few hundred ids, read in the same statement.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.orm import aliased

from studytrack.extensions import db
from studytrack.models import (
    GroupMembership,
    GroupRole,
    LeadershipRole,
    Organization,
    StudyGroup,
    Supervision,
    in_subtree,
)


def lineage(path: str) -> list[int]:
    """The ids of a unit's path ("/1/4/9/"), from the root down to the unit itself."""
    return [int(part) for part in path.strip("/").split("/") if part]


@dataclass(frozen=True)
class Reach:
    """Everything about a user that the rules read."""

    user_id: int
    is_admin: bool = False
    group_roles: Mapping[int, GroupRole] = field(default_factory=dict)  # current memberships
    group_units: Mapping[int, int] = field(default_factory=dict)  # those groups' units
    led_paths: tuple[str, ...] = ()  # the units led, as paths (for SQL conditions)
    led_units: frozenset[int] = frozenset()  # every unit at or below a unit led
    led_groups: frozenset[int] = frozenset()  # every group of those units
    member_lineage: frozenset[int] = frozenset()  # units at or above the user's groups' units
    leader_lineage: frozenset[int] = frozenset()  # units at or above the units led
    supervised_sessions: frozenset[int] = frozenset()  # sessions attended as a supervisor

    @classmethod
    def of(
        cls, user_id: int, is_admin: bool = False, *,
        memberships: Iterable[tuple[int, GroupRole, int, str]] = (),
        led: Iterable[tuple[int, str]] = (),
        led_groups: Iterable[int] = (),
        supervised: Iterable[int] = (),
    ) -> Reach:
        """Built from (group id, role, unit id, unit path) per membership, (unit id, path) per
        unit at or below one led, and the groups of those units."""
        memberships, led = list(memberships), list(led)
        led_paths = {path for _, path in led}
        return cls(
            user_id=user_id,
            is_admin=is_admin,
            group_roles={group_id: role for group_id, role, _, _ in memberships},
            group_units={group_id: unit_id for group_id, _, unit_id, _ in memberships},
            led_paths=_tops(led_paths),
            led_units=frozenset(unit_id for unit_id, _ in led),
            led_groups=frozenset(led_groups),
            member_lineage=frozenset(i for *_, path in memberships for i in lineage(path)),
            leader_lineage=frozenset(i for _, path in led for i in lineage(path)),
            supervised_sessions=frozenset(supervised),
        )

    def role_in(self, group_id: int) -> GroupRole | None:
        return self.group_roles.get(group_id)

    def leads_group(self, group_id: int) -> bool:
        return group_id in self.led_groups

    def leads_unit(self, unit_id: int) -> bool:
        return unit_id in self.led_units

    @property
    def leads_anywhere(self) -> bool:
        return bool(self.led_units)


def _tops(paths: Iterable[str]) -> tuple[str, ...]:
    """The tops of the subtrees: the paths no other one is a prefix of, in order. Sorted, a
    unit's descendants follow it, so one pass does (a province leader leads 300 units)."""
    tops: list[str] = []
    for path in sorted(paths):
        if not tops or not path.startswith(tops[-1]):
            tops.append(path)
    return tuple(tops)


# Kinds of the rows of the reach statement.
_MEMBERSHIP, _LED_UNIT, _LED_GROUP, _SUPERVISED = 0, 1, 2, 3


@cache
def _reach_statement() -> sa.CompoundSelect[*tuple[Any, ...]]:
    """The user's current memberships, the units at or below those they lead, the groups of
    those units, and the sessions they attend as a supervisor: one statement (built once;
    every page asks)."""
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    led, below = aliased(Organization), aliased(Organization)
    led_subtree = (
        sa.select(below.id, below.path)
        .select_from(LeadershipRole)
        .join(led, LeadershipRole.organization_id == led.id)
        .join(below, in_subtree(below.path, led.path))
        .where(LeadershipRole.user_id == user_id)
        .subquery()
    )
    return sa.union_all(
        sa.select(
            sa.literal_column(str(_MEMBERSHIP)), GroupMembership.group_id, GroupMembership.role,
            StudyGroup.organization_id, Organization.path,
        )
        .join(StudyGroup, GroupMembership.group_id == StudyGroup.id)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(GroupMembership.user_id == user_id, GroupMembership.left_on.is_(None)),
        sa.select(
            sa.literal_column(str(_LED_UNIT)), sa.null(), sa.null(),
            led_subtree.c.id, led_subtree.c.path,
        ),
        sa.select(
            sa.literal_column(str(_LED_GROUP)), StudyGroup.id, sa.null(),
            StudyGroup.organization_id, sa.null(),
        ).join(led_subtree, StudyGroup.organization_id == led_subtree.c.id),
        sa.select(
            sa.literal_column(str(_SUPERVISED)), Supervision.session_id, sa.null(), sa.null(),
            sa.null(),
        ).where(Supervision.supervisor_id == user_id),
    )


def load_reach(user_id: int, is_admin: bool) -> Reach:
    rows = db.session.execute(_reach_statement(), {"user_id": user_id}).all()
    return Reach.of(
        user_id, is_admin,
        memberships=[
            (group_id, GroupRole(role), unit_id, path)
            for kind, group_id, role, unit_id, path in rows if kind == _MEMBERSHIP
        ],
        led=[(unit_id, path) for kind, _, _, unit_id, path in rows if kind == _LED_UNIT],
        led_groups=[group_id for kind, group_id, *_ in rows if kind == _LED_GROUP],
        supervised=[session_id for kind, session_id, *_ in rows if kind == _SUPERVISED],
    )


def reach_of(user: Any) -> Reach | None:
    """The reach of `user` (None when not logged in), read once per request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not has_request_context():
        return load_reach(user.id, bool(user.is_admin))
    known: dict[int, Reach] = g.setdefault("authz_reach", {})
    if user.id not in known:
        known[user.id] = load_reach(user.id, bool(user.is_admin))
    return known[user.id]


def forget_reach() -> None:
    """Call after changing someone's memberships or leadership roles within a request."""
    if has_request_context():
        g.pop("authz_reach", None)
