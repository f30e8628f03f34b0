"""Forms of the attendance pages: the roster (a row per person), observers, make-up study.

The roster form is built for the rows of one session: each row is a sub-form named
`row_<attendance id>`, so its inputs are `row_<id>-status` and `row_<id>-leave_reason`, and an
error shows beside the row it belongs to. Each row also carries, hidden, what the page showed
when it was loaded: only rows the user changed are written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from studytrack.formfields import Form, PlainForm
from studytrack.labels import label
from studytrack.models import Attendance, AttendanceStatus
from studytrack.pickers import People, PickerField
from studytrack.study_sessions import rules
from studytrack.study_sessions.forms import PersonOrGuestForm

STATUS_CHOICES: list[SelectChoice] = [
    SelectChoice("", _l("— not yet marked —")),
    *(SelectChoice(status.value, label(status)) for status in rules.MEMBER_STATUSES),
]


def _status(value: str | None) -> AttendanceStatus | None:
    try:
        return AttendanceStatus(value) if value else None
    except ValueError:
        return None


class AttendanceRowForm(PlainForm):
    """One person's row. No CSRF token of its own: the roster form carries it."""

    status = SelectField(_l("Attendance"), choices=STATUS_CHOICES, default="")
    leave_reason = StringField(_l("Leave reason"), validators=[Optional(), Length(max=255)])
    loaded_status = HiddenField()
    loaded_reason = HiddenField()

    def validate_leave_reason(self, field: StringField) -> None:
        if self.status.data == AttendanceStatus.ON_LEAVE.value and not (field.data or "").strip():
            raise ValidationError(rules.LEAVE_REASON_REQUIRED)


class RosterForm(Form):
    """Subclassed per session by roster_form(); fields are added for each row."""

    row_ids: list[int] = []

    def row(self, attendance_id: int) -> Any:
        return self[row_name(attendance_id)]

    def inputs(self) -> list[rules.RowInput]:
        result = []
        for attendance_id in self.row_ids:
            row = self.row(attendance_id)
            result.append(rules.RowInput(
                attendance_id=attendance_id,
                status=_status(row.status.data),
                leave_reason=row.leave_reason.data,
                loaded_status=_status(row.loaded_status.data),
                loaded_reason=row.loaded_reason.data or None,
            ))
        return result

    def reload_row(self, attendance_id: int, status: AttendanceStatus | None,
                   reason: str | None) -> None:
        """After a conflict: the next save is made knowingly against the current values."""
        row = self.row(attendance_id)
        row.loaded_status.data = status.value if status else ""
        row.loaded_reason.data = reason or ""


def row_name(attendance_id: int) -> str:
    return f"row_{attendance_id}"


def row_data(attendance: Attendance) -> dict[str, str]:
    status = attendance.status.value if attendance.status else ""
    reason = attendance.leave_reason or ""
    return {
        "status": status, "leave_reason": reason,
        "loaded_status": status, "loaded_reason": reason,
    }


def roster_form(rows: Iterable[Attendance], *, formdata: Any = None,
                from_request: bool = True) -> RosterForm:
    """A roster form with a row for each of the group's people (observers are not marked).

    With `from_request` the request's form data fills it (a POST); otherwise it shows the
    stored values.
    """
    members = [row for row in rows if row.status != AttendanceStatus.OBSERVER]
    fields: dict[str, Any] = {
        row_name(row.id): FormField(AttendanceRowForm, label=row.name) for row in members
    }
    form_class = type("SessionRosterForm", (RosterForm,), fields)
    data = {row_name(row.id): row_data(row) for row in members}
    kwargs: dict[str, Any] = {"data": data}
    if not from_request:
        kwargs["formdata"] = None
    elif formdata is not None:
        kwargs["formdata"] = formdata
    form: RosterForm = form_class(**kwargs)
    form.row_ids = [row.id for row in members]
    return form


class ObserverForm(PersonOrGuestForm):
    rule = rules.OBSERVER

    user_id = PickerField(
        _l("Person with an account"),
        description=_l("Someone from outside the group who attended, e.g. a unit's head."),
    )
    guest_name = StringField(
        _l("Or a guest's name"), validators=[Optional(), Length(max=64)],
        description=_l("For a guest without an account."),
    )
    guest_position = StringField(
        _l("Guest's position"), validators=[Optional(), Length(max=120)],
        description=_l("E.g. professor at the Party School."),
    )

    def __init__(self, *args: Any, people: People, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.offered = people


class MakeupForm(Form):
    makeup_on = DateField(
        _l("Date of the make-up study"),
        validators=[DataRequired(message=rules.MAKEUP_DATE_REQUIRED)],
        description=_l("Not before the session, and not in the future."),
    )
    makeup_note = TextAreaField(
        _l("Note"),
        validators=[
            DataRequired(message=rules.MAKEUP_NOTE_REQUIRED), Length(max=5000),
        ],
        description=_l("What was studied and how, e.g. read the speech and the minutes."),
        render_kw={"rows": 4},
    )
