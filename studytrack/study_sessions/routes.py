"""The session record: list, create, edit, minutes, lifecycle, the session page and history."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import flash, get_template_attribute, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy.orm.exc import StaleDataError
from wtforms import Form

from studytrack import authz, timeutil
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import SessionKind, SessionStatus, StudySession
from studytrack.plans import queries as plan_queries
from studytrack.plans.labels import period_label
from studytrack.study_sessions import queries, services
from studytrack.study_sessions.blueprint import bp
from studytrack.study_sessions.forms import CancelForm, MinutesForm, SessionFilterForm, SessionForm
from studytrack.web import IdUrl, label_text

_BLANK_LINES = re.compile(r"\n[ \t\u3000]*\n+")


@bp.app_template_filter("paragraphs")
def paragraphs(text: str | None) -> Markup:
    """Plain text as HTML paragraphs: every character escaped, blank lines between paragraphs,
    single line breaks kept. Nothing a user types is ever interpreted as markup."""
    if not text:
        return Markup("")
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    # Escaped once as a whole (escaping leaves line breaks and spaces alone), then split and
    # joined as plain strings: per line, escaping and Markup.format were a long report's cost.
    escaped = str(escape(normalized))
    blocks = [block for block in _BLANK_LINES.split(escaped) if block.strip()]
    return Markup("\n".join("<p>" + block.replace("\n", "<br>\n") + "</p>" for block in blocks))


def _attach(form: Form, error: DomainError) -> None:
    """Show a service's DomainError beside its field (or above the form)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors = [*form.form_errors, error.message]


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


# --- list ----------------------------------------------------------------------------------

# The filter fields as rendered, by language, choices offered and choice made. WTForms renders
# every option of a select through Markup.format: the three selects cost a third of the page,
# and they read the same for every group with the same years and the same filter.
_RENDERED_FILTERS: dict[tuple[Any, ...], Markup] = {}
_RENDERED_FILTERS_MAX = 1024


def _filter_fields(filters: SessionFilterForm) -> Markup:
    """The list's filter fields as HTML, rendered only the first time they read this way."""
    fields = (filters.year, filters.kind, filters.status)
    offered = [tuple(choice.value for choice in field.choices) for field in fields]
    # Only choices that were offered are kept, not whatever was typed into the URL.
    keep = all(field.data is None or field.data in map(field.coerce, values)
               for field, values in zip(fields, offered, strict=True))
    key = (get_locale(), *offered, *(field.data for field in fields))
    html = _RENDERED_FILTERS.get(key) if keep else None
    if html is None:
        render = get_template_attribute("study_sessions/_session_macros.html", "filter_fields")
        html = Markup(render(filters))
        if keep:
            if len(_RENDERED_FILTERS) >= _RENDERED_FILTERS_MAX:
                _RENDERED_FILTERS.clear()
            _RENDERED_FILTERS[key] = html
    return html


@bp.get("/groups/<int:group_id>/sessions")
@login_required
def index(group_id: int) -> Any:
    group = authz.group_or_404(group_id)
    authz.require("session.view", group)
    include_drafts = authz.can("session.view_draft", group)
    filters = SessionFilterForm(
        request.args,
        years=queries.session_years(group, include_drafts),
        statuses=queries.listed_statuses(group),
    )
    pagination = queries.group_sessions(
        group,
        include_drafts=include_drafts,
        year=filters.chosen_year,
        kind=filters.chosen_kind,
        status=filters.chosen_status,
        page=_page(),
    )
    filtered = any((filters.chosen_year, filters.chosen_kind, filters.chosen_status))
    return render_template(
        "study_sessions/index.html", group=group, filter_fields=_filter_fields(filters),
        pagination=pagination, filtered=filtered,
        # what every row repeats, made once for the page
        session_url=IdUrl.of("study_sessions.detail", "session_id"),
        kind_labels={kind: label_text(kind) for kind in SessionKind},
        status_labels={status: label_text(status) for status in SessionStatus},
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
def create(group_id: int) -> Any:
    group = authz.group_or_404(group_id)
    authz.require("session.create", group)
    form = SessionForm(
        member_choices=queries.member_choices(group),
        data={"kind": "collective", "min_reflection_chars": 0, "version": 0},
    )
    _offer_plan_items(form, group, None)
    if form.validate_on_submit():
        try:
            session = services.create_session(group, form.to_data(), current_user)
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            db.session.commit()
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
        form, session.group, local_start.year if local_start else None, session.plan_item_id
    )
    conflict = False
    if form.validate_on_submit():
        try:
            services.update_session(session, form.to_data(), form.expected_version)
            db.session.commit()
        except (services.StaleRecordError, StaleDataError):
            db.session.rollback()
            conflict = True
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            flash(_("The session has been saved."), "success")
            return redirect(url_for(".detail", session_id=session.id))
    if conflict:
        # Keep what the user typed; the next save is made knowingly against this version.
        form.version.data = str(session.version)
    return render_template(
        "study_sessions/form.html", form=form, group=session.group, session=session,
        conflict=conflict,
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
    conflict = False
    if form.validate_on_submit():
        try:
            changed = services.save_minutes(session, form.minutes.data, form.expected_version)
            db.session.commit()
        except (services.StaleRecordError, StaleDataError):
            db.session.rollback()
            conflict = True
        except DomainError as error:
            db.session.rollback()
            _attach(form, error)
        else:
            flash(_("The minutes have been saved.") if changed
                  else _("The minutes were not changed."), "success" if changed else "info")
            return redirect(url_for(".detail", session_id=session.id, _anchor="minutes"))
    if conflict:
        form.version.data = str(session.version)
    return render_template(
        "study_sessions/minutes.html", form=form, session=session, conflict=conflict
    )


# --- the session page ----------------------------------------------------------------------


def _render_detail(session_id: int, cancel_form: CancelForm | None = None) -> Any:
    session = queries.session_page(session_id)
    return render_template(
        "study_sessions/detail.html",
        session=session,
        today=timeutil.today_local(),
        cancel_form=cancel_form or CancelForm(formdata=None, prefix="cancel"),
        cancel_open=bool(cancel_form and cancel_form.errors),
        cancel_reason=queries.cancel_reason(session),
    )


@bp.get("/sessions/<int:session_id>")
@login_required
def detail(session_id: int) -> Any:
    return _render_detail(session_id)


# --- lifecycle -----------------------------------------------------------------------------


def _stale_action_message() -> str:
    return _("This session was changed by someone else at the same moment. Nothing has been "
             "changed — please check the session and try again.")


def _change_state(
    session_id: int, permission: str, step: Callable[[StudySession], None], done: str
) -> Any:
    session = authz.session_or_404(session_id)
    authz.require(permission, session)
    try:
        step(session)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_stale_action_message(), "warning")
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "danger")
    else:
        flash(done, "success")
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
        return _render_detail(session_id, form)
    try:
        services.cancel(session, form.reason.data)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        flash(_stale_action_message(), "warning")
    except DomainError as error:
        db.session.rollback()
        if error.field is not None:
            _attach(form, error)
            return _render_detail(session_id, form)
        flash(str(error.message), "danger")
    else:
        flash(_("The session has been cancelled. Its record is kept for the archive."),
              "success")
    return redirect(url_for(".detail", session_id=session_id))


# --- history -------------------------------------------------------------------------------


@bp.get("/sessions/<int:session_id>/history")
@login_required
def history(session_id: int) -> Any:
    session = authz.session_or_404(session_id)
    authz.require("audit.view", session)
    pagination, entries = queries.session_history(session, page=_page())
    return render_template(
        "study_sessions/history.html", session=session, pagination=pagination, entries=entries
    )
