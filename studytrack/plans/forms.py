"""Forms for targets and annual study plans."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from studytrack.formfields import Form, optional_int, strip, version_value
from studytrack.labels import choices
from studytrack.models import SessionKind, TargetMetric
from studytrack.plans import rules
from studytrack.plans.labels import metric_label, period_label
from studytrack.plans.targets import HUNDRED, is_rate, to_display
from studytrack.submissions import SubmittedOnce

NOTE_MAX = 4000


# --- targets -------------------------------------------------------------------------------


PERCENT_RANGE = _l("Enter a percentage between 0 and 100.")
PERCENT_PLACES = _l("Use at most one decimal place.")
COUNT_NOT_NUMBER = _l("Enter a number of 0 or more.")
COUNT_TOO_LARGE = _l("Enter a number no larger than 99999.")
COUNT_PLACES = _l("Use at most three decimal places.")


def _parse(text: str) -> Decimal | None:
    text = text.replace("％", "%").replace("，", ".").rstrip("%").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


class TargetField(StringField):
    """One metric's own setting: empty means "inherit". Rates are typed as percentages."""

    def __init__(self, metric: TargetMetric, **kwargs: Any) -> None:
        kwargs.setdefault("filters", [strip])
        render_kw = {"inputmode": "decimal", "autocomplete": "off"}
        super().__init__(metric_label(metric), render_kw=render_kw, **kwargs)
        self.metric = metric
        self.stored: Decimal | None = None  # the parsed value, as it is stored

    def pre_validate(self, form: Any) -> None:
        self.stored = None
        if not self.data:
            return
        value = _parse(self.data)
        if is_rate(self.metric):
            if value is None or not Decimal(0) <= value <= HUNDRED:
                raise ValidationError(str(PERCENT_RANGE))
            if value != value.quantize(Decimal("0.1")):
                raise ValidationError(str(PERCENT_PLACES))
            self.stored = (value / HUNDRED).quantize(Decimal("0.001"))
        else:
            if value is None or value < 0:
                raise ValidationError(str(COUNT_NOT_NUMBER))
            if value > rules.MAX_COUNT:
                raise ValidationError(str(COUNT_TOO_LARGE))
            if value != value.quantize(Decimal("0.001")):
                raise ValidationError(str(COUNT_PLACES))
            self.stored = value.quantize(Decimal("0.001"))


class _TargetsFormBase(Form):
    def target_fields(self) -> list[TargetField]:
        return [self[metric.value] for metric in TargetMetric]

    def values(self) -> dict[TargetMetric, Decimal | None]:
        """Every metric as it is to be stored; None clears the unit's own setting."""
        return {f.metric: f.stored for f in self.target_fields()}


def _targets_form_class() -> type[_TargetsFormBase]:
    attrs = {metric.value: TargetField(metric) for metric in TargetMetric}
    return type("TargetsForm", (_TargetsFormBase,), attrs)


TargetsForm = _targets_form_class()


def targets_form(own: dict[TargetMetric, Decimal], **kwargs: Any) -> _TargetsFormBase:
    """The form, filled on GET with what the unit (or the installation) sets itself."""
    data = {metric.value: to_display(metric, value) for metric, value in own.items()}
    return TargetsForm(data=data, **kwargs)


# --- plans ---------------------------------------------------------------------------------


class PlanForm(SubmittedOnce, Form):
    title = StringField(
        _l("Title"), filters=[strip],
        validators=[Optional(), Length(max=rules.TITLE_MAX)],
        description=_l("E.g. the group's theory study plan for the year."),
    )
    note = TextAreaField(
        _l("Note"), filters=[strip], validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("The plan's guiding idea, priorities or arrangements."),
        render_kw={"rows": 4},
    )
    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        return version_value(self.version.data)


PERIOD_NONE = ""


def period_choices() -> list[SelectChoice]:
    result = [SelectChoice(PERIOD_NONE, _l("— choose the month or quarter —"))]
    result += [SelectChoice(f"m{month}", period_label(month, None)) for month in range(1, 13)]
    result += [SelectChoice(f"q{quarter}", period_label(None, quarter)) for quarter in range(1, 5)]
    return result


def period_value(month: int | None, quarter: int | None) -> str:
    if month is not None:
        return f"m{month}"
    return f"q{quarter}" if quarter is not None else PERIOD_NONE


class ItemForm(SubmittedOnce, Form):
    period = SelectField(
        _l("When"), validators=[DataRequired(rules.NEEDS_PERIOD)],
        description=_l("A month, or only a quarter when the month is not yet fixed."),
    )
    topic = StringField(
        _l("Topic"), filters=[strip],
        validators=[DataRequired(rules.NEEDS_TOPIC), Length(max=rules.TOPIC_MAX)],
    )
    kind = SelectField(_l("Kind of session"), choices=choices(SessionKind),
                       validators=[DataRequired()])
    planned_materials = TextAreaField(
        _l("Planned materials"), filters=[strip], validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l("The speeches, documents or books to be studied, one per line."),
        render_kw={"rows": 3},
    )
    responsible_id = SelectField(
        _l("Responsible"), coerce=optional_int, validate_choice=False,
        description=_l("A current member of the group."),
    )
    position = IntegerField(
        _l("Order within the month"), validators=[Optional(), NumberRange(min=0, max=999)],
        description=_l("Items of the same month are listed by this number."),
        render_kw={"min": 0, "inputmode": "numeric"},
    )
    version = HiddenField()

    def __init__(self, *args: Any, member_choices: list[tuple[int, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.period.choices = period_choices()
        self.responsible_id.choices = [SelectChoice("", _l("— not named —"))] + [
            SelectChoice(str(user_id), name) for user_id, name in member_choices or []
        ]

    @property
    def expected_version(self) -> int | None:
        return version_value(self.version.data)

    def validate_period(self, field: Field) -> None:
        if field.data and field.data[0] not in "mq":
            raise ValidationError(str(rules.NEEDS_PERIOD))

    def to_data(self) -> rules.ItemData:
        period = self.period.data or ""
        number = optional_int(period[1:])
        return rules.ItemData(
            topic=self.topic.data or "",
            month=number if period.startswith("m") else None,
            quarter=number if period.startswith("q") else None,
            kind=SessionKind(self.kind.data),
            planned_materials=self.planned_materials.data,
            responsible_id=self.responsible_id.data,
            position=self.position.data or 0,
        )


class VersionForm(Form):
    """A confirmation (deleting an item) made against the plan version shown."""

    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        return version_value(self.version.data)
