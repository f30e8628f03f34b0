"""A form that creates something creates it once, however often it is sent (issue 17, item 8):
a double click on "create" made two sessions."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
import sqlalchemy as sa

from studytrack.extensions import db
from studytrack.models import FollowUpTask, FormSubmission, Material, StudySession, User
from tests.test_materials import form_data as material_form
from tests.test_sessions import VALID_FORM


def token_on(html: str) -> str:
    match = re.search(r'name="submission_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="submission_token"', html)
    assert match, "the form carries no one-time token"
    return match.group(1)


def count(model: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


@pytest.fixture
def secretary_client(world, login, client):
    login(world.secretary)
    return client


def test_a_double_click_on_create_makes_one_session_and_shows_it(world, secretary_client):
    client = secretary_client
    page = client.get(f"/groups/{world.group.id}/sessions/new").get_data(as_text=True)
    data = {**VALID_FORM, "submission_token": token_on(page)}

    first = client.post(f"/groups/{world.group.id}/sessions/new", data=data)
    second = client.post(f"/groups/{world.group.id}/sessions/new", data=data)

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert count(StudySession) == 1
    shown = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "This form had already been sent; here is what it saved." in shown


def test_each_new_form_has_a_new_token(world, secretary_client):
    url = f"/groups/{world.group.id}/sessions/new"
    first = token_on(secretary_client.get(url).get_data(as_text=True))
    second = token_on(secretary_client.get(url).get_data(as_text=True))
    assert first != second
    for token in (first, second):
        assert secretary_client.post(
            url, data={**VALID_FORM, "submission_token": token}).status_code == 302
    assert count(StudySession) == 2  # two forms filled in: two sessions


def test_a_form_sent_back_with_errors_can_be_sent_again(world, secretary_client):
    url = f"/groups/{world.group.id}/sessions/new"
    token = token_on(secretary_client.get(url).get_data(as_text=True))
    refused = secretary_client.post(
        url, data={**VALID_FORM, "topic": "", "submission_token": token})
    assert refused.status_code == 200
    assert token_on(refused.get_data(as_text=True)) == token  # the page keeps its token
    assert count(FormSubmission) == 0
    corrected = secretary_client.post(url, data={**VALID_FORM, "submission_token": token})
    assert corrected.status_code == 302
    assert count(StudySession) == 1


def test_someone_elses_token_creates_anew(world, person, login, client):
    url = f"/groups/{world.group.id}/sessions/new"
    login(world.secretary)
    token = token_on(client.get(url).get_data(as_text=True))
    client.post(url, data={**VALID_FORM, "submission_token": token})
    login(person("secretary"))
    response = client.post(url, data={**VALID_FORM, "submission_token": token})
    assert response.status_code == 302
    assert count(StudySession) == 2


def test_the_other_create_forms_carry_a_token_and_create_once(world, secretary_client,
                                                              create_session):
    client = secretary_client
    session = create_session(world.group)
    task_url = f"/sessions/{session.id}/tasks/new"
    task = {"title": "撰写调研报告", "detail": "", "assignee_id": "",
            "organization_id": str(world.unit.id),
            "due_on": "2026-04-30",
            "submission_token": token_on(client.get(task_url).get_data(as_text=True))}
    assert [client.post(task_url, data=task).status_code for _ in range(2)] == [302, 302]
    assert count(FollowUpTask) == 1

    material_url = "/materials/new"
    page = client.get(material_url).get_data(as_text=True)
    material = material_form(organization_id=str(world.unit.id),
                             submission_token=token_on(page))
    statuses = [client.post(material_url, data=material).status_code for _ in range(2)]
    assert statuses == [302, 302]
    assert count(Material) == 1


def test_an_administrators_new_account_is_created_once(world, login, client):
    login(world.admin)
    page = client.get("/admin/users/new").get_data(as_text=True)
    data = {"username": "wangwu", "display_name": "王五", "position": "", "email": "",
            "phone": "", "organization_id": "", "locale": "zh", "password": "temporary-123",
            "submission_token": token_on(page)}
    first = client.post("/admin/users/new", data=data)
    second = client.post("/admin/users/new", data=data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).where(User.username == "wangwu")) == 1


def test_two_copies_sent_at_the_same_moment_make_one_session(app, world, login, client,
                                                              is_postgresql):
    """Two requests at once, each in its own thread and transaction (the double click the
    probe made): the token's key makes the second wait for the first, then show its result.
    On PostgreSQL only: the suite's SQLite is one in-memory connection, shared by threads."""
    if not is_postgresql:
        pytest.skip("needs a database with a connection per thread (--db=postgresql)")
    login(world.secretary)
    url = f"/groups/{world.group.id}/sessions/new"
    data = {**VALID_FORM, "submission_token": token_on(client.get(url).get_data(as_text=True))}
    cookie = client.get_cookie("session")
    assert cookie is not None
    statuses: list[int] = []

    def send() -> None:
        browser = app.test_client()
        browser.set_cookie("session", cookie.value)
        statuses.append(browser.post(url, data=data).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [302, 302]
    assert count(StudySession) == 1
