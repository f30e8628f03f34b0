"""Talks of a session: the chair's address, keynote talks and exchange talks, in order.

Each handler: load the session (or talk) through authz (404) -> "session.edit" (403; closed
sessions are locked) -> form -> one service call in `attempt()` -> flash -> redirect.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from studytrack import authz
from studytrack.models import StudySession, Talk
from studytrack.study_sessions import talk_services as services
from studytrack.study_sessions.attendance_queries import speaker_choices
from studytrack.study_sessions.blueprint import bp
from studytrack.study_sessions.rules import CHOOSE_DIRECTION
from studytrack.study_sessions.talk_forms import MoveTalkForm, TalkForm
from studytrack.submissions import once
from studytrack.unit_of_work import attempt


def _back(session_id: int) -> Any:
    return redirect(url_for(".detail", session_id=session_id, _anchor="talks"))


def _render_form(session: StudySession, form: TalkForm, talk: Talk | None = None) -> Any:
    return render_template("study_sessions/talk_form.html", session=session, form=form, talk=talk)


@bp.get("/sessions/<int:session_id>/talks/new")
@login_required
def new_talk(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    # The first talk is usually the chair's address; the rest are exchange talks.
    kind = "chair_address" if not session.talks else "exchange"
    data: dict[str, Any] = {"kind": kind}
    if kind == "chair_address" and session.chair_id:
        data["speaker_id"] = session.chair_id
    form = TalkForm(formdata=None, data=data, people=speaker_choices(session))
    return _render_form(session, form)


@bp.post("/sessions/<int:session_id>/talks")
@login_required
@once
def add_talk(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    form = TalkForm(people=speaker_choices(session))
    if form.validate_on_submit():
        with attempt(form) as outcome:
            talk = services.add_talk(session, form.to_data())
        if outcome.ok:
            flash(_("Talk %(number)d has been added.", number=talk.position + 1), "success")
            if request.form.get("add_another"):
                return redirect(url_for(".new_talk", session_id=session_id))
            return _back(session_id)
    return _render_form(session, form)


@bp.route("/talks/<int:talk_id>/edit", methods=["GET", "POST"])
@login_required
def edit_talk(talk_id: int) -> Any:
    talk = authz.load_or_404(Talk, talk_id)
    authz.require("session.edit", talk)
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
        with attempt(form) as outcome:
            changes = services.update_talk(talk, form.to_data())
        if outcome.ok:
            if changes:
                flash(_("The talk has been saved."), "success")
            else:
                flash(_("The talk was not changed."), "info")
            return _back(talk.session_id)
    return _render_form(session, form, talk)


@bp.post("/talks/<int:talk_id>/delete")
@login_required
def delete_talk(talk_id: int) -> Any:
    talk = authz.load_or_404(Talk, talk_id)
    authz.require("session.edit", talk)
    session_id = talk.session_id
    services.delete_talk(talk)
    flash(_("The talk has been removed."), "success")
    return _back(session_id)


@bp.post("/talks/<int:talk_id>/move")
@login_required
def move_talk(talk_id: int) -> Any:
    talk = authz.load_or_404(Talk, talk_id)
    authz.require("session.edit", talk)
    form = MoveTalkForm()
    if not form.validate_on_submit():
        flash(str(CHOOSE_DIRECTION), "danger")
    elif services.move_talk(talk, form.direction.data):
        flash(_("The order of the talks has been changed."), "success")
    return _back(talk.session_id)
