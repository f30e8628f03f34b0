"""The landing page of each role, the group page, and their query budgets."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from studytrack.admin import services as admin_services
from studytrack.extensions import db
from studytrack.models import (
    GroupRole,
    GroupTitle,
    Organization,
    OrganizationKind,
    SessionStatus,
    StudyGroup,
    User,
)


def get_page(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def nav_items(html: str) -> set[str]:
    return set(re.findall(r'data-nav="([^"]+)"', html))


def section(html: str, heading_id: str) -> str:
    """The <section> headed by the element with this id ("" when there is none)."""
    start = html.find(f'id="{heading_id}"')
    if start < 0:
        return ""
    return html[start:html.index("</section>", start)]


def group_links(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/groups/(\d+)"', html)}


def in_order(text: str, names: list[str]) -> bool:
    positions = [text.find(name) for name in names]
    return all(p >= 0 for p in positions) and positions == sorted(positions)


# --- a small tree --------------------------------------------------------------------------


@pytest.fixture
def tree(app, create_org, create_group) -> dict[str, Any]:
    party = create_org("市委")
    branch = create_org("机关党支部", parent=party, kind=OrganizationKind.BRANCH)
    sibling = create_org("教育党支部", parent=party, kind=OrganizationKind.BRANCH)
    elsewhere = create_org("另一党委")
    return {
        "party": party, "branch": branch, "sibling": sibling, "elsewhere": elsewhere,
        "group_a": create_group(branch, "机关支部学习组"),
        "group_sibling": create_group(sibling, "教育支部学习组"),
        "group_b": create_group(elsewhere, "另一党委中心组"),
    }


# --- navigation by role --------------------------------------------------------------------


def test_member_sees_study_groups_but_not_administration(client, login, create_user, tree):
    member = create_user()
    admin_services.add_member(tree["group_a"], member)
    db.session.commit()
    login(member)
    html = get_page(client, "/")
    nav = nav_items(html)
    assert {"home", "groups"} <= nav
    assert "admin" not in nav
    assert "organizations" not in nav
    assert member.display_name in html


def test_admin_sees_administration_and_the_site_counts(client, login, create_user, tree):
    admin = create_user(is_admin=True)
    login(admin)
    html = get_page(client, "/")
    nav = nav_items(html)
    assert {"home", "groups", "admin"} <= nav
    assert "organizations" not in nav
    counts = section(html, "admin-heading")
    assert counts
    assert 'href="/admin/' in counts
    # Every group is listed for an administrator.
    assert group_links(html) == {tree[k].id for k in ("group_a", "group_sibling", "group_b")}


def test_leader_sees_units_nav_and_the_tree_below_them_only(
    client, login, create_user, grant_leadership, tree
):
    leader = create_user()
    grant_leadership(leader, tree["party"])
    login(leader)
    html = get_page(client, "/")
    nav = nav_items(html)
    assert {"home", "groups", "organizations"} <= nav
    assert "admin" not in nav

    units = section(html, "units-heading")
    assert in_order(units, ["市委", "机关党支部"])  # tree order: the unit, then those below
    assert "教育党支部" in units
    assert "另一党委" not in units
    assert group_links(html) == {tree["group_a"].id, tree["group_sibling"].id}

    units_page = get_page(client, "/units")
    assert "机关党支部" in units_page and "教育党支部" in units_page
    assert "另一党委" not in units_page


def test_leader_of_a_branch_does_not_see_the_unit_above_or_beside(
    client, login, create_user, grant_leadership, tree
):
    leader = create_user()
    grant_leadership(leader, tree["branch"])
    login(leader)
    html = get_page(client, "/")
    units = section(html, "units-heading")
    assert "机关党支部" in units
    for name in ("市委", "教育党支部", "另一党委"):
        assert name not in units, name
    assert group_links(html) == {tree["group_a"].id}


def test_person_without_a_role_sees_only_home(client, login, create_user, tree):
    nobody = create_user()
    login(nobody)
    html = get_page(client, "/")
    # "My tasks" stays: anyone may be given a follow-up task by a session.
    assert nav_items(html) == {"home", "tasks"}
    assert group_links(html) == set()
    assert section(html, "units-heading") == ""
    assert section(html, "admin-heading") == ""


def test_members_home_lists_only_their_groups(client, login, create_user, tree):
    member = create_user()
    admin_services.add_member(tree["group_a"], member)
    admin_services.add_member(tree["group_b"], member)
    db.session.commit()
    login(member)

    for path in ("/", "/groups/"):
        html = get_page(client, path)
        assert group_links(html) == {tree["group_a"].id, tree["group_b"].id}, path
        assert tree["group_a"].name in html and tree["group_b"].name in html
        assert tree["group_sibling"].name not in html


def test_home_leaves_out_groups_the_member_has_left_and_inactive_groups(
    client, login, create_user, tree
):
    member = create_user()
    kept = admin_services.add_member(tree["group_a"], member)
    left = admin_services.add_member(tree["group_b"], member)
    admin_services.add_member(tree["group_sibling"], member)
    admin_services.remove_member(left)
    tree["group_sibling"].is_active = False
    db.session.commit()
    login(member)
    assert group_links(get_page(client, "/")) == {kept.group_id}


def test_home_counts_members_and_published_sessions(
    app, client, login, create_user, create_session, tree
):
    member, other = create_user(), create_user()
    group = tree["group_a"]
    admin_services.add_member(group, member)
    admin_services.add_member(group, other)
    db.session.commit()
    create_session(group, status=SessionStatus.PUBLISHED)
    create_session(group, status=SessionStatus.CLOSED)
    create_session(group, status=SessionStatus.DRAFT)
    create_session(group, status=SessionStatus.CANCELLED)
    login(member)
    html = get_page(client, "/")

    def plural(singular: str, plural: str, n: int) -> str:
        def render() -> str:
            from flask_babel import ngettext

            with app.test_request_context():
                return ngettext(singular, plural, n)

        return contextvars.Context().run(render)

    assert plural("%(num)d member", "%(num)d members", 2) in html
    assert plural("%(num)d session", "%(num)d sessions", 2) in html  # not drafts or cancelled


# --- the group page ------------------------------------------------------------------------


def test_group_page_lists_current_members_leaders_first(
    client, login, create_user, create_group, tree
):
    group = tree["group_a"]
    people = {
        name: create_user(display_name=name)
        for name in ("成员甲", "成员乙", "副组长丙", "组长丁", "秘书戊", "离开己")
    }
    add = admin_services.add_member
    add(group, people["成员乙"], sort_order=2)
    add(group, people["成员甲"], sort_order=1)
    add(group, people["秘书戊"], GroupRole.SECRETARY, sort_order=3)
    add(group, people["副组长丙"], title=GroupTitle.DEPUTY, sort_order=9)
    add(group, people["组长丁"], title=GroupTitle.LEADER, sort_order=9)
    admin_services.remove_member(add(group, people["离开己"]))
    db.session.commit()

    login(people["成员甲"])
    html = get_page(client, f"/groups/{group.id}")
    members = section(html, "members-heading")

    assert in_order(members, ["组长丁", "副组长丙", "成员甲", "成员乙", "秘书戊"])
    assert "离开己" not in members


def test_group_page_hides_drafts_from_members_and_shows_them_to_secretaries(
    app, create_user, create_session, grant_leadership, tree
):
    group = tree["group_a"]
    member, secretary, leader, admin = (
        create_user(), create_user(), create_user(), create_user(is_admin=True)
    )
    admin_services.add_member(group, member)
    admin_services.add_member(group, secretary, GroupRole.SECRETARY)
    db.session.commit()
    grant_leadership(leader, tree["party"])
    create_session(group, topic="已发布的学习记录", status=SessionStatus.PUBLISHED)
    create_session(group, topic="尚未发布的草稿记录", status=SessionStatus.DRAFT)

    for user, sees_draft in ((member, False), (leader, False), (secretary, True), (admin, True)):
        client = app.test_client()
        response = client.post(
            "/auth/login", data={"username": user.username, "password": "correct-horse-42"}
        )
        assert response.status_code == 302
        html = get_page(client, f"/groups/{group.id}")
        sessions = section(html, "sessions-heading")
        assert "已发布的学习记录" in sessions, user.username
        assert ("尚未发布的草稿记录" in html) is sees_draft, user.username


# --- query budgets -------------------------------------------------------------------------


class Crowd:
    """Groups under one party committee, one branch each, all with the same members (the first
    one the group leader), a draft, and one published session per member, chaired by the group
    leader (so that loading the chairs does not also load every member). `grow()` only adds."""

    def __init__(self, create_org: Any, create_group: Any, create_user: Any,
                 create_session: Any) -> None:
        self._org, self._group = create_org, create_group
        self._user, self._session = create_user, create_session
        self.party: Organization = create_org("市委")
        self.groups: list[StudyGroup] = []
        self.members: list[User] = []
        self.viewer_memberships: list[tuple[User, GroupRole]] = []

    def join_every_group(self, user: User, role: GroupRole) -> None:
        self.viewer_memberships.append((user, role))
        for group in self.groups:
            admin_services.add_member(group, user, role)
        db.session.commit()

    def grow(self, groups: int, members: int) -> None:
        while len(self.members) < members:
            self.members.append(self._user())
        while len(self.groups) < groups:
            n = len(self.groups) + 1
            branch = self._org(f"第{n}党支部", parent=self.party, kind=OrganizationKind.BRANCH)
            group = self._group(branch, f"第{n}支部学习组")
            for user, role in self.viewer_memberships:
                admin_services.add_member(group, user, role)
            db.session.commit()
            self._session(group, topic="草稿", status=SessionStatus.DRAFT)
            self.groups.append(group)
        for group in self.groups:
            current = {m.user_id for m in group.memberships if m.left_on is None}
            for position, user in enumerate(self.members):
                if user.id not in current:
                    admin_services.add_member(
                        group, user,
                        title=GroupTitle.LEADER if position == 0 else GroupTitle.MEMBER,
                        sort_order=position,
                    )
                    db.session.commit()
                    self._session(group, topic=f"第{position + 1}次集体学习",
                                  status=SessionStatus.PUBLISHED, chair_id=self.members[0].id)
        db.session.commit()


@pytest.fixture
def crowd(app, create_org, create_group, create_user, create_session) -> Crowd:
    return Crowd(create_org, create_group, create_user, create_session)


def make_viewer(role: str, crowd: Crowd, create_user: Any, grant_leadership: Any) -> User:
    viewer = create_user("viewer", is_admin=role == "admin")
    if role in ("member", "secretary"):
        crowd.join_every_group(viewer, GroupRole(role))
    elif role == "leader":
        grant_leadership(viewer, crowd.party)
    return viewer


def measure(client: FlaskClient, count_queries: Callable[[], Any], path: str) -> list[str]:
    get_page(client, path)  # a first request, so that nothing once-only is counted
    with count_queries() as counter:
        html = get_page(client, path)
    measure.last_html = html  # type: ignore[attr-defined]
    return counter.statements


def describe(statements: list[str]) -> str:
    return "\n".join(" ".join(s.split())[:160] for s in statements)


# The most queries each page may make, whatever the amount of data. Raise deliberately.
BUDGETS = {"home": 5, "group": 9}


@pytest.mark.parametrize("role", ["member", "secretary", "leader", "admin"])
def test_query_count_of_home_and_group_page_does_not_grow_with_the_data(
    client, login, count_queries, crowd, create_user, grant_leadership, role
):
    viewer = make_viewer(role, crowd, create_user, grant_leadership)
    crowd.grow(groups=2, members=3)
    login(viewer)

    small_home = measure(client, count_queries, "/")
    assert len(group_links(measure.last_html)) == 2  # type: ignore[attr-defined]
    small_group = measure(client, count_queries, f"/groups/{crowd.groups[0].id}")

    crowd.grow(groups=6, members=10)

    large_home = measure(client, count_queries, "/")
    assert len(group_links(measure.last_html)) == 6  # type: ignore[attr-defined]
    large_group = measure(client, count_queries, f"/groups/{crowd.groups[0].id}")
    members_shown = section(measure.last_html, "members-heading")  # type: ignore[attr-defined]
    assert all(m.display_name in members_shown for m in crowd.members)

    assert len(large_home) == len(small_home), describe(large_home)
    assert len(large_group) == len(small_group), describe(large_group)
    assert len(large_home) <= BUDGETS["home"], describe(large_home)
    assert len(large_group) <= BUDGETS["group"], describe(large_group)
