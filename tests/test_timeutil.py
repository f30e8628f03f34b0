"""Local time <-> UTC conversions (the configured zone is Asia/Shanghai, UTC+8, no DST)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from studytrack import timeutil


def test_local_tz_follows_configuration(app):
    assert timeutil.local_tz() == ZoneInfo("Asia/Shanghai")
    app.config["TIMEZONE"] = "Europe/Berlin"
    assert timeutil.local_tz() == ZoneInfo("Europe/Berlin")


def test_local_to_utc_takes_naive_values_as_local_wall_clock(app):
    result = timeutil.local_to_utc(datetime(2020, 3, 26, 14, 30))
    assert result == datetime(2020, 3, 26, 6, 30, tzinfo=UTC)
    assert result.utcoffset() == timedelta(0)


def test_local_to_utc_keeps_an_aware_values_own_zone(app):
    aware = datetime(2020, 3, 26, 14, 30, tzinfo=ZoneInfo("Europe/London"))
    assert timeutil.local_to_utc(aware) == datetime(2020, 3, 26, 14, 30, tzinfo=UTC)


def test_none_passes_through(app):
    assert timeutil.local_to_utc(None) is None
    assert timeutil.utc_to_local(None) is None
    assert timeutil.local_naive(None) is None
    assert timeutil.local_date_of(None) is None


def test_utc_to_local_and_back(app):
    stored = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    local = timeutil.utc_to_local(stored)
    assert local.tzinfo == ZoneInfo("Asia/Shanghai")
    assert (local.year, local.month, local.day, local.hour) == (2027, 1, 1, 1)
    assert timeutil.local_to_utc(timeutil.local_naive(stored)) == stored
    assert timeutil.local_date_of(stored) == date(2027, 1, 1)


def test_utc_to_local_takes_naive_values_as_utc(app):
    assert timeutil.utc_to_local(datetime(2026, 1, 1, 0, 0)).hour == 8


def test_today_local_is_the_date_in_the_configured_zone(app):
    expected = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    assert timeutil.today_local() in (expected, expected + timedelta(days=1))
    app.config["TIMEZONE"] = "Pacific/Kiritimati"  # UTC+14: often already tomorrow
    assert timeutil.today_local() == datetime.now(ZoneInfo("Pacific/Kiritimati")).date()


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/New_York"])
def test_local_year_bounds(app, zone):
    app.config["TIMEZONE"] = zone
    start, end = timeutil.local_year_bounds(2026)
    tz = ZoneInfo(zone)
    assert start == datetime(2026, 1, 1, tzinfo=tz)
    assert end == datetime(2027, 1, 1, tzinfo=tz)
    assert start.tzinfo is UTC and end.tzinfo is UTC


def test_works_outside_an_application():
    assert timeutil.local_tz() == ZoneInfo(timeutil.DEFAULT_TIMEZONE)


# --- the |datetime and |date template filters (studytrack.web) --------------------------------


@pytest.mark.parametrize(("template", "expected"), [
    ("{{ moment|datetime }}", "2026-11-30 00:30"),  # the Shanghai date, not the UTC one
    ("{{ moment|datetime('HH:mm') }}", "00:30"),
    ("{{ moment|datetime('yyyy-MM-dd HH:mm:ss') }}", "2026-11-30 00:30:05"),
    ("{{ moment|date }}", "2026-11-30"),
    ("{{ naive|datetime }}", "2026-11-30 00:30"),  # naive values are UTC, as SQLite gives them
    ("{{ day|date }}", "2026-02-03"),  # a date is a date: no time zone applies
    ("{{ day|date('yyyy-MM-dd HH:mm') }}", "2026-02-03 00:00"),
    ("{{ moment|datetime('HH:mm:ss') }}", "00:30:05"),
    ("{{ none|datetime }}|{{ none|date }}", "|"),
    ("{{ moment|date('MMMd日') }}", "11月30日"),  # other patterns go through Babel
])
def test_template_filters_show_local_time(app, template, expected):
    from flask import render_template_string

    moment = datetime(2026, 11, 29, 16, 30, 5, tzinfo=UTC)
    with app.test_request_context("/"):
        assert render_template_string(
            template, moment=moment, naive=moment.replace(tzinfo=None),
            day=date(2026, 2, 3), none=None,
        ) == expected
