"""Sending a supervisor, and the supervisor's evaluation."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from studytrack.formfields import Form, strip
from studytrack.models import RATINGS
from studytrack.pickers import People, PickerField

RATING_LABELS = {5: _l("5 – excellent"), 4: _l("4 – good"), 3: _l("3 – adequate"),
                 2: _l("2 – weak"), 1: _l("1 – poor")}


class AssignForm(Form):
    user_id = PickerField(
        _l("Supervisor"),
        description=_l("A person of your unit, who attends the session and evaluates it."),
    )
    points = TextAreaField(
        _l("Points to rate"), filters=[strip],
        validators=[DataRequired(message=_l("Give at least one point to rate.")),
                    Length(max=2000)],
        description=_l("One per line. Kept for your unit's next supervisors too."),
        render_kw={"rows": 4},
    )

    def __init__(self, *args: Any, people: People, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_id.offered = people

    def point_list(self) -> list[str]:
        return [line.strip() for line in (self.points.data or "").splitlines() if line.strip()]


class EvaluationForm(Form):
    comments = TextAreaField(
        _l("Comments"), filters=[strip], validators=[Optional(), Length(max=5000)],
        description=_l("What went well, what should improve."), render_kw={"rows": 5},
    )

    def rating_fields(self) -> list[tuple[str, Any]]:
        return [(point, self[f"point_{index}"]) for index, point in enumerate(self._points)]

    def ratings(self) -> dict[str, int]:
        return {point: int(field.data) for point, field in self.rating_fields()}


def evaluation_form(points: list[str], ratings: dict[str, Any], **kwargs: Any) -> EvaluationForm:
    """The form with a rating per point (its default: the rating given before, if any)."""

    class Evaluation(EvaluationForm):
        _points = points

    choices = [SelectChoice(str(value), RATING_LABELS[value]) for value in reversed(RATINGS)]
    for index, point in enumerate(points):
        setattr(Evaluation, f"point_{index}", SelectField(
            point, choices=choices, default=str(ratings.get(point, "")) or None,
            validators=[DataRequired(message=_l("Rate this point."))],
        ))
    return Evaluation(**kwargs)
