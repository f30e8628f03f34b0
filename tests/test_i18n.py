"""Simplified Chinese by default, English on request, and a complete Chinese catalogue."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
import sqlalchemy as sa
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient

from studytrack import PACKAGE_DIR
from studytrack.extensions import db
from studytrack.models import User
from tests.fixtures.users import PASSWORD

CATALOGUE = PACKAGE_DIR / "translations" / "zh" / "LC_MESSAGES"
SOURCE_ROOT = PACKAGE_DIR.parent




def html_lang(response: Any) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, "no <html lang>"
    return match.group(1)


def switch_language(client: FlaskClient, locale: str, next_url: str = "/auth/login") -> Any:
    return client.post("/auth/language", data={"locale": locale, "next": next_url})


# --- the login page ----------------------------------------------------------------------


def test_login_page_is_chinese_by_default(client):
    response = client.get("/auth/login")
    body = response.get_data(as_text=True)
    assert html_lang(response) == "zh-CN"
    assert "登录" in body  # Log in
    assert "密码" in body  # Password
    assert ">Log in<" not in body
    assert "Password" not in body


def test_switching_to_english_on_the_login_page(client):
    response = switch_language(client, "en")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"

    response = client.get("/auth/login")
    body = response.get_data(as_text=True)
    assert html_lang(response) == "en"
    assert "Log in" in body
    assert "Password" in body
    assert "密码" not in body

    switch_language(client, "zh")
    assert html_lang(client.get("/auth/login")) == "zh-CN"


def test_the_choice_belongs_to_one_browser(app, client):
    switch_language(client, "en")
    assert html_lang(app.test_client().get("/auth/login")) == "zh-CN"


@pytest.mark.parametrize("locale", ["fr", "zh_CN", "", "EN", "en; DROP TABLE users"])
def test_an_invalid_locale_is_ignored(client, locale):
    response = switch_language(client, locale)
    assert response.status_code == 302
    assert html_lang(client.get("/auth/login")) == "zh-CN"


def test_an_invalid_locale_keeps_an_earlier_choice(client):
    switch_language(client, "en")
    switch_language(client, "fr")
    assert html_lang(client.get("/auth/login")) == "en"


def test_language_switch_is_a_post(client):
    assert client.get("/auth/language?locale=en").status_code == 405
    assert html_lang(client.get("/auth/login")) == "zh-CN"


# --- a logged-in user's choice -----------------------------------------------------------


def test_logged_in_choice_is_saved_and_survives_a_new_login(app, client, login, create_user):
    user = create_user()
    assert user.locale == "zh"
    login(user)
    assert html_lang(client.get("/")) == "zh-CN"

    response = switch_language(client, "en", next_url="/groups/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/groups/"

    db.session.refresh(user)
    assert user.locale == "en"
    english = client.get("/")
    assert html_lang(english) == "en"
    # The menu (built once per language and roles) follows the language too.
    assert re.search(r'data-nav="tasks">\s*<i[^>]*></i> My tasks', english.get_data(as_text=True))
    switch_language(client, "zh", next_url="/")
    chinese = client.get("/").get_data(as_text=True)
    assert re.search(r'data-nav="tasks">\s*<i[^>]*></i> 我的任务', chinese)
    switch_language(client, "en", next_url="/")

    # Another browser: Chinese until the login, then the saved choice.
    fresh = app.test_client()
    assert html_lang(fresh.get("/auth/login")) == "zh-CN"
    fresh.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    response = fresh.get("/")
    assert response.status_code == 200
    assert html_lang(response) == "en"
    assert "Log out" in response.get_data(as_text=True)


def test_saved_choice_wins_over_the_login_page_choice(app, client, login, create_user):
    user = create_user(locale="en")
    switch_language(client, "zh")
    login(user)
    assert html_lang(client.get("/")) == "en"


def test_logged_in_invalid_locale_changes_nothing(client, login, create_user):
    user = create_user()
    login(user)
    response = switch_language(client, "fr", next_url="/")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.locale == "zh"
    assert html_lang(client.get("/")) == "zh-CN"


def test_user_locale_is_limited_to_the_languages_by_the_database(app, create_user):
    user = create_user()
    user.locale = "fr"
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(User, user.id).locale == "zh"


# --- the catalogue -----------------------------------------------------------------------


def read_catalogue() -> Any:
    with (CATALOGUE / "messages.po").open("rb") as f:
        return read_po(f)


def test_catalogue_is_where_flask_babel_finds_it(app):
    """translations/zh/ (not zh_CN, which current Babel silently ignores for locale "zh")."""
    assert app.config["BABEL_DEFAULT_LOCALE"] == "zh"
    assert (CATALOGUE / "messages.po").is_file()
    assert (CATALOGUE / "messages.mo").is_file()
    assert str(read_catalogue().locale) == "zh"


def test_chinese_catalogue_is_complete():
    """Every entry translated, none fuzzy. Fails until the translation work is finished."""
    catalogue = read_catalogue()
    untranslated, fuzzy = [], []
    for message in catalogue:
        if not message.id:
            continue  # the header
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(s and s.strip() for s in strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert len(catalogue) > 50
    assert untranslated == []
    assert fuzzy == []


def extracted_message_ids() -> set[str]:
    """What `make translations` extracts (babel.cfg), folders starting with "_" included."""
    method_map = [("studytrack/**.py", "python"), ("templates/**.html", "jinja2"),
                  ("templates/**.txt", "jinja2")]
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}

    def keep_directory(path: str) -> bool:
        name = os.path.basename(path)
        return not name.startswith(".") and name not in {"__pycache__", "node_modules", ".venv"}

    # As babel.cfg says: templates use the `do` extension (the extractor stops at an unknown tag)
    options = {pattern: {"extensions": "jinja2.ext.do"} for pattern, method in method_map
               if method == "jinja2"}
    ids: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(SOURCE_ROOT), method_map, options_map=options, keywords=keywords,
        directory_filter=keep_directory,
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_chinese_catalogue_covers_every_message_in_the_source():
    """A string added to a template or module without updating the catalogue shows English."""
    in_catalogue = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_catalogue()}
    extracted = extracted_message_ids()
    assert "Log in" in extracted and "Study groups" in extracted
    assert sorted(extracted - in_catalogue) == []


def _plain(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo is what Flask-Babel reads: it must be compiled from the current .po."""
    with (CATALOGUE / "messages.mo").open("rb") as f:
        compiled = {_plain(m.id): _plain(m.string) for m in read_mo(f) if m.id}
    translated = {
        _plain(m.id): _plain(m.string) for m in read_catalogue()
        if m.id and not m.fuzzy and all(_plain(m.string) if m.pluralizable else (m.string,))
    }
    assert compiled == translated


@pytest.mark.parametrize(("english", "chinese"), [
    ("Log in", "登录"),
    ("Password", "密码"),
])
def test_core_words(english, chinese):
    catalogue = read_catalogue()
    assert catalogue[english].string == chinese


# --- looking up translations (studytrack.i18n.CatalogueDomain) -------------------------------


def test_labels_and_template_strings_follow_the_request_locale(app):
    """The catalogue kept per locale must never leak one request's language into another."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext

    from studytrack.labels import label
    from studytrack.models import AttendanceStatus

    template = "{{ _('Log in') }}|{{ status|label }}"
    with app.test_request_context("/"):
        assert render_template_string(template, status=AttendanceStatus.ON_LEAVE) == "登录|请假"
        with force_locale("en"):
            assert gettext("Log in") == "Log in"
            assert str(label(AttendanceStatus.ON_LEAVE)) == "On leave"
            assert render_template_string(template, status=AttendanceStatus.ON_LEAVE) == (
                "Log in|On leave")
        assert gettext("Log in") == "登录"


def test_template_strings_keep_jinjas_newstyle_meaning(app):
    """`_()` is cached per language, yet still formats like Jinja's newstyle gettext: "%%" reads
    "%", the message is trusted and its variables are escaped."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/"):
        assert render_template_string("{{ _('100%% done') }}") == "100% done"
        assert render_template_string("{{ _('<b>%(name)s</b>', name='<i>') }}") == (
            "<b>&lt;i&gt;</b>")
        assert render_template_string("{{ ngettext('%(num)d item', '%(num)d items', 3) }}") == (
            "3 items")
        assert render_template_string("{{ _('Log in') }}") == "登录"
        with force_locale("en"):
            assert render_template_string("{{ _('Log in') }}") == "Log in"
        assert render_template_string("{{ _('Log in') }}") == "登录"


def test_commands_speak_the_configured_default_language(app):
    from flask_babel import gettext

    with app.app_context():
        assert gettext("Log in") == "登录"
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    with app.app_context():
        assert gettext("Log in") == "Log in"


def test_wtforms_own_messages_follow_the_request_locale(app):
    """WTForms' messages come from its catalogue in the page's language, for page forms and
    sub-forms alike (read once per language: formfields.InputChecks.get_translations)."""
    from flask_babel import force_locale
    from werkzeug.datastructures import MultiDict
    from wtforms import SelectField
    from wtforms.fields.choices import SelectChoice

    from studytrack.formfields import PlainForm

    class Choice(PlainForm):
        kind = SelectField(choices=[SelectChoice("a", "A")])

    with app.test_request_context("/"):
        form = Choice(MultiDict({"kind": "z"}))
        assert not form.validate() and form.kind.errors == ["不是有效的选择。"]
        with force_locale("en"):
            form = Choice(MultiDict({"kind": "z"}))
            assert not form.validate() and form.kind.errors == ["Not a valid choice."]


def test_chinese_pages_use_full_width_punctuation(demo_site, client):
    """A label's colon and a figure's brackets in Chinese text are full-width (补学：, （67%）);
    the English UI keeps its own."""
    import re

    from tests.fixtures.demo import demo_login

    demo_login(client, "secretary")
    pages = [f"/sessions/{demo_site['session_id']}/reflections",
             f"/sessions/{demo_site['session_id']}/report",
             f"/sessions/{demo_site['session_id']}"]
    text = " ".join(re.sub(r"<[^>]+>", " ", client.get(page).get_data(as_text=True))
                    for page in pages)
    assert "：" in text and "（" in text
    # no half-width colon or bracket right after a Chinese character
    assert not re.search(r"[\u4e00-\u9fff]\s*[:(]", text)
