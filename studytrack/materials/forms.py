from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from studytrack import inputs
from studytrack.formfields import Form, WithinDates, strip
from studytrack.labels import choices
from studytrack.materials.uploads import ACCEPT
from studytrack.models import MaterialKind
from studytrack.submissions import SubmittedOnce

# Documents studied may be old (the Communist Manifesto is of 1848): their issue date may lie
# before the range that the installation's other dates keep to (config DATE_FIRST_YEAR).
ISSUED_FIRST_YEAR = 1800


def kind_choices() -> list[SelectChoice]:
    return choices(MaterialKind)


def http_url(form: Any, field: StringField) -> None:
    """Only web addresses: http:// or https:// with a host (no javascript:, data:, file:)."""
    if not field.data:
        return
    message = _l("Enter a web address starting with http:// or https://.")
    try:
        parts = urlsplit(field.data)
        hostname = parts.hostname
    except ValueError as error:
        raise ValidationError(message) from error
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        raise ValidationError(message)
    if any(ch.isspace() for ch in field.data):
        raise ValidationError(_l("A web address cannot contain spaces."))


class MaterialForm(SubmittedOnce, Form):
    organization_id = SelectField(
        _l("Library"), coerce=int, validators=[DataRequired(_l("Choose the library."))],
        description=_l("The unit whose library keeps this material; its groups and the groups "
                       "below it can use it."),
    )
    kind = SelectField(_l("Kind"), choices=kind_choices, default=MaterialKind.SPEECH.value)
    title = StringField(
        _l("Title"), filters=[strip],
        validators=[DataRequired(_l("Enter the title.")), Length(max=255)],
    )
    short_name = StringField(
        _l("Short name"), filters=[strip], validators=[Optional(), Length(max=60)],
        description=_l("Optional: how the press names it, e.g. “2·23”重要讲话. The news "
                       "release names the speech by it."),
    )
    speaker = StringField(
        _l("Speaker or author"), filters=[strip], validators=[Optional(), Length(max=120)]
    )
    issued_on = DateField(
        _l("Issued on"), validators=[Optional(), WithinDates(first_year=ISSUED_FIRST_YEAR)],
        description=_l("The date of the speech or document, e.g. 2020-02-23."),
    )
    source = StringField(
        _l("Source"), filters=[strip], validators=[Optional(), Length(max=255)],
        description=_l("Where it was published, e.g. Xinhua, Qiushi, People's Daily."),
    )
    url = StringField(
        _l("Web address"), filters=[strip],
        validators=[Optional(), Length(max=1000), http_url],
        render_kw={"inputmode": "url", "placeholder": "https://"},
    )
    body = TextAreaField(
        _l("Summary or full text"), validators=[Optional(), Length(max=200_000)],
        render_kw={"rows": 10},
    )


class AttachmentForm(SubmittedOnce, Form):
    file = FileField(
        _l("File"), validators=[FileRequired(_l("Choose a file to upload."))],
        render_kw={"accept": ACCEPT},
    )


class SearchForm(Form):
    """Filters read from the query string (GET, no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Title contains"), filters=[strip], validators=[Optional(), Length(max=100)])
    kind = SelectField(_l("Kind"), validators=[Optional()])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice("", _l("All kinds")), *kind_choices()]


class LibrarySearchForm(SearchForm):
    organization_id = SelectField(_l("Library"), validators=[Optional()])

    def set_libraries(self, organizations: list[Any]) -> None:
        self.organization_id.choices = [SelectChoice("", _l("All libraries"))] + [
            SelectChoice(str(org.id), org.name) for org in organizations
        ]


class MaterialIdsField(SelectMultipleField):
    """The ids of the materials ticked in the search results; the service checks each one."""

    def pre_validate(self, form: Any) -> None:
        pass  # choices are the search results of the page; the service checks the library

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            self.data = [inputs.to_int(value, 1, inputs.INT_MAX) for value in valuelist]
        except ValueError as error:
            self.data = []
            raise ValueError(_l("Choose a material from the library.")) from error


class LinkMaterialsForm(Form):
    # An empty choice is refused by the service, with the same message beside the field.
    material_ids = MaterialIdsField(_l("Materials to link"), coerce=int)


class MoveForm(Form):
    direction = SelectField(
        choices=[SelectChoice("up", _l("Up")), SelectChoice("down", _l("Down"))]
    )
