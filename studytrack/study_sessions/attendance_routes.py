"""Attendance of a session: the roster page, marking everyone present, observers, make-up.

Each handler: load the session (or the attendance row) scoped to the user (404) -> permission
(403) -> form -> one service call -> commit -> flash -> redirect. A refused form re-renders
the same page with everything typed and the errors beside the fields.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from wtforms import Form

from studytrack import authz, timeutil
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import Attendance, StudySession
from studytrack.study_sessions import attendance_queries as queries
from studytrack.study_sessions import attendance_services as services
from studytrack.study_sessions.attendance_forms import (
    MakeupForm,
    ObserverForm,
    RosterForm,
    roster_form,
)
from studytrack.study_sessions.blueprint import bp


@bp.app_template_global("attendance_summary")
def _attendance_summary_global(attendances: Any) -> queries.AttendanceSummary:
    return queries.attendance_summary(attendances)


@bp.app_template_global("can_record_makeup")
def _can_record_makeup_global(session: StudySession) -> bool:
    return services.can_record_makeup(session)


# --- loaders -------------------------------------------------------------------------------


def _session_to_edit(session_id: int) -> StudySession:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    return session


def _attendance_or_404(attendance_id: int) -> Attendance:
    """A row of a session the user may see, or 404 (other groups' rows answer 404)."""
    attendance = db.session.get(Attendance, attendance_id)
    if attendance is None or not authz.can("session.view", attendance.session):
        abort(404)
    return attendance


def _attach(form: Form, error: DomainError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors = [*form.form_errors, error.message]


def _render_page(
    session: StudySession,
    form: RosterForm | None = None,
    observer_form: ObserverForm | None = None,
) -> Any:
    rows = queries.roster(session)
    if form is None:
        form = roster_form(rows, from_request=False)
    if observer_form is None:
        observer_form = ObserverForm(formdata=None, people=queries.observer_choices(session))
    return render_template(
        "study_sessions/attendance.html",
        session=session,
        summary=queries.attendance_summary(rows),
        form=form,
        observer_form=observer_form,
        today=timeutil.today_local(),
    )


# --- the roster ----------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@login_required
def attendance(session_id: int) -> Any:
    session = _session_to_edit(session_id)
    if request.method == "GET":
        services.ensure_roster(session)
        db.session.commit()
        return _render_page(session)
    form = roster_form(queries.roster(session))
    if form.validate_on_submit():
        try:
            changed = services.save_attendance(session, form.inputs())
        except services.RowErrors as error:
            db.session.rollback()
            for problem in error.problems:
                field = form.row(problem.attendance_id)[problem.field]
                field.errors = [*field.errors, problem.message]
                if problem.field == "status":
                    form.reload_row(
                        problem.attendance_id, problem.current_status, problem.current_reason
                    )
        else:
            db.session.commit()
            if changed:
                flash(ngettext("Attendance saved: %(num)d person changed.",
                               "Attendance saved: %(num)d people changed.", changed), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for(".detail", session_id=session.id, _anchor="attendance"))
    flash(_("Nothing has been saved. Please correct the rows marked below."), "danger")
    return _render_page(session, form=form)


@bp.post("/sessions/<int:session_id>/attendance/mark-present")
@login_required
def mark_all_present(session_id: int) -> Any:
    session = _session_to_edit(session_id)
    count = services.mark_all_present(session)
    db.session.commit()
    if count:
        flash(ngettext("%(num)d person still unmarked has been marked present.",
                       "%(num)d people still unmarked have been marked present.", count),
              "success")
    else:
        flash(_("Everyone was already marked; nothing was changed."), "info")
    return redirect(url_for(".attendance", session_id=session.id))


# --- observers -----------------------------------------------------------------------------


@bp.post("/sessions/<int:session_id>/attendance/observers")
@login_required
def add_observer(session_id: int) -> Any:
    session = _session_to_edit(session_id)
    form = ObserverForm(people=queries.observer_choices(session))
    if form.validate_on_submit():
        try:
            row = services.add_observer(
                session, form.user_id.data, form.guest_name.data, form.guest_position.data
            )
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            name = row.name
            db.session.commit()
            flash(_("%(name)s has been added as an observer.", name=name), "success")
            return redirect(url_for(".attendance", session_id=session.id, _anchor="observers"))
    return _render_page(session, observer_form=form)


@bp.post("/attendance/<int:attendance_id>/remove")
@login_required
def remove_attendance(attendance_id: int) -> Any:
    attendance = _attendance_or_404(attendance_id)
    session = attendance.session
    authz.require("session.edit", session)
    name = attendance.name
    try:
        services.remove_attendance(attendance)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        db.session.commit()
        flash(_("%(name)s has been removed from the attendance list.", name=name), "success")
    return redirect(url_for(".attendance", session_id=session.id, _anchor="observers"))


# --- make-up study -------------------------------------------------------------------------


@bp.route("/attendance/<int:attendance_id>/makeup", methods=["GET", "POST"])
@login_required
def record_makeup(attendance_id: int) -> Any:
    attendance = _attendance_or_404(attendance_id)
    session = attendance.session
    if not services.can_record_makeup(session):
        abort(403)
    back = (
        url_for(".attendance", session_id=session.id)
        if authz.can("session.edit", session)
        else url_for(".detail", session_id=session.id, _anchor="attendance")
    )
    if attendance.status not in services.MAKEUP_STATUSES:
        flash(str(services.MAKEUP_ONLY_FOR_MISSED), "warning")
        return redirect(back)
    form = MakeupForm(
        data={"makeup_on": attendance.makeup_on, "makeup_note": attendance.makeup_note}
    )
    session_day = timeutil.local_date_of(session.starts_at)
    today = timeutil.today_local()
    form.makeup_on.render_kw = {"max": today.isoformat()}
    if session_day is not None:
        form.makeup_on.render_kw["min"] = session_day.isoformat()
    if form.validate_on_submit():
        try:
            services.record_makeup(attendance, form.makeup_on.data, form.makeup_note.data)
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
            flash(_("The make-up study of %(name)s has been recorded.", name=attendance.name),
                  "success")
            return redirect(back)
    return render_template(
        "study_sessions/attendance_makeup.html",
        session=session,
        attendance=attendance,
        form=form,
        back=back,
    )
