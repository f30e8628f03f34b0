"""Writes for materials, their files and their links to sessions.

Services add and flush, raise DomainError with the field it belongs beside, write the audit
trail, and never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from studytrack import audit
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.materials import uploads
from studytrack.models import (
    Attachment,
    Material,
    MaterialKind,
    Organization,
    SessionMaterial,
    StudyGroup,
    StudySession,
    User,
    in_subtree,
)
from studytrack.models.base import utcnow
from studytrack.storage import storage

EDITABLE_FIELDS = ("kind", "title", "short_name", "speaker", "issued_on", "source", "url", "body")


@dataclass
class MaterialData:
    kind: MaterialKind
    title: str
    speaker: str | None = None
    issued_on: date | None = None
    source: str | None = None
    url: str | None = None
    body: str | None = None
    short_name: str | None = None

    @classmethod
    def from_form(cls, form: Any) -> MaterialData:
        return cls(
            kind=MaterialKind(form.kind.data),
            title=form.title.data,
            speaker=form.speaker.data,
            issued_on=form.issued_on.data,
            source=form.source.data,
            url=form.url.data,
            body=form.body.data,
            short_name=form.short_name.data,
        )


def _blank_to_none(value: str | None) -> str | None:
    return (value or "").strip() or None


# "2·23"重要讲话 typed with straight quotes: the press writes Chinese ones, “2·23”重要讲话.
_STRAIGHT_QUOTED = re.compile(r'"([^"]*)"')


def short_name_of(value: str | None) -> str | None:
    """A material's short name as the press writes it: trimmed, quotes made Chinese."""
    name = _blank_to_none(value)
    return _STRAIGHT_QUOTED.sub(r"“\1”", name) if name else None


def _apply(material: Material, data: MaterialData) -> dict[str, Any]:
    """Set the fields; return {field: new value} of what changed."""
    title = (data.title or "").strip()
    if not title:
        raise DomainError(_l("Enter the title."), field="title")
    values = {
        "kind": MaterialKind(data.kind),
        "title": title,
        "short_name": short_name_of(data.short_name),
        "speaker": _blank_to_none(data.speaker),
        "issued_on": data.issued_on,
        "source": _blank_to_none(data.source),
        "url": _blank_to_none(data.url),
        "body": (data.body or "").strip() or None,
    }
    changed = {}
    for name, value in values.items():
        if getattr(material, name) != value:
            setattr(material, name, value)
            changed[name] = value
    return changed


def create_material(
    organization: Organization, data: MaterialData, *, created_by: User | None = None,
    link_to: StudySession | None = None,
) -> Material:
    """A new material in `organization`'s library; linked at the end of `link_to` if given."""
    material = Material(organization=organization, created_by=created_by)
    _apply(material, data)
    db.session.add(material)
    db.session.flush()
    audit.record(
        "material.create", material, organization_id=organization.id, title=material.title
    )
    if link_to is not None:
        link_materials(link_to, [material.id])
    return material


def update_material(
    material: Material, data: MaterialData, organization: Organization | None = None
) -> Material:
    changed = _apply(material, data)
    if organization is not None and organization.id != material.organization_id:
        _check_move(material, organization)
        changed["organization"] = organization.name
        material.organization = organization
    if changed:
        audit.record(
            "material.update", material, organization_id=material.organization_id,
            changed=sorted(changed),
            values={key: value for key, value in changed.items() if key != "body"},
        )
    db.session.flush()
    return material


def _check_move(material: Material, organization: Organization) -> None:
    """A material that sessions have studied stays in a library their groups can use: one at
    or above each group's unit."""
    stranded = db.session.scalar(
        sa.select(SessionMaterial.session_id)
        .join(StudySession, SessionMaterial.session_id == StudySession.id)
        .join(StudyGroup, StudySession.group_id == StudyGroup.id)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(
            SessionMaterial.material_id == material.id,
            sa.not_(in_subtree(Organization.path, organization.path)),
        )
        .limit(1)
    )
    if stranded is not None:
        raise DomainError(
            _l("Sessions of groups that cannot use that library have studied this material; "
               "keep it in a library they can use."),
            field="organization_id",
        )


# --- files -------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def upload_attachment(
    material: Material, stream: IO[bytes], filename: str | None, *,
    uploaded_by: User | None = None,
) -> Attachment:
    """Check the file by its content, store it under a generated name, and record it."""
    stored = uploads.store_upload(
        stream, filename, current_app.config["UPLOAD_FOLDER"], max_upload_bytes(),
        storage("uploads"),
    )
    try:
        attachment = Attachment(
            material=material,
            original_name=stored.original_name,
            stored_name=stored.stored_name,
            content_type=stored.content_type,
            size_bytes=stored.size_bytes,
            sha256=stored.sha256,
            uploaded_by=uploaded_by,
        )
        db.session.add(attachment)
        db.session.flush()
        audit.record(
            "attachment.upload", attachment, organization_id=material.organization_id,
            material_id=material.id, name=stored.original_name, size_bytes=stored.size_bytes,
            sha256=stored.sha256, content_type=stored.content_type,
        )
    except BaseException:
        storage("uploads").delete(stored.key)
        raise
    return attachment


def _is_upload_key(key: str) -> bool:
    name = key.rsplit("/", 1)[-1]
    return bool(uploads.STORED_NAME.match(name)) and key == uploads.upload_key(name)


def remove_orphan_files(older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete the stored uploads that no attachment names, once older than `older_than`: left
    when the request that stored one failed to commit (a file is stored before its row, and
    a younger one may belong to a request still under way). How many."""
    store = storage("uploads")
    before = utcnow() - older_than
    # Only names the app generates, where it puts them: nothing else in the store is touched.
    candidates = [key for key, changed, _size in store.listing("")
                  if changed < before and _is_upload_key(key)]
    known: set[str] = set()
    for start in range(0, len(candidates), 500):
        names = [key.rsplit("/", 1)[-1] for key in candidates[start:start + 500]]
        known.update(db.session.scalars(
            sa.select(Attachment.stored_name).where(Attachment.stored_name.in_(names))))
    orphans = [key for key in candidates if key.rsplit("/", 1)[-1] not in known]
    for key in orphans:
        store.delete(key)
    return len(orphans)


def remove_attachment(attachment: Attachment) -> None:
    """Archive, not delete: the file stays on disk and in the database, hidden from lists."""
    if attachment.is_removed:
        return
    attachment.is_removed = True
    audit.record(
        "attachment.remove", attachment, organization_id=attachment.material.organization_id,
        material_id=attachment.material_id, name=attachment.original_name,
    )


# --- links to sessions -------------------------------------------------------------------

CHOOSE_MATERIAL = _l("Choose a material from the library.")


def _session_audit(action: str, session: StudySession, material: Material, **details: Any) -> None:
    audit.record(
        action, session, organization_id=session.group.organization_id,
        session_id=session.id, material_id=material.id, title=material.title, **details,
    )


def link_materials(session: StudySession, material_ids: list[int]) -> list[Material]:
    """Append the chosen materials, in the order given, to the session's list. Each must come
    from a library the session's group can use and not be linked already."""
    wanted = list(dict.fromkeys(material_ids))  # keep order, drop repeats
    if not wanted:
        raise DomainError(CHOOSE_MATERIAL, field="material_ids")
    usable = session.group.organization.ancestor_ids  # its unit's library and those above
    found = {
        m.id: m
        for m in db.session.scalars(sa.select(Material).where(Material.id.in_(wanted)))
        if m.organization_id in usable and not m.is_archived
    }
    if any(material_id not in found for material_id in wanted):
        raise DomainError(CHOOSE_MATERIAL, field="material_ids")
    links = session.session_materials
    linked = {link.material_id for link in links}
    already = [found[i].title for i in wanted if i in linked]
    if already:
        # gettext, not the lazy _l: a lazy string is rendered unescaped, and titles are input
        raise DomainError(
            gettext("Already linked to this session: %(titles)s", titles="、".join(already)),
            field="material_ids",
        )
    position = max((link.position for link in links), default=-1) + 1
    added = []
    for material_id in wanted:
        material = found[material_id]
        links.append(SessionMaterial(material=material, position=position))
        _session_audit("session.link_material", session, material, position=position)
        position += 1
        added.append(material)
    _renumber(session)
    db.session.flush()
    return added


def _link_of(session: StudySession, material_id: int) -> SessionMaterial:
    for link in session.session_materials:
        if link.material_id == material_id:
            return link
    raise DomainError(_l("This material is not linked to the session."), field="material_ids")


def _renumber(session: StudySession) -> None:
    """Positions 0, 1, 2… in the current order, with no gaps."""
    ordered = sorted(session.session_materials, key=lambda link: link.position)
    for index, link in enumerate(ordered):
        if link.position != index:
            link.position = index
    session.session_materials[:] = ordered


def unlink_material(session: StudySession, material_id: int) -> None:
    link = _link_of(session, material_id)
    material = link.material
    session.session_materials.remove(link)
    _renumber(session)
    _session_audit("session.unlink_material", session, material)
    db.session.flush()


def move_material(session: StudySession, material_id: int, direction: str) -> None:
    """Swap a material with its neighbour above ("up") or below ("down")."""
    if direction not in ("up", "down"):
        raise DomainError(_l("Choose up or down."), field="direction")
    _renumber(session)
    links = session.session_materials
    link = _link_of(session, material_id)
    index = links.index(link)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(links):
        return  # already first / last: nothing to do
    links[index].position, links[other].position = other, index
    _renumber(session)
    _session_audit("session.move_material", session, link.material, direction=direction,
                   position=link.position)
    db.session.flush()
