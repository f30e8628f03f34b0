"""Routes of the reflections blueprint: the member's editor (with autosave), the secretary's
review pages, and accepting or returning a reflection.

Who may do what (authz): the roster decides who writes (`Attendance.owes_reflection`); a
reflection is read by its author and by the group's secretaries and the leaders above it — never
by fellow members, and nobody but the author sees a draft.
"reflection.review" (secretaries, admin) accepts and returns.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import validate_csrf
from sqlalchemy.orm.exc import StaleDataError
from wtforms.validators import ValidationError

from studytrack import authz
from studytrack.errors import DomainError
from studytrack.extensions import csrf, db
from studytrack.models import Reflection, ReflectionStatus, SessionStatus, StudySession, User
from studytrack.reflections import queries, services
from studytrack.reflections.blueprint import bp
from studytrack.reflections.forms import (
    AcceptForm,
    ReflectionForm,
    ReturnForm,
    review_prefix,
    show_error,
)
from studytrack.reflections.texts import LineTexts
from studytrack.timeutil import today_local

# --- helpers ------------------------------------------------------------------------------------


def _actor() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _next_url(default: str) -> str:
    """A path on this site given by the form (`next`, also prefixed), else `default`."""
    target = request.form.get("next") or request.args.get("next") or ""
    if not target:
        target = next((v for k, v in request.form.items() if k.endswith("-next") and v), "")
    if target.startswith("/") and not target.startswith("//") and not any(
        char == "\\" or char <= " " for char in target
    ):
        return target
    return default


def _reflection_or_404(reflection_id: int) -> Reflection:
    """The reflection if the user may read it, else 404: its author always; others when they
    reach the session and may read the group's reflections, and never a draft."""
    reflection = queries.reflection_for_page(reflection_id)
    if reflection is None:
        abort(404)
    if reflection.author_id != current_user.id:
        authz.session_or_404(reflection.session_id)
        if reflection.status == ReflectionStatus.DRAFT:
            abort(404)
    if not authz.can("reflection.view", reflection):
        abort(404)
    return reflection


def _set_version(form: ReflectionForm, version: int | None) -> None:
    """The version the next save is made against (hidden fields render their raw input)."""
    form.version.data = version
    form.version.raw_data = [] if version is None else [str(version)]


def _storage_key(session: StudySession) -> str:
    return f"studytrack:reflection:{session.id}:{current_user.id}"


# --- the editor ---------------------------------------------------------------------------------


def _render_editor(
    session: StudySession,
    form: ReflectionForm,
    reflection: Reflection | None,
    required: bool,
    saved: Reflection | None = None,
) -> Any:
    writable = (
        required
        and session.status == SessionStatus.PUBLISHED
        and (reflection is None or reflection.status in services.WRITABLE)
    )
    return render_template(
        "reflections/edit.html",
        session=session,
        form=form,
        reflection=reflection,
        required=required,
        writable=writable,
        show_editor=writable or request.method == "POST",
        saved=saved,
        count=services.count_characters(form.body.data),
        storage_key=_storage_key(session),
        today=today_local(),
    )


@bp.route("/sessions/<int:session_id>/reflection", methods=["GET", "POST"])
@login_required
def edit(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    user = _actor()
    attendance = services.attendance_of(session, user)
    required = attendance is not None and attendance.owes_reflection
    reflection = queries.my_reflection(session, user)
    if reflection is None and not required:
        abort(403)
    form = ReflectionForm(obj=reflection if request.method == "GET" else None)
    if request.method == "GET":
        _set_version(form, reflection.version if reflection else None)
    saved = None
    if form.validate_on_submit():
        submitting = request.form.get("action") == "submit"
        try:
            reflection = services.save_draft(
                session, user, form.title.data, form.body.data, form.version.data
            )
        except services.StaleReflection as error:
            db.session.rollback()
            saved = queries.my_reflection(session, user)
            form.form_errors.append(error.message)
        except (StaleDataError, sa.exc.IntegrityError):
            # Saved elsewhere between our check and our write.
            db.session.rollback()
            saved = queries.my_reflection(session, user)
            form.form_errors.append(services.StaleReflection(saved).message)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            if not submitting:
                db.session.commit()
                flash(_("Your draft has been saved."), "success")
                return redirect(url_for(".edit", session_id=session.id))
            try:
                services.submit(reflection)
            except DomainError as error:
                db.session.commit()  # the draft is kept; only the submission was refused
                show_error(form, error)
                _set_version(form, reflection.version)
            except StaleDataError:
                db.session.rollback()
                saved = queries.my_reflection(session, user)
                form.form_errors.append(services.StaleReflection(saved).message)
            else:
                db.session.commit()
                flash(_("Your reflection has been submitted to the study secretary."), "success")
                return redirect(url_for(".edit", session_id=session.id))
        if saved is not None:
            # The next save is deliberate: it is made against the version now shown.
            _set_version(form, saved.version)
            reflection = saved
    return _render_editor(session, form, reflection, required, saved=saved)


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
    session = db.session.get(StudySession, session_id)
    if session is None or not authz.can("session.view", session):
        return _json_error(404, "not_found", _("This session cannot be found."))
    raw_version = request.form.get("version", "").strip()
    try:
        version = int(raw_version) if raw_version else None
    except ValueError:
        return _json_error(400, "invalid", _("The request could not be understood."))
    try:
        reflection = services.save_draft(
            session, _actor(), request.form.get("title"), request.form.get("body"), version
        )
        db.session.commit()
    except services.StaleReflection as error:
        db.session.rollback()
        return _json_error(409, "conflict", error.message,
                           version=error.reflection.version if error.reflection else None)
    except (StaleDataError, sa.exc.IntegrityError):
        db.session.rollback()
        return _json_error(409, "conflict", services.StaleReflection(None).message)
    except DomainError as error:
        db.session.rollback()
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
    """A handed-in reflection as the review page shows it, its texts formatted for the page."""

    reflection: queries.HandedIn
    submitted: str  # "Submitted <when>"
    characters: str


def _cards(reflections: list[queries.HandedIn], texts: LineTexts) -> list[Card]:
    return [
        Card(r, texts.submitted(r.submitted_at), texts.characters(r.char_count))
        for r in reflections
    ]


@bp.get("/sessions/<int:session_id>/reflections")
@login_required
def session_review(session_id: int) -> Any:
    """Who owes a reflection, the queue waiting for review, and every handed-in text."""
    session = authz.session_or_404(session_id)
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
    texts = LineTexts()
    return render_template(
        "reflections/session_review.html",
        session=session,
        rows=rows,
        counts=queries.counts_of(rows),
        others=_cards(reflections, texts),
        queue=_cards(queue, texts),
        may_review=may_review,
        here=url_for(".session_review", session_id=session.id),
    )


@bp.get("/groups/<int:group_id>/reflections/review")
@login_required
def group_review(group_id: int) -> Any:
    group = authz.group_or_404(group_id)
    authz.require("reflection.review", group)
    queue = queries.group_review_queue(group)
    return render_template(
        "reflections/group_review.html",
        group=group,
        queue=queue,
        here=url_for(".group_review", group_id=group.id),
    )


def _render_detail(reflection: Reflection, return_form: ReturnForm | None = None) -> Any:
    if return_form is None and reflection.status == ReflectionStatus.SUBMITTED:
        return_form = ReturnForm(formdata=None, prefix=review_prefix(reflection.id))
    back = _next_url(url_for(".session_review", session_id=reflection.session_id))
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
    reflection = _reflection_or_404(reflection_id)
    if reflection.author_id == current_user.id:
        return redirect(url_for(".edit", session_id=reflection.session_id))
    return _render_detail(reflection)


@bp.post("/reflections/<int:reflection_id>/accept")
@login_required
def accept(reflection_id: int) -> Any:
    reflection = _reflection_or_404(reflection_id)
    authz.require("reflection.review", reflection)
    back = _next_url(url_for(".session_review", session_id=reflection.session_id))
    form = AcceptForm(prefix=review_prefix(reflection.id))
    if not form.validate_on_submit():
        abort(400)
    try:
        services.accept(reflection, _actor())
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_("Someone else reviewed this reflection just now. Please check it again."),
              "warning")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        flash(_("The reflection of %(name)s has been accepted.",
                name=reflection.author.display_name), "success")
    return redirect(back)


@bp.post("/reflections/<int:reflection_id>/return")
@login_required
def return_for_revision(reflection_id: int) -> Any:
    reflection = _reflection_or_404(reflection_id)
    authz.require("reflection.review", reflection)
    form = ReturnForm(prefix=review_prefix(reflection.id))
    if form.validate_on_submit():
        try:
            services.return_for_revision(reflection, _actor(), form.comment.data)
            db.session.commit()
        except StaleDataError:
            db.session.rollback()
            form.form_errors.append(
                _("Someone else reviewed this reflection just now. Please check it again.")
            )
            reflection = _reflection_or_404(reflection_id)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            reflection = _reflection_or_404(reflection_id)
        else:
            flash(_("The reflection has been returned to %(name)s for revision.",
                    name=reflection.author.display_name), "success")
            return redirect(_next_url(url_for(".session_review",
                                              session_id=reflection.session_id)))
    return _render_detail(reflection, return_form=form)
