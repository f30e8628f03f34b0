"""The calendar feed (read by calendar apps, without a login), its address on the reminder
preferences page, and a session's invitation (.ics) for its secretaries. The calendars
themselves are made in studytrack.reminders.calendar."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from studytrack import authz
from studytrack.caching import NO_STORE
from studytrack.exports.common import report_file_stem
from studytrack.models import StudySession
from studytrack.reminders import calendar
from studytrack.reminders.blueprint import bp

# Werkzeug adds "; charset=utf-8" to a text type itself (and would repeat one given here).
ICS_MIMETYPE = "text/calendar"


def _ics(data: bytes, name: str, mimetype: str = ICS_MIMETYPE) -> Any:
    """A calendar file; `name` keeps its Chinese (send_file writes RFC 5987 filename*)."""
    response = send_file(BytesIO(data), mimetype=mimetype, as_attachment=True,
                         download_name=name)
    # A feed names the person and where they will be: kept out of every cache.
    response.headers["Cache-Control"] = NO_STORE
    return response


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str) -> Any:
    """The token is the only key: an unknown or revoked one, or a deactivated account's,
    answers 404 like any address that does not exist."""
    user = calendar.feed_owner(token)
    if user is None:
        abort(404)
    return _ics(calendar.feed(user), "studytrack.ics")


@bp.post("/me/calendar")
@login_required
def calendar_token() -> Any:
    action = request.form.get("action")
    if action == "create":
        renewed = current_user.calendar_token is not None
        calendar.new_token(current_user)
        if renewed:
            flash(_("Your calendar feed has a new address. The old address no longer works: "
                    "give the new one to your calendar apps."), "success")
        else:
            flash(_("Your calendar feed is ready. Add its address to your calendar app."),
                  "success")
    elif action == "revoke":
        calendar.revoke_token(current_user)
        flash(_("Your calendar feed is switched off: its address no longer works."), "success")
    else:
        abort(400)
    return redirect(url_for("reminders.preferences"))


@bp.get("/sessions/<int:session_id>/invite.ics")
@login_required
def session_invitation(session_id: int) -> Any:
    session = authz.session_or_404(session_id, joinedload(StudySession.group))
    authz.require("session.invite", session)
    name = report_file_stem(session.starts_at, session.topic) + ".ics"
    # The method parameter repeats the file's METHOD, for the mail clients it is forwarded to.
    return _ics(calendar.invitation(session), name, ICS_MIMETYPE + "; method=PUBLISH")
