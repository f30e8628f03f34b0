"""Reads for the materials pages. Each function makes a fixed number of queries.

Which libraries a person may use or keep is the policy's: `authz.usable_libraries_condition`
and `authz.kept_libraries_condition`, the SQL twins of "material.view" and "material.edit".
A study group uses the library of its unit and of every unit above it
(`group_libraries_condition`; the services check the same when linking a material).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from studytrack import authz
from studytrack.extensions import db
from studytrack.models import (
    Attachment,
    Material,
    MaterialKind,
    Organization,
    SessionMaterial,
    StudyGroup,
    StudySession,
)

PER_PAGE = 20

# What the material page shows: its library unit, creator and files (loader options).
MATERIAL_PAGE = (
    selectinload(Material.organization),
    selectinload(Material.created_by),
    selectinload(Material.attachments).selectinload(Attachment.uploaded_by),
)


def group_libraries_condition(group: StudyGroup) -> sa.ColumnElement[bool]:
    """The libraries a study group may use: its unit's and those of every unit above (a
    condition on Organization, the library's unit)."""
    return Organization.id.in_(group.organization.ancestor_ids)


def _libraries(condition: sa.ColumnElement[bool]) -> sa.Select[Organization]:
    return sa.select(Organization).where(condition).order_by(
        Organization.path, Organization.sort_order
    )


def usable_organizations(user: Any = None) -> list[Organization]:
    """The units whose library the user may use, in tree order (for the library filter)."""
    return list(db.session.scalars(_libraries(authz.usable_libraries_condition(user))))


def kept_organizations(user: Any = None) -> list[Organization]:
    """The units whose library the user keeps, in tree order; an administrator keeps every
    library and is offered the active ones."""
    roles = authz.roles_anywhere(user)
    if not roles & {authz.Role.ADMIN, authz.Role.SECRETARY}:
        return []  # only secretaries keep a library: no statement for everyone else
    query = _libraries(authz.kept_libraries_condition(user))
    if authz.Role.ADMIN in roles:
        query = query.where(Organization.is_active)
    return list(db.session.scalars(query))


def _newest_first(query: sa.Select[Material]) -> sa.Select[Material]:
    return query.order_by(
        Material.issued_on.is_(None), Material.issued_on.desc(), Material.id.desc()
    )


def search_materials(
    libraries: sa.ColumnElement[bool],
    *,
    q: str | None = None,
    kind: str | None = None,
    organization_id: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Pagination:
    """Materials of the `libraries` (a condition on Organization), title containing `q` (a
    Chinese substring matches), newest issued first. Items have .organization loaded."""
    query = (
        sa.select(Material)
        .join(Organization, Material.organization_id == Organization.id)
        .where(libraries, Material.is_archived.is_(False))
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
        .where(SessionMaterial.material_id == material.id, authz.visible_sessions_condition(user))
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
