"""The pickers of people (studytrack/pickers.py): they search as one types and never list
everyone; without JavaScript, sending the form searches.

Driven through the observer picker of the attendance page (a secretary's) and the "add a
member" picker of the administrator's group page; the browser journey types into one."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from studytrack.extensions import db
from studytrack.models import Attendance, AttendanceStatus, GroupMembership
from studytrack.pickers import MATCHES_SHOWN, People
from tests.fixtures.users import make_person


@pytest.fixture
def world(world, create_session):
    world.session = create_session(world.group)
    return world


@pytest.fixture
def secretary(login, world):
    return login(world.secretary)


def observers(world):
    return f"/sessions/{world.session.id}/attendance/observers"


def search(client, world, text):
    response = client.get(f"{observers(world)}/search", query_string={"user_id-search": text})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def offered(html):
    """The ids of the people offered as radio buttons."""
    return [int(v) for v in re.findall(r'type="radio" name="user_id"[^>]*value="(\d+)"', html)]


def observer_ids():
    return set(db.session.scalars(
        sa.select(Attendance.user_id).where(Attendance.status == AttendanceStatus.OBSERVER)
    ))


def test_the_page_lists_nobody_until_one_types(world, secretary):
    people = [make_person(f"visitor{i}", f"来访者{i}") for i in range(30)]
    html = secretary.get(f"/sessions/{world.session.id}/attendance").get_data(as_text=True)
    assert "<option" not in html[html.index('id="observers"'):]
    assert not any(person.display_name in html for person in people)
    assert 'hx-get="/sessions/' in html and 'name="user_id-search"' in html


def test_matches_are_substrings_of_name_position_or_unit(world, secretary):
    dean = make_person("dean", "寇新建", position="常务副校长", organization=world.unit)
    other = make_person("other", "寇晓", position="教授", organization=world.elsewhere)
    assert offered(search(secretary, world, "新")) == [dean.id]  # one character of a name
    assert offered(search(secretary, world, "副校长")) == [world.member.id, dean.id]  # shorter
    assert offered(search(secretary, world, "兄弟院校")) == [other.id]  # the unit's name
    # every word must match
    assert offered(search(secretary, world, "寇 教授")) == [other.id]
    assert offered(search(secretary, world, "寇 常务")) == [dean.id]
    # the label tells namesakes apart: position and unit
    html = search(secretary, world, "寇")
    assert "常务副校长 · 中侨职业技术大学党委" in html and "教授 · 兄弟院校党委" in html


def test_an_exact_name_comes_first_then_shorter_names(world, secretary):
    longer = make_person("longer", "王芳芳")
    exact = make_person("exact", "王芳")
    assert offered(search(secretary, world, "王芳")) == [exact.id, longer.id]


def test_wildcards_are_plain_characters_and_nothing_typed_lists_nobody(world, secretary):
    make_person("percent", "百分之百")
    assert offered(search(secretary, world, "%")) == []
    assert offered(search(secretary, world, "_")) == []
    assert offered(search(secretary, world, "   ")) == []
    assert "Nobody that can be chosen here matches “%”." in search(secretary, world, "%")


def test_at_most_twenty_are_listed_with_a_note(world, secretary):
    for i in range(MATCHES_SHOWN + 5):
        make_person(f"many{i}", f"同名{i:02d}")
    html = search(secretary, world, "同名")
    assert len(offered(html)) == MATCHES_SHOWN
    assert f"Only the first {MATCHES_SHOWN} are shown" in html


def test_inactive_people_and_those_on_the_list_are_not_listed(world, secretary):
    make_person("gone", "离任者", active=False)
    here = make_person("here", "已列席")
    assert secretary.post(observers(world), data={"user_id": here.id}).status_code == 302
    assert offered(search(secretary, world, "离任")) == []
    assert offered(search(secretary, world, "已列席")) == []


def test_a_secretary_never_sees_or_searches_login_names(world, secretary):
    make_person("kouxinjian", "寇新建")
    assert offered(search(secretary, world, "kouxin")) == []
    assert "kouxinjian" not in search(secretary, world, "寇新建")


def test_without_javascript_one_match_is_taken(world, secretary):
    dean = make_person("dean", "寇新建")
    response = secretary.post(observers(world), data={"user_id-search": " 寇新建 "})
    assert response.status_code == 302
    assert observer_ids() == {dean.id}


def test_without_javascript_several_matches_are_listed_to_choose_from(world, secretary):
    first, second = make_person("k1", "寇一"), make_person("k2", "寇二")
    response = secretary.post(observers(world), data={"user_id-search": "寇"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 people match “寇”: choose one below." in html
    assert sorted(offered(html)) == sorted([first.id, second.id])
    assert 'value="寇"' in html  # what was typed stays in the box
    assert observer_ids() == set()
    # choosing one of them (the text is still there) adds that one
    response = secretary.post(observers(world), data={"user_id-search": "寇",
                                                      "user_id": second.id})
    assert response.status_code == 302
    assert observer_ids() == {second.id}


def test_without_javascript_no_match_is_an_error_beside_the_field(world, secretary):
    response = secretary.post(observers(world), data={"user_id-search": "查无此人",
                                                      "guest_position": "教授"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="user_id-feedback">\s*<div>Nobody that can be chosen here matches '
                     r'“查无此人”.</div>', html)
    assert 'value="教授"' in html  # the rest of the form is kept
    assert observer_ids() == set()


def test_an_id_the_picker_does_not_offer_is_refused(world, secretary):
    gone = make_person("gone", "离任者", active=False)
    for value in (str(gone.id), "abc", "٣", "0"):
        response = secretary.post(observers(world), data={"user_id": value})
        assert response.status_code == 200
        assert "Choose a person from the list." in response.get_data(as_text=True)
    assert observer_ids() == set()


def test_the_search_answers_only_those_who_may_edit_the_session(world, login):
    assert login(world.member).get(f"{observers(world)}/search").status_code == 403
    assert login(world.outsider).get(f"{observers(world)}/search").status_code == 404


def test_the_administrators_picker_searches_and_shows_logins(world, login):
    admin = login(world.admin)
    recruit = make_person("zhaolei", "赵磊")
    url = f"/admin/groups/{world.group.id}/members/search"
    html = admin.get(url, query_string={"user_id-search": "zhaol"}).get_data(as_text=True)
    assert offered(html) == [recruit.id] and "zhaolei" in html
    # current members are not listed; sending one anyway meets the group's own refusal
    html = admin.get(url, query_string={"user_id-search": world.member.display_name}
                     ).get_data(as_text=True)
    assert offered(html) == []
    response = admin.post(f"/admin/groups/{world.group.id}/members",
                          data={"user_id-search": "赵磊", "role": "member", "title": "member"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(GroupMembership.id).where(
        GroupMembership.user_id == recruit.id, GroupMembership.group_id == world.group.id))


def test_people_search_makes_one_statement_whatever_the_number_of_people(
        world, request_context, count_queries):
    for i in range(40):
        make_person(f"p{i}", f"人员{i}")
    with count_queries() as counted:
        found = People().matching("人员")
    assert len(found) == MATCHES_SHOWN + 1
    assert counted.count == 1


# --- units ---------------------------------------------------------------------------------


def unit_search(client, name, text):
    response = client.get("/admin/units/search", query_string={f"{name}-search": text})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def offered_units(html, name):
    return [int(v) for v in re.findall(rf'type="radio" name="{name}"[^>]*value="(\d+)"', html)]


def test_the_unit_pickers_search_names_and_show_kind_and_parent(world, login):
    admin = login(world.admin)
    html = unit_search(admin, "organization_id", "办公室")
    assert offered_units(html, "organization_id") == [world.branch.id]
    assert f"Party branch · {world.unit.name}" in html  # its kind, its parent
    # the parent's name finds the units below it; every word must match
    below = offered_units(unit_search(admin, "parent_id", f"{world.unit.name} 支部"), "parent_id")
    assert below == [world.branch.id]
    assert login(world.secretary).get("/admin/units/search?parent_id-search=a").status_code == 403


def test_a_group_form_takes_its_unit_by_typing_and_shows_it_when_edited(world, login):
    admin = login(world.admin)
    page = admin.get("/admin/groups/new").get_data(as_text=True)
    assert "<option" not in page[page.index('name="organization_id-search"') - 2000:]
    response = admin.post("/admin/groups/new", data={
        "organization_id-search": "办公室党支部", "name": "支部学习组", "is_active": "y"})
    assert response.status_code == 302
    group_id = int(response.headers["Location"].rsplit("/", 1)[1])
    edit = admin.get(f"/admin/groups/{group_id}/edit").get_data(as_text=True)
    assert re.search(rf'name="organization_id"[^>]*value="{world.branch.id}" checked', edit)
    # nothing chosen, nothing typed: the unit is required
    response = admin.post("/admin/groups/new", data={"name": "无单位学习组"})
    assert "Choose a unit." in response.get_data(as_text=True)


def test_an_optional_unit_can_be_set_to_none(world, login):
    admin = login(world.admin)
    edit = admin.get(f"/admin/organizations/{world.branch.id}/edit").get_data(as_text=True)
    assert re.search(rf'name="parent_id"[^>]*value="{world.unit.id}" checked', edit)
    assert re.search(r'id="parent_id-none" value=""', edit)
    response = admin.post(f"/admin/organizations/{world.branch.id}/edit", data={
        "name": world.branch.name, "kind": "branch", "parent_id": "", "sort_order": "0"})
    assert response.status_code == 302
    db.session.expire_all()
    assert world.branch.parent_id is None


def test_the_group_list_filters_by_a_unit_typed(world, login):
    admin = login(world.admin)
    html = admin.get("/admin/groups", query_string={"organization_id-search": "兄弟院校党委"}
                     ).get_data(as_text=True)
    assert f'href="/admin/groups/{world.other_group.id}"' in html
    assert f'href="/admin/groups/{world.group.id}"' not in html
    html = admin.get("/admin/groups").get_data(as_text=True)
    assert f'href="/admin/groups/{world.group.id}"' in html
    assert re.search(r'id="organization_id-none" value="" checked', html)
