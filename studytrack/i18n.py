"""Language and time zone: Simplified Chinese by default, English on request."""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import Locale
from flask import Flask, current_app, g, has_request_context, session
from flask_babel import Domain, get_locale
from flask_login import current_user
from jinja2 import Environment, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from studytrack.extensions import babel

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
    if chosen in languages:
        return _locale(str(chosen))
    return _locale(default)


@cache
def _locale(code: str) -> Locale:
    """One Locale object per language for the whole process. Flask-Babel would parse a new
    one per request; the catalogues and labels kept per language are found by it on every
    string, and the same object makes that a hash without an equality test."""
    return Locale.parse(code)


def select_timezone() -> str:
    return str(current_app.config["TIMEZONE"])


def current_locale() -> Locale | None:
    """`flask_babel.get_locale()`, for code that asks on every row (`_()`, labels).

    Flask-Babel keeps the request's locale in `g._flask_babel.babel_locale` but reaches it
    through three look-ups of the `g` proxy on each call; here it is one. Until the locale is
    known (first call), and outside an app context, Flask-Babel answers.
    """
    try:
        state = g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:  # no app context
        return get_locale()
    locale = getattr(state, "babel_locale", None)
    return locale if locale is not None else get_locale()


class CatalogueDomain(Domain):
    """Flask-Babel's message domain, with the catalogue of each locale looked up once.

    Every `_()` in a template and every lazy label goes through `get_translations()`, which in
    Flask-Babel costs four request-context look-ups and a locale-to-string conversion: on a
    page with a few hundred strings that was a tenth of its time. Here it costs one look-up
    (the request's locale) and a dictionary hit. `force_locale` still works: it changes the
    request's locale, which is the key.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._by_locale: dict[Locale, Any] = {}

    def get_translations(self) -> Any:
        locale = current_locale()
        if locale is None:  # outside a request
            return super().get_translations()
        return self.catalogue(locale)

    def catalogue(self, locale: Locale) -> Any:
        """The translations of `locale` (the request's: Flask-Babel's loader reads it)."""
        catalogue = self._by_locale.get(locale)
        if catalogue is None:
            catalogue = self._by_locale[locale] = super().get_translations()
        return catalogue


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    # One Babel object serves every app of the process (tests make several); so does its
    # domain, whose catalogues depend only on the translation directories, which are the same.
    if not isinstance(babel.__dict__.get("domain_instance"), CatalogueDomain):
        babel.domain_instance = CatalogueDomain()
    install_template_gettext(app.jinja_env, babel.domain_instance)


def install_template_gettext(env: Environment, domain: CatalogueDomain) -> None:
    """`_()` and `ngettext()` for templates, with Jinja's "newstyle" meaning (the result is
    Markup under autoescape, always %-formatted with the keyword arguments).

    Jinja's own callables go through two `Context.call`s (the `_` alias, then the newstyle
    wrapper) and Flask-Babel's domain look-up on every string: about 80 Python calls per `_()`,
    and a record page has 60 of them. Here `_()` is one call and, for a string without
    variables, a dictionary hit per language.
    """
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
    )
    plain: dict[tuple[Locale, str, bool], str] = {}  # (locale, message, autoescape) -> text

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, message: str, /, **variables: Any) -> str:
        locale = current_locale()
        if variables or locale is None:
            text = domain.get_translations().ugettext(message)
            return (Markup(text) if eval_ctx.autoescape else text) % variables
        key = (locale, message, eval_ctx.autoescape)
        text = plain.get(key)
        if text is None:
            text = domain.catalogue(locale).ugettext(message)
            # Formatted once, as newstyle does on every call ("%%" reads "%").
            text = plain[key] = (Markup(text) if eval_ctx.autoescape else text) % {}
        return text

    @pass_eval_context
    def ngettext(
        eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any
    ) -> str:
        variables.setdefault("num", num)
        text = domain.get_translations().ungettext(singular, plural, num)
        return (Markup(text) if eval_ctx.autoescape else text) % variables

    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
