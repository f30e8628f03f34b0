"""Routes of the materials blueprint: the library, files, and a session's materials.

Each handler: load the object scoped to the user (404) -> permission (403) -> form -> one
service call in `attempt` -> flash -> redirect; the request's unit of work commits. A refused
form re-renders with the errors.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from studytrack import authz, inputs
from studytrack.extensions import talisman
from studytrack.materials import queries, services, uploads
from studytrack.materials.blueprint import bp
from studytrack.materials.forms import (
    AttachmentForm,
    LibrarySearchForm,
    LinkMaterialsForm,
    MaterialForm,
    MoveForm,
    SearchForm,
)
from studytrack.models import Attachment, Material, Organization, StudySession
from studytrack.storage import storage
from studytrack.submissions import once
from studytrack.unit_of_work import attempt

# A downloaded file is never a page of this site: it runs nothing and loads nothing.
DOWNLOAD_CSP = "default-src 'none'; sandbox"
INLINE_TYPES = frozenset(t.content_type for t in uploads.FILE_TYPES.values() if t.inline)


# --- loaders -----------------------------------------------------------------------------


def attachment_or_404(attachment_id: int) -> Attachment:
    """A file of a material the user may see; a removed file answers 404 as a missing one."""
    attachment = authz.load_or_404(Attachment, attachment_id, joinedload(Attachment.material))
    if attachment.is_removed:
        abort(404)
    return attachment


def _linked_or_404(session: StudySession, material_id: int) -> None:
    if all(link.material_id != material_id for link in session.session_materials):
        abort(404)


def _filters(form: SearchForm) -> dict[str, Any]:
    """The valid filters of a search form read from the query string."""
    form.validate()
    field = getattr(form, "organization_id", None)
    organization_id = field.data if field is not None and not field.errors else None
    return {
        "q": form.q.data if not form.q.errors else None,
        "kind": form.kind.data if not form.kind.errors else None,
        "organization_id": int(organization_id) if organization_id else None,
    }


# --- the library -------------------------------------------------------------------------


@bp.get("/materials")
@login_required
def index() -> Any:
    search = LibrarySearchForm(request.args)
    search.set_libraries(queries.usable_organizations())
    pagination = queries.search_materials(
        authz.usable_libraries_condition(), **_filters(search), page=inputs.page_number()
    )
    return render_template(
        "materials/index.html",
        search=search,
        pagination=pagination,
        attachment_counts=queries.attachment_counts([m.id for m in pagination.items]),
        kept=queries.kept_organizations(),
    )


def _library_choices(form: MaterialForm, organizations: list[Organization],
                     preselect: int | None = None) -> None:
    choices = [SelectChoice(org.id, org.name) for org in organizations]
    if len(choices) > 1:
        choices.insert(0, SelectChoice(0, _("Choose the library…")))
    form.organization_id.choices = choices
    if not form.is_submitted():
        if len(organizations) == 1:
            form.organization_id.data = organizations[0].id
        elif preselect is not None and form.organization_id.data in (None, 0):
            form.organization_id.data = preselect


def _session_to_link() -> StudySession | None:
    """?session_id= on the new-material form: the material is linked to that session too."""
    session_id = inputs.query_id("session_id")
    if session_id is None:
        return None
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    return session


@bp.route("/materials/new", methods=["GET", "POST"])
@login_required
@once
def create() -> Any:
    session = _session_to_link()
    kept = queries.kept_organizations()
    if session is not None:
        usable = session.group.organization.ancestor_ids  # its unit's library and those above
        kept = [org for org in kept if org.id in usable]
    if not kept:
        abort(403)
    form = MaterialForm()
    _library_choices(form, kept, preselect=session.group.organization_id if session else None)
    if form.validate_on_submit():
        organization = next(org for org in kept if org.id == form.organization_id.data)
        authz.require("material.edit", organization)
        with attempt(form) as outcome:
            material = services.create_material(
                organization, services.MaterialData.from_form(form),
                created_by=current_user, link_to=session,
            )
        if outcome.ok:
            if session is not None:
                flash(_("The material has been saved and linked to the session."), "success")
                return redirect(url_for("materials.link_materials", session_id=session.id))
            flash(_("The material has been saved. You can now upload its files."), "success")
            return redirect(url_for("materials.detail", material_id=material.id))
    return render_template("materials/form.html", form=form, material=None, session=session)


@bp.get("/materials/<int:material_id>")
@login_required
def detail(material_id: int) -> Any:
    return _render_detail(authz.material_or_404(material_id, *queries.MATERIAL_PAGE))


def _render_detail(material: Material, upload_form: AttachmentForm | None = None) -> Any:
    upload_form = upload_form or AttachmentForm(formdata=None)
    upload_form.file.description = _(
        "Up to %(mb)s MB. %(allowed)s", mb=current_app.config["MAX_UPLOAD_MB"],
        allowed=uploads.allowed_types_text(),
    )
    return render_template(
        "materials/detail.html",
        material=material,
        attachments=[a for a in material.attachments if not a.is_removed],
        studied_at=queries.sessions_studied(material),
        upload_form=upload_form,
    )


@bp.route("/materials/<int:material_id>/edit", methods=["GET", "POST"])
@login_required
def edit(material_id: int) -> Any:
    material = authz.material_or_404(material_id)
    authz.require("material.edit", material)
    kept = queries.kept_organizations()
    if all(org.id != material.organization_id for org in kept):
        kept.insert(0, material.organization)
    form = MaterialForm(obj=material)
    _library_choices(form, kept)
    if form.validate_on_submit():
        organization = next(org for org in kept if org.id == form.organization_id.data)
        authz.require("material.edit", organization)
        with attempt(form) as outcome:
            services.update_material(
                material, services.MaterialData.from_form(form), organization
            )
        if outcome.ok:
            flash(_("The material has been saved."), "success")
            return redirect(url_for("materials.detail", material_id=material.id))
    return render_template("materials/form.html", form=form, material=material, session=None)


# --- files -------------------------------------------------------------------------------


@bp.post("/materials/<int:material_id>/attachments")
@login_required
@once
def upload_attachment(material_id: int) -> Any:
    material = authz.material_or_404(material_id, *queries.MATERIAL_PAGE)
    authz.require("material.edit", material)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = form.file.data
        with attempt(form) as outcome:
            attachment = services.upload_attachment(
                material, upload.stream, upload.filename, uploaded_by=current_user
            )
        if outcome.ok:
            flash(_("%(name)s has been uploaded.", name=attachment.original_name), "success")
            return redirect(url_for("materials.detail", material_id=material.id))
    return _render_detail(material, upload_form=form)


@bp.get("/attachments/<int:attachment_id>/download")
@login_required
@talisman(content_security_policy=DOWNLOAD_CSP)
def download_attachment(attachment_id: int) -> Any:
    attachment = attachment_or_404(attachment_id)
    store, key = storage("uploads"), uploads.upload_key(attachment.stored_name)
    inline = attachment.content_type in INLINE_TYPES
    signed = store.signed_url(key, filename=attachment.original_name,
                              mimetype=attachment.content_type, inline=inline)
    if signed is not None:
        return redirect(signed)
    path = store.local_path(key)
    try:
        body = path if path is not None else store.open(key)
    except FileNotFoundError:
        body = None
    if body is None:
        current_app.logger.error(
            "Attachment %s: stored file %s is missing", attachment.id, attachment.stored_name
        )
        abort(404)
    response = send_file(
        body,
        mimetype=attachment.content_type,
        as_attachment=not inline,
        download_name=attachment.original_name,
        conditional=path is not None,
        etag=attachment.sha256,
        max_age=0,
    )
    if path is None:
        response.content_length = attachment.size_bytes
    # send_file adds "; charset=utf-8" to every text/* type, even one that names its own
    # (a GB18030 text file said both): the stored type, with its one charset, is the answer.
    response.content_type = attachment.content_type
    response.cache_control.public = False
    response.cache_control.private = True
    return response


@bp.post("/attachments/<int:attachment_id>/remove")
@login_required
def remove_attachment(attachment_id: int) -> Any:
    attachment = attachment_or_404(attachment_id)
    authz.require("material.edit", attachment.material)
    with attempt() as outcome:
        services.remove_attachment(attachment)
    if outcome.ok:
        flash(_("%(name)s has been removed.", name=attachment.original_name), "success")
    return redirect(url_for("materials.detail", material_id=attachment.material_id))


# --- a session's materials ---------------------------------------------------------------


def _editable_session(session_id: int) -> StudySession:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    return session


@bp.route("/sessions/<int:session_id>/materials", methods=["GET", "POST"])
@login_required
def link_materials(session_id: int) -> Any:
    session = _editable_session(session_id)
    form = LinkMaterialsForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            added = services.link_materials(session, form.material_ids.data or [])
        if outcome.ok:
            flash(
                ngettext("%(num)d material has been linked.",
                         "%(num)d materials have been linked.", len(added)),
                "success",
            )
            return redirect(url_for("materials.link_materials", session_id=session.id))
    search = SearchForm(request.args)
    filters = _filters(search)
    results = queries.search_materials(
        queries.group_libraries_condition(session.group), q=filters["q"], kind=filters["kind"],
        page=inputs.page_number(),
    )
    links = queries.linked_materials(session)
    return render_template(
        "materials/link.html",
        session=session,
        form=form,
        search=search,
        results=results,
        links=links,
        linked_ids={link.material_id for link in links},
        chosen=set(form.material_ids.data or []),
        can_create=bool(queries.kept_organizations()),
    )


@bp.post("/sessions/<int:session_id>/materials/<int:material_id>/unlink")
@login_required
def unlink_material(session_id: int, material_id: int) -> Any:
    session = _editable_session(session_id)
    _linked_or_404(session, material_id)
    with attempt() as outcome:
        services.unlink_material(session, material_id)
    if outcome.ok:
        flash(_("The material has been removed from this session."), "success")
    return redirect(url_for("materials.link_materials", session_id=session.id))


@bp.post("/sessions/<int:session_id>/materials/<int:material_id>/move")
@login_required
def move_material(session_id: int, material_id: int) -> Any:
    session = _editable_session(session_id)
    _linked_or_404(session, material_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt():
        services.move_material(session, material_id, form.direction.data)
    return redirect(url_for("materials.link_materials", session_id=session.id))
