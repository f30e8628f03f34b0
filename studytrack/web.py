"""What every template can use: permission checks, navigation, dates in local time."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from studytrack import authz, formatting, timeutil
from studytrack.i18n import LANGUAGE_NAMES, page_catalogue
from studytrack.labels import label_msgid
from studytrack.navigation import navigation_for

# The numeric patterns the templates use read the same in every language: they are written
# with `isoformat` of the local wall-clock time (a Babel format per row cost a few percent of a
# long list's time, and strftime twice what isoformat does).
NUMERIC_DATETIMES: dict[str, Callable[[datetime], str]] = {
    "yyyy-MM-dd": lambda local: local.date().isoformat(),
    "yyyy-MM-dd HH:mm": lambda local: local.isoformat(" ", "minutes"),
    "yyyy-MM-dd HH:mm:ss": lambda local: local.isoformat(" ", "seconds"),
    "HH:mm": lambda local: local.time().isoformat("minutes"),
    "HH:mm:ss": lambda local: local.time().isoformat("seconds"),
}


def _wall_clock(value: datetime) -> datetime:
    """The local wall-clock time (naive) of a stored datetime, through zoneinfo (much faster
    than Babel's pytz). Naive values are UTC, as SQLite returns them."""
    return timeutil.utc_to_local(value).replace(tzinfo=None)


def local_datetime(value: datetime | None, format: str = "yyyy-MM-dd HH:mm") -> str:
    """UTC from the database, shown in the configured time zone (Asia/Shanghai)."""
    if not value:
        return ""
    numeric = NUMERIC_DATETIMES.get(format)
    if numeric is None:
        return str(format_datetime(value, format))  # flask_babel has no types
    return numeric(_wall_clock(value))


def local_date(value: date | datetime | None, format: str = "yyyy-MM-dd") -> str:
    if not value:
        return ""
    numeric = NUMERIC_DATETIMES.get(format)
    if numeric is None:
        return str(format_date(value, format))
    if isinstance(value, datetime):
        return numeric(_wall_clock(value))
    if format == "yyyy-MM-dd":
        return value.isoformat()
    return numeric(datetime.combine(value, time()))


@pass_context
def label_text(context: Context, value: StrEnum | None) -> Markup:
    """The `|label` filter: an enumeration value's name in the page's language (catalogue
    text, trusted as `_()`'s is in templates)."""
    if value is None:
        return Markup("")
    msgid = label_msgid(value)
    if msgid is None:
        return Markup(escape(str(value)))
    return Markup(page_catalogue(context).ugettext(msgid))


def url_for_page(page: int) -> str:
    """The current page's URL with another page number and the same filters."""
    return url_with(page=page)


def url_with(**changes: Any) -> str:
    """The current page's URL with these query parameters changed (None: left out), the
    others (the filters) kept."""
    args = {**(request.view_args or {}), **request.args.to_dict(), **changes}
    args = {name: value for name, value in args.items() if value is not None}
    return url_for(request.endpoint or "home.index", **args)


def template_globals() -> dict[str, Any]:
    # `can` asks about the user the page is rendered for, found once per template rather than
    # on every question (a page of rows asks dozens).
    viewer = current_user._get_current_object()
    return {
        "can": functools.partial(authz.can, user=viewer),
        "get_locale": lambda: str(get_locale()),
        "url_for_page": url_for_page,
        "navigation": navigation_for,
        "roles": authz.roles_anywhere,
        "language_names": LANGUAGE_NAMES,
    }


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")  # {% do d.update(...) %}: no `set _ =` tricks
    app.context_processor(template_globals)
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(label_text, "label")
    app.add_template_filter(formatting.percent, "percent")
    app.jinja_env.globals["Role"] = authz.Role
    # Imported macros do not see context processors, so pagination needs a real global.
    app.jinja_env.globals["url_for_page"] = url_for_page
    app.jinja_env.globals["url_with"] = url_with
