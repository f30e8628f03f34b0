"""The form of the news-release page (the study secretary's): the text, the version it was
loaded at, and which button was pressed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from studytrack.formfields import Form, version_value

SAVE, FINALISE, REGENERATE = "save", "finalise", "regenerate"
# A news release runs to one or two thousand characters; room for a long one, no more.
MAX_CHARACTERS = 20_000


class NewsReleaseForm(Form):
    # The id the copy button names (static/js/report.js).
    text = TextAreaField(
        _l("News release (Chinese)"), id="news-release-text",
        validators=[Optional(), Length(max=MAX_CHARACTERS)],
        render_kw={"rows": 24, "lang": "zh-CN"},
    )
    # The saved text's version when the page was loaded; empty: nothing was saved then.
    version = HiddenField()
    # The button pressed: each is a submit button named "action".
    action = SelectField(choices=[SelectChoice(SAVE), SelectChoice(FINALISE),
                                  SelectChoice(REGENERATE)], default=SAVE)

    @property
    def expected_version(self) -> int | None:
        return version_value(self.version.data)
