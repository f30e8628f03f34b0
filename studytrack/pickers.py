"""Pickers of people and units that search as one types: no page lists everyone (DESIGN.md).

A `PickerField` holds the id of the person or unit chosen. The `picker` macro
(templates/_macros/pickers.html) shows it as a search box with, below it, what matches the text
typed, at most `MATCHES_SHOWN`, as radio buttons (the one chosen, checked, before anything is
typed):

- with JavaScript, htmx asks the picker's search route for the matches as one types; the route
  builds the page's form from the query string and answers `matches_fragment(field)`;
- without it, the form is sent with the text typed: a single match is taken, several are listed
  beside the field to choose from, none is an error beside the field. Nothing typed is lost.

What a picker offers is a `People` (the active accounts, those listed narrowed by the picker's
own conditions: not yet on the list, not yet a member …) or `Units` (every unit). The id a form
sends is checked on the server, so what the picker does not offer cannot be chosen by editing
the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import get_template_attribute
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import aliased
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from studytrack import inputs
from studytrack.extensions import db
from studytrack.labels import label
from studytrack.models import Organization, User

MATCHES_SHOWN = 20
MAX_SEARCH_CHARS = 64


def every_word_in(text: str, columns: list[Any]) -> list[sa.ColumnElement[bool]]:
    """A condition per space-separated word of `text`: the word is part of one of `columns`
    (a substring, so one Chinese character finds every name that holds it)."""
    return [sa.or_(*(column.icontains(word, autoescape=True) for column in columns))
            for word in text.split()]


@dataclass(frozen=True)
class Match:
    """One person or unit a picker offers: the name, and what tells two of one name apart."""

    id: int
    name: str
    details: tuple[str, ...]  # a person's position, unit (and login); a unit's kind, parent


@dataclass(frozen=True)
class People:
    """The active accounts a picker offers. Those meeting `listed_if` are listed as matches;
    the others may still be sent (an old page, a second tab) and meet the domain's own refusal
    ("already on the list"), which says more than "cannot be chosen". With `logins` (the
    administrator's pickers) a login name is searched and shown too; other people's logins are
    not disclosed to secretaries (docs/security.md)."""

    listed_if: tuple[sa.ColumnElement[bool], ...] = ()
    logins: bool = False
    placeholder = _l("Part of a name, position or unit")
    unknown = _l("Choose a person from the list.")
    nothing = _l("Nobody that can be chosen here matches “%(text)s”.")
    several = _l("%(num)d people match “%(text)s”: choose one below.")
    too_many = _l("More than %(num)d people match “%(text)s”: type more of the name, or "
                  "choose one below.")

    def matching(self, text: str, limit: int = MATCHES_SHOWN + 1) -> list[Match]:
        """Up to `limit` people of whom every space-separated word of `text` is part of the
        name, position or unit (or login): an exact name first, then shorter names first."""
        searched = [User.display_name, User.position, Organization.name]
        if self.logins:
            searched.append(User.username)
        conditions = every_word_in(text, searched)
        if not conditions:
            return []
        query = self._select().where(*self.listed_if, *conditions).order_by(
            User.display_name != text, sa.func.length(User.display_name), User.display_name,
            User.id,
        ).limit(limit)
        return [self._match(row) for row in db.session.execute(query)]

    def get(self, user_id: int) -> Match | None:
        """The person of `user_id` if this picker offers them, else None."""
        row = db.session.execute(self._select().where(User.id == user_id)).first()
        return None if row is None else self._match(row)

    def _select(self) -> sa.Select[int, str, str | None, str, str]:  # the unit may be NULL
        return (
            sa.select(User.id, User.display_name, User.position, Organization.name,
                      User.username)
            .outerjoin(Organization, User.organization_id == Organization.id)
            .where(User.active.is_(True))
        )

    def _match(self, row: Any) -> Match:
        user_id, name, position, unit, login = row
        details = [position, unit] + ([login] if self.logins else [])
        return Match(user_id, name, tuple(detail for detail in details if detail))


@dataclass(frozen=True)
class Units:
    """Every unit (the administrator's pickers), an inactive one marked so; every word typed
    is part of its name or short name, or of its parent's name."""

    placeholder = _l("Part of the unit's name")
    unknown = _l("Choose a unit from the list.")
    nothing = _l("No unit matches “%(text)s”.")
    several = _l("%(num)d units match “%(text)s”: choose one below.")
    too_many = _l("More than %(num)d units match “%(text)s”: type more of the name, or choose "
                  "one below.")

    def matching(self, text: str, limit: int = MATCHES_SHOWN + 1) -> list[Match]:
        parent = aliased(Organization)
        conditions = every_word_in(text, [Organization.name, Organization.short_name, parent.name])
        if not conditions:
            return []
        query = self._select(parent).where(*conditions).order_by(
            Organization.name != text, sa.func.length(Organization.name), Organization.path,
        ).limit(limit)
        return [self._match(row) for row in db.session.execute(query)]

    def get(self, unit_id: int) -> Match | None:
        row = db.session.execute(
            self._select(aliased(Organization)).where(Organization.id == unit_id)
        ).first()
        return None if row is None else self._match(row)

    def _select(self, parent: Any) -> sa.Select[Any]:
        return (
            sa.select(Organization.id, Organization.name, Organization.kind,
                      Organization.is_active, parent.name)
            .outerjoin(parent, Organization.parent_id == parent.id)
        )

    def _match(self, row: Any) -> Match:
        unit_id, name, kind, active, parent = row
        details = [label(kind), parent or "", "" if active else str(_l("inactive"))]
        return Match(unit_id, name, tuple(str(detail) for detail in details if detail))


class PickerField(Field):
    """The id of the person or unit chosen with a picker (see the module's docstring), or None.

    The form sets `offered` (a `People` or `Units`) before it validates or renders. After
    validation `chosen` is the one taken; when the text typed named several, `matches` lists
    them for the page."""

    def __init__(self, label: Any = None, validators: Any = None, *, none_label: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.none_label = none_label  # an optional field's "none", a radio button of its own
        self.offered: People | Units | None = None
        self.text = ""
        self.matches: list[Match] = []
        self.more = False  # more match than `matches` shows
        self.chosen: Match | None = None

    @property
    def search_name(self) -> str:
        return f"{self.name}-search"

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None
                ) -> None:
        super().process(formdata, data, extra_filters)
        if formdata is not None:
            text = inputs.clean_text(formdata.get(self.search_name) or "")
            self.text = " ".join(str(text).split())[:MAX_SEARCH_CHARS]

    def process_formdata(self, valuelist: list[Any]) -> None:
        value = valuelist[0] if valuelist else ""
        self.data = None
        if value in ("", None):
            return
        if not (str(value).isascii() and str(value).isdigit()):
            self.data = 0  # no row has it: refused as unknown, in the picker's own words
            return
        if len(str(value)) > 10 or int(value) > inputs.INT_MAX:  # no id is so large
            raise ValueError(_l("This number is too large."))
        self.data = int(value)

    def search(self) -> None:
        """Fill `matches` (and `more`) with what matches the text typed."""
        found = self._offered().matching(self.text)
        self.matches, self.more = found[:MATCHES_SHOWN], len(found) > MATCHES_SHOWN

    def current(self) -> Match | None:
        """The one chosen, or the one the form was filled with (an edit form's unit)."""
        if self.chosen is None and self.data is not None and not self.errors:
            self.chosen = self._offered().get(self.data)
        return self.chosen

    def pre_validate(self, form: Any) -> None:
        offered = self._offered()
        if self.data is not None:
            if self.current() is None:
                self.data = None
                raise StopValidation(str(offered.unknown))
            return
        if not self.text:
            return  # nobody chosen, nothing typed: the field's validators decide
        self.search()
        if len(self.matches) == 1 and not self.more:
            self.chosen = self.matches[0]
            self.data = self.chosen.id
            return
        if not self.matches:
            raise StopValidation(str(offered.nothing) % {"text": self.text})
        if self.more:
            raise StopValidation(str(offered.too_many) % {"num": MATCHES_SHOWN,
                                                          "text": self.text})
        raise StopValidation(str(offered.several) % {"num": len(self.matches),
                                                     "text": self.text})

    def _offered(self) -> People | Units:
        if self.offered is None:
            raise RuntimeError(f"the form did not say what {self.name} offers")
        return self.offered


def matches_fragment(field: PickerField) -> Markup:
    """The answer of a picker's search route: the matches of the text in the query string."""
    field.search()
    render = get_template_attribute("_macros/pickers.html", "picker_matches")
    return Markup(render(field))
