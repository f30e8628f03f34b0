"""Local time <-> UTC in one place.

The database keeps aware UTC datetimes; people type and read local time in the configured zone
(``current_app.config["TIMEZONE"]``, Asia/Shanghai by default). Forms hand us naive local
datetimes (``<input type="datetime-local">``); convert them here on the way in. Templates show
stored values with the ``|datetime`` / ``|date`` filters, which localise on the way out.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import overload
from zoneinfo import ZoneInfo

from flask import current_app

DEFAULT_TIMEZONE = "Asia/Shanghai"


def local_tz() -> tzinfo:
    """The configured time zone (falls back to Asia/Shanghai outside an application)."""
    try:
        name = current_app.config.get("TIMEZONE")  # asked for every date a page shows
    except RuntimeError:  # no application context
        name = None
    return ZoneInfo(name or DEFAULT_TIMEZONE)  # ZoneInfo keeps one object per zone


# These three map None to None and a datetime to a datetime (so say their overloads: a caller
# that passes a datetime needs no check of the result).
@overload
def local_to_utc(value: datetime) -> datetime: ...
@overload
def local_to_utc(value: None) -> None: ...
def local_to_utc(value: datetime | None) -> datetime | None:
    """A local wall-clock time (naive, as typed) -> aware UTC for the database.

    An aware value is converted as it is (its own zone wins).
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_tz())
    return value.astimezone(UTC)


@overload
def utc_to_local(value: datetime) -> datetime: ...
@overload
def utc_to_local(value: None) -> None: ...
def utc_to_local(value: datetime | None) -> datetime | None:
    """An aware datetime (naive is taken as UTC, as SQLite may return it) -> aware local."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(local_tz())


@overload
def local_naive(value: datetime) -> datetime: ...
@overload
def local_naive(value: None) -> None: ...
def local_naive(value: datetime | None) -> datetime | None:
    """Aware UTC -> naive local wall-clock time, as a datetime-local form field wants it."""
    local = utc_to_local(value)
    return local.replace(tzinfo=None) if local is not None else None


def now_utc() -> datetime:
    return datetime.now(UTC)


def today_local() -> date:
    """Today's date where the users are (not where the server is)."""
    return datetime.now(local_tz()).date()


def local_date_of(value: datetime | None) -> date | None:
    """The local calendar date of a stored UTC datetime."""
    local = utc_to_local(value)
    return local.date() if local is not None else None


def local_year_bounds(year: int) -> tuple[datetime, datetime]:
    """[start, end) of a local calendar year, in UTC, for filtering stored datetimes."""
    tz = local_tz()
    start = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    return start, end
