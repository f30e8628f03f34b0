"""Forms of the talks of a session."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from studytrack.formfields import Form, optional_int
from studytrack.labels import choices
from studytrack.models import TalkKind
from studytrack.study_sessions import rules
from studytrack.study_sessions.forms import PersonOrGuestForm, people_choices
from studytrack.submissions import SubmittedOnce


class TalkForm(SubmittedOnce, PersonOrGuestForm):
    rule = rules.SPEAKER

    kind = SelectField(
        _l("Kind of talk"),
        choices=choices(TalkKind),
        validators=[DataRequired()],
    )
    speaker_id = SelectField(
        _l("Speaker"), coerce=optional_int, validate_choice=False,
        description=_l("A member of the group, or an observer with an account."),
    )
    speaker_name = StringField(
        _l("Or a guest speaker"), validators=[Optional(), Length(max=64)],
        description=_l("For a lecturer without an account: name and position, "
                       "e.g. 张教授（市委党校）."),
    )
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)],
                        description=_l("Optional."))
    summary = TextAreaField(
        _l("Summary of points"), validators=[Optional(), Length(max=20000)],
        description=_l("The main points of the talk (发言要点). Blank lines separate paragraphs."),
        render_kw={"rows": 10},
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.speaker_id.choices = people_choices(_l("— choose a speaker —"), people)

    def to_data(self) -> rules.TalkData:
        return rules.TalkData(
            kind=TalkKind(self.kind.data),
            speaker_id=self.speaker_id.data,
            speaker_name=self.speaker_name.data,
            title=self.title.data,
            summary=self.summary.data,
        )


class MoveTalkForm(Form):
    direction = SelectField(
        choices=[SelectChoice("up", _l("Up")), SelectChoice("down", _l("Down"))]
    )
