"""Language and time zone: Simplified Chinese by default, English on request."""

from __future__ import annotations

from functools import cache, cached_property
from typing import Any

import flask_babel
from babel import Locale
from flask import Flask, current_app, has_request_context, session
from flask_babel import Domain, get_locale
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2.utils import missing
from markupsafe import Markup

LANGUAGE_NAMES = {"zh": "简体中文", "en": "English"}


def select_locale() -> Locale:
    """The user's saved choice, else the choice made on the login page, else Chinese."""
    languages = current_app.config["LANGUAGES"]
    default = str(current_app.config["BABEL_DEFAULT_LOCALE"])
    if not has_request_context():  # CLI commands and background work speak the default
        return _locale(default)
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return _locale(str(current_user.locale))
    chosen = session.get("locale")
    return _locale(str(chosen) if chosen in languages else default)


@cache
def _locale(code: str) -> Locale:
    """One Locale per language for the process (Flask-Babel takes a Locale as it is), so that
    `Catalogues` finds a language's catalogue by identity."""
    return Locale.parse(code)


def select_timezone() -> str:
    return str(current_app.config["TIMEZONE"])


class Catalogues(Domain):
    """Flask-Babel's message domain, keeping each language's catalogue by its Locale.

    Why: Flask-Babel's `Domain.get_translations()` finds the catalogue through three
    request-context look-ups and a locale-to-string conversion on every string, and a page
    translates two to three hundred of them (labels, options, table headings): a fifth of the
    session report's time (benchmarks/RESULTS.md, issue 16). Here a string costs `get_locale()`
    and a dictionary hit; `force_locale()` and `refresh()` still work, since the key is the
    request's locale as Flask-Babel reports it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_locale: dict[Locale, Any] = {}

    def get_translations(self) -> Any:
        locale = get_locale()
        if locale is None:  # outside a request: Flask-Babel's null catalogue
            return super().get_translations()
        catalogue = self._by_locale.get(locale)
        if catalogue is None:
            catalogue = self._by_locale[locale] = super().get_translations()
        return catalogue


class Babel(flask_babel.Babel):
    """Flask-Babel with `Catalogues` as its message domain."""

    @cached_property
    def domain_instance(self) -> Catalogues:
        return Catalogues(domain=self.domain)


def catalogue() -> Any:
    """The request's catalogue: Flask-Babel's `get_translations()`, without its look-up of
    the domain (ours is `Babel.domain_instance`)."""
    from studytrack.extensions import babel

    return babel.domain_instance.get_translations()


@pass_context
def page_catalogue(context: Context) -> Any:
    """The catalogue a template translates with: the page's, found once by the context
    processor of `init_app`; a macro imported without context looks it up itself."""
    found = context.resolve_or_missing("page_catalogue")  # no KeyError raised and caught
    return catalogue() if found is missing else found


# Templates' `_()`, `gettext()` and `ngettext()`: Jinja's "newstyle" gettext (the text is Markup
# under autoescape, and always %-formatted with the keyword arguments, `num` included), in one
# call with the page's catalogue. Jinja's own wraps the callables given to
# `install_gettext_callables` and reaches them through its `_` alias: three `Context.call`s and
# some 700 bytecodes per string, where a page translates 100-150 strings; that was a fifth of the
# session report's time (benchmarks/RESULTS.md, issue 16).
@pass_context
def template_gettext(context: Context, message: str, /, **variables: Any) -> str:
    text = page_catalogue(context).ugettext(message)
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


@pass_context
def template_ngettext(
    context: Context, singular: str, plural: str, num: int, /, **variables: Any
) -> str:
    variables.setdefault("num", num)
    text = page_catalogue(context).ungettext(singular, plural, num)
    return (Markup(text) if context.eval_ctx.autoescape else text) % variables


def init_app(app: Flask) -> None:
    from studytrack.extensions import babel

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # Templates translate with the request's catalogue, found once per page: a page translates
    # a hundred strings or more, and each look-up through Flask-Babel's request state costs
    # more than the translation (benchmarks/RESULTS.md, issue 16).
    app.context_processor(lambda: {"page_catalogue": catalogue()})
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=template_gettext,
        ngettext=template_ngettext,
        newstyle=True,
        pgettext=pass_context(lambda c, x, s: page_catalogue(c).upgettext(x, s)),
        npgettext=pass_context(lambda c, x, s, p, n: page_catalogue(c).unpgettext(x, s, p, n)),
    )
    # `_()` is `gettext()` itself, not the i18n extension's alias of it.
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext,
                                 ngettext=template_ngettext)
