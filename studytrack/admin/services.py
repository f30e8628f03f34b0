"""Writes for the administration area. Services add and flush, raise DomainError, never commit
(the request's unit of work does)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from studytrack import audit
from studytrack.auth import login_sessions
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import (
    GroupMembership,
    GroupRole,
    GroupTitle,
    LeadershipRole,
    Organization,
    OrganizationKind,
    StudyGroup,
    User,
    in_subtree,
)

# --- the organisation tree ---------------------------------------------------------------


def create_organization(
    name: str,
    kind: OrganizationKind = OrganizationKind.COMMITTEE,
    parent: Organization | None = None,
    short_name: str | None = None,
    sort_order: int = 0,
) -> Organization:
    _check_unique_organization_name(name, parent)
    org = Organization(
        name=name.strip(), kind=kind, parent=parent, short_name=_blank_to_none(short_name),
        sort_order=sort_order,
    )
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    audit.record("organization.create", org, organization_id=org.id, name=org.name)
    return org


def update_organization(
    org: Organization,
    *,
    name: str,
    kind: OrganizationKind,
    parent: Organization | None,
    short_name: str | None = None,
    sort_order: int = 0,
) -> Organization:
    """Rename or move a unit; moving it rewrites the paths of everything below it."""
    if parent is not None and parent.path.startswith(org.path):
        raise DomainError(_l("A unit cannot be placed below itself."), field="parent_id")
    if name.strip() != org.name or parent is not org.parent:
        _check_unique_organization_name(name, parent, exclude_id=org.id)
    old_path = org.path
    org.name, org.kind, org.sort_order = name.strip(), kind, sort_order
    org.short_name = _blank_to_none(short_name)
    org.parent = parent
    new_path = f"{parent.path if parent else '/'}{org.id}/"
    if new_path != old_path:
        db.session.execute(
            sa.update(Organization)
            .where(in_subtree(Organization.path, old_path))
            .values(path=sa.func.replace(Organization.path, old_path, new_path))
            .execution_options(synchronize_session=False)
        )
        db.session.expire_all()
    audit.record("organization.update", org, organization_id=org.id, name=org.name)
    return org


def set_organization_active(org: Organization, active: bool) -> None:
    """Units are deactivated, never deleted: their groups' records stay in the archive."""
    if org.is_active == active:
        return
    org.is_active = active
    audit.record(
        "organization.activate" if active else "organization.deactivate", org,
        organization_id=org.id,
    )


def _blank_to_none(value: str | None) -> str | None:
    return (value or "").strip() or None


def _refuse_if_found(query: sa.Select[int], message: Any, field: str) -> None:
    """Refuse with `message` beside `field` when `query` (the id of a row that already holds
    the name, or the role) finds one."""
    if db.session.scalar(query.limit(1)) is not None:
        raise DomainError(message, field=field)


def _check_unique_organization_name(
    name: str, parent: Organization | None, exclude_id: int | None = None
) -> None:
    query = sa.select(Organization.id).where(
        Organization.name == name.strip(),
        Organization.parent_id.is_(None) if parent is None else Organization.parent_id == parent.id,
    )
    if exclude_id is not None:
        query = query.where(Organization.id != exclude_id)
    _refuse_if_found(query, _l("A unit with this name already exists here."), "name")


# --- accounts ----------------------------------------------------------------------------


def create_user(
    *,
    username: str,
    display_name: str,
    password: str,
    position: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    organization: Organization | None = None,
    is_admin: bool = False,
    must_change_password: bool = True,
    locale: str = "zh",
) -> User:
    """Accounts made by an administrator must set their own password at first login."""
    username = username.strip()
    if not username:
        raise DomainError(_l("Enter a login name."), field="username")
    _check_unique_username(username)
    user = User(
        username=username,
        display_name=display_name.strip(),
        position=position or None,
        email=email or None,
        phone=phone or None,
        organization=organization,
        is_admin=is_admin,
        must_change_password=must_change_password,
        locale=locale,
        login_version=0,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, username=user.username, is_admin=is_admin)
    return user


def update_user(
    user: User,
    *,
    username: str,
    display_name: str,
    position: str | None,
    email: str | None,
    phone: str | None,
    organization: Organization | None,
    is_admin: bool,
    locale: str,
    acting_user: User | None = None,
) -> User:
    username = username.strip()
    if username.lower() != user.username.lower():
        _check_unique_username(username)
    if acting_user is not None and acting_user.id == user.id and user.is_admin and not is_admin:
        raise DomainError(_l("You cannot remove your own administrator rights."), field="is_admin")
    user.username, user.display_name = username, display_name.strip()
    user.position, user.email, user.phone = position or None, email or None, phone or None
    user.organization, user.is_admin, user.locale = organization, is_admin, locale
    audit.record("user.update", user, username=user.username)
    return user


def set_user_active(user: User, active: bool, acting_user: User | None = None) -> None:
    """Deactivate instead of deleting: the person's records stay in the archive."""
    if not active and acting_user is not None and acting_user.id == user.id:
        raise DomainError(_l("You cannot deactivate your own account."))
    user.active = active
    if not active:
        login_sessions.end_everywhere(user)
    audit.record("user.activate" if active else "user.deactivate", user)


def reset_password(user: User, temporary_password: str) -> User:
    """An administrator sets a temporary password; the person must replace it at next login."""
    user.set_password(temporary_password)
    user.must_change_password = True
    login_sessions.end_everywhere(user)
    audit.record("user.reset_password", user)
    return user


def _check_unique_username(username: str) -> None:
    _refuse_if_found(
        sa.select(User.id).where(sa.func.lower(User.username) == username.lower()),
        _l("This login name is already taken."), "username",
    )


# --- study groups and memberships --------------------------------------------------------


def create_group(
    organization: Organization,
    name: str,
    description: str | None = None,
    is_active: bool = True,
    members_read_reflections: bool = False,
) -> StudyGroup:
    _check_unique_group_name(organization, name)
    group = StudyGroup(
        organization=organization, name=name.strip(), description=description or None,
        is_active=is_active, members_read_reflections=members_read_reflections,
    )
    db.session.add(group)
    db.session.flush()
    audit.record("group.create", group, organization_id=organization.id, name=group.name)
    return group


def update_group(
    group: StudyGroup,
    *,
    organization: Organization,
    name: str,
    description: str | None,
    is_active: bool = True,
    members_read_reflections: bool | None = None,
) -> StudyGroup:
    if name.strip() != group.name or organization.id != group.organization_id:
        _check_unique_group_name(organization, name, exclude_id=group.id)
    group.organization, group.name = organization, name.strip()
    group.description, group.is_active = description or None, is_active
    if members_read_reflections is not None:
        group.members_read_reflections = members_read_reflections
    audit.record("group.update", group, organization_id=organization.id, name=group.name)
    return group


def _check_unique_group_name(
    organization: Organization, name: str, exclude_id: int | None = None
) -> None:
    query = sa.select(StudyGroup.id).where(
        StudyGroup.organization_id == organization.id, StudyGroup.name == name.strip()
    )
    if exclude_id is not None:
        query = query.where(StudyGroup.id != exclude_id)
    _refuse_if_found(query, _l("This unit already has a study group of that name."), "name")


def add_member(
    group: StudyGroup,
    user: User,
    role: GroupRole = GroupRole.MEMBER,
    title: GroupTitle = GroupTitle.MEMBER,
    sort_order: int = 0,
) -> GroupMembership:
    """Add a person, or bring back someone who had left (their history stays with them)."""
    membership = db.session.scalar(
        sa.select(GroupMembership).where(
            GroupMembership.group_id == group.id, GroupMembership.user_id == user.id
        )
    )
    if membership is not None and membership.left_on is None:
        raise DomainError(_l("This person is already a member of the group."), field="user_id")
    if membership is None:
        membership = GroupMembership(group=group, user=user)
        db.session.add(membership)
    membership.role, membership.title, membership.sort_order = role, title, sort_order
    membership.joined_on, membership.left_on = date.today(), None
    db.session.flush()
    audit.record(
        "group.add_member", group, organization_id=group.organization_id,
        user_id=user.id, role=role, title=title,
    )
    return membership


def update_membership(
    membership: GroupMembership, role: GroupRole, title: GroupTitle, sort_order: int = 0
) -> GroupMembership:
    membership.role, membership.title, membership.sort_order = role, title, sort_order
    audit.record(
        "group.update_member", membership.group, organization_id=membership.group.organization_id,
        user_id=membership.user_id, role=role, title=title,
    )
    return membership


def remove_member(membership: GroupMembership) -> None:
    """Leaving keeps the row (with left_on) so past attendance and reflections stay linked."""
    membership.left_on = date.today()
    audit.record(
        "group.remove_member", membership.group,
        organization_id=membership.group.organization_id, user_id=membership.user_id,
    )


# --- leadership ---------------------------------------------------------------------------


def grant_leadership(user: User, organization: Organization) -> LeadershipRole:
    _refuse_if_found(
        sa.select(LeadershipRole.id).where(
            LeadershipRole.user_id == user.id, LeadershipRole.organization_id == organization.id
        ),
        _l("This person already leads this unit."), "user_id",
    )
    role = LeadershipRole(user=user, organization=organization)
    db.session.add(role)
    db.session.flush()
    audit.record(
        "organization.grant_leadership", organization, organization_id=organization.id,
        user_id=user.id,
    )
    return role


def revoke_leadership(role: LeadershipRole) -> None:
    audit.record(
        "organization.revoke_leadership", role.organization,
        organization_id=role.organization_id, user_id=role.user_id,
    )
    db.session.delete(role)


def sign_out_everywhere(user: User) -> None:
    """An administrator ends every login of `user` (a lost phone, a shared computer)."""
    login_sessions.end_everywhere(user)
    audit.record("user.sign_out_everywhere", user)
