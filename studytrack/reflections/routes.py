"""Routes of the reflections blueprint: the member's editor (with autosave), the secretary's
review pages, and accepting or returning a reflection.

Who may do what is the policy's (authz): "reflection.write" (the author, while the roster asks
one of them, the session is published and the text is not handed in), "reflection.view" (the
author; the group's secretaries and the leaders above it once handed in — never fellow
members, and nobody but the author sees a draft), "reflection.review" (secretaries, admin).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import validate_csrf
from sqlalchemy.orm import joinedload
from wtforms.validators import ValidationError

from studytrack import authz, inputs
from studytrack.extensions import csrf, db
from studytrack.models import Reflection, ReflectionStatus, StudySession, User
from studytrack.redirects import next_url
from studytrack.reflections import queries, services
from studytrack.reflections.blueprint import bp
from studytrack.reflections.forms import AcceptForm, ReflectionForm, ReturnForm
from studytrack.timeutil import today_local
from studytrack.unit_of_work import attempt
from studytrack.web import local_datetime

# What the pages of one reflection show: its session and group (breadcrumb), author, reviewer.
REFLECTION_PAGE = (
    joinedload(Reflection.session, innerjoin=True).joinedload(StudySession.group, innerjoin=True),
    joinedload(Reflection.author, innerjoin=True),
    joinedload(Reflection.reviewer),
)


def _actor() -> User:
    user: User = current_user._get_current_object()  # flask_login has no types
    return user


def _set_version(form: ReflectionForm, version: int | None) -> None:
    """The version the next save is made against (hidden fields render their raw input)."""
    form.version.data = version
    form.version.raw_data = [] if version is None else [str(version)]


# --- the editor ---------------------------------------------------------------------------------


def _mine(session: StudySession, owes: bool, reflection: Reflection | None) -> authz.ReflectionRef:
    """The current user's reflection on `session` as the policy sees it: the one they have, or
    the one they would write; `owes` is the roster's answer."""
    session_ref = authz.target_of(session)
    assert isinstance(session_ref, authz.SessionRef)  # a StudySession's target
    return authz.ReflectionRef(
        session_ref, current_user.id,
        reflection.status if reflection is not None else None, author_must_write=owes,
    )


def _render_editor(
    session: StudySession,
    form: ReflectionForm,
    reflection: Reflection | None,
    owes: bool,
    saved: Reflection | None = None,
) -> Any:
    writable = authz.can("reflection.write", _mine(session, owes, reflection))
    return render_template(
        "reflections/edit.html",
        session=session,
        form=form,
        reflection=reflection,
        required=owes,
        writable=writable,
        show_editor=writable or request.method == "POST",
        saved=saved,
        count=services.count_characters(form.body.data),
        storage_key=f"studytrack:reflection:{session.id}:{current_user.id}",
        today=today_local(),
    )


@bp.route("/sessions/<int:session_id>/reflection", methods=["GET", "POST"])
@login_required
def edit(session_id: int) -> Any:
    session = authz.session_or_404(session_id, joinedload(StudySession.group))
    user = _actor()
    owes, reflection = queries.stand_of(session, user)
    # Their own reflection, written or owed; anyone else's editor is not theirs to open.
    authz.require("reflection.view", _mine(session, owes, reflection))
    form = ReflectionForm(obj=reflection if request.method == "GET" else None)
    if request.method == "GET":
        _set_version(form, reflection.version if reflection else None)
    saved = None
    if form.validate_on_submit():
        submitting = request.form.get("action") == "submit"
        too_short = None
        with attempt(form) as outcome:
            reflection = services.save_draft(
                session, user, form.title.data, form.body.data, form.version.data
            )
            # A text too short to hand in is saved all the same: asked before submitting, the
            # refusal leaves the draft to be committed with the response.
            too_short = services.too_short_to_hand_in(reflection) if submitting else None
            if submitting and too_short is None:
                services.submit(reflection)
        if outcome.ok and too_short is None:
            flash(_("Your reflection has been submitted to the study secretary.") if submitting
                  else _("Your draft has been saved."), "success")
            return redirect(url_for(".edit", session_id=session.id))
        if outcome.ok and too_short is not None:  # saved as a draft, not handed in
            too_short.show_on(form)
            _set_version(form, reflection.version)
        elif outcome.conflict:
            # Saved elsewhere meanwhile: show that version; the next save is made against it.
            saved = reflection = queries.my_reflection(session, user)
            _set_version(form, saved.version if saved else None)
    return _render_editor(session, form, reflection, owes, saved=saved)


@bp.post("/sessions/<int:session_id>/reflection/autosave")
@csrf.exempt  # checked below, after the login: an expired login must answer 401, not 400
def autosave(session_id: int) -> Any:
    """Save the draft from the editor's script. JSON in every case:
    200 {version, saved_at, saved_at_local, char_count}; 401 login expired; 400 stale page
    (CSRF); 404; 409 saved elsewhere (version conflict); 422 refused (closed, not required…)."""
    if not current_user.is_authenticated:
        return _json_error(401, "login", _(
            "Your login has expired. Your text is kept in this browser: log in again in another "
            "tab, then reload this page."
        ))
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
        except ValidationError:
            return _json_error(400, "expired", _(
                "This page has expired. Your text is kept in this browser: reload the page to "
                "continue."
            ))
    # Not session_or_404: its 404 is an HTML page, and the script reads JSON.
    session = db.session.get(StudySession, session_id)
    if session is None or not authz.can("session.view", session):
        return _json_error(404, "not_found", _("This session cannot be found."))
    # The editor's fields, read by its form (text cleaned, the version a number in range); the
    # CSRF token was checked above. Lengths and the rules are the service's to check.
    form = ReflectionForm(meta={"csrf": False})
    form.version.validate(form)
    if form.version.errors:
        return _json_error(400, "invalid", _("The request could not be understood."))
    with attempt(show=False) as outcome:
        reflection = services.save_draft(
            session, _actor(), form.title.data, form.body.data, form.version.data
        )
    if outcome.error is not None:
        error = outcome.error
        if outcome.conflict:
            saved = error.reflection if isinstance(error, services.StaleReflection) else None
            return _json_error(409, "conflict", error.message,
                               version=saved.version if saved is not None else None)
        return _json_error(422, "refused", error.message, field=error.field)
    return jsonify(
        version=reflection.version,
        saved_at=reflection.updated_at.isoformat(),
        saved_at_local=format_datetime(reflection.updated_at, "HH:mm:ss"),
        char_count=reflection.char_count,
    )


def _json_error(status: int, error: str, message: Any, **extra: Any) -> Any:
    return jsonify(error=error, message=str(message), **extra), status


# --- reading and reviewing ----------------------------------------------------------------------


class Card(NamedTuple):
    """A handed-in reflection on the review page, with the texts of its header line."""

    reflection: queries.HandedIn
    submitted: str  # "Submitted <when>", or "" before it was
    characters: str


def _cards(reflections: list[queries.HandedIn]) -> list[Card]:
    # Formatted here, where `_()` costs half what it costs in a template: a page has dozens.
    return [
        Card(r, _("Submitted %(when)s", when=local_datetime(r.submitted_at))
             if r.submitted_at else "",
             ngettext("%(num)d character", "%(num)d characters", r.char_count))
        for r in reflections
    ]


@bp.get("/sessions/<int:session_id>/reflections")
@login_required
def session_review(session_id: int) -> Any:
    """Who owes a reflection, the queue waiting for review, and every handed-in text."""
    session = authz.session_or_404(session_id, joinedload(StudySession.group))
    authz.require("reflection.view", session)
    rows = queries.owed(session)
    reflections = queries.handed_in(session)
    queue = sorted(
        (r for r in reflections if r.status == ReflectionStatus.SUBMITTED),
        key=lambda r: (r.submitted_at, r.id),
    )
    may_review = authz.can("reflection.review", session)
    if may_review:  # reviewers find the submitted ones in the queue, above the others
        reflections = [r for r in reflections if r.status != ReflectionStatus.SUBMITTED]
    here = url_for(".session_review", session_id=session.id)
    return render_template(
        "reflections/session_review.html",
        session=session,
        rows=rows,
        counts=queries.counts_of(rows),
        others=_cards(reflections),
        queue=_cards(queue),
        return_form=ReturnForm(formdata=None, next=here) if may_review and queue else None,
        may_review=may_review,
        here=here,
    )


@bp.get("/groups/<int:group_id>/reflections/review")
@login_required
def group_review(group_id: int) -> Any:
    group = authz.group_or_404(group_id)
    authz.require("reflection.review", group)
    page = inputs.page_number()
    queue = queries.group_review_queue(group, page)
    here = url_for(".group_review", group_id=group.id, page=page if page > 1 else None)
    return render_template(
        "reflections/group_review.html",
        group=group,
        queue=queue,
        return_form=ReturnForm(formdata=None, next=here) if queue.items else None,
        here=here,
    )


def _render_detail(reflection: Reflection, return_form: ReturnForm | None = None) -> Any:
    back = next_url(url_for(".session_review", session_id=reflection.session_id))
    if return_form is None and reflection.status == ReflectionStatus.SUBMITTED:
        return_form = ReturnForm(formdata=None, next=back)
    return render_template(
        "reflections/detail.html",
        reflection=reflection,
        session=reflection.session,
        return_form=return_form,
        back=back,
    )


@bp.get("/reflections/<int:reflection_id>")
@login_required
def detail(reflection_id: int) -> Any:
    reflection = authz.reflection_or_404(reflection_id, *REFLECTION_PAGE)
    if reflection.author_id == current_user.id:
        return redirect(url_for(".edit", session_id=reflection.session_id))
    return _render_detail(reflection)


def _to_review(reflection_id: int) -> Reflection:
    """The reflection a reviewer accepts or returns: 404 unless they may read it, 403 unless
    they review the group's reflections."""
    reflection = authz.reflection_or_404(reflection_id, *REFLECTION_PAGE)
    authz.require("reflection.review", reflection)
    return reflection


@bp.post("/reflections/<int:reflection_id>/accept")
@login_required
def accept(reflection_id: int) -> Any:
    reflection = _to_review(reflection_id)
    back = next_url(url_for(".session_review", session_id=reflection.session_id))
    if not AcceptForm().validate_on_submit():
        abort(400)
    with attempt() as outcome:  # a refusal is flashed
        services.accept(reflection, _actor())
    if outcome.ok:
        flash(_("The reflection of %(name)s has been accepted.",
                name=reflection.author.display_name), "success")
    return redirect(back)


@bp.post("/reflections/<int:reflection_id>/return")
@login_required
def return_for_revision(reflection_id: int) -> Any:
    reflection = _to_review(reflection_id)
    form = ReturnForm()
    if form.validate_on_submit():
        with attempt(form) as outcome:
            services.return_for_revision(reflection, _actor(), form.comment.data)
        if outcome.ok:
            flash(_("The reflection has been returned to %(name)s for revision.",
                    name=reflection.author.display_name), "success")
            return redirect(next_url(url_for(".session_review",
                                             session_id=reflection.session_id)))
    return _render_detail(reflection, return_form=form)
