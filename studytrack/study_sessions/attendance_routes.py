"""Attendance of a session: the roster page, marking everyone present, observers, make-up.

Each handler: load the session (or the attendance row) through authz (404) -> permission (403)
-> form -> one service call in `attempt()` -> flash -> redirect. A refused form re-renders the
same page with everything typed and the errors beside the fields. The list itself is made when
the session is created and when it is published; the page only reads it, and offers to add the
group's members who joined since.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from studytrack import authz, timeutil
from studytrack.models import Attendance, StudySession
from studytrack.pickers import matches_fragment
from studytrack.study_sessions import attendance_queries as queries
from studytrack.study_sessions import attendance_services as services
from studytrack.study_sessions.attendance_forms import (
    MakeupForm,
    ObserverForm,
    RosterForm,
    roster_form,
)
from studytrack.study_sessions.blueprint import bp
from studytrack.study_sessions.rules import MAKEUP_ONLY_FOR_MISSED
from studytrack.unit_of_work import attempt


@bp.app_template_global("attendance_summary")
def _attendance_summary_global(attendances: Any) -> queries.AttendanceSummary:
    return queries.attendance_summary(attendances)


def _render_page(
    session: StudySession,
    form: RosterForm | None = None,
    observer_form: ObserverForm | None = None,
) -> Any:
    rows = queries.roster(session)
    if form is None:
        form = roster_form(rows, from_request=False)
    if observer_form is None:
        observer_form = ObserverForm(formdata=None, people=queries.observer_candidates(session))
    return render_template(
        "study_sessions/attendance.html",
        session=session,
        summary=queries.attendance_summary(rows),
        missing=queries.missing_members(session),
        form=form,
        observer_form=observer_form,
        today=timeutil.today_local(),
    )


# --- the roster ----------------------------------------------------------------------------


@bp.get("/sessions/<int:session_id>/attendance")
@login_required
def attendance(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    return _render_page(session)


@bp.post("/sessions/<int:session_id>/attendance")
@login_required
def save_attendance(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    form = roster_form(queries.roster(session))
    if form.validate_on_submit():
        # A refused row shows its problem beside its field (rules.RowErrors.show_on).
        with attempt(form) as outcome:
            changed = services.save_attendance(session, form.inputs())
        if outcome.ok:
            if changed:
                flash(ngettext("Attendance saved: %(num)d person changed.",
                               "Attendance saved: %(num)d people changed.", changed), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for(".detail", session_id=session.id, _anchor="attendance"))
    flash(_("Nothing has been saved. Please correct the rows marked below."), "danger")
    return _render_page(session, form=form)


@bp.post("/sessions/<int:session_id>/attendance/members")
@login_required
def add_missing_members(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    with attempt() as outcome:
        added = services.ensure_roster(session)
    if outcome.ok:
        if added:
            flash(ngettext("%(num)d member of the group has been added to the list.",
                           "%(num)d members of the group have been added to the list.",
                           len(added)), "success")
        else:
            flash(_("Everyone in the group was already on the list; nothing was changed."),
                  "info")
    return redirect(url_for(".attendance", session_id=session.id))


@bp.post("/sessions/<int:session_id>/attendance/mark-present")
@login_required
def mark_all_present(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    count = services.mark_all_present(session)
    if count:
        flash(ngettext("%(num)d person still unmarked has been marked present.",
                       "%(num)d people still unmarked have been marked present.", count),
              "success")
    else:
        flash(_("Everyone was already marked; nothing was changed."), "info")
    return redirect(url_for(".attendance", session_id=session.id))


# --- observers -----------------------------------------------------------------------------


@bp.get("/sessions/<int:session_id>/attendance/observers/search")
@login_required
def search_observers(session_id: int) -> Any:
    """The observer picker's matches for the text typed (an htmx fragment)."""
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    form = ObserverForm(request.args, people=queries.observer_candidates(session))
    return matches_fragment(form.user_id)


@bp.post("/sessions/<int:session_id>/attendance/observers")
@login_required
def add_observer(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    form = ObserverForm(people=queries.observer_candidates(session))
    if form.validate_on_submit():
        with attempt(form) as outcome:
            row = services.add_observer(
                session, form.user_id.data, form.guest_name.data, form.guest_position.data
            )
        if outcome.ok:
            flash(_("%(name)s has been added as an observer.", name=row.name), "success")
            return redirect(url_for(".attendance", session_id=session.id, _anchor="observers"))
    return _render_page(session, observer_form=form)


@bp.post("/attendance/<int:attendance_id>/remove")
@login_required
def remove_attendance(attendance_id: int) -> Any:
    attendance = authz.load_or_404(Attendance, attendance_id)
    authz.require("session.edit", attendance)
    session_id, name = attendance.session_id, attendance.name
    with attempt() as outcome:
        services.remove_attendance(attendance)
    if outcome.ok:
        flash(_("%(name)s has been removed from the attendance list.", name=name), "success")
    return redirect(url_for(".attendance", session_id=session_id, _anchor="observers"))


# --- make-up study -------------------------------------------------------------------------


@bp.route("/attendance/<int:attendance_id>/makeup", methods=["GET", "POST"])
@login_required
def record_makeup(attendance_id: int) -> Any:
    attendance = authz.load_or_404(Attendance, attendance_id)
    authz.require("attendance.makeup", attendance)
    session = attendance.session
    back = (
        url_for(".attendance", session_id=session.id)
        if authz.can("session.edit", session)
        else url_for(".detail", session_id=session.id, _anchor="attendance")
    )
    if not attendance.missed:
        flash(str(MAKEUP_ONLY_FOR_MISSED), "warning")
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
        with attempt(form) as outcome:
            services.record_makeup(attendance, form.makeup_on.data, form.makeup_note.data)
        if outcome.ok:
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
