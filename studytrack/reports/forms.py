"""Forms of the reports area."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired

from studytrack.formfields import Form


class ArchiveForm(Form):
    """Which year's archive to prepare: the years the group held sessions in."""

    year = SelectField(_l("Year"), coerce=int, validators=[InputRequired()])

    def offer(self, years: list[tuple[int, int]], label: Callable[[int, int], str]) -> None:
        """`years`: (year, number of sessions); `label` makes an option's text from them."""
        self.year.choices = [(year, str(label(year, count))) for year, count in years]
