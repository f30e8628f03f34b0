"""Pickers of people that search as one types: a page never lists everyone (DESIGN.md).

A `PersonField` holds the id of the person chosen. The `person_picker` macro
(templates/_macros/pickers.html) shows it as a search box with, below it, the people matching
what was typed, at most `MATCHES_SHOWN` of them, as radio buttons:

- with JavaScript, htmx asks the picker's search route for the matches as one types; the route
  builds the page's form from the query string and answers `matches_fragment(field)`;
- without it, the form is sent with the text typed: a single match is taken, several are listed
  beside the field to choose from, none is an error beside the field. Nothing typed is lost.

Which people a picker offers is a `People`: the active accounts, those listed narrowed by the
picker's own conditions (not yet on the list, not yet a member …). The id a form sends is
checked on the server, so an account the picker does not offer cannot be chosen by editing the
page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import get_template_attribute
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from studytrack import inputs
from studytrack.extensions import db
from studytrack.models import Organization, User

MATCHES_SHOWN = 20
MAX_SEARCH_CHARS = 64


@dataclass(frozen=True)
class Person:
    """One person a picker offers: the name, and what tells two of the same name apart."""

    id: int
    name: str
    details: tuple[str, ...]  # position, unit, and for administrators the login


@dataclass(frozen=True)
class People:
    """The active accounts a picker offers. Those meeting `listed_if` are listed as matches;
    the others may still be sent (an old page, a second tab) and meet the domain's own refusal
    ("already on the list"), which says more than "cannot be chosen". With `logins` (the
    administrator's pickers) a login name is searched and shown too; other people's logins are
    not disclosed to secretaries (docs/security.md)."""

    listed_if: tuple[sa.ColumnElement[bool], ...] = ()
    logins: bool = False

    def matching(self, text: str, limit: int = MATCHES_SHOWN + 1) -> list[Person]:
        """Up to `limit` people of whom every space-separated word of `text` is part of the
        name, position or unit (or login): an exact name first, then shorter names first."""
        words = text.split()
        if not words:
            return []
        searched = [User.display_name, User.position, Organization.name]
        if self.logins:
            searched.append(User.username)
        query = self._select().where(*self.listed_if, *(
            sa.or_(*(column.icontains(word, autoescape=True) for column in searched))
            for word in words
        ))
        query = query.order_by(
            User.display_name != text, sa.func.length(User.display_name), User.display_name,
            User.id,
        ).limit(limit)
        return [self._person(row) for row in db.session.execute(query)]

    def get(self, user_id: int) -> Person | None:
        """The person of `user_id` if this picker offers them, else None."""
        row = db.session.execute(self._select().where(User.id == user_id)).first()
        return None if row is None else self._person(row)

    def _select(self) -> sa.Select[int, str, str | None, str, str]:  # the unit may be NULL
        return (
            sa.select(User.id, User.display_name, User.position, Organization.name,
                      User.username)
            .outerjoin(Organization, User.organization_id == Organization.id)
            .where(User.active.is_(True))
        )

    def _person(self, row: Any) -> Person:
        user_id, name, position, unit, login = row
        details = [position, unit] + ([login] if self.logins else [])
        return Person(user_id, name, tuple(detail for detail in details if detail))


class PersonField(Field):
    """The id of the person chosen with a picker (see the module's docstring), or None.

    The form sets `people` (a `People`) before it validates or renders matches. After
    validation `chosen` is the person taken; when the text typed named several people,
    `matches` lists them for the page."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.people: People | None = None
        self.text = ""
        self.matches: list[Person] = []
        self.more = False  # more people match than `matches` shows
        self.chosen: Person | None = None

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
            raise ValueError(_l("Choose a person from the list."))
        if len(str(value)) > 10 or int(value) > inputs.INT_MAX:  # no id is so large
            raise ValueError(_l("This number is too large."))
        self.data = int(value)

    def search(self) -> None:
        """Fill `matches` (and `more`) with the people matching the text typed."""
        found = self._people().matching(self.text)
        self.matches, self.more = found[:MATCHES_SHOWN], len(found) > MATCHES_SHOWN

    def pre_validate(self, form: Any) -> None:
        if self.data is not None:
            self.chosen = self._people().get(self.data)
            if self.chosen is None:
                self.data = None
                raise StopValidation(_("Choose a person from the list."))
            return
        if not self.text:
            return  # nobody chosen, nothing typed: the field's validators decide
        self.search()
        if len(self.matches) == 1 and not self.more:
            self.chosen = self.matches[0]
            self.data = self.chosen.id
            return
        if not self.matches:
            raise StopValidation(_("Nobody that can be chosen here matches “%(text)s”.",
                                   text=self.text))
        if self.more:
            raise StopValidation(_(
                "More than %(num)d people match “%(text)s”: type more of the name, or choose "
                "one below.", num=MATCHES_SHOWN, text=self.text,
            ))
        raise StopValidation(_("%(num)d people match “%(text)s”: choose one below.",
                               num=len(self.matches), text=self.text))

    def _people(self) -> People:
        if self.people is None:
            raise RuntimeError(f"the form did not say whom {self.name} offers")
        return self.people


def matches_fragment(field: PersonField) -> Markup:
    """The answer of a picker's search route: the matches of the text in the query string."""
    field.search()
    render = get_template_attribute("_macros/pickers.html", "person_matches")
    return Markup(render(field))
