"""Issue 17: no input reaches a 500. Control characters in text (PostgreSQL refuses a NUL),
numbers beyond the database's integer (in URLs, the query string and forms), and dates far
outside any sensible range are each handled in one place (studytrack/inputs.py and the forms'
base in studytrack/formfields.py); these tests send them where people and scripts can."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from wtforms import Form as WTForm

import studytrack
from studytrack import formfields, inputs
from studytrack.config import Config, ConfigurationError, finalize
from studytrack.extensions import db
from studytrack.materials import services as material_services
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    GroupRole,
    Job,
    LoginSession,
    Material,
    MaterialKind,
    Reflection,
    StudySession,
    Talk,
)
from studytrack.plans import services as plan_services
from studytrack.plans.rules import ItemData
from studytrack.timeutil import today_local
from tests.fixtures.users import PASSWORD
from tests.test_sessions import VALID_FORM as SESSION_FORM
from tests.test_sessions import field_errors, page_text

# Text as a crafted request or a paste from Word can send it: NUL and other C0 controls, a
# vertical tab (Word's line break) and a form feed (a PDF's page break) among real text.
HOSTILE = "学习\x00贯彻\x01精神\x1f"
CLEANED = "学习贯彻精神"
HOSTILE_BODY = "第一段\x00体会。\r\n第二段\x0b第二行\x0c第三页\t完"
CLEANED_BODY = "第一段体会。\n第二段\n第二行\n第三页\t完"

TOO_LARGE = "This number is too large."


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def last_year():
    return today_local().year + Config.DATE_YEARS_AHEAD


def date_message():
    return f"Enter a date between 2000-01-01 and {last_year()}-12-31."


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
    assert db.session.scalars(sa.select(LoginSession.user_id)).all() == [world.member.id]


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


@pytest.mark.parametrize("version", ["abc", str(2**63)])
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


def test_every_form_of_the_application_has_the_input_checks():
    forms = _form_classes()
    assert len(forms) > 30
    unchecked = {
        f"{cls.__module__}.{cls.__qualname__}" for cls in forms
        if not issubclass(cls, formfields.Form | formfields.PlainForm)
    }
    assert unchecked == set()


# --- 6. numbers beyond the database's integer -----------------------------------------------


def _urls_with_ids(app, number):
    """(method, url) of every route with `<int:…>` arguments, each of them `number`."""
    for rule in app.url_map.iter_rules():
        if not rule.arguments or "<int:" not in rule.rule:
            continue
        if re.search(r"<(?!int:)", rule.rule):
            continue  # other converters besides
        method = "GET" if "GET" in rule.methods else "POST"
        yield method, re.sub(r"<int:\w+>", str(number), rule.rule)


@pytest.mark.parametrize("number", [2**31, 2**63, 10**20])
def test_every_id_in_a_url_beyond_the_integer_answers_404(app, world, login, client, number):
    login(world.admin)
    urls = list(_urls_with_ids(app, number))
    assert len(urls) > 60
    answers = {url: client.open(url, method=method).status_code for method, url in urls}
    assert {url: code for url, code in answers.items() if code != 404} == {}


def test_ids_within_the_integer_still_reach_their_route(world, login, client):
    login(world.admin)
    assert client.get(f"/groups/{world.group.id}").status_code == 200
    assert client.get(f"/groups/{inputs.INT_MAX}").status_code == 404  # the route: not found
    assert client.get("/groups/0").status_code == 404
    assert client.post(f"/sessions/{world.session.id}/attendance").status_code == 302


def test_the_id_pattern_takes_exactly_the_numbers_up_to_its_limit():
    for limit in (1, 9, 10, 19, 20, 101, 999, 1000, 90817):
        pattern = re.compile(inputs.decimal_up_to(limit))
        taken = [n for n in range(limit * 12 + 20) if pattern.fullmatch(str(n))]
        assert taken == list(range(1, limit + 1)), limit
        assert not pattern.fullmatch("01")
    pattern = re.compile(inputs.decimal_up_to(inputs.INT_MAX))
    for n in (1, 999_999_999, 1_999_999_999, 2_147_483_639, inputs.INT_MAX):
        assert pattern.fullmatch(str(n)), n
    for n in (0, inputs.INT_MAX + 1, 2_147_483_650, 2_200_000_000, 9_999_999_999, 2**63):
        assert not pattern.fullmatch(str(n)), n


@pytest.mark.parametrize("number", [str(2**63), str(10**20), "-5", "x"])
@pytest.mark.parametrize("path", [
    "/materials", "/notifications", "/tasks/mine", "/groups/{g}/sessions",
    "/sessions/{s}/history", "/sessions/{s}/materials", "/admin/users", "/groups/", "/units",
    "/admin/groups", "/admin/organizations",
])
def test_a_page_number_beyond_any_list_answers_a_page(world, login, client, path, number):
    """An empty page past the end (the accounts list, paged by key, has no page numbers: it
    answers its first page)."""
    login(world.admin)
    response = client.get(path.format(g=world.group.id, s=world.session.id) + f"?page={number}")
    assert response.status_code == 200


@pytest.mark.parametrize("cursor", [str(2**63), str(10**20), "-5", "x", "0"])
@pytest.mark.parametrize("side", ["after", "before"])
def test_a_cursor_no_account_has_answers_a_page(world, login, client, side, cursor):
    login(world.admin)
    assert client.get(f"/admin/users?{side}={cursor}").status_code == 200


@pytest.mark.parametrize("field", ["min_reflection_chars", "plan_item_id", "chair_id"])
def test_a_number_beyond_the_integer_in_the_session_form_is_refused_beside_it(
    world, login, client, field
):
    login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/sessions/new",
                           data={**SESSION_FORM, field: str(10**20)})
    assert response.status_code == 200
    assert TOO_LARGE in field_errors(page_text(response), field)
    assert count(StudySession) == 1  # the world's


def test_the_number_message_is_chinese_for_a_chinese_reader(world, person, login, client):
    login(person("secretary", locale="zh"))
    response = client.post(f"/groups/{world.group.id}/sessions/new",
                           data={**SESSION_FORM, "min_reflection_chars": str(2**31)})
    assert response.status_code == 200
    assert "数字过大。" in field_errors(page_text(response), "min_reflection_chars")
    assert count(StudySession) == 1


@pytest.mark.parametrize(("path", "data", "field"), [
    ("/sessions/{s}/talks", {"kind": "speech", "speaker_id": str(2**31), "speaker_name": ""},
     "speaker_id"),
    ("/sessions/{s}/edit", {**SESSION_FORM, "recorder_id": str(2**63), "version": "1",
                            "topic": "改过的主题"}, "recorder_id"),
    ("/sessions/{s}/attendance/observers", {"user_id": str(2**31), "guest_name": ""},
     "user_id"),
])
def test_an_id_beyond_the_integer_in_a_form_is_refused_beside_it(world, login, client, path,
                                                                 data, field):
    login(world.admin)
    response = client.post(path.format(s=world.session.id), data=data)
    assert response.status_code == 200
    assert TOO_LARGE in field_errors(page_text(response), field)
    assert (count(Talk), count(Attendance)) == (0, 1)  # the member's attendance
    db.session.expire_all()
    assert db.session.get(StudySession, world.session.id).topic != "改过的主题"


def test_a_material_id_beyond_the_integer_is_no_material_of_the_library(world, login, client):
    login(world.secretary)
    response = client.post(f"/sessions/{world.session.id}/materials",
                           data={"material_ids": [str(world.material.id), str(2**31)]})
    assert response.status_code == 200
    assert "Choose a material from the library." in page_text(response)
    assert world.session.session_materials == []


def test_a_plan_item_id_beyond_the_integer_is_refused_on_edit_too(world, login, client):
    plan = plan_services.create_plan(world.group, 2026, title="2026年学习计划")
    plan_services.add_item(plan, ItemData(topic="三月专题", month=3, quarter=None, position=0),
                           expected_version=plan.version)
    db.session.commit()
    login(world.secretary)
    response = client.post(f"/sessions/{world.session.id}/edit", data={
        **SESSION_FORM, "plan_item_id": str(2**31), "version": str(world.session.version),
    })
    assert response.status_code == 200
    assert TOO_LARGE in field_errors(page_text(response), "plan_item_id")
    db.session.expire_all()
    assert db.session.get(StudySession, world.session.id).plan_item_id is None


def test_a_session_id_beyond_the_integer_in_the_query_string_is_ignored(world, login, client):
    login(world.secretary)
    assert client.get(f"/materials/new?session_id={2**63}").status_code == 200


# --- 7. dates and years out of range --------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [
    ("starts_at", "0001-01-01T00:00"),
    ("starts_at", "1999-12-31T23:59"),
    ("starts_at", "9999-12-31T23:59"),
    ("ends_at", "9999-12-31T23:59"),
    ("reflection_due_on", "9999-12-31"),
])
def test_a_session_dated_out_of_range_is_refused_beside_the_field(world, login, client, field,
                                                                  value):
    login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/sessions/new",
                           data={**SESSION_FORM, field: value})
    assert response.status_code == 200
    assert date_message() in field_errors(page_text(response), field)
    assert count(StudySession) == 1


def test_the_last_day_of_the_range_is_accepted_the_next_is_not(world, login, client):
    login(world.secretary)
    last = f"{last_year()}-12-31"
    response = client.post(f"/groups/{world.group.id}/sessions/new", data={
        **SESSION_FORM, "starts_at": f"{last}T09:00", "ends_at": "", "reflection_due_on": last,
    })
    assert response.status_code == 302
    response = client.post(f"/groups/{world.group.id}/sessions/new", data={
        **SESSION_FORM, "starts_at": f"{last_year() + 1}-01-01T09:00", "ends_at": "",
        "reflection_due_on": "",
    })
    assert date_message() in field_errors(page_text(response), "starts_at")
    assert count(StudySession) == 2


def test_the_date_message_is_chinese_for_a_chinese_reader(world, person, login, client):
    login(person("secretary", locale="zh"))
    response = client.post(f"/groups/{world.group.id}/sessions/new",
                           data={**SESSION_FORM, "starts_at": "0001-01-01T08:00"})
    assert (f"请输入 2000-01-01 至 {last_year()}-12-31 之间的日期。"
            in field_errors(page_text(response), "starts_at"))


def test_a_task_due_out_of_range_is_refused_beside_the_field(world, login, client):
    login(world.secretary)
    response = client.post(f"/sessions/{world.session.id}/tasks/new", data={
        "title": "落实", "assignee_id": str(world.member.id), "organization_id": "",
        "due_on": "9999-12-31",
    })
    assert response.status_code == 200
    assert date_message() in field_errors(page_text(response), "due_on")
    assert count(FollowUpTask) == 0


@pytest.mark.parametrize(("issued_on", "accepted"), [
    ("1848-02-21", True),  # the Communist Manifesto: a library keeps old documents
    ("1799-12-31", False),
    ("0001-01-01", False),
    ("9999-12-31", False),
])
def test_a_materials_issue_date_may_be_old_but_not_absurd(world, login, client, issued_on,
                                                         accepted):
    login(world.admin)
    response = client.post("/materials/new", data={
        "organization_id": str(world.unit.id), "kind": "speech", "title": "宣言",
        "issued_on": issued_on,
    })
    assert (response.status_code == 302) is accepted
    assert count(Material) == (2 if accepted else 1)
    if not accepted:
        assert (f"Enter a date between 1800-01-01 and {last_year()}-12-31."
                in field_errors(page_text(response), "issued_on"))


def test_the_year_filter_offers_only_years_of_the_range_whatever_is_stored(
    world, login, client, create_session
):
    """A session stored before the range was enforced (year 1) offers no year 1 nor 2,000 years
    between, and ?year=1 answers the list."""
    create_session(world.group, topic="很久以前", starts_at=datetime(1, 1, 1, 8, tzinfo=UTC),
                   ends_at=None)
    login(world.secretary)
    response = client.get(f"/groups/{world.group.id}/sessions?year=1")
    assert response.status_code == 200
    html = page_text(response)
    years = re.findall(r'<option value="(\d+)"', html)
    assert years == [str(y) for y in range(2026, 1999, -1)]


def test_the_date_range_follows_the_configuration(app, world, login, client):
    app.config["DATE_FIRST_YEAR"] = 2020
    app.config["DATE_YEARS_AHEAD"] = 1
    login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/sessions/new",
                           data={**SESSION_FORM, "starts_at": "2019-12-31T09:00", "ends_at": "",
                                 "reflection_due_on": ""})
    assert (f"Enter a date between 2020-01-01 and {today_local().year + 1}-12-31."
            in field_errors(page_text(response), "starts_at"))
    assert count(StudySession) == 1


def test_the_date_range_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDYTRACK_DATE_FIRST_YEAR", "2010")
    monkeypatch.setenv("STUDYTRACK_DATE_YEARS_AHEAD", "3")
    values = Config.from_env()
    assert (values["DATE_FIRST_YEAR"], values["DATE_YEARS_AHEAD"]) == (2010, 3)
    config = {key: getattr(Config, key) for key in dir(Config) if key.isupper()}
    for first, ahead in ((1800, 10), (today_local().year + 1, 10), (2000, -1), (2000, 1000)):
        with pytest.raises(ConfigurationError):
            finalize({**config, "DATE_FIRST_YEAR": first, "DATE_YEARS_AHEAD": ahead},
                     tmp_path)


def test_a_makeup_date_out_of_range_is_refused_beside_the_field(world, person, login, client):
    absent = Attendance(session=world.session, user=person("member"),
                        status=AttendanceStatus.ABSENT)
    db.session.add(absent)
    db.session.commit()
    login(world.secretary)
    response = client.post(f"/attendance/{absent.id}/makeup",
                           data={"makeup_on": "0001-01-01", "makeup_note": "补学"})
    assert response.status_code == 200
    assert date_message() in field_errors(page_text(response), "makeup_on")
    db.session.expire_all()
    assert db.session.get(Attendance, absent.id).makeup_on is None


@pytest.mark.parametrize("year", ["1", "1999", "99999", str(2**63)])
def test_a_year_filter_out_of_range_is_ignored(world, login, client, year):
    login(world.secretary)
    response = client.get(f"/groups/{world.group.id}/sessions?year={year}")
    assert response.status_code == 200
    assert world.session.topic in page_text(response)  # not filtered away


@pytest.mark.parametrize("year", ["1", "9999", str(2**63)])
def test_an_archive_year_out_of_range_asks_for_a_year(world, login, client, year):
    login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/archive", data={"year": year})
    assert response.status_code == 400
    assert 'class="invalid-feedback"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


@pytest.mark.parametrize("path", ["/people/{m}/record", "/groups/{g}/figures", "/dashboard"])
@pytest.mark.parametrize("year", ["1", str(2**63)])
def test_records_and_dashboards_fall_back_to_this_year(world, login, client, path, year):
    login(world.leader)
    response = client.get(path.format(m=world.member.id, g=world.group.id) + f"?year={year}")
    assert response.status_code == 200
    assert str(today_local().year) in page_text(response)
