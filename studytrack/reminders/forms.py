"""The reminder settings form: a channel per kind of reminder, and a quiet window."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from studytrack.formfields import Form
from studytrack.models import ReminderChannel, ReminderKind
from studytrack.reminders.messages import KIND_LABELS

CHANNEL_LABELS = {
    ReminderChannel.MAIL: _l("In the app and by mail"),
    ReminderChannel.IN_APP: _l("In the app only"),
    ReminderChannel.OFF: _l("Off"),
}


class SettingsForm(Form):
    quiet_start = TimeField(_l("No mail from"), validators=[Optional()])
    quiet_end = TimeField(_l("until"), validators=[Optional()])

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        # Both or neither (an empty time field stops its own validators: checked here).
        if valid and (self.quiet_start.data is None) != (self.quiet_end.data is None):
            empty = self.quiet_end if self.quiet_end.data is None else self.quiet_start
            empty.errors = [*empty.errors, _l("Give both times of the quiet window, or neither.")]
            return False
        return valid

    def kind_fields(self) -> list[tuple[ReminderKind, Any]]:
        return [(kind, self[field_name(kind)]) for kind in ReminderKind]

    def chosen(self) -> dict[ReminderKind, ReminderChannel]:
        return {kind: ReminderChannel(field.data) for kind, field in self.kind_fields()}


def field_name(kind: ReminderKind) -> str:
    return f"kind_{kind.value}"


def settings_form(choices: dict[ReminderKind, ReminderChannel], **kwargs: Any) -> SettingsForm:
    """The form with one select per kind, its default the person's current choice."""

    class PersonSettings(SettingsForm):
        pass

    for kind in ReminderKind:
        setattr(PersonSettings, field_name(kind), SelectField(
            KIND_LABELS[kind],
            choices=[SelectChoice(c.value, label) for c, label in CHANNEL_LABELS.items()],
            default=choices[kind].value,
        ))
    return PersonSettings(**kwargs)
