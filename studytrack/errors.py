"""Domain errors and the error pages: no stack trace ever reaches a user."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from studytrack.extensions import db


class DomainError(Exception):
    """A rule of the domain was broken. `message` is translatable and shown to the user;
    `field` names the form field it belongs beside, if any."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field

    def show_on(self, form: Any) -> None:
        """Put the message beside its field, or above the form when it names none."""
        field = form[self.field] if self.field and self.field in form else None
        if field is not None:
            field.errors = [*field.errors, self.message]
        else:
            form.form_errors = [*form.form_errors, self.message]


CHANGED_MEANWHILE = _l(
    "Someone else changed this record while you were working on it, so nothing was saved. "
    "Your input is kept: check it against the record as it is now and save again."
)


class StaleVersion(DomainError):
    """The record was changed by someone else since the user loaded it (its version moved on,
    or a concurrent write took its place): nothing was changed."""

    def __init__(self, message: Any = None) -> None:
        super().__init__(message or CHANGED_MEANWHILE)


ERROR_TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have permission to do this"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
    503: _l("The change could not be confirmed"),
}

ERROR_HINTS = {
    400: _l("Please go back, reload the page and try again."),
    403: _l("If you think you should have access, ask your study secretary or administrator."),
    404: _l("The page may have been moved, or you may not have access to it."),
    405: _l("Please go back and use the buttons on the page."),
    413: _l("Please choose a smaller file."),
    429: _l("Please wait a few minutes before trying again."),
    500: _l("The error has been logged. Please try again later."),
}


def render_error(code: int, hint: Any = None) -> tuple[str, int]:
    template = f"errors/{code}.html" if code in (403, 404, 500) else "errors/error.html"
    return (
        render_template(
            template,
            code=code,
            title=ERROR_TITLES.get(code, ERROR_TITLES[500]),
            hint=hint or ERROR_HINTS.get(code, ERROR_HINTS[500]),
        ),
        code,
    )


def handle_http_error(error: HTTPException) -> Any:
    code = error.code or 500
    if code < 400 or request.path.startswith("/static/"):
        return error
    return render_error(code)


def handle_csrf_error(error: CSRFError) -> Any:
    hint = _l("The form expired or was sent from elsewhere. Please reload the page and try again.")
    return render_error(400, hint)


def handle_unexpected_error(error: Exception) -> Any:
    db.session.rollback()
    from flask import current_app

    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return render_error(500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    if not app.config.get("PROPAGATE_EXCEPTIONS_IN_TESTS"):
        app.register_error_handler(Exception, handle_unexpected_error)
