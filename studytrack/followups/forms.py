"""Forms for follow-up tasks. The selects get their choices from the route (one query each)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    Field,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from studytrack.followups.queries import UnitOption
from studytrack.followups.rules import (
    NEEDS_OWNER,
    NEEDS_REASON,
    NEEDS_TITLE,
    NOTE_MAX,
    TITLE_MAX,
    due_before_session_message,
)
from studytrack.formfields import Form, optional_int, strip
from studytrack.models import User
from studytrack.submissions import SubmittedOnce

NONE = ""  # the value of the "— none —" options
INDENT = "\u00a0\u00a0\u00a0"  # option labels cannot be padded with CSS


class TaskForm(SubmittedOnce, Form):
    title = StringField(
        _l("Title"), filters=[strip],
        validators=[DataRequired(NEEDS_TITLE), Length(max=TITLE_MAX)],
    )
    detail = TextAreaField(
        _l("Detail"), filters=[strip], validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("What is to be done, and what counts as done."),
        render_kw={"rows": 5},
    )
    assignee_id = SelectField(
        _l("Assignee"), coerce=optional_int,
        description=_l("A member of the group or a participant of the session."),
    )
    organization_id = SelectField(
        _l("Responsible unit"), coerce=optional_int,
        description=_l("The group's unit or a unit below it. Give an assignee, a unit, or both."),
    )
    due_on = DateField(
        _l("Due date"), validators=[Optional()],
        description=_l("Not before the session. Leave empty if there is no deadline."),
    )
    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

    def __init__(
        self,
        *args: Any,
        people: Sequence[User] = (),
        units: Sequence[UnitOption] = (),
        session_date: date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.session_date = session_date
        if session_date is not None:
            self.due_on.render_kw = {"min": session_date.isoformat()}
        self.assignee_id.choices = [SelectChoice(NONE, _l("— no assignee —"))] + [
            SelectChoice(
                str(user.id),
                user.display_name + (f" ({user.position})" if user.position else ""),
            )
            for user in people
        ]
        inactive = _l("inactive")
        self.organization_id.choices = [SelectChoice(NONE, _l("— no responsible unit —"))] + [
            SelectChoice(
                str(unit.id),
                INDENT * unit.depth + unit.name + ("" if unit.is_active else f" ({inactive})"),
            )
            for unit in units
        ]

    def validate_assignee_id(self, field: Field) -> None:
        if field.data is None and self.organization_id.data is None:
            raise ValidationError(str(NEEDS_OWNER))

    def validate_due_on(self, field: Field) -> None:
        if field.data and self.session_date and field.data < self.session_date:
            raise ValidationError(str(due_before_session_message(self.session_date)))


class ProgressForm(Form):
    """Start a task (status=in_progress) or mark it done (status=done, with a note)."""

    status = HiddenField()  # the target; the service refuses anything but a forward move
    completion_note = TextAreaField(
        _l("Completion note"), filters=[strip], validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("What was done, and where the result can be found."),
        render_kw={"rows": 4},
    )


class CancelForm(Form):
    reason = TextAreaField(
        _l("Reason for cancelling"), filters=[strip],
        validators=[DataRequired(NEEDS_REASON), Length(max=NOTE_MAX)],
        render_kw={"rows": 3},
    )


class ReopenForm(Form):
    reason = TextAreaField(
        _l("Why it is reopened"), filters=[strip], validators=[Optional(), Length(max=NOTE_MAX)],
        render_kw={"rows": 2},
    )
