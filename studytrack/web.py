"""What every template can use: permission checks, navigation, dates in local time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Flask, request, url_for
from flask_babel import format_date, format_datetime, get_locale

from studytrack import authz
from studytrack.i18n import LANGUAGE_NAMES
from studytrack.labels import label
from studytrack.navigation import navigation_for


def local_datetime(value: datetime | None, format: str = "yyyy-MM-dd HH:mm") -> str:
    """UTC from the database, shown in the configured time zone (Asia/Shanghai)."""
    return format_datetime(value, format) if value else ""


def local_date(value: date | datetime | None, format: str = "yyyy-MM-dd") -> str:
    return format_date(value, format) if value else ""


def url_for_page(page: int) -> str:
    """The current page's URL with another page number and the same filters."""
    args = {**(request.view_args or {}), **request.args.to_dict(), "page": page}
    return url_for(request.endpoint or "home.index", **args)


def template_globals() -> dict[str, Any]:
    return {
        "can": authz.can,
        "get_locale": lambda: str(get_locale()),
        "url_for_page": url_for_page,
        "navigation": navigation_for,
        "roles": lambda obj=None: authz.roles_for(_current_user(), obj),
        "language_names": LANGUAGE_NAMES,
    }


def _current_user() -> Any:
    from flask_login import current_user

    return current_user


def init_app(app: Flask) -> None:
    app.context_processor(template_globals)
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(label, "label")
    app.jinja_env.globals["Role"] = authz.Role
    # Imported macros do not see context processors, so pagination needs a real global.
    app.jinja_env.globals["url_for_page"] = url_for_page
