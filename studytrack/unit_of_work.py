"""One unit of work per request, committed once at its end (as Indico's `RH.process` does).

Services add and flush; route handlers never commit. When the response is ready and is not an
error, `commit_request` commits the request's transaction — a request that only read too: its
COMMIT costs what a ROLLBACK would, and psycopg keeps the connection's prepared statements across
a COMMIT but forgets them on a ROLLBACK. An error response is rolled back. The commit runs after
everything else of the response was built and expires nothing, so nothing after it reads the
database: a connection lost right after the commit cannot turn a saved change into an error page.

`after_commit(callback)` runs a callback once the request's work is committed, and only then:
queuing a job whose row the worker must find (studytrack.jobs).

`attempt()` runs the service call of an action whose refusal the user must see: a DomainError
goes beside its field (or into a flashed message), a stale version becomes the one "changed
meanwhile, your input is kept" answer, and the transaction is rolled back in both cases.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, flash, g, session
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from studytrack.errors import DomainError, StaleVersion
from studytrack.extensions import db


@dataclass
class Outcome:
    """What became of an `attempt`."""

    error: DomainError | None = None
    done: bool = False

    @property
    def ok(self) -> bool:
        return self.done and self.error is None

    @property
    def conflict(self) -> bool:
        """Refused because someone else changed the record meanwhile."""
        return isinstance(self.error, StaleVersion)


@contextmanager
def attempt(
    form: Any = None, *, record: Any = None, show: bool = True
) -> Iterator[Outcome]:
    """with attempt(form) as outcome: services.do_it(…) — then `if outcome.ok:` flash and
    redirect, else render the form again: its errors are in place.

    The block's changes are flushed before it ends, so a stale version is found here, not at
    the commit. On a refusal everything is rolled back and the message shown beside the form's
    field or above it (flashed without a form; `show=False` leaves it to the caller, as a JSON
    answer does). On a stale version, the form's `version` field takes the `record`'s current
    version: the next save is made knowingly against the record as it now is.
    """
    outcome = Outcome()
    try:
        yield outcome
        db.session.flush()
    except DomainError as error:
        outcome.error = error
    except (StaleDataError, sa.exc.IntegrityError) as error:
        # A concurrent write got there first (a version moved on, a unique row now exists).
        current_app.logger.info("Refused as changed meanwhile: %s", error)
        outcome.error = StaleVersion()
    outcome.done = True
    if outcome.error is None:
        return
    db.session.rollback()
    if outcome.conflict and record is not None and form is not None and "version" in form:
        form.version.data = record.version  # re-read: the rollback expired it
        form.version.raw_data = [str(record.version)]
    if show:
        if form is not None:
            outcome.error.show_on(form)
        else:
            flash(str(outcome.error.message), "warning" if outcome.conflict else "danger")


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` after the request's work is committed; never if it is rolled back."""
    g.setdefault("after_commit", []).append(callback)


def commit_request(response: Response) -> Response:
    """Commit the request's work if the response is not an error; roll it back otherwise."""
    work = db.session()
    if response.status_code >= 400:
        work.rollback()
        return response
    work.expire_on_commit = False  # nothing read after the commit goes back to the database
    try:
        work.commit()
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("The request's changes could not be committed")
        with suppress(sa.exc.SQLAlchemyError):  # the connection is gone: the pool drops it
            work.rollback()
        session.pop("_flashes", None)  # they announced what did not happen
        return _not_saved()
    for callback in g.pop("after_commit", ()):
        callback()
    return response


def _not_saved() -> Response:
    from studytrack.errors import render_error

    hint = _("The database did not answer, so your change may not have been saved. Go back, "
             "reload the page to see what was saved, and try again if it is missing.")
    try:
        body, status = render_error(503, hint)
    except Exception:  # rendering may need the database too
        body, status = str(hint), 503
    return Response(body, status, mimetype="text/html" if body != str(hint) else "text/plain")


def init_app(app: Flask) -> None:
    # after_request functions run last-registered first: registered before the extensions'
    # (create_app calls this first), the commit runs after all of theirs.
    app.after_request(commit_request)
