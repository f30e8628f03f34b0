"""Language and time zone: Simplified Chinese by default, English on request."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, session
from flask_login import current_user

from studytrack.extensions import babel

LANGUAGE_NAMES = {"zh": "简体中文", "en": "English"}


def select_locale() -> str:
    """The user's saved choice, else the choice made on the login page, else Chinese."""
    languages = current_app.config["LANGUAGES"]
    default = str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if not has_request_context():  # CLI commands and background work speak the default
        return default
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return str(current_user.locale)
    chosen = session.get("locale")
    return str(chosen) if chosen in languages else default


def select_timezone() -> str:
    return str(current_app.config["TIMEZONE"])


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
