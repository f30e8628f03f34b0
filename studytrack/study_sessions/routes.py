"""The session record: list, create, edit, minutes, lifecycle, the session page and history.

Each handler: load through authz (404) -> require the permission (403) -> form -> one service
call in `attempt()` -> flash -> redirect. The request's unit of work commits once, after the
response is built; a refusal re-renders the form with the user's input and the message beside
its field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload

from studytrack import authz, inputs, timeutil
from studytrack.models import StudyGroup, StudySession
from studytrack.plans import queries as plan_queries
from studytrack.plans.labels import period_label
from studytrack.reflections.panel import reflection_panel
from studytrack.study_sessions import queries, services
from studytrack.study_sessions.blueprint import bp
from studytrack.study_sessions.forms import CancelForm, MinutesForm, SessionFilterForm, SessionForm
from studytrack.study_sessions.rules import STALE_ACTION
from studytrack.submissions import once
from studytrack.unit_of_work import Outcome, attempt

_BLANK_LINES = re.compile(r"\n[ \t\u3000]*\n+")


@bp.app_template_filter("paragraphs")
def paragraphs(text: str | None) -> Markup:
    """Plain text as HTML paragraphs: every character escaped, blank lines between paragraphs,
    single line breaks kept. Nothing a user types is ever interpreted as markup."""
    if not text:
        return Markup("")
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    escaped = str(escape(normalized))  # escaping leaves line breaks and spaces as they are
    blocks = [block for block in _BLANK_LINES.split(escaped) if block.strip()]
    return Markup("\n".join("<p>" + block.replace("\n", "<br>\n") + "</p>" for block in blocks))


# --- list ----------------------------------------------------------------------------------


@bp.get("/groups/<int:group_id>/sessions")
@login_required
def index(group_id: int) -> Any:
    group = authz.group_or_404(group_id, joinedload(StudyGroup.organization))  # in the heading
    authz.require("session.view", group)
    include_drafts = authz.can("session.view_draft", group)
    filters = SessionFilterForm(
        request.args,
        years=queries.session_years(group, include_drafts),
        statuses=queries.listed_statuses(include_drafts),
    )
    pagination = queries.group_sessions(
        group,
        include_drafts=include_drafts,
        year=filters.chosen_year,
        kind=filters.chosen_kind,
        status=filters.chosen_status,
        page=inputs.page_number(),
    )
    filtered = any((filters.chosen_year, filters.chosen_kind, filters.chosen_status))
    return render_template(
        "study_sessions/index.html", group=group, filters=filters, pagination=pagination,
        filtered=filtered,
    )


# --- create and edit -----------------------------------------------------------------------


def _form_data(session: StudySession) -> dict[str, Any]:
    return {
        "kind": session.kind.value,
        "topic": session.topic,
        "starts_at": timeutil.local_naive(session.starts_at),
        "ends_at": timeutil.local_naive(session.ends_at),
        "location": session.location,
        "chair_id": session.chair_id,
        "recorder_id": session.recorder_id,
        "reflection_due_on": session.reflection_due_on,
        "min_reflection_chars": session.min_reflection_chars,
        "plan_item_id": session.plan_item_id,
        "version": session.version,
    }


def _offer_plan_items(form: SessionForm, group: Any, year: int | None,
                      keep: int | None = None) -> None:
    """Offer the group's plan items of the session's year (as typed, else `year`)."""
    year = form.local_year or year or timeutil.today_local().year
    options = plan_queries.item_options(group, [year], keep=keep)
    form.set_plan_items([
        (
            option.id,
            ("" if option.year == year else f"{option.year} · ")
            + f"{period_label(option.month, option.quarter)} · {option.topic}",
        )
        for option in options
    ])


@bp.route("/groups/<int:group_id>/sessions/new", methods=["GET", "POST"])
@login_required
@once
def create(group_id: int) -> Any:
    group = authz.group_or_404(group_id)
    authz.require("session.create", group)
    form = SessionForm(
        member_choices=queries.member_choices(group),
        data={"kind": "collective", "min_reflection_chars": 0, "version": 0},
    )
    _offer_plan_items(form, group, None)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            session = services.create_session(group, form.to_data(), current_user)
        if outcome.ok:
            flash(_("The session has been saved as a draft. Publish it when the record is "
                    "ready for the members."), "success")
            return redirect(url_for(".detail", session_id=session.id))
    return render_template("study_sessions/form.html", form=form, group=group, session=None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    form = SessionForm(
        member_choices=queries.member_choices(
            session.group, keep=(session.chair_id, session.recorder_id)
        ),
        data=_form_data(session) if request.method == "GET" else None,
    )
    local_start = timeutil.local_naive(session.starts_at)
    _offer_plan_items(
        form, session.group, local_start.year, session.plan_item_id
    )
    outcome = Outcome()
    if form.validate_on_submit():
        with attempt(form, record=session) as outcome:
            services.update_session(session, form.to_data(), form.expected_version)
        if outcome.ok:
            flash(_("The session has been saved."), "success")
            return redirect(url_for(".detail", session_id=session.id))
    return render_template(
        "study_sessions/form.html", form=form, group=session.group, session=session,
        conflict=outcome.conflict,
    )


# --- minutes -------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/minutes", methods=["GET", "POST"])
@login_required
def minutes(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    form = MinutesForm(
        data={"minutes": session.minutes, "version": session.version}
        if request.method == "GET" else None
    )
    outcome = Outcome()
    if form.validate_on_submit():
        with attempt(form, record=session) as outcome:
            changed = services.save_minutes(session, form.minutes.data, form.expected_version)
        if outcome.ok:
            flash(_("The minutes have been saved.") if changed
                  else _("The minutes were not changed."), "success" if changed else "info")
            return redirect(url_for(".detail", session_id=session.id, _anchor="minutes"))
    return render_template(
        "study_sessions/minutes.html", form=form, session=session, conflict=outcome.conflict
    )


# --- the session page ----------------------------------------------------------------------


def _render_detail(session: StudySession, cancel_form: CancelForm | None = None) -> Any:
    return render_template(
        "study_sessions/detail.html",
        session=session,
        today=timeutil.today_local(),
        cancel_form=cancel_form or CancelForm(formdata=None, prefix="cancel"),
        cancel_open=bool(cancel_form and cancel_form.errors),
        cancel_reason=queries.cancel_reason(session),
        reflection_panel=reflection_panel(session),
    )


@bp.get("/sessions/<int:session_id>")
@login_required
def detail(session_id: int) -> Any:
    return _render_detail(authz.session_or_404(session_id, *queries.SESSION_PAGE))


# --- lifecycle -----------------------------------------------------------------------------


def _flash_refusal(outcome: Outcome) -> None:
    """A lifecycle button refused: why, or that someone else changed the session meanwhile."""
    if outcome.conflict:
        flash(str(STALE_ACTION), "warning")
    elif outcome.error is not None:
        flash(str(outcome.error.message), "danger")


def _change_state(
    session_id: int, permission: str, step: Callable[[StudySession], None], done: str
) -> Any:
    session = authz.session_or_404(session_id)
    authz.require(permission, session)
    with attempt(show=False) as outcome:
        step(session)
    if outcome.ok:
        flash(done, "success")
    _flash_refusal(outcome)
    return redirect(url_for(".detail", session_id=session_id))


@bp.post("/sessions/<int:session_id>/publish")
@login_required
def publish(session_id: int) -> Any:
    return _change_state(
        session_id, "session.edit", services.publish,
        _("The session has been published: the group's members can now see it."),
    )


@bp.post("/sessions/<int:session_id>/close")
@login_required
def close(session_id: int) -> Any:
    return _change_state(
        session_id, "session.edit", services.close,
        _("The session has been closed: its record is now locked."),
    )


@bp.post("/sessions/<int:session_id>/reopen")
@login_required
def reopen(session_id: int) -> Any:
    return _change_state(
        session_id, "session.reopen", services.reopen,
        _("The session has been reopened for corrections."),
    )


@bp.post("/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("session.edit", session)
    form = CancelForm(prefix="cancel")
    if not form.validate_on_submit():
        return _render_detail(session, form)
    with attempt(form, show=False) as outcome:
        services.cancel(session, form.reason.data)
    if outcome.ok:
        flash(_("The session has been cancelled. Its record is kept for the archive."),
              "success")
    elif outcome.error is not None and outcome.error.field is not None:
        outcome.error.show_on(form)
        return _render_detail(session, form)
    _flash_refusal(outcome)
    return redirect(url_for(".detail", session_id=session_id))


# --- history -------------------------------------------------------------------------------


@bp.get("/sessions/<int:session_id>/history")
@login_required
def history(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("audit.view", session)
    pagination, entries = queries.session_history(session, page=inputs.page_number())
    return render_template(
        "study_sessions/history.html", session=session, pagination=pagination, entries=entries
    )
