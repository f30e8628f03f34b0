"""The forms' common base, and small filters and coercions shared by the forms of several areas.

Every form of the application derives from `Form` (a page's form: CSRF, request data) or
`PlainForm` (a sub-form, or filters read from the query string). Their `Meta` gives every
field, as the form binds it, the input checks of studytrack/inputs.py, so that no form can
forget them:

- text (and the values of selects) loses its control characters (`inputs.clean_text`), before
  the field's own filters; passwords are left exactly as typed (they are only hashed);
- a whole number must fit the database's integer (`within_int_range`), or the form shows
  "too large" / "too small" beside the field;
- a date or datetime must lie in the configured range (`WithinDates`), or the form says which
  range beside the field. A field that declares its own `WithinDates` keeps it.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from gettext import NullTranslations
from typing import Any

from babel import support
from flask import has_request_context, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    DateTimeField,
    DateTimeLocalField,
    Field,
    FieldList,
    FormField,
    MonthField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms import Form as WTForm
from wtforms.fields.core import UnboundField
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

from studytrack import inputs

# --- the checks every field gets ------------------------------------------------------------


def within_int_range(form: Any, field: Field) -> None:
    """Validator: whole numbers (an IntegerField's, a select's coerced ids) fit the database's
    integer column. Quiet when the field has an error already."""
    if field.errors:
        return
    values = field.data if isinstance(field.data, list) else [field.data]
    numbers = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    if any(number > inputs.INT_MAX for number in numbers):
        raise ValidationError(_("This number is too large."))
    if any(number < inputs.INT_MIN for number in numbers):
        raise ValidationError(_("This number is too small."))


class WithinDates:
    """Validator: a date (or a datetime's date) between the first and last date the
    installation accepts (inputs.date_range). `first_year` moves the start for dates of the
    past, such as the issue date of a document in the library."""

    def __init__(self, first_year: int | None = None) -> None:
        self.first_year = first_year

    def __call__(self, form: Any, field: Field) -> None:
        value = field.data
        if field.errors or not isinstance(value, date):
            return
        day = value.date() if isinstance(value, datetime) else value
        first, last = inputs.date_range(self.first_year)
        if not first <= day <= last:
            raise ValidationError(_("Enter a date between %(first)s and %(last)s.",
                                    first=first.isoformat(), last=last.isoformat()))


_TEXT_FIELDS = (StringField, SelectField, SelectMultipleField)
_DATE_FIELDS = (DateField, DateTimeField, DateTimeLocalField, MonthField)


def checked(field: Field) -> Field:
    """`field`, just bound, with the input checks of its kind (module docstring)."""
    if isinstance(field, _TEXT_FIELDS) and not isinstance(field, PasswordField):
        field.filters = (inputs.clean_text, *field.filters)
    if isinstance(field, _DATE_FIELDS):
        if not any(isinstance(v, WithinDates) for v in field.validators):
            field.validators = [*field.validators, WithinDates()]
    elif not isinstance(field, FormField | FieldList):  # they validate their own fields
        field.validators = [*field.validators, within_int_range]
    return field


class InputChecks:
    """The Meta of our forms: each field is bound with the checks of its kind (`checked`), and
    WTForms' own messages come in the page's language."""

    def bind_field(self, form: Any, unbound_field: UnboundField, options: dict[str, Any]
                   ) -> Field:
        return checked(super().bind_field(form, unbound_field, options))  # type: ignore[misc]

    def get_translations(self, form: Any) -> Any:
        """WTForms' messages ("Not a valid choice." …) in the request's language, read once per
        language for the process (WTForms' documented hook): Flask-WTF's own reads the
        catalogue from disk again on every request that builds a form."""
        locale = get_locale()
        return None if locale is None else wtforms_catalogue(str(locale))


@cache
def wtforms_catalogue(locale: str) -> NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """The base of every page's form (CSRF token, the request's data).

    Flask-WTF reads a JSON body as the form's data when no form data came; only an object's
    texts and numbers (and lists of them) are taken from it (`json_formdata`): anything else
    in it is no field's input, and a body that is no object is no form at all."""

    class Meta(InputChecks):
        pass

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if (not args and "formdata" not in kwargs and has_request_context()
                and self.is_submitted() and request.is_json):
            kwargs["formdata"] = json_formdata(request.get_json(silent=True))
        super().__init__(*args, **kwargs)


def json_formdata(body: Any) -> MultiDict[str, str]:
    """A JSON body as form data: an object's strings and numbers, and lists of them."""
    data: MultiDict[str, str] = MultiDict()
    if isinstance(body, dict):
        for key, value in body.items():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str | int | float) and not isinstance(item, bool):
                    data.add(key, str(item))
    return data


class PlainForm(WTForm):
    """The base of sub-forms (FormField) and of filters read from the query string."""

    class Meta(InputChecks):
        pass


# --- filters and coercions --------------------------------------------------------------------


def strip(value: Any) -> Any:
    """Filter for text fields: surrounding white space is not input (other values as they
    are)."""
    return value.strip() if isinstance(value, str) else value


def optional_int(value: Any) -> int | None:
    """Coerce for selects and hidden fields where empty (or garbage) means "none". A number
    beyond the database's integer is refused by the form's checks (within_int_range)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def optional_year(value: Any) -> int | None:
    """Coerce for a year filter: a year of the accepted range (inputs.year_bounds), else none."""
    year = optional_int(value)
    return year if inputs.in_year_range(year) else None


def version_value(value: Any) -> int | None:
    """The version counter a form was loaded with (None when missing, tampered with, or beyond
    any version a record can have)."""
    try:
        return inputs.to_int(value)
    except (TypeError, ValueError):
        return None
