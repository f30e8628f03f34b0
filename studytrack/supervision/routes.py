"""A session's supervision page (列席旁听): the leaders above send a supervisor; the supervisor
evaluates; the group's secretaries and the leaders above read the evaluations.

/sessions/<id>/supervision                       the page (and sending a supervisor: POST)
/sessions/<id>/supervision/search                the picker's matches (htmx)
/sessions/<id>/supervision/<sid>/evaluation      the supervisor's evaluation (POST)
/sessions/<id>/supervision/<sid>/withdraw        take a supervisor back (POST)
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from studytrack import authz
from studytrack.extensions import db
from studytrack.models import StudyGroup, StudySession, Supervision, User
from studytrack.pickers import matches_fragment
from studytrack.supervision import queries, services
from studytrack.supervision.blueprint import bp
from studytrack.supervision.forms import AssignForm, EvaluationForm, evaluation_form
from studytrack.unit_of_work import attempt

GROUP_UNIT = joinedload(StudySession.group).joinedload(StudyGroup.organization)


def _session(session_id: int, permission: str) -> StudySession:
    session = authz.session_or_404(session_id, GROUP_UNIT)
    authz.require(permission, session)
    return session


def _assign_form(session: StudySession, **kwargs: Any) -> AssignForm | None:
    """The form to send a supervisor, for whoever may (None for the others)."""
    if not authz.can("supervision.assign", session):
        return None
    unit = queries.sending_unit(current_user, session)
    if unit is None:
        return None
    form = AssignForm(people=queries.candidates(unit), **kwargs)
    if not form.is_submitted():
        form.points.data = "\n".join(queries.points_of(unit))
    return form


def _mine(supervisions: list[Supervision]) -> Supervision | None:
    return next((s for s in supervisions if s.supervisor_id == current_user.id), None)


def _render(session: StudySession, assign: AssignForm | None = None,
            evaluation: EvaluationForm | None = None) -> Any:
    supervisions = queries.of_session(session)
    mine = _mine(supervisions)
    if evaluation is None and mine is not None:
        evaluation = evaluation_form(mine.points, mine.ratings, comments=mine.comments)
    errors = (assign is not None and assign.errors) or (evaluation is not None
                                                         and evaluation.errors)
    return render_template(
        "supervision/session.html", session=session, supervisions=supervisions, mine=mine,
        assign_form=assign if assign is not None else _assign_form(session),
        evaluation_form=evaluation,
    ), 400 if errors else 200


@bp.route("/sessions/<int:session_id>/supervision", methods=["GET", "POST"])
@login_required
def session_supervision(session_id: int) -> Any:
    session = _session(session_id, "supervision.view")
    form = _assign_form(session) if request.method == "POST" else None
    if request.method == "POST":
        if form is None:
            abort(403)
        if form.validate_on_submit():
            unit = queries.sending_unit(current_user, session)
            assert unit is not None
            with attempt(form) as outcome:
                supervisor = db.session.get(User, form.user_id.data)
                services.assign(session, unit, supervisor, form.point_list(), current_user)
            if outcome.ok:
                flash(_("The supervisor has been sent: the session now opens for them."),
                      "success")
                return redirect(url_for(".session_supervision", session_id=session.id))
    return _render(session, assign=form)


@bp.get("/sessions/<int:session_id>/supervision/search")
@login_required
def search_supervisors(session_id: int) -> Any:
    session = _session(session_id, "supervision.assign")
    form = _assign_form(session, formdata=request.args)
    if form is None:
        abort(403)
    return matches_fragment(form.user_id)


def _supervision(session: StudySession, supervision_id: int) -> Supervision:
    supervision = db.session.get(Supervision, supervision_id)
    if supervision is None or supervision.session_id != session.id:
        abort(404)
    return supervision


@bp.post("/sessions/<int:session_id>/supervision/<int:supervision_id>/evaluation")
@login_required
def evaluate(session_id: int, supervision_id: int) -> Any:
    session = _session(session_id, "supervision.evaluate")
    supervision = _supervision(session, supervision_id)
    if supervision.supervisor_id != current_user.id:
        abort(403)  # each supervisor evaluates for themselves
    form = evaluation_form(supervision.points, supervision.ratings)
    if form.validate_on_submit():
        services.evaluate(supervision, form.ratings(), form.comments.data)
        flash(_("Your evaluation has been saved."), "success")
        return redirect(url_for(".session_supervision", session_id=session.id))
    return _render(session, evaluation=form)


@bp.post("/sessions/<int:session_id>/supervision/<int:supervision_id>/withdraw")
@login_required
def withdraw(session_id: int, supervision_id: int) -> Any:
    session = _session(session_id, "supervision.assign")
    supervision = _supervision(session, supervision_id)
    services.withdraw(supervision, current_user)
    flash(_("The supervisor has been withdrawn."), "success")
    return redirect(url_for(".session_supervision", session_id=session.id))
