"""The main navigation, by role. Each area adds its entry here when it is built."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from studytrack.authz import Role


@dataclass(frozen=True)
class NavItem:
    key: str
    endpoint: str
    label: Any
    icon: str
    roles: frozenset[Role] | None  # shown to anyone holding one of these roles anywhere
    prefix: str = ""  # endpoints starting with this mark the item active


EVERYONE = None  # every logged-in person, whether or not they hold a role anywhere

NAVIGATION: tuple[NavItem, ...] = (
    NavItem("home", "home.index", _l("Home"), "house", EVERYONE, "home.index"),
    NavItem("groups", "groups.index", _l("Study groups"), "people",
            frozenset({Role.ADMIN, Role.SECRETARY, Role.MEMBER, Role.LEADER}), "groups."),
    NavItem("materials", "materials.index", _l("Materials"), "journal-text",
            frozenset({Role.ADMIN, Role.SECRETARY, Role.MEMBER, Role.LEADER}), "materials."),
    NavItem("tasks", "followups.my_tasks", _l("My tasks"), "check2-square", EVERYONE,
            "followups."),
    NavItem("dashboard", "dashboard.index", _l("Dashboard"), "speedometer2",
            frozenset({Role.LEADER, Role.ADMIN}), "dashboard."),
    NavItem("admin", "admin.index", _l("Administration"), "gear",
            frozenset({Role.ADMIN}), "admin."),
)


def navigation_for(roles: Iterable[Role]) -> list[NavItem]:
    """The menu of someone holding `roles`."""
    held = frozenset(roles)
    return [item for item in NAVIGATION if item.roles is EVERYONE or item.roles & held]
