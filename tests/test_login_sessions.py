"""Logins kept on the server (issue 17): logging out, a password change, a deactivation or an
administrator's "sign out everywhere" end them at once, whatever copies of the cookies exist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from studytrack.extensions import db
from studytrack.models import LoginSession, User
from studytrack.models.base import utcnow
from tests.fixtures.users import PASSWORD

IPHONE_WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.44(0x18002c2f) NetType/WIFI"
)
WINDOWS_CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)


def log_in(app: Flask, user: User, *, remember: bool = False, agent: str = WINDOWS_CHROME,
           ) -> FlaskClient:
    browser = app.test_client()
    data = {"username": user.username, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = browser.post("/auth/login", data=data, headers={"User-Agent": agent})
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


def is_logged_in(browser: FlaskClient) -> bool:
    response = browser.get("/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def with_cookie(app: Flask, name: str, value: str) -> FlaskClient:
    browser = app.test_client()
    browser.set_cookie(name, value)
    return browser


def cookie(browser: FlaskClient, name: str) -> str:
    found = browser.get_cookie(name)
    assert found is not None, name
    return found.value


def logins_of(user: User) -> list[LoginSession]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(LoginSession).where(LoginSession.user_id == user.id)))


def test_a_copied_session_cookie_stops_working_at_logout(app, create_user):
    user = create_user()
    browser = log_in(app, user)
    copy = cookie(browser, "session")
    assert is_logged_in(with_cookie(app, "session", copy))

    browser.post("/auth/logout")

    assert not is_logged_in(browser)
    assert not is_logged_in(with_cookie(app, "session", copy))
    assert logins_of(user) == []


def test_the_server_keeps_only_a_hash_of_the_token(app, create_user):
    user = create_user()
    browser = log_in(app, user, remember=True)
    token = cookie(browser, "remember_token")
    (login,) = logins_of(user)
    assert login.remembered and len(login.token_hash) == 64
    assert login.token_hash not in token
    stored = db.session.execute(sa.text("SELECT * FROM login_sessions")).all()
    assert all(token.split("|")[0] not in str(row) for row in stored)


def test_every_login_gets_a_new_remember_token(app, create_user):
    user = create_user()
    first = cookie(log_in(app, user, remember=True), "remember_token")
    second = cookie(log_in(app, user, remember=True), "remember_token")
    assert first != second
    assert len(logins_of(user)) == 2


def test_a_remember_token_is_spent_when_used_and_replaced(app, create_user):
    user = create_user()
    token = cookie(log_in(app, user, remember=True), "remember_token")

    returning = with_cookie(app, "remember_token", token)  # the browser was closed
    assert is_logged_in(returning)
    renewed = cookie(returning, "remember_token")
    assert renewed != token
    assert is_logged_in(with_cookie(app, "remember_token", renewed))
    # A stolen copy of the spent cookie logs nobody in.
    assert not is_logged_in(with_cookie(app, "remember_token", token))


def test_logout_revokes_the_remember_token(app, create_user):
    user = create_user()
    browser = log_in(app, user, remember=True)
    token = cookie(browser, "remember_token")
    browser.post("/auth/logout")
    assert not is_logged_in(with_cookie(app, "remember_token", token))


def test_a_password_change_ends_the_other_logins_and_keeps_this_one(app, create_user):
    user = create_user()
    phone = log_in(app, user, agent=IPHONE_WECHAT)
    remembered = cookie(log_in(app, user, remember=True), "remember_token")
    laptop = log_in(app, user, remember=True)

    response = laptop.post("/auth/password", data={
        "current_password": PASSWORD, "new_password": "a-brand-new-secret-7",
        "confirm_password": "a-brand-new-secret-7",
    })

    assert response.status_code == 302
    assert is_logged_in(laptop)
    assert not is_logged_in(phone)
    assert not is_logged_in(with_cookie(app, "remember_token", remembered))
    (left,) = logins_of(user)
    assert left.remembered  # the login that changed it goes on as it was


def test_deactivation_ends_every_login(app, create_user, login):
    admin = create_user(is_admin=True)
    user = create_user()
    browser = log_in(app, user, remember=True)
    token = cookie(browser, "remember_token")

    assert login(admin).post(f"/admin/users/{user.id}/deactivate").status_code == 302

    assert not is_logged_in(browser)
    assert not is_logged_in(with_cookie(app, "remember_token", token))
    assert logins_of(user) == []


def test_an_administrator_signs_a_person_out_everywhere(app, create_user, login):
    admin = create_user(is_admin=True)
    user = create_user()
    phone, laptop = log_in(app, user, agent=IPHONE_WECHAT), log_in(app, user)
    admin_browser = login(admin)

    response = admin_browser.post(f"/admin/users/{user.id}/sign-out", follow_redirects=True)

    assert "已在所有设备上退出登录" in response.get_data(as_text=True)
    assert not is_logged_in(phone) and not is_logged_in(laptop)
    assert logins_of(user) == []
    assert is_logged_in(admin_browser)
    assert is_logged_in(log_in(app, user))  # the account itself still works


def test_only_an_administrator_signs_others_out(app, create_user):
    user, other = create_user(), create_user()
    other_browser = log_in(app, other)
    response = log_in(app, user).post(f"/admin/users/{other.id}/sign-out")
    assert response.status_code in (403, 404)
    assert is_logged_in(other_browser)


def test_the_logins_page_lists_each_device_and_ends_another(app, create_user):
    user = create_user()
    phone = log_in(app, user, agent=IPHONE_WECHAT)
    laptop = log_in(app, user)

    page = laptop.get("/auth/logins").get_data(as_text=True)
    assert "Chrome · Windows" in page
    assert "WeChat Browser · iOS (iPhone)" in page
    assert "本设备" in page
    phone_login = next(
        login for login in logins_of(user) if "iPhone" in (login.user_agent or "")
    )

    response = laptop.post(f"/auth/logins/{phone_login.id}/end", follow_redirects=True)

    assert "该登录已结束" in response.get_data(as_text=True)
    assert not is_logged_in(phone)
    assert is_logged_in(laptop)


def test_ending_all_other_logins_keeps_this_one(app, create_user):
    user = create_user()
    others = [log_in(app, user), log_in(app, user, agent=IPHONE_WECHAT)]
    this = log_in(app, user)
    response = this.post("/auth/logins/end-others", follow_redirects=True)
    assert "已结束 2 个其他登录" in response.get_data(as_text=True)
    assert not any(is_logged_in(browser) for browser in others)
    assert is_logged_in(this)
    assert len(logins_of(user)) == 1


def test_nobody_ends_another_persons_login(app, create_user):
    user, other = create_user(), create_user()
    other_browser = log_in(app, other)
    (other_login,) = logins_of(other)
    browser = log_in(app, user)
    browser.post(f"/auth/logins/{other_login.id}/end")
    browser.post("/auth/logins/end-others")
    assert is_logged_in(other_browser)
    assert len(logins_of(other)) == 1


def test_the_current_login_cannot_be_ended_from_the_list(app, create_user):
    user = create_user()
    browser = log_in(app, user)
    (login,) = logins_of(user)
    browser.post(f"/auth/logins/{login.id}/end")
    assert is_logged_in(browser)


@pytest.mark.parametrize(("field", "remember", "ago"), [
    ("last_seen_at", False, timedelta(minutes=121)),  # idle longer than LOGIN_IDLE_MINUTES
    ("created_at", False, None),  # older than LOGIN_MAX_HOURS: expires_at has passed
    ("last_seen_at", True, None),  # a remembered login past its REMEMBER_COOKIE_DURATION
])
def test_logins_end_by_idle_and_absolute_lifetimes(app, create_user, field, remember, ago):
    user = create_user()
    browser = log_in(app, user, remember=remember)
    (login,) = logins_of(user)
    if ago is not None:
        setattr(login, field, utcnow() - ago)
    else:
        login.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert not is_logged_in(browser)


def test_a_remembered_login_survives_a_day_away(app, create_user):
    user = create_user()
    token = cookie(log_in(app, user, remember=True), "remember_token")
    (login,) = logins_of(user)
    login.last_seen_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert is_logged_in(with_cookie(app, "remember_token", token))


def test_lifetimes_are_settings(app, create_user):
    app.config["LOGIN_IDLE_MINUTES"] = 5
    user = create_user()
    browser = log_in(app, user)
    (login,) = logins_of(user)
    login.last_seen_at = utcnow() - timedelta(minutes=6)
    db.session.commit()
    assert not is_logged_in(browser)


def test_a_page_notes_when_the_login_was_last_seen_without_writing_each_time(app, create_user):
    user = create_user()
    browser = log_in(app, user)
    (login,) = logins_of(user)
    login.last_seen_at = seen = utcnow() - timedelta(minutes=30)
    db.session.commit()
    assert is_logged_in(browser)
    (login,) = logins_of(user)
    assert login.last_seen_at > seen + timedelta(minutes=29)
    noted = login.last_seen_at
    assert is_logged_in(browser)
    (login,) = logins_of(user)
    assert login.last_seen_at == noted  # within five minutes: no write


def test_device_names(app: Any) -> None:
    from studytrack.auth.login_sessions import device_name

    assert device_name(WINDOWS_CHROME) == "Chrome · Windows"
    assert device_name(IPHONE_WECHAT) == "WeChat Browser · iOS (iPhone)"
    assert device_name(None) == ""
    assert device_name("curl/8.0") == "curl"


@pytest.mark.parametrize("who", ["unknown", "known", "no password"])
def test_a_refused_login_checks_one_password_hash_whoever_it_names(
    app, client, create_user, monkeypatch, who
):
    """An unknown name costs the same hash check as a wrong password, with the same method, so
    the answer's timing does not tell which names exist (313 ms against 28 ms before)."""
    import werkzeug.security

    from studytrack.models import user as user_module

    user = create_user()
    if who == "no password":
        user.password_hash = None
        db.session.commit()
    checked: list[str] = []
    real_check = werkzeug.security.check_password_hash

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$", 1)[0])
        return real_check(pwhash, password)

    monkeypatch.setattr(user_module, "check_password_hash", spy)
    name = "nobody-here" if who == "unknown" else user.username
    response = client.post("/auth/login", data={"username": name, "password": "wrong-1234"})

    assert response.status_code == 200
    assert "登录名或密码错误" in response.get_data(as_text=True)
    method = app.config["PASSWORD_HASH_METHOD"].split(":")[0]
    assert len(checked) == 1 and checked[0].startswith(method)
