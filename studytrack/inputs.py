"""What a request may bring in, decided in one place (issue 17: no input reaches a 500).

- **Text** never carries C0 control characters other than tab, line feed and carriage return:
  PostgreSQL refuses a NUL in text, and Word and Excel exports refuse every such character.
  Nobody types them; they arrive by copy and paste or from a crafted request, and mean nothing,
  so they are removed (`clean_text`). Every form field does this (studytrack/formfields.py).
- **Whole numbers** fit the database's integer columns (`INT_MIN` … `INT_MAX`). An id in a URL
  (every `<int:…>` route, through `IdConverter`) is 1 … `INT_MAX`, else 404; a number in the
  query string is read by `query_int`, `query_id`, `page_number` and `query_year`, which never
  return one out of range; form fields are checked by formfields.within_int_range.
- **Dates** lie between 1 January of `DATE_FIRST_YEAR` and 31 December of the year
  `DATE_YEARS_AHEAD` after the current one (configuration), `date_range()`; the years of
  filters and archives are the years of that range, `year_bounds()`.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask, current_app, request
from werkzeug.routing import IntegerConverter, Map

from studytrack.timeutil import today_local

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # PostgreSQL's `integer`, the type of every id

# C0 controls except tab, line feed and carriage return. Vertical tab and form feed are the
# line and page breaks of text pasted from Word or a PDF: they become line feeds.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BREAKS = str.maketrans({"\v": "\n", "\f": "\n"})
_DROPPED = re.compile("[\x00-\x08\x0e-\x1f]")


def clean_text(value: Any) -> Any:
    """Text without C0 control characters (tab and line ends stay; vertical tab and form feed
    become line feeds). Text without any, and anything that is not text (a select's coerced
    enumeration, a number), is returned as it is."""
    if not isinstance(value, str) or _CONTROLS.search(value) is None:
        return value
    return _DROPPED.sub("", value.translate(_BREAKS))


def to_int(value: Any, low: int = INT_MIN, high: int = INT_MAX) -> int:
    """`value` as a whole number between `low` and `high`; ValueError otherwise (also for a
    number too long for int(): Python refuses more than 4,300 digits)."""
    number = int(str(value).strip())
    if not low <= number <= high:
        raise ValueError(f"{number} is not between {low} and {high}")
    return number


def query_int(name: str, low: int = INT_MIN, high: int = INT_MAX) -> int | None:
    """The query-string parameter `name` as a whole number between `low` and `high`; None when
    it is missing, not a number or out of that range."""
    raw = request.args.get(name)
    if raw is None:
        return None
    try:
        return to_int(raw, low, high)
    except ValueError:
        return None


def query_id(name: str) -> int | None:
    """An id in the query string (`?session_id=`): one that a row can have, else None."""
    return query_int(name, 1, INT_MAX)


def page_number() -> int:
    """`?page=`: 1 when missing or not a positive number; a number beyond what any list has is
    kept within INT_MAX (the list shows an empty page past its end)."""
    raw = request.args.get("page")
    try:
        page = int(str(raw).strip()) if raw is not None else 1
    except ValueError:
        return 1
    return min(max(page, 1), INT_MAX)


def year_bounds() -> tuple[int, int]:
    """The first and last year a date may have (configuration: DATE_FIRST_YEAR and
    DATE_YEARS_AHEAD after the current year)."""
    config = current_app.config
    return int(config["DATE_FIRST_YEAR"]), today_local().year + int(config["DATE_YEARS_AHEAD"])


def date_range(first_year: int | None = None) -> tuple[date, date]:
    """The first and last date accepted; `first_year` moves the start (see WithinDates)."""
    first, last = year_bounds()
    return date(first if first_year is None else first_year, 1, 1), date(last, 12, 31)


def in_year_range(year: int | None) -> bool:
    first, last = year_bounds()
    return year is not None and first <= year <= last


def query_year(name: str = "year") -> int | None:
    """`?year=`: a year of the accepted range, else None (the page falls back to its default)."""
    year = query_int(name)
    return year if in_year_range(year) else None


def decimal_up_to(limit: int) -> str:
    """A regular expression for the numbers 1 … `limit` written without leading zeros."""
    digits = str(limit)
    alternatives = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):  # as many digits: a smaller one at i after the same start
        lowest = 1 if i == 0 else 0
        if int(digit) > lowest:
            rest = len(digits) - i - 1
            alternatives.append(digits[:i] + f"[{lowest}-{int(digit) - 1}]"
                                + (rf"\d{{{rest}}}" if rest else ""))
    return "(?:" + "|".join([*alternatives, digits]) + ")"


class IdConverter(IntegerConverter):
    """`<int:…>` in every route: 1 … INT_MAX, so an id that no row can have answers 404 instead
    of an error from the database (2^31 on PostgreSQL, 2^63 on SQLite). The bound is in the
    pattern, not only in to_python: a number the pattern took and to_python refused would
    answer 405 where the same path has a GET and a POST rule."""

    regex = decimal_up_to(INT_MAX)

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = 1,
                 max: int | None = INT_MAX, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def init_app(app: Flask) -> None:
    """Before the blueprints: their rules take the converter when they are added."""
    app.url_map.converters["int"] = IdConverter
