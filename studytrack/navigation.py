"""The main navigation, by role. Each area adds its entry here when it is built."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from studytrack.authz import Role
from studytrack.i18n import current_locale


@dataclass(frozen=True)
class NavItem:
    key: str
    endpoint: str
    label: Any
    icon: str
    roles: frozenset[Role]  # shown to anyone holding one of these roles anywhere
    prefix: str = ""  # endpoints starting with this mark the item active


EVERYONE = frozenset(Role)

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


@dataclass(frozen=True)
class NavLink:
    """An entry of the menu as shown: its label in the request's language."""

    key: str
    endpoint: str
    label: str
    icon: str
    prefix: str


_MENUS: dict[tuple[Any, frozenset[Role]], tuple[NavLink, ...]] = {}


def navigation_for(roles: Iterable[Role]) -> tuple[NavLink, ...]:
    """The menu of someone holding `roles`, in the request's language: built once per
    language and set of roles (every page shows it; its labels are lazy strings, each a
    catalogue look-up when shown)."""
    held = frozenset(roles)
    key = (current_locale(), held)
    menu = _MENUS.get(key)
    if menu is None:
        menu = tuple(
            NavLink(item.key, item.endpoint, str(item.label), item.icon, item.prefix)
            for item in NAVIGATION if item.roles & held or item.roles == EVERYONE
        )
        if key[0] is not None:  # outside a request there is no language to keep it for
            _MENUS[key] = menu
    return menu
