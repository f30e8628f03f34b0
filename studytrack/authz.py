"""Who may do what: the role -> permission map and every permission check.

Roles are held *relative to an object*: a person is a secretary of one group, a member of
another, and a leader of a unit (and so of every unit and group below it). `roles_for(user, obj)`
answers which roles apply to that object; `can()` looks the permission up in PERMISSIONS. Routes
load objects through the `*_or_404` loaders first (what the user cannot reach at all answers 404),
then `require()` a permission (403). Templates call the same `can()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort, g, has_request_context
from flask_login import current_user
from sqlalchemy.orm import joinedload

from studytrack import reads
from studytrack.extensions import db
from studytrack.models import (
    FollowUpTask,
    GroupMembership,
    GroupRole,
    LeadershipRole,
    Material,
    Organization,
    Reflection,
    ReflectionStatus,
    SessionStatus,
    StudyGroup,
    StudySession,
    User,
)


class Role(StrEnum):
    ADMIN = "admin"
    SECRETARY = "secretary"
    MEMBER = "member"
    LEADER = "leader"
    ASSIGNEE = "assignee"  # the person a follow-up task is assigned to
    AUTHOR = "author"  # the member who writes a reflection


# The one place that says what each role may do. Keep permission names "<object>.<verb>".
PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset({
        "admin.manage",
        "group.view", "group.view_records",
        "session.view", "session.view_draft", "session.create", "session.edit",
        "session.reopen",
        "material.view", "material.edit",
        "task.view", "task.manage", "task.progress",
        "reflection.view", "reflection.review",
        "report.view", "report.export", "archive.export",
        "audit.view",
        "dashboard.view",
        "plan.view", "plan.edit", "target.edit",
        "record.view",
    }),
    Role.SECRETARY: frozenset({
        "group.view", "group.view_records",
        "session.view", "session.view_draft", "session.create", "session.edit",
        "session.reopen",
        "material.view", "material.edit",
        "task.view", "task.manage", "task.progress",
        "reflection.view", "reflection.review",
        "report.view", "report.export", "archive.export",
        "audit.view",
        "plan.view", "plan.edit",
        "record.view",
    }),
    Role.MEMBER: frozenset({
        "group.view",
        "session.view",
        "material.view",
        "task.view",
        "reflection.write",  # on a session: may write one's own reflection for it
        "report.view", "report.export",
        "plan.view",
        "record.view",  # on a User: their own yearly record
    }),
    Role.LEADER: frozenset({
        "group.view", "group.view_records",
        "session.view",
        "material.view",
        "task.view",
        "reflection.view",
        "report.view", "report.export", "archive.export",
        "dashboard.view",
        "plan.view", "target.edit",
        "record.view",
    }),
    Role.ASSIGNEE: frozenset({
        "task.view", "task.progress",
    }),
    Role.AUTHOR: frozenset({
        "reflection.view", "reflection.write",
    }),
}


@dataclass(frozen=True)
class Reach:
    """Everything about a user that permission checks need, loaded in two queries per request."""

    user_id: int
    is_admin: bool
    group_roles: dict[int, GroupRole] = field(default_factory=dict)
    group_paths: dict[int, str] = field(default_factory=dict)  # group id -> its unit's path
    leadership_paths: tuple[str, ...] = ()

    def leads(self, org_path: str) -> bool:
        return any(org_path.startswith(path) for path in self.leadership_paths)


@cache
def _reach_statement() -> sa.CompoundSelect:
    """One statement, built once (every page asks): the user's current memberships, then the
    units they lead (rows without a group)."""
    user_id = sa.bindparam("user_id")
    return sa.union_all(
        sa.select(GroupMembership.group_id, GroupMembership.role, Organization.path)
        .join(StudyGroup, GroupMembership.group_id == StudyGroup.id)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(GroupMembership.user_id == user_id, GroupMembership.left_on.is_(None)),
        sa.select(sa.null(), sa.null(), Organization.path)
        .join(LeadershipRole, LeadershipRole.organization_id == Organization.id)
        .where(LeadershipRole.user_id == user_id),
    )


def reach_of(user: Any) -> Reach | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    cache: dict[int, Reach] | None = None
    if has_request_context():
        cache = g.setdefault("authz_reach", {})
        if user.id in cache:
            return cache[user.id]
    rows = reads.columns(_reach_statement(), {"user_id": user.id}).all()
    group_roles = {group_id: role for group_id, role, _ in rows if group_id is not None}
    group_paths = {group_id: path for group_id, _, path in rows if group_id is not None}
    paths = tuple(path for group_id, _, path in rows if group_id is None)
    result = Reach(user.id, bool(user.is_admin), group_roles, group_paths, paths)
    if cache is not None:
        cache[user.id] = result
    return result


def forget_reach() -> None:
    """Call after changing someone's memberships or leadership roles within a request."""
    if has_request_context():
        g.pop("authz_reach", None)


def roles_for(user: Any, obj: Any = None) -> set[Role]:
    """The roles `user` holds with respect to `obj`, or anywhere at all when obj is None."""
    reach = reach_of(user)
    if reach is None:
        return set()
    roles: set[Role] = {Role.ADMIN} if reach.is_admin else set()
    if obj is None:
        roles.update(Role(r.value) for r in reach.group_roles.values())
        if reach.leadership_paths:
            roles.add(Role.LEADER)
        return roles
    if isinstance(obj, Reflection):
        # Fellow members do not get a member's rights over someone else's reflection.
        roles.update(roles_for(user, obj.session) - {Role.MEMBER})
        if obj.author_id == reach.user_id:
            roles.add(Role.AUTHOR)
        return roles
    if isinstance(obj, FollowUpTask):
        if obj.assignee_id == reach.user_id:
            roles.add(Role.ASSIGNEE)
        obj = obj.session
    if isinstance(obj, StudySession):
        obj = obj.group
    if isinstance(obj, Material):
        roles.update(_library_roles(reach, obj.organization.path))
    elif isinstance(obj, StudyGroup):
        if (group_role := reach.group_roles.get(obj.id)) is not None:
            roles.add(Role(group_role.value))
        if reach.leads(obj.organization.path):
            roles.add(Role.LEADER)
    elif isinstance(obj, Organization):
        if reach.leads(obj.path):
            roles.add(Role.LEADER)
        roles.update(
            Role(role.value)
            for group_id, role in reach.group_roles.items()
            if reach.group_paths[group_id] == obj.path
        )
    elif isinstance(obj, User):
        roles.update(_person_roles(reach, obj))
    return roles


def _person_roles(reach: Reach, person: User) -> set[Role]:
    """A person's yearly record: they read their own; the secretaries of any group they are
    (or were) in, and leaders above those groups, read it too."""
    if person.id == reach.user_id:
        return {Role.MEMBER}
    if not reach.group_roles and not reach.leadership_paths:
        return set()
    rows = db.session.execute(
        sa.select(GroupMembership.group_id, Organization.path)
        .join(StudyGroup, GroupMembership.group_id == StudyGroup.id)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(GroupMembership.user_id == person.id)
    ).all()
    roles: set[Role] = set()
    for group_id, path in rows:
        if reach.group_roles.get(group_id) == GroupRole.SECRETARY:
            roles.add(Role.SECRETARY)
        if reach.leads(path):
            roles.add(Role.LEADER)
    return roles


def _library_roles(reach: Reach, org_path: str) -> set[Role]:
    """A unit's materials library: its own groups' secretaries keep it; every group of the
    unit or below may read and use it; leaders at, above or below the unit read it (a college's
    leader studies the university's materials too)."""
    leads_here_or_below = any(path.startswith(org_path) for path in reach.leadership_paths)
    roles: set[Role] = {Role.LEADER} if reach.leads(org_path) or leads_here_or_below else set()
    for group_id, role in reach.group_roles.items():
        group_path = reach.group_paths[group_id]
        if group_path == org_path:
            roles.add(Role(role.value))
        elif group_path.startswith(org_path):
            roles.add(Role.MEMBER)
    return roles


# Rules that depend on the object's state as well as the role.
def _session_visible(role: Role, session: StudySession) -> bool:
    """Drafts are the secretary's own; so is a session cancelled before it was ever published."""
    unpublished = session.status == SessionStatus.DRAFT or (
        session.status == SessionStatus.CANCELLED and session.published_at is None
    )
    return not unpublished or "session.view_draft" in PERMISSIONS[role]


def _session_editable(session: Any) -> bool:
    """A closed (or cancelled) record is locked until a secretary reopens it."""
    return not isinstance(session, StudySession) or session.status in EDITABLE_SESSION_STATUSES


EDITABLE_SESSION_STATUSES = frozenset({SessionStatus.DRAFT, SessionStatus.PUBLISHED})

WRITABLE_REFLECTION_STATUSES = frozenset({ReflectionStatus.DRAFT, ReflectionStatus.RETURNED})


def _reflection_writable(obj: Any) -> bool:
    """Reflections are written while the session is published; a submitted one is read-only
    until the secretary returns it."""
    if isinstance(obj, Reflection):
        return obj.status in WRITABLE_REFLECTION_STATUSES and _reflection_writable(obj.session)
    return not isinstance(obj, StudySession) or obj.status == SessionStatus.PUBLISHED


STATE_RULES: dict[str, Callable[[Role, Any], bool]] = {
    "reflection.write": lambda role, obj: _reflection_writable(obj),
    "session.view": lambda role, obj: not isinstance(obj, StudySession)
    or _session_visible(role, obj),
    "session.edit": lambda role, obj: _session_editable(obj),
    "session.reopen": lambda role, obj: not isinstance(obj, StudySession)
    or obj.status == SessionStatus.CLOSED,
}


def can(permission: str, obj: Any = None, user: Any = None) -> bool:
    user = current_user if user is None else user
    rule = STATE_RULES.get(permission)
    return any(
        permission in PERMISSIONS[role] and (rule is None or rule(role, obj))
        for role in roles_for(user, obj)
    )


def require(permission: str, obj: Any = None) -> None:
    """Abort with 403 unless the current user has `permission` on `obj`."""
    if not can(permission, obj):
        abort(403)


F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: str) -> Callable[[F], F]:
    """Decorator for routes whose permission does not depend on a loaded object."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from studytrack.extensions import login_manager

                return login_manager.unauthorized()
            require(permission)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


# Loaders: objects outside what the user can reach answer 404, never 403.
# The unit comes with the object: every check needs its path (one statement, not three).
@cache
def _group_with_unit() -> sa.Select[tuple[StudyGroup]]:
    # Built once (a select with a bound id costs half of `session.get()` with options).
    return (
        sa.select(StudyGroup)
        .where(StudyGroup.id == sa.bindparam("id"))
        .options(joinedload(StudyGroup.organization))
    )


@cache
def _session_with_group() -> sa.Select[tuple[StudySession]]:
    return (
        sa.select(StudySession)
        .where(StudySession.id == sa.bindparam("id"))
        .options(joinedload(StudySession.group).joinedload(StudyGroup.organization))
    )


def _loaded_or(statement: sa.Select[Any], entity: type, id_: int) -> Any:
    """The object the request already holds, else one read by `statement` (a select by :id
    built once: half the cost of `session.get()` with loader options)."""
    if db.session.identity_key(entity, id_) in db.session.identity_map:
        return db.session.get(entity, id_)
    return db.session.scalars(statement, {"id": id_}).first()


def group_or_404(group_id: int) -> StudyGroup:
    """The group with its unit (what the checks read), if the user may see it; else 404."""
    group = _loaded_or(_group_with_unit(), StudyGroup, group_id)
    if group is None or not can("group.view", group):
        abort(404)
    return group  # type: ignore[no-any-return]


def session_or_404(session_id: int) -> StudySession:
    """The session with its group and unit, if the user may see it; else 404."""
    session = _loaded_or(_session_with_group(), StudySession, session_id)
    if session is None or not can("session.view", session):
        abort(404)
    return session  # type: ignore[no-any-return]


def visible_groups_condition(user: Any = None) -> tuple[sa.ColumnElement[bool], dict[str, Any]]:
    """The groups `user` may open — their own, those below the units they lead, all for an
    admin — as a condition on StudyGroup and its unit (the statement joins Organization), with
    its parameters. The condition object is the same for every user with as many units led,
    so a statement using it can be built once per condition."""
    reach = reach_of(current_user if user is None else user)
    if reach is None:
        return _NO_GROUP, {}
    if reach.is_admin:
        return _EVERY_GROUP, {}
    params: dict[str, Any] = {"own_group_ids": list(reach.group_roles)}
    params.update({f"led_path_{i}": path for i, path in enumerate(reach.leadership_paths)})
    return _own_or_led_groups(len(reach.leadership_paths)), params


_NO_GROUP: sa.ColumnElement[bool] = sa.false()
_EVERY_GROUP: sa.ColumnElement[bool] = sa.true()


@cache
def _own_or_led_groups(units_led: int) -> sa.ColumnElement[bool]:
    return sa.or_(
        StudyGroup.id.in_(sa.bindparam("own_group_ids", expanding=True)),
        *(Organization.path.startswith(sa.bindparam(f"led_path_{i}")) for i in range(units_led)),
    )


