"""Reads for the materials pages. Each function makes a fixed number of queries.

Which libraries a person may use mirrors `authz._library_roles`: the library of every unit on
the way up from each of their groups' units (a college group uses the university's library),
for leaders also every library in the part of the tree they lead, for admins all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from studytrack import authz
from studytrack.extensions import db
from studytrack.models import (
    Attachment,
    GroupRole,
    Material,
    MaterialKind,
    Organization,
    SessionMaterial,
    StudyGroup,
    StudySession,
)

PER_PAGE = 20


@dataclass(frozen=True)
class LibraryScope:
    """The libraries (units) whose materials someone may use."""

    everything: bool = False
    organization_ids: frozenset[int] = frozenset()  # own groups' units and the units above
    subtree_paths: tuple[str, ...] = ()  # units led, and everything below them

    def condition(self) -> sa.ColumnElement[bool]:
        """A WHERE clause on Organization (the material's unit) for this scope."""
        if self.everything:
            return sa.true()
        conditions: list[sa.ColumnElement[bool]] = []
        if self.organization_ids:
            conditions.append(Organization.id.in_(sorted(self.organization_ids)))
        conditions += [Organization.path.startswith(path) for path in self.subtree_paths]
        return sa.or_(*conditions) if conditions else sa.false()


def ancestor_ids(path: str) -> set[int]:
    """The ids of a unit and every unit above it, read from its path ("/1/4/9/")."""
    return {int(part) for part in path.strip("/").split("/") if part}


def library_scope(user: Any = None) -> LibraryScope:
    reach = authz.reach_of(current_user if user is None else user)
    if reach is None:
        return LibraryScope()
    if reach.is_admin:
        return LibraryScope(everything=True)
    return LibraryScope(
        organization_ids=reach.member_lineage | reach.leader_lineage,
        subtree_paths=reach.led_paths,
    )


def group_scope(group: StudyGroup) -> LibraryScope:
    """The libraries a study group may use: its unit's and those of every unit above."""
    return LibraryScope(organization_ids=frozenset(ancestor_ids(group.organization.path)))


def usable_organizations(scope: LibraryScope) -> list[Organization]:
    """The units whose library is usable, in tree order (for the library filter)."""
    return list(
        db.session.scalars(
            sa.select(Organization)
            .where(scope.condition())
            .order_by(Organization.path, Organization.sort_order)
        )
    )


def kept_organizations(user: Any = None) -> list[Organization]:
    """The units whose library the user keeps: where they are a secretary of a group at that
    unit; admins keep every (active) library."""
    reach = authz.reach_of(current_user if user is None else user)
    if reach is None:
        return []
    query = sa.select(Organization).order_by(Organization.path, Organization.sort_order)
    if reach.is_admin:
        return list(db.session.scalars(query.where(Organization.is_active)))
    kept = sorted({
        reach.group_units[group_id]
        for group_id, role in reach.group_roles.items()
        if role == GroupRole.SECRETARY
    })
    if not kept:
        return []
    return list(db.session.scalars(query.where(Organization.id.in_(kept))))


def _newest_first(query: sa.Select[Any]) -> sa.Select[Any]:
    return query.order_by(
        Material.issued_on.is_(None), Material.issued_on.desc(), Material.id.desc()
    )


def search_materials(
    scope: LibraryScope,
    *,
    q: str | None = None,
    kind: str | None = None,
    organization_id: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Pagination:
    """Materials of the usable libraries, title containing `q` (a Chinese substring matches),
    newest issued first. Items have .organization loaded."""
    query = (
        sa.select(Material)
        .join(Organization, Material.organization_id == Organization.id)
        .where(scope.condition(), Material.is_archived.is_(False))
        .options(selectinload(Material.organization))
    )
    if q:
        query = query.where(Material.title.icontains(q, autoescape=True))
    if kind:
        query = query.where(Material.kind == MaterialKind(kind))
    if organization_id:
        query = query.where(Material.organization_id == organization_id)
    return db.paginate(_newest_first(query), page=page, per_page=per_page, error_out=False)


def attachment_counts(material_ids: list[int]) -> dict[int, int]:
    """How many (not removed) files each material has."""
    if not material_ids:
        return {}
    rows = db.session.execute(
        sa.select(Attachment.material_id, sa.func.count())
        .where(Attachment.material_id.in_(material_ids), Attachment.is_removed.is_(False))
        .group_by(Attachment.material_id)
    ).all()
    return {material_id: count for material_id, count in rows}


def material_page(material_id: int) -> Material | None:
    """A material with its library unit, creator and files loaded."""
    return db.session.scalar(
        sa.select(Material)
        .where(Material.id == material_id)
        .options(
            selectinload(Material.organization),
            selectinload(Material.created_by),
            selectinload(Material.attachments).selectinload(Attachment.uploaded_by),
        )
    )


def visible_sessions_condition(user: Any = None) -> sa.ColumnElement[bool]:
    return authz.visible_sessions_condition(user)


@dataclass(frozen=True)
class StudiedAt:
    session: StudySession
    group_name: str
    organization_name: str


def sessions_studied(material: Material, user: Any = None) -> list[StudiedAt]:
    """The sessions that studied this material, newest first, only those the user can see."""
    rows = db.session.execute(
        sa.select(StudySession, StudyGroup.name, Organization.name)
        .join(SessionMaterial, SessionMaterial.session_id == StudySession.id)
        .join(StudyGroup, StudySession.group_id == StudyGroup.id)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(SessionMaterial.material_id == material.id, visible_sessions_condition(user))
        .order_by(StudySession.starts_at.desc())
    ).all()
    return [StudiedAt(*row) for row in rows]


def linked_materials(session: StudySession) -> list[SessionMaterial]:
    """The session's materials in order, with their files."""
    return list(
        db.session.scalars(
            sa.select(SessionMaterial)
            .where(SessionMaterial.session_id == session.id)
            .options(
                selectinload(SessionMaterial.material).selectinload(Material.attachments),
                selectinload(SessionMaterial.material).selectinload(Material.organization),
            )
            .order_by(SessionMaterial.position)
        )
    )
