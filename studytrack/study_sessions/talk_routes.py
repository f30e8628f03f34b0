"""Talks of a session: the chair's address, keynote talks and exchange talks, in order.

Each handler: load the session (or talk) scoped to the user (404) -> "session.edit" (403;
closed sessions are locked) -> form -> one service call -> commit -> flash -> redirect.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from wtforms import Form

from studytrack import authz
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import StudySession, Talk
from studytrack.study_sessions import talk_services as services
from studytrack.study_sessions.attendance_queries import speaker_choices
from studytrack.study_sessions.blueprint import bp
from studytrack.study_sessions.talk_forms import MoveTalkForm, TalkForm


def _session_to_edit(session_id: int) -> StudySession:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    return session


def _talk_to_edit(talk_id: int) -> Talk:
    """A talk of a session the user may see (else 404) and edit (else 403)."""
    talk = db.session.get(Talk, talk_id)
    if talk is None or not authz.can("session.view", talk.session):
        abort(404)
    authz.require("session.edit", talk.session)
    return talk


def _attach(form: Form, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors = [*form.form_errors, error.message]


def _back(session: StudySession) -> Any:
    return redirect(url_for(".detail", session_id=session.id, _anchor="talks"))


def _render_form(session: StudySession, form: TalkForm, talk: Talk | None = None) -> Any:
    return render_template("study_sessions/talk_form.html", session=session, form=form, talk=talk)


@bp.get("/sessions/<int:session_id>/talks/new")
@login_required
def new_talk(session_id: int) -> Any:
    session = _session_to_edit(session_id)
    # The first talk is usually the chair's address; the rest are exchange talks.
    kind = "chair_address" if not session.talks else "exchange"
    data: dict[str, Any] = {"kind": kind}
    if kind == "chair_address" and session.chair_id:
        data["speaker_id"] = session.chair_id
    form = TalkForm(formdata=None, data=data, people=speaker_choices(session))
    return _render_form(session, form)


@bp.post("/sessions/<int:session_id>/talks")
@login_required
def add_talk(session_id: int) -> Any:
    session = _session_to_edit(session_id)
    form = TalkForm(people=speaker_choices(session))
    if form.validate_on_submit():
        try:
            talk = services.add_talk(session, form.to_data())
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            number = talk.position + 1
            db.session.commit()
            flash(_("Talk %(number)d has been added.", number=number), "success")
            if request.form.get("add_another"):
                return redirect(url_for(".new_talk", session_id=session.id))
            return _back(session)
    return _render_form(session, form)


@bp.route("/talks/<int:talk_id>/edit", methods=["GET", "POST"])
@login_required
def edit_talk(talk_id: int) -> Any:
    talk = _talk_to_edit(talk_id)
    session = talk.session
    stored = {
        "kind": talk.kind.value,
        "speaker_id": talk.speaker_id,
        "speaker_name": talk.speaker_name,
        "title": talk.title,
        "summary": talk.summary,
    }
    form = TalkForm(
        data=stored if request.method == "GET" else None,
        people=speaker_choices(session, keep=talk.speaker_id),
    )
    if form.validate_on_submit():
        try:
            changes = services.update_talk(talk, form.to_data())
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            if changes:
                flash(_("The talk has been saved."), "success")
            else:
                flash(_("The talk was not changed."), "info")
            return _back(session)
    return _render_form(session, form, talk)


@bp.post("/talks/<int:talk_id>/delete")
@login_required
def delete_talk(talk_id: int) -> Any:
    talk = _talk_to_edit(talk_id)
    session = talk.session
    services.delete_talk(talk)
    db.session.commit()
    flash(_("The talk has been removed."), "success")
    return _back(session)


@bp.post("/talks/<int:talk_id>/move")
@login_required
def move_talk(talk_id: int) -> Any:
    talk = _talk_to_edit(talk_id)
    session = talk.session
    form = MoveTalkForm()
    if not form.validate_on_submit():
        flash(str(services.CHOOSE_DIRECTION), "danger")
        return _back(session)
    if services.move_talk(talk, form.direction.data):
        db.session.commit()
        flash(_("The order of the talks has been changed."), "success")
    return _back(session)
