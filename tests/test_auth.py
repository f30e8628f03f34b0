"""Logging in and out, rate limits, CSRF, forced and voluntary password changes, `next`."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import gettext
from markupsafe import escape

from studytrack import create_app
from studytrack.config import TestConfig
from studytrack.extensions import db
from studytrack.models import AuditEvent, Base
from tests.fixtures.app import IsolatedClient
from tests.fixtures.users import PASSWORD

NEW_PASSWORD = "a-brand-new-secret-7"


# --- requests as a server runs them ------------------------------------------------------



@pytest.fixture
def make_app(
    database_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Flask]]:
    """make_app(SETTING=value, ...): an app of our own (rate limits or CSRF switched on) with
    a clean database and its context pushed. Use it instead of the `app` fixture."""
    monkeypatch.setenv("STUDYTRACK_INSTANCE_PATH", str(tmp_path / "instance"))
    pushed: list[Any] = []

    def make(**settings: Any) -> Flask:
        config = type("Config", (TestConfig,), {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            **settings,
        })
        app = create_app(config)
        app.test_client_class = IsolatedClient
        context = app.app_context()
        context.push()
        pushed.append(context)
        if database_url == "sqlite://":
            db.create_all()
        return app

    yield make
    for context in reversed(pushed):
        db.session.remove()
        if database_url != "sqlite://":
            names = ", ".join(table.name for table in Base.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        db.engine.dispose()
        context.pop()


# --- reading pages -----------------------------------------------------------------------


def translated(app: Flask, message: str, **variables: Any) -> str:
    """`message` as a page in the default language shows it (HTML-escaped)."""

    def render() -> str:
        with app.test_request_context():
            return str(escape(gettext(message, **variables)))

    return contextvars.Context().run(render)


VOID_ELEMENTS = {"input", "br", "hr", "img", "meta", "link", "source", "area", "base", "col",
                 "embed", "track", "wbr"}


class Page(HTMLParser):
    """Just enough of a DOM: every element with its attributes and its text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[dict[str, Any]] = []
        self._open: list[dict[str, Any]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = {"tag": tag, "attrs": {k: v or "" for k, v in attrs}, "text": []}
        self.elements.append(element)
        if tag not in VOID_ELEMENTS:
            self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append({"tag": tag, "attrs": {k: v or "" for k, v in attrs}, "text": []})

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index]["tag"] == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element["text"].append(data)

    def by_id(self, element_id: str) -> dict[str, Any] | None:
        return next((e for e in self.elements if e["attrs"].get("id") == element_id), None)

    def text_of(self, element_id: str) -> str:
        element = self.by_id(element_id)
        return " ".join("".join(element["text"]).split()) if element else ""


def page(response: Any) -> Page:
    return Page(response.get_data(as_text=True))


def field_error(response: Any, field: str) -> str:
    """The error text shown beside a form field (the render_field macro's feedback block)."""
    html = page(response)
    field_input = html.by_id(field)
    assert field_input is not None, f"no field {field!r} on the page"
    if not html.text_of(f"{field}-feedback"):
        return ""
    assert "is-invalid" in field_input["attrs"].get("class", "")
    assert f"{field}-feedback" in field_input["attrs"].get("aria-describedby", "")
    return html.text_of(f"{field}-feedback")


def post_login(client: FlaskClient, username: str, password: str, **data: Any) -> Any:
    return client.post("/auth/login", data={"username": username, "password": password, **data})


def is_logged_in(client: FlaskClient) -> bool:
    response = client.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def location_path(response: Any) -> str:
    parts = urlsplit(response.headers["Location"])
    assert parts.scheme == "" and parts.netloc == "", response.headers["Location"]
    return parts.path


# --- logging in --------------------------------------------------------------------------


def test_login_page_renders_the_form(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    html = page(response)
    assert html.by_id("username")["attrs"]["name"] == "username"
    assert html.by_id("password")["attrs"]["type"] == "password"
    assert is_logged_in(client) is False


def test_login_redirects_home_and_sets_last_login_at(client, create_user):
    user = create_user("liming")
    assert user.last_login_at is None

    response = post_login(client, "liming", PASSWORD)

    assert response.status_code == 302
    assert location_path(response) == "/"
    db.session.refresh(user)
    assert user.last_login_at is not None
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent)
        .where(AuditEvent.action == "user.login", AuditEvent.object_id == user.id)
    ) == 1
    home = client.get("/")
    assert home.status_code == 200
    assert user.display_name in home.get_data(as_text=True)


def test_wrong_password_shows_the_error_beside_the_password_and_keeps_the_name(
    app, client, create_user
):
    user = create_user("liming")

    response = post_login(client, "liming", "not-the-password")

    assert response.status_code == 200
    assert field_error(response, "password") == translated(app, "Wrong login name or password.")
    assert field_error(response, "username") == ""
    html = page(response)
    assert html.by_id("username")["attrs"]["value"] == "liming"
    assert html.by_id("password")["attrs"].get("value", "") == ""  # never echoed back
    db.session.refresh(user)
    assert user.last_login_at is None
    assert is_logged_in(client) is False


def test_unknown_user_gets_the_same_generic_message(app, client, create_user):
    create_user("liming")
    wrong_password = post_login(client, "liming", "not-the-password")
    unknown = post_login(client, "nobody-here", PASSWORD)

    assert unknown.status_code == 200
    assert field_error(unknown, "password") == field_error(wrong_password, "password")
    assert field_error(unknown, "password") == translated(app, "Wrong login name or password.")
    assert page(unknown).by_id("username")["attrs"]["value"] == "nobody-here"
    assert is_logged_in(client) is False


def test_empty_form_is_refused_with_errors_beside_both_fields(client):
    response = post_login(client, "", "")
    assert response.status_code == 200
    assert field_error(response, "username")
    assert field_error(response, "password")
    assert is_logged_in(client) is False


def test_inactive_account_with_the_right_password_is_refused(app, client, create_user):
    user = create_user("retired", active=False)

    response = post_login(client, "retired", PASSWORD)

    assert response.status_code == 200
    assert field_error(response, "username") == translated(
        app, "This account has been deactivated. Please contact your administrator."
    )
    db.session.refresh(user)
    assert user.last_login_at is None
    assert is_logged_in(client) is False


def test_inactive_account_with_a_wrong_password_learns_nothing(app, client, create_user):
    create_user("retired", active=False)
    response = post_login(client, "retired", "not-the-password")
    assert field_error(response, "password") == translated(app, "Wrong login name or password.")
    assert field_error(response, "username") == ""


def test_deactivating_an_account_ends_its_open_session(client, login, create_user):
    user = create_user()
    login(user)
    assert is_logged_in(client)

    user.active = False
    db.session.commit()

    assert is_logged_in(client) is False


@pytest.mark.parametrize("typed", ["wangwei", "WANGWEI", "  WangWei  ", "\twangWEI "])
def test_login_name_is_case_insensitive_and_trimmed(client, create_user, typed):
    create_user("WangWei")
    response = post_login(client, typed, PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_password_is_case_sensitive(client, create_user):
    create_user("wangwei")
    response = post_login(client, "wangwei", PASSWORD.upper())
    assert response.status_code == 200
    assert is_logged_in(client) is False


def test_logged_in_user_opening_the_login_page_goes_home(client, login, create_user):
    login(create_user())
    response = client.get("/auth/login")
    assert response.status_code == 302
    assert location_path(response) == "/"


# --- rate limits -------------------------------------------------------------------------


@pytest.fixture
def limited_app(make_app: Callable[..., Flask]) -> Flask:
    return make_app(RATELIMIT_ENABLED=True)


def assert_rate_limited(app: Flask, response: Any, typed_name: str, window: int = 5) -> None:
    """429, and how long to wait (at most the limit's `window`, in minutes) on the login page
    itself, beside the password field."""
    assert response.status_code == 429
    message = field_error(response, "password")
    wait = re.fullmatch(r"登录失败次数过多，请等待 (\d+) 分钟后再试。", message)
    assert wait is not None and 1 <= int(wait[1]) <= window, message
    assert page(response).by_id("username")["attrs"]["value"] == typed_name


def post_login_from(app: Flask, address: str, username: str, password: str) -> Any:
    return app.test_client().post(
        "/auth/login", data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_five_refusals_lock_one_account_from_one_address_only(limited_app, create_user):
    app = limited_app
    assert app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT_AND_CLIENT"] == "5 per 5 minutes"
    create_user("zhangsan")
    create_user("lisi")
    client = app.test_client()

    # Spellings of one login name count against the same account.
    for typed in ("zhangsan", "ZhangSan", " zhangsan ", "ZHANGSAN", "zhangsan"):
        response = post_login(client, typed, "wrong-password")
        assert response.status_code == 200

    # The right password does not help from this address once it is blocked.
    sixth = post_login(client, "zhangsan", PASSWORD)
    assert_rate_limited(app, sixth, "zhangsan")
    assert is_logged_in(client) is False

    # Another account from the same address is still allowed.
    other = post_login(client, "lisi", "wrong-password")
    assert other.status_code == 200
    assert field_error(other, "password") == translated(app, "Wrong login name or password.")
    assert post_login(client, "lisi", PASSWORD).status_code == 302

    # The owner, elsewhere, is not locked out by someone guessing from that address.
    assert post_login_from(app, "10.1.2.3", "zhangsan", PASSWORD).status_code == 302


def test_guessing_one_account_from_many_addresses_is_limited(make_app, create_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_PER_ACCOUNT="8 per 15 minutes")
    create_user("zhangsan")
    for address in ("10.0.0.1", "10.0.0.2"):
        for _ in range(4):  # under the limit of one account from one address
            assert post_login_from(app, address, "zhangsan", "wrong").status_code == 200
    response = post_login_from(app, "10.0.0.3", "zhangsan", PASSWORD)
    assert_rate_limited(app, response, "zhangsan", window=15)


def test_a_campus_behind_one_address_is_not_locked_out_by_twenty_refusals(
    limited_app, create_user
):
    app = limited_app
    names = [create_user(f"cadre{n}").username for n in range(6)]
    client = app.test_client()
    for name in names[:5]:  # 25 refusals from one address, 5 for each of five accounts
        for _ in range(5):
            assert post_login(client, name, "wrong-password").status_code == 200
    assert post_login(client, names[5], PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_limited(make_app, create_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_PER_CLIENT="10 per 5 minutes")
    names = [create_user(f"cadre{n}").username for n in range(3)]
    client = app.test_client()
    for name in names[:2]:
        for _ in range(5):
            assert post_login(client, name, "wrong-password").status_code == 200
    # The 11th attempt from this address is refused even for a fresh account ...
    assert_rate_limited(app, post_login(client, names[2], PASSWORD), names[2])
    # ... which another address may still log in to.
    assert post_login_from(app, "10.1.2.3", names[2], PASSWORD).status_code == 302


def test_attempts_a_limit_refused_do_not_count_against_the_account(make_app, create_user):
    app = make_app(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT_PER_CLIENT="3 per 5 minutes",
                   LOGIN_RATE_LIMIT_PER_ACCOUNT="6 per 15 minutes")
    names = [create_user(f"cadre{n}").username for n in range(3)]
    create_user("zhangsan")
    client = app.test_client()
    for name in names:
        assert post_login(client, name, "wrong-password").status_code == 200
    for _ in range(10):  # refused by the address's limit before the password is checked
        assert post_login(client, "zhangsan", "wrong-password").status_code == 429
    # Counted, those ten would have exhausted the account's six.
    assert post_login_from(app, "10.1.2.3", "zhangsan", PASSWORD).status_code == 302


def test_an_incomplete_form_does_not_count(limited_app, create_user):
    app = limited_app
    create_user("zhangsan")
    client = app.test_client()
    for _ in range(8):
        assert post_login(client, "zhangsan", "").status_code == 200
    assert post_login(client, "zhangsan", PASSWORD).status_code == 302


def test_successful_logins_do_not_count_against_the_limits(limited_app, create_user):
    app = limited_app
    create_user("zhangsan")
    client = app.test_client()

    for _ in range(4):
        assert post_login(client, "zhangsan", "wrong-password").status_code == 200
    for _ in range(6):  # would pass both limits if successes counted
        assert post_login(client, "zhangsan", PASSWORD).status_code == 302
        assert client.post("/auth/logout").status_code == 302

    assert post_login(client, "zhangsan", "wrong-password").status_code == 200  # 5th failure
    assert post_login(client, "zhangsan", "wrong-password").status_code == 429  # 6th


def test_the_login_page_itself_is_not_rate_limited(limited_app, create_user):
    client = limited_app.test_client()
    for _ in range(6):
        post_login(client, "zhangsan", "wrong-password")
    assert client.get("/auth/login").status_code == 200


# --- CSRF --------------------------------------------------------------------------------


def csrf_token_of(response: Any) -> str:
    token_input = page(response).by_id("csrf_token")
    assert token_input is not None, "the form has no CSRF token"
    return token_input["attrs"]["value"]


def test_login_without_csrf_token_is_refused(make_app, create_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    user = create_user("liming")
    client = app.test_client()
    client.get("/auth/login")  # a session exists, but the form's token is not sent

    response = post_login(client, "liming", PASSWORD)

    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert translated(app, "The request could not be understood") in body
    assert "Traceback" not in body
    db.session.refresh(user)
    assert user.last_login_at is None
    assert is_logged_in(client) is False

    # A token from another session is refused too.
    other = app.test_client()
    foreign_token = csrf_token_of(other.get("/auth/login"))
    response = post_login(client, "liming", PASSWORD, csrf_token=foreign_token)
    assert response.status_code == 400
    assert is_logged_in(client) is False


def test_login_with_the_csrf_token_from_the_form_works(make_app, create_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    create_user("liming")
    client = app.test_client()
    token = csrf_token_of(client.get("/auth/login"))

    response = post_login(client, "liming", PASSWORD, csrf_token=token)

    assert response.status_code == 302
    assert is_logged_in(client)


def test_logout_needs_the_csrf_token(make_app, create_user):
    app = make_app(WTF_CSRF_ENABLED=True)
    create_user("liming")
    client = app.test_client()
    post_login(client, "liming", PASSWORD, csrf_token=csrf_token_of(client.get("/auth/login")))
    home = client.get("/")
    assert home.status_code == 200

    assert client.post("/auth/logout").status_code == 400
    assert is_logged_in(client)

    token = re.search(r'name="csrf_token" value="([^"]+)"', home.get_data(as_text=True))
    assert token is not None  # the navbar's logout form carries it
    assert client.post("/auth/logout", data={"csrf_token": token.group(1)}).status_code == 302
    assert is_logged_in(client) is False


# --- logging out -------------------------------------------------------------------------


def test_logout_by_get_is_not_allowed(client, login, create_user):
    login(create_user())
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert is_logged_in(client)


def test_logout_by_post_logs_out(client, login, create_user):
    login(create_user())
    response = client.post("/auth/logout")
    assert response.status_code == 302
    assert location_path(response) == "/auth/login"
    assert is_logged_in(client) is False


# --- the password an administrator set must be replaced ------------------------------------


def test_must_change_password_user_is_sent_to_the_password_page_everywhere(
    client, login, create_user, create_group
):
    user = create_user("newcomer", must_change_password=True)
    group = create_group(members=(user,))

    response = post_login(client, "newcomer", PASSWORD)
    assert response.status_code == 302
    assert location_path(response) == "/auth/password"

    for path in ("/", "/groups/", f"/groups/{group.id}", "/units", "/admin/", "/auth/login",
                 "/no-such-page"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert location_path(response) == "/auth/password", path
    assert client.get("/auth/password").status_code == 200
    with client.get("/static/css/app.css") as static:
        assert static.status_code == 200

    response = client.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert location_path(response) == "/"
    assert client.get("/").status_code == 200
    assert client.get(f"/groups/{group.id}").status_code == 200
    db.session.refresh(user)
    assert user.must_change_password is False
    assert user.check_password(NEW_PASSWORD)


def test_must_change_password_user_may_still_log_out(client, create_user):
    create_user("newcomer", must_change_password=True)
    post_login(client, "newcomer", PASSWORD)
    response = client.post("/auth/logout")
    assert response.status_code == 302
    assert location_path(response) == "/auth/login"
    assert client.get("/auth/password").status_code == 302  # now needs a login


# --- changing one's password -------------------------------------------------------------


def change_password(client: FlaskClient, current: str, new: str, confirm: str | None = None):
    return client.post("/auth/password", data={
        "current_password": current, "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    })


def test_change_password_needs_a_login(client):
    response = client.get("/auth/password")
    assert response.status_code == 302
    assert location_path(response) == "/auth/login"


def test_wrong_current_password_is_shown_beside_that_field(app, client, login, create_user):
    user = create_user()
    login(user)

    response = change_password(client, "not-my-password", NEW_PASSWORD)

    assert response.status_code == 200
    assert field_error(response, "current_password") == translated(
        app, "The current password is wrong."
    )
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_new_password_equal_to_the_login_name_is_refused(app, client, login, create_user):
    user = create_user("wangxiaoming")
    login(user)

    response = change_password(client, PASSWORD, "WangXiaoMing")

    assert response.status_code == 200
    assert field_error(response, "new_password") == translated(
        app, "The password must not be your login name."
    )
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(("new", "confirm", "field"), [
    ("short7!", None, "new_password"),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "confirm_password"),
    (PASSWORD, None, "new_password"),
])
def test_other_bad_new_passwords_are_refused(client, login, create_user, new, confirm, field):
    user = create_user()
    login(user)
    response = change_password(client, PASSWORD, new, confirm)
    assert response.status_code == 200
    assert field_error(response, field)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_password_change_ends_the_other_sessions_but_not_this_one(
    app, client, login, create_user
):
    user = create_user()
    elsewhere = app.test_client()
    assert post_login(elsewhere, user.username, PASSWORD).status_code == 302
    login(user)
    assert is_logged_in(elsewhere)
    version_before = user.login_version

    response = change_password(client, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert location_path(response) == "/"
    db.session.refresh(user)
    assert user.login_version > version_before
    assert is_logged_in(client)
    assert is_logged_in(elsewhere) is False
    # The old password no longer works; the new one does.
    fresh = app.test_client()
    assert post_login(fresh, user.username, PASSWORD).status_code == 200
    assert post_login(fresh, user.username, NEW_PASSWORD).status_code == 302


# --- remember me -------------------------------------------------------------------------


def set_cookie_header(response: Any, name: str) -> str | None:
    return next(
        (h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")), None
    )


def test_remember_me_sets_a_lasting_cookie_that_logs_in_again(app, client, create_user):
    user = create_user()

    response = post_login(client, user.username, PASSWORD, remember="y")

    header = set_cookie_header(response, "remember_token")
    assert header is not None
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Expires=" in header
    token = client.get_cookie("remember_token").value
    # The cookie alone (no session cookie) logs a browser in again.
    browser = app.test_client()
    browser.set_cookie("remember_token", token)
    assert is_logged_in(browser)

    # ... until the password changes.
    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 302
    browser = app.test_client()
    browser.set_cookie("remember_token", token)
    assert is_logged_in(browser) is False


def test_without_remember_me_no_remember_cookie_is_set(client, create_user):
    user = create_user()
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert set_cookie_header(response, "remember_token") is None


# --- where a login leads -----------------------------------------------------------------


def test_anonymous_visit_leads_to_login_with_next_and_back(client, create_user, create_group):
    user = create_user()
    group = create_group(members=(user,))

    response = client.get(f"/groups/{group.id}")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert urlsplit(login_url).path == "/auth/login"

    response = client.post(login_url, data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert location_path(response) == f"/groups/{group.id}"


@pytest.mark.parametrize("target", ["/groups/", "/units?page=2"])
def test_relative_next_is_followed(client, create_user, target):
    user = create_user()
    response = client.post(
        "/auth/login?next=" + quote(target, safe=""),
        data={"username": user.username, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == target


# --- the one safe-`next` check, from both of its doors ------------------------------------------

HOSTILE_NEXT = [
    "//evil.example",  # protocol-relative: another host
    "//evil.example/groups/",
    "///evil.example",
    " //evil.example",
    "/\\evil.example",  # browsers read a backslash as a slash
    "/\\\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",  # browsers drop tabs and newlines, leaving "//evil.example"
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\x7f/evil.example",  # DEL
    "/\x00/evil.example",  # other control characters
    "/\x1b/evil.example",
    "/\x85/evil.example",  # C1 control (NEL)
    "/\u2028/evil.example",  # a line separator is white space too
    "https://evil.example/",  # a full URL
    "http://evil.example/groups/",
    "HTTP://evil.example",
    "javascript:alert(1)",
    "evil.example",
    "",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT, ids=repr)
def test_login_and_the_language_switch_refuse_every_hostile_next(client, create_user, target):
    response = client.post("/auth/language", data={"locale": "en", "next": target})
    assert (response.status_code, response.headers["Location"]) == (302, "/")

    user = create_user()
    response = client.post(
        "/auth/login?next=" + quote(target, safe=""),
        data={"username": user.username, "password": PASSWORD},
    )
    assert (response.status_code, response.headers["Location"]) == (302, "/")
    assert is_logged_in(client)


def test_language_switch_returns_to_the_page_it_was_asked_on(client):
    response = client.post("/auth/language", data={"locale": "en", "next": "/auth/login?x=1"})
    assert response.headers["Location"] == "/auth/login?x=1"


def test_logged_in_user_on_the_login_page_follows_only_a_safe_next(client, create_user):
    user = create_user()
    client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert client.get("/auth/login?next=/groups/").headers["Location"] == "/groups/"
    response = client.get("/auth/login?next=" + quote("/\\evil.example", safe=""))
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("stored", [None, ""], ids=["no-hash", "empty-hash"])
def test_an_account_without_a_password_cannot_log_in(app, client, create_user, stored):
    user = create_user("nopassword")
    user.password_hash = stored
    db.session.commit()

    response = post_login(client, "nopassword", PASSWORD)

    assert field_error(response, "password") == translated(app, "Wrong login name or password.")
    assert is_logged_in(client) is False
    assert user.check_password("") is False
    assert user.check_password(PASSWORD) is False
