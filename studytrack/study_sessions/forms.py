"""Forms of the session record: the session itself, its minutes, cancelling, and list filters;
and what the area's forms share (the people to choose from, "a person or a guest").

Forms check what they can before a service is asked, with the messages of rules.py; they never
call a service.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from studytrack.errors import DomainError
from studytrack.formfields import Form, PlainForm, optional_int, optional_year, version_value
from studytrack.labels import choices
from studytrack.models import SessionKind, SessionStatus
from studytrack.study_sessions import rules
from studytrack.submissions import SubmittedOnce

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


def people_choices(placeholder: Any, people: Iterable[tuple[int, str]] | None
                   ) -> list[SelectChoice]:
    """The choices of a select of people: nobody (`placeholder`), then (id, name) each."""
    return [SelectChoice("", placeholder)] + [
        SelectChoice(str(user_id), name) for user_id, name in people or []
    ]


class PersonOrGuestForm(Form):
    """A form naming a person with an account or a guest typed by hand, never both: `rule`
    (rules.PersonOrGuest) names the two fields and its messages. Each subclass says whom its
    person field offers (a select of a group's people, or a picker of every account)."""

    rule: rules.PersonOrGuest

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if self[self.rule.person_field].errors:
            return False  # the picker's own message (nobody, or several, match) says enough
        try:
            self.rule.check(self[self.rule.person_field].data, self[self.rule.guest_field].data)
        except DomainError as error:
            error.show_on(self)
            return False
        return valid


class VersionedForm(Form):
    """Carries the record's version, so a save made from a stale page is refused."""

    version = HiddenField()  # a missing or wrong version counts as stale

    @property
    def expected_version(self) -> int | None:
        return version_value(self.version.data)


class SessionForm(SubmittedOnce, VersionedForm):
    kind = SelectField(_l("Kind of session"), choices=choices(SessionKind),
                       validators=[DataRequired()])
    topic = StringField(
        _l("Topic"), validators=[DataRequired(), Length(max=200)],
        description=_l("What the session studies, e.g. the spirit of an important speech."),
    )
    starts_at = DateTimeLocalField(
        _l("Starts"), format=DATETIME_FORMATS, validators=[InputRequired()],
        description=_l("Local time."),
    )
    ends_at = DateTimeLocalField(_l("Ends"), format=DATETIME_FORMATS, validators=[Optional()])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=120)])
    chair_id = SelectField(
        _l("Chair"), coerce=optional_int, validate_choice=False,
        description=_l("A current member of the group."),
    )
    recorder_id = SelectField(
        _l("Recorder"), coerce=optional_int, validate_choice=False,
        description=_l("The member who keeps the minutes."),
    )
    reflection_due_on = DateField(
        _l("Reflections due"), validators=[Optional()],
        description=_l("The date by which members hand in their reflections."),
    )
    plan_item_id = SelectField(
        _l("Plan item"), coerce=optional_int, validate_choice=False,
        description=_l("The item of the group's annual study plan this session fulfils."),
    )
    min_reflection_chars = IntegerField(
        _l("Minimum reflection length"),
        validators=[
            Optional(),
            NumberRange(min=0, message=rules.MIN_LENGTH_NEGATIVE),
        ],
        description=_l("In characters; 0 means no minimum."),
        render_kw={"min": 0, "inputmode": "numeric"},
    )

    def __init__(self, *args: Any, member_choices: list[tuple[int, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = people_choices(_l("— not named —"), member_choices)
        self.chair_id.choices = people
        self.recorder_id.choices = people
        self.set_plan_items([])

    def set_plan_items(self, items: list[tuple[int, str]]) -> None:
        """The choices of "Plan item": the group's plan items of the session's year."""
        self.plan_item_id.choices = [SelectChoice("", _l("— not in the plan —"))] + [
            SelectChoice(str(item_id), text) for item_id, text in items
        ]

    @property
    def local_year(self) -> int | None:
        """The (local) year of the start as typed, when it could be read."""
        return self.starts_at.data.year if self.starts_at.data else None

    def validate_ends_at(self, field: DateTimeLocalField) -> None:
        if field.data and self.starts_at.data and field.data < self.starts_at.data:
            raise ValidationError(rules.ENDS_BEFORE_START)

    def validate_reflection_due_on(self, field: DateField) -> None:
        if field.data and self.starts_at.data and field.data < self.starts_at.data.date():
            raise ValidationError(rules.DUE_BEFORE_SESSION)

    def to_data(self) -> rules.SessionData:
        return rules.SessionData(
            kind=SessionKind(self.kind.data),
            topic=(self.topic.data or "").strip(),
            starts_at=self.starts_at.data,
            ends_at=self.ends_at.data,
            location=(self.location.data or "").strip() or None,
            chair_id=self.chair_id.data,
            recorder_id=self.recorder_id.data,
            reflection_due_on=self.reflection_due_on.data,
            min_reflection_chars=self.min_reflection_chars.data or 0,
            plan_item_id=self.plan_item_id.data,
        )


class MinutesForm(VersionedForm):
    minutes = TextAreaField(
        _l("Minutes"), validators=[Optional(), Length(max=200_000)],
        description=_l("Plain text. Leave an empty line between paragraphs."),
        render_kw={"rows": 18},
    )


class CancelForm(Form):
    reason = TextAreaField(
        _l("Reason for cancelling"),
        validators=[DataRequired(message=rules.CANCEL_REASON_REQUIRED), Length(max=2000)],
        description=_l("Kept with the record for the archive."),
        render_kw={"rows": 3},
    )


class SessionFilterForm(PlainForm):
    """The list filters, read from the query string; unknown values are simply ignored."""

    year = SelectField(_l("Year"), coerce=optional_year, validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)

    def __init__(self, *args: Any, years: list[int], statuses: list[SessionStatus],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year.choices = [SelectChoice("", _l("All years"))] + [
            SelectChoice(str(year)) for year in years
        ]
        self.kind.choices = [SelectChoice("", _l("All kinds")), *choices(SessionKind)]
        self.status.choices = [
            SelectChoice("", _l("All states")), *choices(SessionStatus, statuses)
        ]
        self._statuses = statuses

    @property
    def chosen_year(self) -> int | None:
        year: int | None = self.year.data  # coerced by optional_year: within the range
        return year

    @property
    def chosen_kind(self) -> SessionKind | None:
        return SessionKind(self.kind.data) if self.kind.data in set(SessionKind) else None

    @property
    def chosen_status(self) -> SessionStatus | None:
        values = {s.value for s in self._statuses}
        return SessionStatus(self.status.data) if self.status.data in values else None
