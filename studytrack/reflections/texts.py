"""Texts that a list of reflections repeats on every line with that line's values: "Submitted
2024-05-06 10:00", "1234 characters".

In a template each costs some thirty Python calls a line (`_()` through Jinja's context, the
catalogue look-up, the date filter), and the review page and the session report print them for
some sixty reflections. `LineTexts` looks the messages up once per page and formats each line
in Python. The results are plain text, which the template escapes whole: none of these
messages contains markup, and a plain string is cheaper to format and to escape than Markup.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_translations

from studytrack.web import local_datetime


class LineTexts:
    """The per-line texts of reflections, in the current request's language."""

    def __init__(self) -> None:
        self._translations = get_translations()
        self._submitted = self._translations.ugettext("Submitted %(when)s")
        self._handed_in = self._translations.ugettext("handed in %(when)s")

    def characters(self, count: int) -> str:
        """"1234 characters" (ngettext)."""
        text = self._translations.ungettext("%(num)d character", "%(num)d characters", count)
        return text % {"num": count}

    def submitted(self, when: datetime | None) -> str:
        """"Submitted <local date and time>" (the review page), as `|datetime` shows it."""
        return self._submitted % {"when": local_datetime(when)}

    def handed_in(self, when: datetime) -> str:
        """"handed in <local date and time>" (the session report)."""
        return self._handed_in % {"when": local_datetime(when)}
