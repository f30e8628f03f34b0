"""The administration area through HTTP: permissions, pages, forms and what they change."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from studytrack.admin import queries, services
from studytrack.extensions import db
from studytrack.models import (
    AuditEvent,
    GroupMembership,
    GroupRole,
    GroupTitle,
    LeadershipRole,
    Organization,
    OrganizationKind,
    StudyGroup,
    User,
)
from tests.fixtures.users import PASSWORD
from tests.fixtures.world import World


@pytest.fixture
def world(world: World) -> World:
    """The shared world, with the member's membership of the group and the leader's role
    (of top) at hand."""
    world.membership = db.session.scalars(sa.select(GroupMembership).where(
        GroupMembership.user_id == world.member.id, GroupMembership.group_id == world.group.id
    )).one()
    world.leadership = db.session.scalars(
        sa.select(LeadershipRole).where(LeadershipRole.user_id == world.leader.id)
    ).one()
    return world


def ids(world: World) -> dict[str, int]:
    """The ids the admin URLs take."""
    return {
        "org": world.unit.id, "group": world.group.id, "user": world.member.id,
        "membership": world.membership.id, "role": world.leadership.id,
    }


@pytest.fixture
def as_admin(world: World, login: Callable[[User], FlaskClient]) -> FlaskClient:
    return login(world.admin)


# (endpoint, method, url): every route of the blueprint, checked against the URL map below.
ENDPOINTS = [
    ("admin.index", "GET", "/admin/"),
    ("admin.organizations", "GET", "/admin/organizations"),
    ("admin.new_organization", "GET", "/admin/organizations/new"),
    ("admin.new_organization", "POST", "/admin/organizations/new"),
    ("admin.organization", "GET", "/admin/organizations/{org}"),
    ("admin.search_leaders", "GET", "/admin/organizations/{org}/leaders/search?user_id-search=a"),
    ("admin.search_units", "GET", "/admin/units/search?parent_id-search=a"),
    ("admin.edit_organization", "GET", "/admin/organizations/{org}/edit"),
    ("admin.edit_organization", "POST", "/admin/organizations/{org}/edit"),
    ("admin.activate_organization", "POST", "/admin/organizations/{org}/activate"),
    ("admin.deactivate_organization", "POST", "/admin/organizations/{org}/deactivate"),
    ("admin.grant_leadership", "POST", "/admin/organizations/{org}/leaders"),
    ("admin.revoke_leadership", "POST", "/admin/leadership/{role}/revoke"),
    ("admin.groups", "GET", "/admin/groups"),
    ("admin.new_group", "GET", "/admin/groups/new"),
    ("admin.new_group", "POST", "/admin/groups/new"),
    ("admin.group", "GET", "/admin/groups/{group}"),
    ("admin.search_members", "GET", "/admin/groups/{group}/members/search?user_id-search=a"),
    ("admin.edit_group", "GET", "/admin/groups/{group}/edit"),
    ("admin.edit_group", "POST", "/admin/groups/{group}/edit"),
    ("admin.add_member", "POST", "/admin/groups/{group}/members"),
    ("admin.edit_membership", "GET", "/admin/memberships/{membership}/edit"),
    ("admin.edit_membership", "POST", "/admin/memberships/{membership}/edit"),
    ("admin.remove_member", "POST", "/admin/memberships/{membership}/remove"),
    ("admin.users", "GET", "/admin/users"),
    ("admin.new_user", "GET", "/admin/users/new"),
    ("admin.new_user", "POST", "/admin/users/new"),
    ("admin.user", "GET", "/admin/users/{user}"),
    ("admin.edit_user", "GET", "/admin/users/{user}/edit"),
    ("admin.edit_user", "POST", "/admin/users/{user}/edit"),
    ("admin.activate_user", "POST", "/admin/users/{user}/activate"),
    ("admin.deactivate_user", "POST", "/admin/users/{user}/deactivate"),
    ("admin.sign_out_user", "POST", "/admin/users/{user}/sign-out"),
    ("admin.reset_password", "POST", "/admin/users/{user}/password"),
]
PAGES = [(endpoint, url) for endpoint, method, url in ENDPOINTS if method == "GET"]


def field_error(html: str, field_id: str) -> str:
    """The text shown beside a field by render_field (empty when there is none)."""
    match = re.search(
        rf'<div class="invalid-feedback" id="{field_id}-feedback">(.*?)</div>\s*</div>', html, re.S
    )
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip() if match else ""


def selected_value(html: str, field_id: str) -> str | None:
    select = re.search(rf'<select[^>]*id="{field_id}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {field_id}"
    option = re.search(r'<option selected value="([^"]*)"', select.group(1))
    return option.group(1) if option else None


def picked_value(html: str, name: str) -> str | None:
    """The person checked in a picker (a radio button named `name`)."""
    picked = re.search(rf'<input[^>]*type="radio" name="{name}"[^>]*value="([^"]*)" checked',
                       html)
    return picked.group(1) if picked else None


def audit_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def logout(client: FlaskClient) -> None:
    client.post("/auth/logout")


# --- who may enter --------------------------------------------------------------------------


def test_endpoint_list_covers_every_admin_route(app: Flask) -> None:
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("admin.")
        for method in rule.methods or () if method in ("GET", "POST")
    }
    assert routes == {(endpoint, method) for endpoint, method, _ in ENDPOINTS}


@pytest.mark.parametrize(("endpoint", "url"), PAGES, ids=[e for e, _ in PAGES])
def test_every_page_renders_for_an_admin(
    as_admin: FlaskClient, world: World, endpoint: str, url: str
) -> None:
    response = as_admin.get(url.format(**ids(world)))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "style=" not in html and "<script>" not in html


@pytest.mark.parametrize(
    ("endpoint", "method", "url"), ENDPOINTS, ids=[f"{m} {e}" for e, m, _ in ENDPOINTS]
)
def test_non_admins_are_forbidden(
    world: World, client: FlaskClient, login: Callable[[User], FlaskClient],
    endpoint: str, method: str, url: str,
) -> None:
    before = audit_actions()
    for person in (world.member, world.secretary, world.leader):
        login(person)
        response = client.open(url.format(**ids(world)), method=method, data={"name": "x"})
        assert response.status_code == 403, person.username
        logout(client)
    assert [a for a in audit_actions()[len(before):] if a != "user.login"] == []


@pytest.mark.parametrize(
    ("endpoint", "method", "url"), ENDPOINTS, ids=[f"{m} {e}" for e, m, _ in ENDPOINTS]
)
def test_anonymous_is_sent_to_login(
    client: FlaskClient, endpoint: str, method: str, url: str
) -> None:
    ids = dict.fromkeys(("org", "group", "user", "membership", "role"), 1)
    response = client.open(url.format(**ids), method=method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_unknown_ids_answer_404(as_admin: FlaskClient) -> None:
    for url in ("/admin/organizations/999", "/admin/groups/999", "/admin/users/999",
                "/admin/memberships/999/edit"):
        assert as_admin.get(url).status_code == 404


def test_admin_index_shows_counts_and_links(as_admin: FlaskClient) -> None:
    html = as_admin.get("/admin/").get_data(as_text=True)
    for href in (
        "/admin/organizations", "/admin/groups", "/admin/users", "/admin/users/new",
        "/admin/targets",
    ):
        assert f'href="{href}"' in html


# --- units ----------------------------------------------------------------------------------


def test_tree_lists_units_indented_in_tree_order(
    as_admin: FlaskClient, world: World, create_org: Callable[..., Organization]
) -> None:
    branch = create_org("第一党支部", parent=world.unit, kind=OrganizationKind.BRANCH)
    html = as_admin.get("/admin/organizations").get_data(as_text=True)
    positions = [html.index(name) for name in (world.top.name, world.unit.name, branch.name)]
    assert positions == sorted(positions)
    assert "unit-depth-2" in html


def test_create_unit_below_a_parent(as_admin: FlaskClient, world: World) -> None:
    response = as_admin.post("/admin/organizations/new", data={
        "name": "第二党支部", "short_name": "二支部", "kind": "branch",
        "parent_id": str(world.unit.id), "sort_order": "2",
    })
    assert response.status_code == 302
    unit = db.session.scalar(sa.select(Organization).where(Organization.name == "第二党支部"))
    assert unit is not None and unit.parent_id == world.unit.id
    assert unit.path == f"{world.unit.path}{unit.id}/"
    assert unit.kind == OrganizationKind.BRANCH and unit.short_name == "二支部"
    assert response.headers["Location"] == f"/admin/organizations/{unit.id}"


def test_create_top_level_unit(as_admin: FlaskClient) -> None:
    response = as_admin.post("/admin/organizations/new", data={
        "name": "机关党委", "kind": "committee", "parent_id": "", "sort_order": "",
    })
    assert response.status_code == 302
    unit = db.session.scalar(sa.select(Organization).where(Organization.name == "机关党委"))
    assert unit is not None and unit.parent_id is None and unit.path == f"/{unit.id}/"
    assert unit.short_name is None and unit.sort_order == 0


def test_new_unit_form_preselects_the_parent(as_admin: FlaskClient, world: World) -> None:
    html = as_admin.get(f"/admin/organizations/new?parent_id={world.unit.id}").get_data(
        as_text=True
    )
    assert picked_value(html, "parent_id") == str(world.unit.id)


def test_duplicate_unit_name_is_shown_beside_the_name(as_admin: FlaskClient, world: World) -> None:
    response = as_admin.post("/admin/organizations/new", data={
        "name": world.unit.name, "short_name": "马院", "kind": "committee",
        "parent_id": str(world.top.id),
    })
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "name") == "A unit with this name already exists here."
    assert 'value="马院"' in html
    assert picked_value(html, "parent_id") == str(world.top.id)


def test_moving_a_unit_below_its_own_child_is_refused(
    as_admin: FlaskClient, world: World
) -> None:
    response = as_admin.post(f"/admin/organizations/{world.top.id}/edit", data={
        "name": "市教卫党委（新）", "kind": "committee",
        "parent_id": str(world.unit.id), "sort_order": "0",
    })
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "parent_id") == "A unit cannot be placed below itself."
    assert 'value="市教卫党委（新）"' in html
    assert picked_value(html, "parent_id") == str(world.unit.id)
    db.session.expire_all()
    assert world.top.parent_id is None and world.top.name == "市教卫党委"


def test_moving_a_unit_rewrites_its_subtree(
    as_admin: FlaskClient, world: World, create_org: Callable[..., Organization]
) -> None:
    other = create_org("另一所大学党委")
    branch = create_org("第一党支部", parent=world.unit)
    response = as_admin.post(f"/admin/organizations/{world.unit.id}/edit", data={
        "name": world.unit.name, "kind": "committee", "parent_id": str(other.id),
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert world.unit.path == f"/{other.id}/{world.unit.id}/"
    assert branch.path == f"/{other.id}/{world.unit.id}/{branch.id}/"


def test_deactivate_and_activate_a_unit(as_admin: FlaskClient, world: World) -> None:
    url = f"/admin/organizations/{world.unit.id}"
    assert as_admin.post(f"{url}/deactivate").status_code == 302
    db.session.expire_all()
    assert not world.unit.is_active
    assert "Inactive" in as_admin.get(url).get_data(as_text=True)
    assert as_admin.post(f"{url}/activate").status_code == 302
    db.session.expire_all()
    assert world.unit.is_active
    assert db.session.get(Organization, world.unit.id) is not None
    assert audit_actions()[-2:] == ["organization.deactivate", "organization.activate"]


def test_unit_page_lists_groups_and_leaders(as_admin: FlaskClient, world: World) -> None:
    html = as_admin.get(f"/admin/organizations/{world.top.id}").get_data(as_text=True)
    assert world.leader.display_name in html
    assert f"/admin/leadership/{world.leadership.id}/revoke" in html
    html = as_admin.get(f"/admin/organizations/{world.unit.id}").get_data(as_text=True)
    assert world.group.name in html
    assert world.top.name in html  # the breadcrumb up the tree


def test_grant_and_revoke_leadership(as_admin: FlaskClient, world: World) -> None:
    response = as_admin.post(
        f"/admin/organizations/{world.unit.id}/leaders", data={"user_id": world.member.id}
    )
    assert response.status_code == 302
    role = db.session.scalar(sa.select(LeadershipRole).where(
        LeadershipRole.user_id == world.member.id,
        LeadershipRole.organization_id == world.unit.id,
    ))
    assert role is not None
    role_id = role.id
    assert as_admin.post(f"/admin/leadership/{role_id}/revoke").status_code == 302
    assert db.session.get(LeadershipRole, role_id) is None


def test_granting_leadership_twice_shows_the_error(as_admin: FlaskClient, world: World) -> None:
    response = as_admin.post(
        f"/admin/organizations/{world.top.id}/leaders", data={"user_id": world.leader.id}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "user_id") == "This person already leads this unit."
    assert picked_value(html, "user_id") == str(world.leader.id)


def test_leadership_select_offers_only_active_people(
    as_admin: FlaskClient, world: World, create_user: Callable[..., User]
) -> None:
    gone = create_user("gone", "离任同志", active=False)
    html = as_admin.get(f"/admin/organizations/{world.top.id}").get_data(as_text=True)
    assert "离任同志" not in html
    response = as_admin.post(
        f"/admin/organizations/{world.top.id}/leaders", data={"user_id": gone.id}
    )
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "user_id")


# --- study groups ---------------------------------------------------------------------------


def test_group_list_shows_units_and_member_counts(as_admin: FlaskClient, world: World) -> None:
    html = as_admin.get("/admin/groups").get_data(as_text=True)
    row = re.search(rf"{world.group.name}</a></td>(.*?)</tr>", html, re.S)
    assert row is not None
    assert world.unit.name in row.group(1)
    assert '<td class="text-end">2</td>' in row.group(1)


def test_group_list_filters_by_unit(
    as_admin: FlaskClient, world: World, create_group: Callable[..., StudyGroup]
) -> None:
    other = create_group(world.top, "市教卫党委理论学习中心组")
    html = as_admin.get(f"/admin/groups?organization_id={world.top.id}").get_data(as_text=True)
    assert other.name in html and world.group.name not in html
    assert picked_value(html, "organization_id") == str(world.top.id)
    html = as_admin.get("/admin/groups").get_data(as_text=True)
    assert other.name in html and world.group.name in html


def test_group_list_comes_a_page_at_a_time_and_keeps_the_filter(
    as_admin: FlaskClient, world: World, create_group: Callable[..., StudyGroup],
    count_queries: Any,
) -> None:
    made = [create_group(world.top, f"第{i:02d}学习组") for i in range(queries.GROUPS_PER_PAGE)]
    with count_queries() as counted:
        first = as_admin.get(f"/admin/groups?organization_id={world.top.id}")
    html = first.get_data(as_text=True)
    assert html.count('href="/admin/groups/') - html.count('href="/admin/groups/new') == 50
    assert f'<span class="badge text-bg-light">{len(made)}</span>' in html
    assert f"organization_id={world.top.id}&amp;page=2" not in html  # exactly one page
    made.append(create_group(world.top, "第99学习组"))
    html = as_admin.get(f"/admin/groups?organization_id={world.top.id}").get_data(as_text=True)
    assert re.search(rf'href="/admin/groups\?(organization_id={world.top.id}&amp;page=2|'
                     rf'page=2&amp;organization_id={world.top.id})"', html)
    second = as_admin.get(f"/admin/groups?organization_id={world.top.id}&page=2")
    assert "第99学习组" in second.get_data(as_text=True)
    assert world.group.name not in second.get_data(as_text=True)  # the filter is kept
    with count_queries() as again:
        as_admin.get(f"/admin/groups?organization_id={world.top.id}")
    assert again.count == counted.count


def test_unit_list_pages_keep_the_tree_order_and_depths(
    as_admin: FlaskClient, world: World,
) -> None:
    for i in range(queries.UNITS_PER_PAGE):
        services.create_organization(f"下级{i:02d}", parent=world.branch, sort_order=i)
    db.session.commit()
    rows = queries.organization_tree().items + queries.organization_tree(2).items
    names = [(row.organization.name, row.depth) for row in rows]
    assert names[:3] == [(world.top.name, 0), (world.unit.name, 1), (world.branch.name, 2)]
    assert names[3:5] == [("下级00", 3), ("下级01", 3)]
    assert len(queries.organization_tree().items) == queries.UNITS_PER_PAGE
    html = as_admin.get("/admin/organizations?page=2").get_data(as_text=True)
    assert "下级49" in html and "下级00" not in html
    assert 'href="/admin/organizations?page=1"' in html


def test_create_group(as_admin: FlaskClient, world: World) -> None:
    response = as_admin.post("/admin/groups/new", data={
        "organization_id": str(world.top.id), "name": "市教卫党委理论学习中心组",
        "description": "校领导班子", "is_active": "y",
    })
    assert response.status_code == 302
    name = "市教卫党委理论学习中心组"
    group = db.session.scalar(sa.select(StudyGroup).where(StudyGroup.name == name))
    assert group is not None and group.organization_id == world.top.id and group.is_active
    assert group.description == "校领导班子"


def test_create_group_needs_a_unit(as_admin: FlaskClient) -> None:
    response = as_admin.post("/admin/groups/new", data={"organization_id": "", "name": "无单位组"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "organization_id")
    assert 'value="无单位组"' in html


def test_duplicate_group_name_in_a_unit(as_admin: FlaskClient, world: World) -> None:
    response = as_admin.post("/admin/groups/new", data={
        "organization_id": str(world.unit.id), "name": world.group.name,
        "description": "重复",
    })
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "name") == "This unit already has a study group of that name."
    assert "重复</textarea>" in html


def test_edit_group_moves_and_deactivates_it(as_admin: FlaskClient, world: World) -> None:
    response = as_admin.post(f"/admin/groups/{world.group.id}/edit", data={
        "organization_id": str(world.top.id), "name": "新名称", "description": "",
    })  # no is_active: the box was unticked
    assert response.status_code == 302
    db.session.expire_all()
    assert world.group.organization_id == world.top.id and world.group.name == "新名称"
    assert not world.group.is_active and world.group.description is None


def test_group_page_lists_members_with_role_and_title(
    as_admin: FlaskClient, world: World
) -> None:
    html = as_admin.get(f"/admin/groups/{world.group.id}").get_data(as_text=True)
    assert world.member.display_name in html and world.secretary.display_name in html
    assert f"/admin/memberships/{world.membership.id}/remove" in html
    assert 'data-confirm="' in html


def test_add_member(
    as_admin: FlaskClient, world: World, create_user: Callable[..., User]
) -> None:
    newcomer = create_user("newcomer", "赵组长")
    response = as_admin.post(f"/admin/groups/{world.group.id}/members", data={
        "user_id": str(newcomer.id), "role": "member", "title": "leader", "sort_order": "1",
    })
    assert response.status_code == 302
    membership = db.session.scalar(sa.select(GroupMembership).where(
        GroupMembership.user_id == newcomer.id, GroupMembership.group_id == world.group.id
    ))
    assert membership is not None and membership.left_on is None
    assert membership.title == GroupTitle.LEADER and membership.sort_order == 1


def test_adding_a_current_member_again_shows_the_error(
    as_admin: FlaskClient, world: World
) -> None:
    response = as_admin.post(f"/admin/groups/{world.group.id}/members", data={
        "user_id": str(world.member.id), "role": "secretary", "title": "deputy",
        "sort_order": "3",
    })
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "user_id") == "This person is already a member of the group."
    assert picked_value(html, "user_id") == str(world.member.id)
    assert selected_value(html, "role") == "secretary"
    assert selected_value(html, "title") == "deputy"
    assert 'value="3"' in html


def test_edit_membership(as_admin: FlaskClient, world: World) -> None:
    url = f"/admin/memberships/{world.membership.id}/edit"
    assert selected_value(as_admin.get(url).get_data(as_text=True), "role") == "member"
    response = as_admin.post(url, data={"role": "secretary", "title": "deputy", "sort_order": "5"})
    assert response.status_code == 302
    db.session.expire_all()
    assert world.membership.role == GroupRole.SECRETARY
    assert world.membership.title == GroupTitle.DEPUTY and world.membership.sort_order == 5


def test_remove_member_keeps_the_row(as_admin: FlaskClient, world: World) -> None:
    url = f"/admin/memberships/{world.membership.id}"
    assert as_admin.post(f"{url}/remove").status_code == 302
    db.session.expire_all()
    assert world.membership.left_on is not None
    assert as_admin.post(f"{url}/remove").status_code == 404  # already gone
    assert as_admin.get(f"{url}/edit").status_code == 404
    html = as_admin.get(f"/admin/groups/{world.group.id}").get_data(as_text=True)
    assert "Former members" in html


# --- accounts -------------------------------------------------------------------------------


def new_user_data(**fields: Any) -> dict[str, Any]:
    return {
        "username": "zhangyu", "display_name": "张瑜", "position": "党委副书记",
        "email": "zhangyu@example.edu.cn", "phone": "010-1234 5678",
        "organization_id": "", "locale": "zh", "password": "temp-pass-1", **fields,
    }


def test_create_user(as_admin: FlaskClient, world: World) -> None:
    response = as_admin.post(
        "/admin/users/new", data=new_user_data(organization_id=str(world.unit.id))
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "zhangyu"))
    assert user is not None
    assert (user.display_name, user.position, user.organization_id) == (
        "张瑜", "党委副书记", world.unit.id
    )
    assert user.must_change_password and not user.is_admin and user.check_password("temp-pass-1")
    assert "user.create" in audit_actions()


def test_new_user_form_suggests_a_temporary_password(as_admin: FlaskClient) -> None:
    html = as_admin.get("/admin/users/new").get_data(as_text=True)
    match = re.search(r'id="password"[^>]*value="([^"]+)"', html)
    assert match and len(match.group(1)) >= 8


def test_created_user_must_change_password_at_first_login(
    as_admin: FlaskClient, world: World
) -> None:
    as_admin.post("/admin/users/new", data=new_user_data())
    logout(as_admin)
    response = as_admin.post(
        "/auth/login", data={"username": "zhangyu", "password": "temp-pass-1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/password"
    assert as_admin.get("/").headers["Location"] == "/auth/password"


def test_duplicate_login_name_keeps_the_input(as_admin: FlaskClient, world: World) -> None:
    response = as_admin.post("/admin/users/new", data=new_user_data(username="MEMBER"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "username") == "This login name is already taken."
    assert 'value="MEMBER"' in html and 'value="张瑜"' in html and 'value="党委副书记"' in html


@pytest.mark.parametrize(("field", "value"), [
    ("email", "not-an-email"),
    ("username", "has space"),
    ("display_name", ""),
    ("password", "short"),
    ("phone", "call me"),
])
def test_invalid_user_fields_are_refused(
    as_admin: FlaskClient, field: str, value: str
) -> None:
    response = as_admin.post("/admin/users/new", data=new_user_data(**{field: value}))
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), field)
    assert db.session.scalar(sa.select(User).where(User.username == "zhangyu")) is None


def test_email_is_optional(as_admin: FlaskClient) -> None:
    assert as_admin.post("/admin/users/new", data=new_user_data(email="")).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "zhangyu"))
    assert user is not None and user.email is None


def test_edit_user(as_admin: FlaskClient, world: World) -> None:
    url = f"/admin/users/{world.member.id}/edit"
    html = as_admin.get(url).get_data(as_text=True)
    assert 'value="张瑜"' in html
    response = as_admin.post(url, data=new_user_data(
        username="member", display_name="张瑜", position="院长",
        organization_id=str(world.unit.id), locale="en", is_admin="y",
    ))
    assert response.status_code == 302
    db.session.expire_all()
    assert world.member.position == "院长" and world.member.is_admin
    assert world.member.organization_id == world.unit.id and world.member.locale == "en"


def test_admin_cannot_remove_their_own_admin_rights(
    as_admin: FlaskClient, world: World
) -> None:
    response = as_admin.post(f"/admin/users/{world.admin.id}/edit", data=new_user_data(
        username="admin", display_name="系统管理员", locale="en",
    ))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert field_error(html, "is_admin") == "You cannot remove your own administrator rights."
    db.session.expire_all()
    assert world.admin.is_admin


def test_deactivated_user_cannot_log_in(
    as_admin: FlaskClient, world: World, client: FlaskClient
) -> None:
    assert as_admin.post(f"/admin/users/{world.member.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert not world.member.active
    logout(as_admin)
    response = client.post("/auth/login", data={"username": "member", "password": PASSWORD})
    assert response.status_code == 200
    assert "deactivated" in response.get_data(as_text=True)


def test_reactivated_user_can_log_in_again(
    as_admin: FlaskClient, world: World, client: FlaskClient
) -> None:
    as_admin.post(f"/admin/users/{world.member.id}/deactivate")
    as_admin.post(f"/admin/users/{world.member.id}/activate")
    logout(as_admin)
    response = client.post("/auth/login", data={"username": "member", "password": PASSWORD})
    assert response.status_code == 302


def test_admin_cannot_deactivate_themselves(as_admin: FlaskClient, world: World) -> None:
    response = as_admin.post(f"/admin/users/{world.admin.id}/deactivate", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)
    db.session.expire_all()
    assert world.admin.active


def test_reset_password(as_admin: FlaskClient, world: World, client: FlaskClient) -> None:
    response = as_admin.post(
        f"/admin/users/{world.member.id}/password", data={"password": "new-temp-99"}
    )
    assert response.status_code == 302
    logout(as_admin)
    assert client.post(
        "/auth/login", data={"username": "member", "password": PASSWORD}
    ).status_code == 200
    response = client.post("/auth/login", data={"username": "member", "password": "new-temp-99"})
    assert response.headers["Location"] == "/auth/password"


def test_reset_password_too_short(as_admin: FlaskClient, world: World) -> None:
    response = as_admin.post(f"/admin/users/{world.member.id}/password", data={"password": "abc"})
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "password")


def test_user_page_shows_memberships_and_leadership(
    as_admin: FlaskClient, world: World
) -> None:
    html = as_admin.get(f"/admin/users/{world.member.id}").get_data(as_text=True)
    assert world.group.name in html
    html = as_admin.get(f"/admin/users/{world.leader.id}").get_data(as_text=True)
    assert world.top.name in html


def test_search_finds_a_chinese_substring(as_admin: FlaskClient, world: World) -> None:
    as_admin.post("/admin/users/new", data=new_user_data(username="zy2", display_name="欧阳瑜"))
    html = as_admin.get("/admin/users?q=瑜").get_data(as_text=True)
    assert "张瑜" in html and "欧阳瑜" in html
    assert "李婧" not in html and "王书记" not in html


def test_search_by_login_name_ignores_case(as_admin: FlaskClient, world: World) -> None:
    html = as_admin.get("/admin/users?q=SECRET").get_data(as_text=True)
    assert "李婧" in html and "张瑜" not in html


def test_search_treats_wildcards_literally(as_admin: FlaskClient, world: World) -> None:
    html = as_admin.get("/admin/users?q=%25").get_data(as_text=True)
    assert "李婧" not in html


def test_filter_by_status(
    as_admin: FlaskClient, world: World, create_user: Callable[..., User]
) -> None:
    create_user("gone", "离任同志", active=False)
    html = as_admin.get("/admin/users?status=inactive").get_data(as_text=True)
    assert "离任同志" in html and "李婧" not in html
    html = as_admin.get("/admin/users?status=active").get_data(as_text=True)
    assert "离任同志" not in html and "李婧" in html


def test_user_list_pages_by_key_and_keeps_filters(
    as_admin: FlaskClient, world: World, create_user: Callable[..., User]
) -> None:
    teachers = [create_user(f"teacher{n:02d}", f"教师{n:02d}") for n in range(60)]
    create_user("teacher_gone", "教师离任", active=False)

    def names(html: str) -> list[str]:
        return re.findall(r'<a href="/admin/users/\d+">(教师[^<]*)</a>', html)

    def link(html: str, rel: str) -> str:
        found = re.search(rf'href="([^"]+)" rel="{rel}"', html)
        assert found, rel
        return found.group(1).replace("&amp;", "&")

    first = as_admin.get("/admin/users?q=教师&status=active").get_data(as_text=True)
    assert names(first) == [f"教师{n:02d}" for n in range(25)]
    assert "60 accounts found" in first
    assert 'href="#" rel="prev"' in first  # the first page has no previous one
    second_url = link(first, "next")
    assert f"after={teachers[24].id}" in second_url and "status=active" in second_url
    second = as_admin.get(second_url).get_data(as_text=True)
    assert names(second) == [f"教师{n:02d}" for n in range(25, 50)]
    third = as_admin.get(link(second, "next")).get_data(as_text=True)
    assert names(third) == [f"教师{n:02d}" for n in range(50, 60)]
    assert 'href="#" rel="next"' in third  # the last page
    back = as_admin.get(link(third, "prev")).get_data(as_text=True)
    assert names(back) == names(second)
    assert names(as_admin.get(link(back, "prev")).get_data(as_text=True)) == names(first)


def test_user_list_costs_the_same_deep_in(
    as_admin: FlaskClient, world: World, create_user: Callable[..., User], count_queries: Any,
) -> None:
    people = [create_user(f"p{n:03d}", f"人员{n:03d}", organization=world.unit)
              for n in range(80)]
    with count_queries() as first:
        as_admin.get(f"/admin/users?after={people[0].id}")
    with count_queries() as deep:
        html = as_admin.get(f"/admin/users?after={people[70].id}").get_data(as_text=True)
    assert "人员071" in html and "人员070" not in html
    assert deep.count == first.count
    # a cursor that is no account shows an empty page, not an error
    response = as_admin.get("/admin/users?after=2147483647")
    assert response.status_code == 200 and "No accounts found." in response.get_data(
        as_text=True)


# --- a fixed number of queries --------------------------------------------------------------


def grow(world: World, n: int, create_user: Callable[..., User],
         create_org: Callable[..., Organization]) -> None:
    """Add n units, groups, people, memberships and leadership roles."""
    for _ in range(n):
        unit = create_org(parent=world.unit)
        person = create_user()
        group = services.create_group(unit, f"{unit.name}中心组")
        services.add_member(group, person)
        services.add_member(world.group, person)
        services.grant_leadership(person, unit)
    db.session.commit()


BUDGETED_PAGES = [
    "/admin/", "/admin/organizations", "/admin/organizations/{org}", "/admin/groups",
    "/admin/groups/{group}", "/admin/users", "/admin/users/{user}",
    "/admin/organizations/{org}/edit", "/admin/users/new", "/admin/groups/new",
]


def test_queries_do_not_grow_with_the_data(
    as_admin: FlaskClient, world: World, count_queries: Callable[[], Any],
    create_user: Callable[..., User], create_org: Callable[..., Organization],
) -> None:
    urls = [page.format(**ids(world)) for page in BUDGETED_PAGES]

    def measure(url: str) -> int:
        with count_queries() as counter:
            assert as_admin.get(url).status_code == 200
        return counter.count

    grow(world, 1, create_user, create_org)
    few = {url: measure(url) for url in urls}
    grow(world, 3, create_user, create_org)
    assert {url: measure(url) for url in urls} == few
    assert max(few.values()) <= 10, few
