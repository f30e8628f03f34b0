"""The landing page of each role (the member home: what is due, returned, my tasks, recent
sessions, my history), the group page, and their query budgets."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask.testing import FlaskClient

from studytrack.admin import services as admin_services
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    GroupRole,
    GroupTitle,
    Organization,
    OrganizationKind,
    Reflection,
    ReflectionStatus,
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
    assert "dashboard" not in nav
    assert member.display_name in html


def test_admin_sees_administration_and_the_site_counts(client, login, create_user, tree):
    admin = create_user(is_admin=True)
    login(admin)
    html = get_page(client, "/")
    nav = nav_items(html)
    assert {"home", "groups", "admin", "dashboard"} <= nav
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
    assert {"home", "groups", "dashboard"} <= nav
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
BUDGETS = {"home": 9, "group": 10}  # each + the unread notifications count


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


# --- the member home ---------------------------------------------------------------------------


@pytest.fixture
def desk(app, create_org, create_user, create_group, create_session):
    """A member (English UI) of a group with sessions in every state, on each roster as the
    session says, and a reviewer."""
    from studytrack.timeutil import today_local

    today = today_local()
    me = create_user("me", "张瑜", locale="en")
    secretary = create_user("secretary", "李秘书", locale="en")
    group = create_group(create_org("校党委"), "校党委理论学习中心组",
                         members=(me,), secretaries=(secretary,))
    other_group = create_group(create_org("另一党委"), "另一中心组", members=(secretary,))
    start = datetime.now(UTC) - timedelta(days=20)

    def session(topic, status=SessionStatus.PUBLISHED, attendance=AttendanceStatus.PRESENT,
                due_in=None, group=group, days=0, **attendance_fields):
        due = today + timedelta(days=due_in) if due_in is not None else None
        s = create_session(group, topic=topic, status=status,
                           starts_at=start + timedelta(days=days), reflection_due_on=due,
                           min_reflection_chars=500)
        if attendance is not False:
            db.session.add(Attendance(session=s, user=me, status=attendance, **attendance_fields))
            db.session.commit()
        return s

    def reflection(s, status, **fields):
        r = Reflection(session=s, author=me, body="体会" * 10, char_count=20, status=status,
                       **fields)
        db.session.add(r)
        db.session.commit()
        return r

    return SimpleNamespace(today=today, me=me, secretary=secretary, group=group,
                           other_group=other_group, session=session, reflection=reflection)


def owed_ids(html: str, heading: str) -> list[int]:
    return [int(n) for n in re.findall(r'data-session-id="(\d+)"', section(html, heading))]


def test_member_home_lists_what_i_must_write_with_due_dates(client, login, desk):
    overdue = desk.session("逾期未写的学习", due_in=-2, days=1)
    due_today = desk.session("今天截止的学习", due_in=0, days=2)
    later = desk.session("下周截止的学习", due_in=7, days=3)
    undated = desk.session("没有截止日期的学习", days=4)
    drafted = desk.session("已存草稿的学习", due_in=3, days=5)
    desk.reflection(drafted, ReflectionStatus.DRAFT)
    made_up = desk.session("请假后补学的学习", attendance=AttendanceStatus.ON_LEAVE,
                           leave_reason="出差", makeup_on=desk.today, due_in=5, days=6)
    login(desk.me)
    html = get_page(client, "/")
    to_write = section(html, "to-write-heading")

    # By due date, overdue first, undated last.
    assert owed_ids(html, "to-write-heading") == [
        overdue.id, due_today.id, drafted.id, made_up.id, later.id, undated.id
    ]
    for s in (overdue, due_today, later, undated, drafted, made_up):
        assert f'href="/sessions/{s.id}/reflection"' in to_write
    item = to_write[to_write.index(f'data-session-id="{overdue.id}"'):]
    item = item[:item.index("</li>")]
    assert "Overdue" in item and (desk.today - timedelta(days=2)).isoformat() in item
    assert f'home-item reflection-overdue" data-session-id="{overdue.id}"' in to_write
    assert to_write.count("reflection-overdue-badge") == 1
    assert "Due today" in to_write
    assert "Draft saved" in to_write
    assert "At least 500 characters" in to_write
    assert section(html, "returned-heading") == ""  # no card when nothing was returned
    # Owed and recent sessions come from one statement: the recent card still holds five.
    assert len(owed_ids(html, "recent-sessions-heading")) == 5


def test_member_home_leaves_out_people_not_required_and_sessions_not_open(
    client, login, desk, create_session
):
    desk.session("列席的学习", attendance=AttendanceStatus.OBSERVER)
    desk.session("缺席未补学的学习", attendance=AttendanceStatus.ABSENT)
    desk.session("请假未补学的学习", attendance=AttendanceStatus.ON_LEAVE, leave_reason="病假")
    desk.session("尚未点名的学习", attendance=None)
    desk.session("不在名单上的学习", attendance=False)
    desk.session("草稿中的学习", status=SessionStatus.DRAFT)
    desk.session("已结束的学习", status=SessionStatus.CLOSED)
    desk.session("已取消的学习", status=SessionStatus.CANCELLED)
    desk.session("别的中心组的学习", group=desk.other_group)
    submitted = desk.session("已提交的学习")
    desk.reflection(submitted, ReflectionStatus.SUBMITTED, submitted_at=datetime.now(UTC))
    accepted = desk.session("已通过的学习")
    desk.reflection(accepted, ReflectionStatus.ACCEPTED, submitted_at=datetime.now(UTC))
    login(desk.me)
    html = get_page(client, "/")
    assert owed_ids(html, "to-write-heading") == []
    assert "No reflections to write at the moment." in section(html, "to-write-heading")


def test_member_home_shows_what_was_returned_with_the_reviewers_comment(client, login, desk):
    returned = desk.session("退回修改的学习", due_in=-1)
    desk.reflection(returned, ReflectionStatus.RETURNED, reviewer=desk.secretary,
                    reviewed_at=datetime.now(UTC), submitted_at=datetime.now(UTC),
                    review_comment="请结合分管工作<谈>体会")
    login(desk.me)
    html = get_page(client, "/")
    card = section(html, "returned-heading")
    assert owed_ids(html, "returned-heading") == [returned.id]
    assert "请结合分管工作&lt;谈&gt;体会" in card  # shown inert
    assert desk.secretary.display_name in card
    assert f'href="/sessions/{returned.id}/reflection"' in card
    assert "reflection-overdue-badge" in card
    assert returned.id not in owed_ids(html, "to-write-heading")


def test_member_home_lists_my_open_tasks_overdue_highlighted(client, login, desk, app):
    from studytrack.followups import services as followup_services

    s = desk.session("布置任务的学习")
    with app.test_request_context():
        overdue = followup_services.create_task(s, title="逾期任务", assignee=desk.me,
                                                due_on=desk.today - timedelta(days=1))
        # (Due dates may not precede the session, which began 20 days ago.)
        upcoming = followup_services.create_task(s, title="即将到期任务", assignee=desk.me,
                                                 due_on=desk.today + timedelta(days=3))
        done = followup_services.create_task(s, title="已完成任务", assignee=desk.me)
        followup_services.complete_task(done, "完成", actor=desk.me)
        followup_services.create_task(s, title="别人的任务", assignee=desk.secretary)
    db.session.commit()
    login(desk.me)
    html = get_page(client, "/")
    card = section(html, "my-tasks-heading")
    ids = [int(n) for n in re.findall(r'data-task-id="(\d+)"', card)]
    assert ids == [overdue.id, upcoming.id]
    assert card.count("task-overdue-badge") == 1
    assert "task-overdue-item" in card
    assert 'href="/tasks/mine"' in card
    assert f'href="/tasks/{overdue.id}' in card
    assert "别人的任务" not in card and "已完成任务" not in card
    assert f'href="/sessions/{s.id}"' in card  # the session opens for its member
    assert 'data-task-status="open"' in card


def test_member_home_task_on_a_session_i_cannot_open_shows_its_topic_only(
    client, login, desk, app
):
    """Tasks are read as plain columns; whether the session opens is still authz's answer."""
    from studytrack.followups import services as followup_services

    s = desk.session("尚未发布的学习", status=SessionStatus.DRAFT)  # drafts are the secretary's
    with app.test_request_context():
        task = followup_services.create_task(s, title="跨组任务", assignee=desk.me)
    db.session.commit()
    login(desk.me)
    card = section(get_page(client, "/"), "my-tasks-heading")
    assert f'data-task-id="{task.id}"' in card
    assert "<span>尚未发布的学习</span>" in card
    assert f'href="/sessions/{s.id}"' not in card


def test_row_links_are_built_by_url_for_under_a_script_root(client, login, desk, app):
    from studytrack.followups import services as followup_services

    s = desk.session("脚本根下的学习", due_in=3, days=1)
    with app.test_request_context():
        task = followup_services.create_task(s, title="脚本根下的任务", assignee=desk.me)
    db.session.commit()
    login(desk.me)
    response = client.get("/", base_url="http://localhost/study/")
    html = response.get_data(as_text=True)
    assert f'href="/study/sessions/{s.id}/reflection"' in section(html, "to-write-heading")
    tasks = section(html, "my-tasks-heading")
    assert f'href="/study/tasks/{task.id}?next=/study/"' in tasks
    assert f'href="/study/sessions/{s.id}"' in tasks
    assert f'href="/study/sessions/{s.id}"' in section(html, "recent-sessions-heading")


def test_member_home_recent_sessions_and_history(client, login, desk):
    old = desk.session("较早的学习", days=1)
    new = desk.session("最近的学习", days=5)
    closed = desk.session("已结束的学习", status=SessionStatus.CLOSED, days=3)
    draft = desk.session("草稿中的学习", status=SessionStatus.DRAFT, days=6)
    elsewhere = desk.session("别的中心组的学习", group=desk.other_group, days=7)
    accepted = desk.reflection(old, ReflectionStatus.ACCEPTED,
                               submitted_at=datetime.now(UTC) - timedelta(days=3))
    submitted = desk.reflection(closed, ReflectionStatus.SUBMITTED,
                                submitted_at=datetime.now(UTC), is_late=True)
    desk.reflection(new, ReflectionStatus.DRAFT)
    login(desk.me)
    html = get_page(client, "/")

    assert owed_ids(html, "recent-sessions-heading") == [new.id, closed.id, old.id]
    recent = section(html, "recent-sessions-heading")
    assert draft.topic not in recent and elsewhere.topic not in recent
    assert f'href="/sessions/{new.id}"' in recent
    assert 'data-reflection-status="accepted"' in recent

    history = section(html, "history-heading")
    assert [int(n) for n in re.findall(r'data-reflection-id="(\d+)"', history)] == [
        submitted.id, accepted.id
    ]
    assert f'href="/sessions/{closed.id}/reflection"' in history
    assert "Late" in history and "Accepted" in history


def test_member_home_works_on_a_phone(client, login, desk):
    login(desk.me)
    html = get_page(client, "/")
    assert 'name="viewport"' in html
    assert "row-cols-1 row-cols-lg-2" in html  # cards one under another on a phone
    assert "/static/css/home.css" in html
    assert "style=" not in html and "<script>" not in html  # the CSP allows neither


def test_member_home_is_not_shown_to_an_admin_without_groups(client, login, create_user):
    admin = create_user(is_admin=True)
    login(admin)
    html = get_page(client, "/")
    assert section(html, "to-write-heading") == ""
    assert section(html, "admin-heading")


def test_member_home_query_count_does_not_grow(client, login, desk, app, count_queries):
    from studytrack.followups import services as followup_services

    def add(n: int, offset: int) -> None:
        for i in range(n):
            s = desk.session(f"第{offset + i}次学习", due_in=i - 2, days=i % 15)
            status = [None, ReflectionStatus.DRAFT, ReflectionStatus.RETURNED,
                      ReflectionStatus.SUBMITTED, ReflectionStatus.ACCEPTED][i % 5]
            if status is not None:
                desk.reflection(s, status, reviewer=desk.secretary, review_comment="意见",
                                submitted_at=datetime.now(UTC))
            with app.test_request_context():
                followup_services.create_task(s, title=f"任务{offset + i}", assignee=desk.me,
                                              due_on=desk.today - timedelta(days=i % 3))
            db.session.commit()

    login(desk.me)
    add(5, 0)
    small = measure(client, count_queries, "/")
    small_html = measure.last_html  # type: ignore[attr-defined]
    add(20, 100)
    large = measure(client, count_queries, "/")
    large_html = measure.last_html  # type: ignore[attr-defined]
    assert len(owed_ids(large_html, "to-write-heading")) > len(
        owed_ids(small_html, "to-write-heading"))
    assert len(owed_ids(large_html, "returned-heading")) == 1 + 4
    assert len(large) == len(small), describe(large)
    assert len(large) <= BUDGETS["home"], describe(large)


def test_group_page_lists_the_sessions_each_viewer_may_open(
    app, create_user, create_session, grant_leadership, tree
):
    """As session.view decides: a session cancelled before it was published is the
    secretaries' own, like a draft; one cancelled after publication stays on the record."""
    group = tree["group_a"]
    member, secretary, leader = create_user(), create_user(), create_user()
    admin_services.add_member(group, member)
    admin_services.add_member(group, secretary, GroupRole.SECRETARY)
    db.session.commit()
    grant_leadership(leader, tree["party"])
    create_session(group, topic="取消于发布之前", status=SessionStatus.CANCELLED)
    create_session(group, topic="取消于发布之后", status=SessionStatus.CANCELLED,
                   published_at=datetime.now(UTC))

    for user, sees_unpublished in ((member, False), (leader, False), (secretary, True)):
        client = app.test_client()
        client.post("/auth/login", data={"username": user.username, "password": "correct-horse-42"})
        sessions = section(get_page(client, f"/groups/{group.id}"), "sessions-heading")
        assert "取消于发布之后" in sessions, user.username
        assert ("取消于发布之前" in sessions) is sees_unpublished, user.username


# --- many groups: pages, not one long list (issue 18) ---------------------------------------


def test_a_leader_of_many_groups_pages_through_them(client, login, create_user, create_org,
                                                    create_group, grant_leadership,
                                                    count_queries):
    from studytrack.groups.queries import GROUPS_ON_HOME, GROUPS_PER_PAGE

    party = create_org("省委")
    units = [create_org(f"单位{i:02d}", parent=party) for i in range(5)]
    groups = [create_group(units[i % 5], f"学习组{i:02d}") for i in range(GROUPS_PER_PAGE + 3)]
    leader = create_user(locale="en")
    grant_leadership(leader, party)
    db.session.commit()
    login(leader)

    first, second = get_page(client, "/groups/"), get_page(client, "/groups/?page=2")
    assert len(group_links(first)) == GROUPS_PER_PAGE
    assert len(group_links(second)) == 3
    assert group_links(first) | group_links(second) == {g.id for g in groups}
    assert f'<span class="badge text-bg-light">{len(groups)}</span>' in first
    assert 'href="/groups/?page=2"' in first
    assert "There are no more groups." in get_page(client, "/groups/?page=9")

    home = get_page(client, "/")
    assert len(group_links(section(home, "groups-heading"))) == GROUPS_ON_HOME
    assert f"All {len(groups)} study groups" in home

    with count_queries() as few:
        get_page(client, "/groups/")
    for i in range(GROUPS_PER_PAGE):
        create_group(units[0], f"又一学习组{i:02d}")
    db.session.commit()
    with count_queries() as many:
        get_page(client, "/groups/")
    assert many.count == few.count


def test_a_member_of_few_groups_sees_no_pages(client, login, create_user, tree):
    member = create_user()
    admin_services.add_member(tree["group_a"], member)
    db.session.commit()
    login(member)
    assert 'class="pagination' not in get_page(client, "/groups/")
    assert "study groups</a>" not in get_page(client, "/")


def test_a_leader_of_many_units_pages_through_them(client, login, create_user, create_org,
                                                   grant_leadership):
    from studytrack.home.queries import UNITS_ON_HOME, UNITS_PER_PAGE

    party = create_org("省委")
    cities = [create_org(f"市委{i:02d}", parent=party) for i in range(UNITS_PER_PAGE + 1)]
    leader = create_user(locale="en")
    grant_leadership(leader, party)
    db.session.commit()
    login(leader)

    def units(html: str) -> list[str]:
        return re.findall(r'unit-depth-(\d)">\s*<span>([^<]+)', html)

    first, second = get_page(client, "/units"), get_page(client, "/units?page=2")
    assert units(first)[0] == ("0", "省委 ")
    assert len(units(first)) == UNITS_PER_PAGE
    assert [depth for depth, _ in units(second)] == ["1", "1"]  # the tree's depths
    assert {name for _, name in units(first) + units(second)} == {
        f"{unit.name} " for unit in [party, *cities]}
    assert 'href="/units?page=2"' in first
    home = section(get_page(client, "/"), "units-heading")
    assert len(units(home)) == UNITS_ON_HOME
    assert f"All {len(cities) + 1} units" in home
