"""Forms for writing and reviewing reflections."""

from __future__ import annotations

from typing import Any

from flask import get_template_attribute
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from studytrack.errors import DomainError
from studytrack.reflections import services


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def show_error(form: FlaskForm, error: DomainError) -> None:
    """Put a service's DomainError beside the field it names, or above the form."""
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        form.form_errors.append(error.message)


class ReflectionForm(FlaskForm):
    title = StringField(
        _l("Title"), filters=[strip],
        validators=[Optional(), Length(max=services.TITLE_MAX)],
        description=_l("Optional, e.g. the theme of your reflection."),
        render_kw={"autocomplete": "off"},
    )
    # Not stripped: the text is kept exactly as written.
    body = TextAreaField(
        _l("Your reflection"),
        validators=[Length(max=services.BODY_MAX)],
        render_kw={"rows": 16, "spellcheck": "false"},
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    # The button pressed arrives as `action` ("save" or "submit"); the route reads it.


def review_prefix(reflection_id: int) -> str:
    """Review forms of many reflections share one page: each gets its own field names."""
    return f"r{reflection_id}"


class ReturnForm(FlaskForm):
    comment = TextAreaField(
        _l("What should be revised"), filters=[strip],
        validators=[DataRequired(services.NEEDS_COMMENT), Length(max=services.COMMENT_MAX)],
        description=_l("The member sees this comment with the returned reflection."),
        render_kw={"rows": 3},
    )
    # Where to go afterwards arrives as "<prefix>-next"; the route reads and checks it.


# Not a possible review prefix, and no CSRF token or translation contains it.
BLANK_PREFIX = "r{id}"


def blank_return_form() -> ReturnForm:
    """The one ReturnForm of a page listing many reflections: every reflection gets a copy of
    its fields with its own prefix (`blank_review_fields` in templates/reflections/_macros.html),
    rather than a form built and rendered for each (about 1 ms each)."""
    return ReturnForm(formdata=None, prefix=BLANK_PREFIX)


# Language -> the blank return form's comment field, rendered.
_BLANK_COMMENTS: dict[str, Markup] = {}


def blank_comment_field() -> Markup:
    """`render_field` of the blank return form's comment field in the request's language.

    It is the same on every page of a language (no data, no errors), so it is rendered once per
    language: building and rendering the form cost about a tenth of the review page.
    """
    language = str(get_locale())
    field = _BLANK_COMMENTS.get(language)
    if field is None:
        render_field = get_template_attribute("_macros/forms.html", "render_field")
        field = _BLANK_COMMENTS[language] = Markup(render_field(blank_return_form().comment))
    return field


class AcceptForm(FlaskForm):
    """Only the CSRF token: accepting has nothing to fill in."""
