"""A form that creates something creates it once, however often it is sent.

Its page carries a one-time token (the `SubmittedOnce` field); the route, decorated with
`once`, records the token in the request's transaction before creating anything. The same
token sent again, by a double click or a resent page, finds the record and is shown what the
first submission made. Two copies sent at the same moment are serialised by the token's
primary key: the second waits for the first's COMMIT, then finds its record.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, ParamSpec

import sqlalchemy as sa
from flask import flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import HiddenField

from studytrack.extensions import db
from studytrack.models import FormSubmission
from studytrack.models.base import utcnow

FIELD = "submission_token"
KEPT_FOR = timedelta(days=1)
P = ParamSpec("P")


def new_token() -> str:
    return secrets.token_urlsafe(16)


class SubmittedOnce:
    """Mixin for the forms of pages that create something: their one-time token."""

    submission_token = HiddenField(default=new_token)


def once(view: Callable[P, Any]) -> Callable[P, Any]:
    """Decorator for a route whose POST creates something (the form mixes in `SubmittedOnce`).
    A POST without a token (an older page) is handled as before."""

    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        token = request.form.get(FIELD, "")
        if request.method != "POST" or not token or len(token) > 64:
            return view(*args, **kwargs)
        earlier = _earlier(token)
        if earlier is not None:
            return earlier
        _forget_old(current_user.id)
        submission = FormSubmission(token=token, user_id=current_user.id)
        db.session.add(submission)
        try:
            db.session.flush()  # takes the token: a copy sent meanwhile waits here
        except sa.exc.IntegrityError:
            db.session.rollback()
            return _earlier(token) or view(*args, **kwargs)
        response = view(*args, **kwargs)
        state = sa.inspect(submission)
        if isinstance(response, Response) and response.status_code in (302, 303):
            submission.result_url = response.location[:500]
        elif state.persistent:  # the form came back (errors): it may be sent again
            db.session.delete(submission)
        return response

    return wrapped


def _forget_old(user_id: int) -> None:
    """A token is kept for a day: long enough for any resent page, and the table stays small."""
    db.session.execute(sa.delete(FormSubmission).where(
        FormSubmission.user_id == user_id, FormSubmission.created_at < utcnow() - KEPT_FOR
    ))


def _earlier(token: str) -> Response | None:
    """Where the first submission of `token` led, for its sender; None if there was none."""
    earlier = db.session.get(FormSubmission, token)
    if earlier is None or earlier.user_id != current_user.id or not earlier.result_url:
        return None
    flash(_("This form had already been sent; here is what it saved."), "info")
    return redirect(earlier.result_url)
