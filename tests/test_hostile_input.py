"""Issue 17: no input reaches a 500. Control characters in text (PostgreSQL refuses a NUL) are
removed in one place, the forms' base (studytrack/formfields.py, with studytrack/inputs.py);
these tests send them where people and scripts can."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import date

import pytest
import sqlalchemy as sa
from wtforms import Form as WTForm

import studytrack
from studytrack import formfields, inputs
from studytrack.extensions import db
from studytrack.materials import services as material_services
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    GroupRole,
    MaterialKind,
    Reflection,
    StudySession,
)
from tests.fixtures.users import PASSWORD

# Text as a crafted request or a paste from Word can send it: NUL and other C0 controls, a
# vertical tab (Word's line break) and a form feed (a PDF's page break) among real text.
HOSTILE = "学习\x00贯彻\x01精神\x1f"
CLEANED = "学习贯彻精神"
HOSTILE_BODY = "第一段\x00体会。\r\n第二段\x0b第二行\x0c第三页\t完"
CLEANED_BODY = "第一段体会。\n第二段\n第二行\n第三页\t完"

SESSION_FORM = {
    "kind": "collective",
    "topic": "学习贯彻习近平总书记重要讲话精神",
    "starts_at": "2026-03-26T14:00",
    "ends_at": "2026-03-26T16:30",
    "location": "518会议室",
    "chair_id": "",
    "recorder_id": "",
    "reflection_due_on": "2026-04-10",
    "min_reflection_chars": "800",
}

def page_text(response):
    return response.get_data(as_text=True)


def field_errors(html, field_id):
    """The error texts shown beside one field."""
    match = re.search(rf'<div class="invalid-feedback" id="{re.escape(field_id)}-feedback">'
                      rf'(.*?)</div>\s*</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def world(world, create_session):
    """The shared world with a published session that its member attended (so the member owes
    a reflection), and a material in the unit's library."""
    world.session = create_session(world.group, reflection_due_on=date(2030, 1, 1))
    db.session.add(Attendance(session=world.session, user=world.member,
                              status=AttendanceStatus.PRESENT))
    world.material = material_services.create_material(
        world.unit, material_services.MaterialData(kind=MaterialKind.SPEECH, title="新时代理论读本")
    )
    db.session.commit()
    return world


# --- 5. control characters in text ----------------------------------------------------------


def test_a_login_name_with_control_characters_logs_in_as_the_name_without_them(world, client):
    response = client.post("/auth/login",
                           data={"username": "mem\x00ber\x07", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # logged in (anonymous is sent to the login)
    with client.session_transaction() as cookie:
        assert cookie["_user_id"].startswith(str(world.member.id))


def test_a_reflection_with_control_characters_is_saved_without_them(world, login, client):
    login(world.member)
    response = client.post(f"/sessions/{world.session.id}/reflection", data={
        "title": HOSTILE, "body": HOSTILE_BODY, "version": "", "action": "save",
    })
    assert response.status_code == 302
    reflection = db.session.scalar(sa.select(Reflection))
    assert (reflection.title, reflection.body) == (CLEANED, CLEANED_BODY)


def test_autosave_with_control_characters_saves_without_them_and_answers_json(
    world, login, client
):
    login(world.member)
    response = client.post(f"/sessions/{world.session.id}/reflection/autosave",
                           data={"title": HOSTILE, "body": HOSTILE_BODY, "version": ""})
    assert response.status_code == 200
    assert response.is_json and response.get_json()["version"] == 1
    reflection = db.session.scalar(sa.select(Reflection))
    assert (reflection.title, reflection.body) == (CLEANED, CLEANED_BODY)
    assert reflection.char_count == len(CLEANED_BODY.replace("\n", "").replace("\t", ""))


@pytest.mark.parametrize("version", ["abc"])
def test_autosave_with_a_version_that_is_no_number_answers_400_json(world, login, client,
                                                                    version):
    login(world.member)
    response = client.post(f"/sessions/{world.session.id}/reflection/autosave",
                           data={"title": "", "body": "体会", "version": version})
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid"
    assert count(Reflection) == 0


def test_a_session_topic_with_control_characters_is_saved_without_them(world, login, client):
    login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/sessions/new",
                           data={**SESSION_FORM, "topic": HOSTILE, "location": "\x00"})
    assert response.status_code == 302
    session = db.session.scalar(sa.select(StudySession).order_by(StudySession.id.desc()))
    assert (session.topic, session.location) == (CLEANED, None)


@pytest.mark.parametrize(("path", "found"), [
    ("/admin/users?q=%E5%BC%A0%00", "张瑜"),  # 张 and a NUL
    ("/materials?q=%E7%90%86%E8%AE%BA%00%01", "新时代理论读本"),  # 理论, NUL, SOH
    ("/sessions/{s}/materials?q=%E7%90%86%E8%AE%BA%00", "新时代理论读本"),
])
def test_searches_ignore_control_characters(world, login, client, path, found):
    login(world.admin)
    response = client.get(path.format(s=world.session.id))
    assert response.status_code == 200
    assert found in page_text(response)


def test_a_json_body_is_read_as_form_data_and_cleaned_too(world, login, client):
    login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/sessions/new",
                           json={**SESSION_FORM, "topic": HOSTILE, "location": ["\x00"]})
    assert response.status_code == 302
    session = db.session.scalar(sa.select(StudySession).order_by(StudySession.id.desc()))
    assert (session.topic, session.location) == (CLEANED, None)


@pytest.mark.parametrize("body", [[1, 2], "text", 5, {"topic": {"nested": True}}])
def test_a_json_body_that_is_no_form_is_refused_as_an_empty_form(world, login, client, body):
    login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/sessions/new", json=body)
    assert response.status_code == 200
    assert "This field is required." in field_errors(page_text(response), "topic")
    assert count(StudySession) == 1  # the world's


def test_passwords_are_kept_as_typed(world, client, create_user):
    """A password is only hashed: removing characters from it would change which one works."""
    create_user("typed", password="pass\x01word\x00!")
    response = client.post("/auth/login", data={"username": "typed", "password": "password!"})
    assert response.status_code == 200  # the form again: not logged in
    assert client.get("/").status_code == 302
    response = client.post("/auth/login",
                           data={"username": "typed", "password": "pass\x01word\x00!"})
    assert response.status_code == 302


def test_clean_text_keeps_tab_and_line_ends_and_everything_printable():
    text = "中文 English\t١٢٣ 😀\u3000\u200d\r\n\x7f\x85"
    assert inputs.clean_text(text) == text
    assert inputs.clean_text("".join(map(chr, range(32)))) == "\t\n\n\n\r"
    assert inputs.clean_text(None) is None and inputs.clean_text(5) == 5
    assert inputs.clean_text(GroupRole.MEMBER) is GroupRole.MEMBER  # a select's coerced value


def _form_classes():
    """Every form class that the application's modules define."""
    found = set()
    for module_info in pkgutil.walk_packages(studytrack.__path__, "studytrack."):
        if ".demo" in module_info.name or module_info.name.endswith((".wsgi", ".cli")):
            continue
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, WTForm) and cls.__module__.startswith("studytrack."):
                found.add(cls)
    return found


# Its fields are all passwords, which the checks leave alone; studytrack/auth is changed
# elsewhere meanwhile.
NOT_CHECKED = {"studytrack.auth.forms.ChangePasswordForm"}


def test_every_form_of_the_application_has_the_input_checks():
    forms = _form_classes()
    assert len(forms) > 30
    unchecked = {
        f"{cls.__module__}.{cls.__qualname__}" for cls in forms
        if not issubclass(cls, formfields.Form | formfields.PlainForm)
    }
    assert unchecked == NOT_CHECKED
