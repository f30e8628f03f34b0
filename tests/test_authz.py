"""Who may open what: the permission matrix over HTTP, and authz itself without HTTP."""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask_login import AnonymousUserMixin, login_user

from studytrack import authz
from studytrack.admin import services as admin_services
from studytrack.authz import (
    POLICY,
    GroupRef,
    JobRef,
    MaterialRef,
    PersonRef,
    Reach,
    ReflectionRef,
    Role,
    SessionRef,
    TaskRef,
    UnitRef,
)
from studytrack.extensions import db
from studytrack.models import (
    GroupMembership,
    GroupRole,
    Organization,
    ReflectionStatus,
    SessionStatus,
    StudyGroup,
    StudySession,
    User,
)
from tests.fixtures.world import World

# --- the world ------------------------------------------------------------------------------
#
# The shared world, with three more groups and two more units:
#
#   top (市教卫党委)                           elsewhere (兄弟院校党委)    unrelated (无关党委)
#     ├── group_top                              └── other_group             └── group_u
#     ├── unit (中侨职业技术大学党委) └── group
#     │     └── branch (办公室党支部)
#     └── sibling (教育党委)          └── group_sibling


@pytest.fixture
def world(world: World, create_org, create_group) -> World:
    world.sibling = create_org("教育党委", parent=world.top)
    world.unrelated = create_org("无关党委")
    world.group_top = create_group(world.top, "市教卫党委中心组")
    world.group_sibling = create_group(world.sibling, "教育党委中心组")
    world.group_u = create_group(world.unrelated, "无关党委中心组")
    world.groups = {world.group_top, world.group, world.group_sibling, world.other_group,
                    world.group_u}
    return world


ROLES = (
    "anonymous", "member", "secretary", "parent_leader", "unrelated_leader", "other_member",
    "admin",
)


def make_viewer(role: str, world: World, create_user, grant_leadership) -> User | None:
    """One person holding `role` with respect to world.group (the group the matrix is
    about)."""
    if role == "anonymous":
        return None
    user = create_user(f"viewer-{role}", is_admin=role == "admin")
    if role == "member":
        admin_services.add_member(world.group, user)
    elif role == "secretary":
        admin_services.add_member(world.group, user, role=GroupRole.SECRETARY)
    elif role == "parent_leader":
        grant_leadership(user, world.top)
    elif role == "unrelated_leader":
        grant_leadership(user, world.unrelated)
    elif role == "other_member":
        admin_services.add_member(world.other_group, user)
    db.session.commit()
    return user


# --- the matrix ----------------------------------------------------------------------------

OK, FORBIDDEN, NOT_FOUND = 200, 403, 404

MATRIX: dict[str, dict[str, int]] = {
    "/": dict.fromkeys(ROLES[1:], OK),
    "/groups/": dict.fromkeys(ROLES[1:], OK),
    "/groups/{group}": {
        "member": OK, "secretary": OK, "parent_leader": OK, "unrelated_leader": NOT_FOUND,
        "other_member": NOT_FOUND, "admin": OK,
    },
    "/groups/{missing}": dict.fromkeys(ROLES[1:], NOT_FOUND),
    "/units": {
        "member": FORBIDDEN, "secretary": FORBIDDEN, "parent_leader": OK,
        "unrelated_leader": OK, "other_member": FORBIDDEN, "admin": OK,
    },
    "/admin/": {
        "member": FORBIDDEN, "secretary": FORBIDDEN, "parent_leader": FORBIDDEN,
        "unrelated_leader": FORBIDDEN, "other_member": FORBIDDEN, "admin": OK,
    },
}

CASES = [
    pytest.param(endpoint, role, expected.get(role), id=f"{endpoint} {role}")
    for endpoint, expected in MATRIX.items()
    for role in ROLES
]


def test_matrix_covers_every_role_and_page_route(app):
    for endpoint, expected in MATRIX.items():
        assert set(expected) == set(ROLES[1:]), endpoint
    page_rules = {
        rule.rule for rule in app.url_map.iter_rules()
        if rule.endpoint.split(".")[0] in {"home", "groups"} and "GET" in rule.methods
    }
    assert page_rules == {"/", "/units", "/groups/", "/groups/<int:group_id>"}


@pytest.mark.parametrize(("endpoint", "role", "expected"), CASES)
def test_permission_matrix(client, login, world, create_user, grant_leadership,
                           endpoint, role, expected):
    viewer = make_viewer(role, world, create_user, grant_leadership)
    if viewer is not None:
        login(viewer)
    path = endpoint.format(group=world.group.id, missing=world.group_u.id + 1000)

    response = client.get(path)

    if viewer is None:
        assert response.status_code == 302
        location = urlsplit(response.headers["Location"])
        assert location.path == "/auth/login"
        assert parse_qs(location.query)["next"] == [path]
        return
    assert response.status_code == expected
    body = response.get_data(as_text=True)
    if expected == OK:
        assert viewer.display_name in body  # the page itself, not a login or error page
    if endpoint == "/groups/{group}" and expected == NOT_FOUND:
        assert world.group.name not in body  # a 404 tells nothing about the group


@pytest.mark.parametrize("role", ["member", "secretary"])
def test_cross_organisation_group_answers_404(client, login, world, create_user,
                                              grant_leadership, role):
    viewer = make_viewer(role, world, create_user, grant_leadership)
    login(viewer)
    assert client.get(f"/groups/{world.group.id}").status_code == 200
    for other in (world.other_group, world.group_sibling, world.group_top, world.group_u):
        response = client.get(f"/groups/{other.id}")
        assert response.status_code == 404, other.name
        assert other.name not in response.get_data(as_text=True)


def test_former_member_loses_access(client, login, world, create_user, grant_leadership):
    viewer = make_viewer("member", world, create_user, grant_leadership)
    login(viewer)
    assert client.get(f"/groups/{world.group.id}").status_code == 200

    membership = db.session.scalars(
        db.select(GroupMembership).where(GroupMembership.user_id == viewer.id)
    ).one()
    admin_services.remove_member(membership)
    db.session.commit()

    assert client.get(f"/groups/{world.group.id}").status_code == 404


# --- authz without HTTP --------------------------------------------------------------------


class People:
    """The cast, made on first use (each account costs a password hash)."""

    NAMES = (*ROLES[1:], "branch_leader", "nobody")

    def __init__(self, world: World, create_user: Any, grant_leadership: Any) -> None:
        self._world, self._create_user, self._grant = world, create_user, grant_leadership
        self._made: dict[str, User] = {}

    def __getitem__(self, name: str) -> User:
        if name not in self._made:
            if name == "branch_leader":
                user = self._create_user("branch-leader")
                self._grant(user, self._world.unit)
            elif name == "nobody":
                user = self._create_user("nobody")
            else:
                made = make_viewer(name, self._world, self._create_user, self._grant)
                assert made is not None
                user = made
            self._made[name] = user
        return self._made[name]

    def items(self) -> list[tuple[str, User]]:
        return [(name, self[name]) for name in self.NAMES]

    def values(self) -> list[User]:
        return [user for _, user in self.items()]


@pytest.fixture
def people(world, create_user, grant_leadership) -> People:
    return People(world, create_user, grant_leadership)


def test_roles_anywhere(people):
    assert authz.roles_anywhere(people["member"]) == {Role.MEMBER}
    assert authz.roles_anywhere(people["secretary"]) == {Role.SECRETARY}
    assert authz.roles_anywhere(people["parent_leader"]) == {Role.LEADER}
    assert authz.roles_anywhere(people["admin"]) == {Role.ADMIN}
    assert authz.roles_anywhere(people["nobody"]) == set()
    assert authz.roles_anywhere(AnonymousUserMixin()) == set()


def test_roles_add_up_across_groups(world, people):
    secretary = people["secretary"]
    admin_services.add_member(world.other_group, secretary)
    db.session.commit()
    assert authz.roles_anywhere(secretary) == {Role.SECRETARY, Role.MEMBER}
    assert authz.can("session.create", world.group, user=secretary)
    assert not authz.can("session.create", world.other_group, user=secretary)
    assert authz.can("group.view", world.other_group, user=secretary)


def test_the_reach_knows_every_group_and_unit_below_the_units_led(world, people):
    reach = authz.reach_of(people["parent_leader"])
    assert reach.led_groups == {world.group_top.id, world.group.id, world.group_sibling.id}
    assert reach.led_units == {world.top.id, world.unit.id, world.branch.id, world.sibling.id}
    assert reach.led_paths == (world.top.path,)
    member = authz.reach_of(people["member"])
    assert member.group_roles == {world.group.id: GroupRole.MEMBER}
    assert member.group_units == {world.group.id: world.unit.id}
    assert member.member_lineage == {world.top.id, world.unit.id}


def test_a_session_is_judged_by_its_group_and_status(world, people, create_session):
    session = create_session(world.group)
    assert authz.can("session.view", session, user=people["member"])
    assert not authz.can("session.view", session, user=people["other_member"])
    # the same answer for the object and for its ids and state
    target = SessionRef(session.id, world.group.id, SessionStatus.PUBLISHED, False)
    assert authz.target_of(session) == target
    for person, user in people.items():
        assert authz.can("session.view", session, user=user) == authz.can(
            "session.view", target, user=user), person


def test_leader_of_a_parent_reaches_child_units_but_not_sibling_subtrees(world, people):
    parent_leader, branch_leader = people["parent_leader"], people["branch_leader"]

    for group in (world.group_top, world.group, world.group_sibling):
        assert authz.can("group.view", group, user=parent_leader), group.name
    for group in (world.other_group, world.group_u):
        assert not authz.can("group.view", group, user=parent_leader), group.name

    assert authz.can("group.view", world.group, user=branch_leader)
    assert authz.can("group.view_records", world.group, user=branch_leader)
    # Not the sibling unit, and not the unit above.
    for group in (world.group_sibling, world.group_top, world.other_group, world.group_u):
        assert not authz.can("group.view", group, user=branch_leader), group.name

    assert authz.can("dashboard.view", world.unit, user=branch_leader)
    assert not authz.can("dashboard.view", world.top, user=branch_leader)
    assert not authz.can("dashboard.view", world.sibling, user=branch_leader)


def test_unit_paths_do_not_match_by_prefix(app, create_org, create_group, create_user,
                                           grant_leadership):
    """A leader of unit /1/ must not reach unit /10/ or /11/."""
    first = create_org()
    lookalikes: list[Organization] = []
    while len(lookalikes) < 2:  # e.g. 10 and 11 for 1, or 20 and 21 for 2
        unit = create_org()
        if str(unit.id).startswith(str(first.id)):
            lookalikes.append(unit)
    leader = create_user()
    grant_leadership(leader, first)
    own = create_group(first)
    for unit in lookalikes:
        group = create_group(unit)
        assert not authz.can("group.view", group, user=leader), unit.path
    assert authz.can("group.view", own, user=leader)
    assert visible_groups(leader) == {own}


def test_members_cannot_see_draft_sessions_but_secretaries_can(world, people, create_session):
    draft = create_session(world.group, status=SessionStatus.DRAFT)
    published = create_session(world.group, status=SessionStatus.PUBLISHED)
    closed = create_session(world.group, status=SessionStatus.CLOSED)

    expectations = {
        "member": False, "secretary": True, "parent_leader": False, "admin": True,
        "other_member": False, "unrelated_leader": False,
    }
    for person, sees_draft in expectations.items():
        user = people[person]
        assert authz.can("session.view", draft, user=user) is sees_draft, person
        reaches_group = person not in ("other_member", "unrelated_leader")
        for session in (published, closed):
            assert authz.can("session.view", session, user=user) is reaches_group, person


def test_only_secretaries_and_admins_edit_open_sessions(world, people, create_session):
    draft = create_session(world.group, status=SessionStatus.DRAFT)
    closed = create_session(world.group, status=SessionStatus.CLOSED)
    for person, may_edit in {"secretary": True, "admin": True, "member": False,
                             "parent_leader": False}.items():
        assert authz.can("session.edit", draft, user=people[person]) is may_edit, person
        assert authz.can("session.edit", closed, user=people[person]) is False, person
    assert authz.can("session.reopen", closed, user=people["secretary"])
    assert not authz.can("session.reopen", draft, user=people["secretary"])
    assert not authz.can("session.reopen", closed, user=people["member"])


def test_records_by_role(world, people):
    group = world.group
    assert authz.can("group.view_records", group, user=people["secretary"])
    assert authz.can("group.view_records", group, user=people["parent_leader"])
    assert not authz.can("group.view_records", group, user=people["member"])


def test_who_writes_a_reflection_is_decided_by_the_roster(world, people, create_session):
    """"reflection.write" reads the roster (Attendance.owes_reflection) when the target does
    not say: a member who was not marked present writes nothing."""
    from studytrack.models import Attendance, AttendanceStatus

    session = create_session(world.group)
    member = people["member"]
    mine = ReflectionRef(authz.target_of(session), member.id, None)
    assert not authz.can("reflection.write", mine, user=member)
    db.session.add(Attendance(session=session, user=member, status=AttendanceStatus.PRESENT))
    db.session.commit()
    assert authz.can("reflection.write", mine, user=member)
    theirs = ReflectionRef(authz.target_of(session), people["secretary"].id, None)
    assert not authz.can("reflection.write", theirs, user=member)


def test_admin_manage_only_for_admins(people):
    for person, user in people.items():
        assert authz.can("admin.manage", user=user) is (person == "admin"), person


def test_visible_groups_per_role(world, people):
    visible = visible_groups

    assert visible(people["member"]) == {world.group}
    assert visible(people["secretary"]) == {world.group}
    assert visible(people["parent_leader"]) == {world.group_top, world.group,
                                                world.group_sibling}
    assert visible(people["branch_leader"]) == {world.group}
    assert visible(people["unrelated_leader"]) == {world.group_u}
    assert visible(people["other_member"]) == {world.other_group}
    assert visible(people["admin"]) == world.groups
    assert visible(people["nobody"]) == set()
    assert visible(AnonymousUserMixin()) == set()


def test_visible_groups_agree_with_can(world, people):
    for person, user in people.items():
        visible = visible_groups(user)
        reachable = {g for g in world.groups if authz.can("group.view", g, user=user)}
        assert visible == reachable, person


def test_visible_groups_leave_out_groups_one_has_left(world, people):
    member = people["member"]
    membership = db.session.scalars(
        db.select(GroupMembership).where(GroupMembership.user_id == member.id)
    ).one()
    admin_services.remove_member(membership)
    db.session.commit()
    assert visible_groups(member) == set()
    assert authz.roles_anywhere(member) == set()


def visible_groups(user: Any = None) -> set[StudyGroup]:
    """The groups `authz.visible_groups_condition` selects, in a statement of its own."""
    statement = (
        db.select(StudyGroup)
        .join(Organization, StudyGroup.organization_id == Organization.id)
        .where(authz.visible_groups_condition(user))
    )
    return set(db.session.scalars(statement))


def test_visible_sessions_agree_with_can(world, people, create_session):
    from datetime import UTC, datetime

    sessions = [
        create_session(group, status=status)
        for group in world.groups for status in SessionStatus
    ]
    sessions.append(create_session(world.group, status=SessionStatus.CANCELLED,
                                   published_at=datetime(2026, 3, 1, tzinfo=UTC)))
    for person, user in people.items():
        listed = set(db.session.scalars(
            db.select(StudySession)
            .join(StudyGroup, StudySession.group_id == StudyGroup.id)
            .join(Organization, StudyGroup.organization_id == Organization.id)
            .where(authz.visible_sessions_condition(user))
        ))
        assert listed == {s for s in sessions if authz.can("session.view", s, user=user)}, person


def in_request_as(app: Flask, user: User, check: Callable[[], Any]) -> Any:
    """Run `check` in a request of its own with `user` logged in (current_user)."""

    def run() -> Any:
        with app.test_request_context():
            login_user(user)
            return check()

    return contextvars.Context().run(run)


def test_can_and_visible_groups_default_to_the_current_user(app, world, people):
    member = people["member"]
    assert in_request_as(app, member, lambda: authz.can("group.view", world.group))
    assert not in_request_as(app, member, lambda: authz.can("group.view", world.other_group))
    assert in_request_as(
        app, member, lambda: {g.id for g in visible_groups()}
    ) == {world.group.id}
    assert in_request_as(
        app, people["admin"], lambda: authz.can("admin.manage")
    )


def test_loaders_answer_404_outside_reach_and_require_answers_403(app, world, people):
    from werkzeug.exceptions import Forbidden, NotFound

    def load(group_id: int) -> Any:
        return lambda: authz.group_or_404(group_id)

    member = people["member"]
    assert in_request_as(app, member, load(world.group.id)).id == world.group.id
    with pytest.raises(NotFound):
        in_request_as(app, member, load(world.other_group.id))
    with pytest.raises(NotFound):
        in_request_as(app, member, load(world.group_u.id + 1000))
    with pytest.raises(Forbidden):
        in_request_as(app, member, lambda: authz.require("session.create", world.group))
    assert in_request_as(
        app, people["secretary"], lambda: authz.require("session.create", world.group)
    ) is None


def test_session_loader_hides_drafts_from_members(app, world, people, create_session):
    from werkzeug.exceptions import NotFound

    draft = create_session(world.group, status=SessionStatus.DRAFT)
    with pytest.raises(NotFound):
        in_request_as(app, people["member"], lambda: authz.session_or_404(draft.id))
    assert in_request_as(
        app, people["secretary"], lambda: authz.session_or_404(draft.id)
    ).id == draft.id


# --- the policy itself, without HTTP or database ----------------------------------------------
#
# Units: 1 (/1/, the party committee) above 3 (/1/3/, a branch) and 4 (/1/4/, its sibling);
# 9 (/9/) elsewhere. Groups: 11 at unit 1, 10 at unit 3, 12 at unit 4, 20 at unit 9.

REACHES = {
    "member": Reach.of(1, memberships=[(10, GroupRole.MEMBER, 3, "/1/3/")]),
    "secretary": Reach.of(2, memberships=[(10, GroupRole.SECRETARY, 3, "/1/3/")]),
    "parent_leader": Reach.of(3, led=[(1, "/1/"), (3, "/1/3/"), (4, "/1/4/")],
                              led_groups=[10, 11, 12]),
    "branch_leader": Reach.of(4, led=[(3, "/1/3/")], led_groups=[10]),
    "unrelated_leader": Reach.of(5, led=[(9, "/9/")], led_groups=[20]),
    "other_member": Reach.of(6, memberships=[(20, GroupRole.MEMBER, 9, "/9/")]),
    "admin": Reach.of(7, is_admin=True),
    "nobody": Reach.of(8),
}
READERS = {"member", "secretary", "parent_leader", "branch_leader", "admin"}
KEEPERS = {"secretary", "admin"}
LEADERS_OF_10 = {"parent_leader", "branch_leader", "admin"}

GROUP = GroupRef(10)
PUBLISHED = SessionRef(100, 10, SessionStatus.PUBLISHED, True)
DRAFT = SessionRef(101, 10, SessionStatus.DRAFT, False)
CLOSED = SessionRef(102, 10, SessionStatus.CLOSED, True)
CANCELLED_UNPUBLISHED = SessionRef(103, 10, SessionStatus.CANCELLED, False)
CANCELLED_HELD = SessionRef(104, 10, SessionStatus.CANCELLED, True)
TASK = TaskRef(PUBLISHED, assignee_id=6)  # assigned to someone of another unit


def reflection(session: SessionRef, status: ReflectionStatus | None,
               must_write: bool = True) -> ReflectionRef:
    """The member's (user 1) reflection."""
    return ReflectionRef(session, 1, status, must_write)


GRANTS: list[tuple[str, Any, set[str]]] = [
    ("admin.manage", None, {"admin"}),
    ("unit.view", UnitRef(3), {"member", "secretary", "parent_leader", "branch_leader", "admin"}),
    ("unit.view", UnitRef(1), {"parent_leader", "admin"}),
    ("group.view", GROUP, READERS),
    ("group.view", GroupRef(11), {"parent_leader", "admin"}),
    ("group.view_records", GROUP, KEEPERS | LEADERS_OF_10),
    ("group.settings", GROUP, KEEPERS),
    ("robot.manage", GROUP, KEEPERS),
    ("session.view", PUBLISHED, READERS),
    ("session.view", CLOSED, READERS),
    ("session.view", DRAFT, KEEPERS),
    ("session.view", CANCELLED_UNPUBLISHED, KEEPERS),
    ("session.view", CANCELLED_HELD, READERS),
    ("session.view", GROUP, READERS),
    ("session.view_draft", GROUP, KEEPERS),
    ("session.create", GROUP, KEEPERS),
    ("session.edit", DRAFT, KEEPERS),
    ("session.edit", PUBLISHED, KEEPERS),
    ("session.edit", CLOSED, set()),
    ("session.reopen", CLOSED, KEEPERS),
    ("session.invite", PUBLISHED, KEEPERS),
    ("supervision.assign", PUBLISHED, LEADERS_OF_10),
    ("supervision.view", PUBLISHED, KEEPERS | LEADERS_OF_10),
    ("supervision.evaluate", PUBLISHED, set()),  # only a supervisor sent to it
    ("session.reopen", PUBLISHED, set()),
    ("attendance.makeup", PUBLISHED, KEEPERS),
    ("attendance.makeup", CLOSED, KEEPERS),
    ("attendance.makeup", CANCELLED_HELD, set()),
    ("material.view", MaterialRef(1), READERS),  # the library above: everyone below reads it
    ("material.view", MaterialRef(3), READERS),
    ("material.view", MaterialRef(4), {"parent_leader", "admin"}),  # the sibling's library
    ("material.view", MaterialRef(9), {"unrelated_leader", "other_member", "admin"}),
    ("material.edit", MaterialRef(3), KEEPERS),
    ("material.edit", MaterialRef(1), {"admin"}),
    ("task.view", TASK, READERS | {"other_member"}),
    ("task.view", TaskRef(DRAFT, assignee_id=6), KEEPERS | {"other_member"}),
    ("task.manage", TASK, KEEPERS),
    ("task.progress", TASK, KEEPERS | {"other_member"}),
    ("reflection.view", reflection(PUBLISHED, ReflectionStatus.SUBMITTED),
     {"member"} | KEEPERS | LEADERS_OF_10),
    ("reflection.view", reflection(PUBLISHED, ReflectionStatus.DRAFT), {"member"}),
    ("reflection.view", reflection(PUBLISHED, None), {"member"}),  # the one they owe
    ("reflection.view", reflection(PUBLISHED, None, must_write=False), set()),
    ("reflection.view", reflection(CLOSED, ReflectionStatus.DRAFT, must_write=False),
     {"member"}),  # written before they were taken off the roster: still theirs to read
    ("reflection.view", PUBLISHED, KEEPERS | LEADERS_OF_10),
    # A fellow member's (user 99): read by the members only where the group shares them.
    ("reflection.view", ReflectionRef(PUBLISHED, 99, ReflectionStatus.ACCEPTED),
     KEEPERS | LEADERS_OF_10),
    ("reflection.view", ReflectionRef(PUBLISHED, 99, ReflectionStatus.ACCEPTED,
                                      shared_with_members=True),
     {"member"} | KEEPERS | LEADERS_OF_10),
    ("reflection.view", ReflectionRef(PUBLISHED, 99, ReflectionStatus.SUBMITTED,
                                      shared_with_members=True),
     KEEPERS | LEADERS_OF_10),
    ("reflection.write", reflection(PUBLISHED, None), {"member"}),
    ("reflection.write", reflection(PUBLISHED, ReflectionStatus.DRAFT), {"member"}),
    ("reflection.write", reflection(PUBLISHED, ReflectionStatus.RETURNED), {"member"}),
    ("reflection.write", reflection(PUBLISHED, ReflectionStatus.SUBMITTED), set()),
    ("reflection.write", reflection(PUBLISHED, ReflectionStatus.ACCEPTED), set()),
    ("reflection.write", reflection(CLOSED, ReflectionStatus.DRAFT), set()),
    ("reflection.write", reflection(PUBLISHED, None, must_write=False), set()),
    ("reflection.write", PUBLISHED, set()),
    ("reflection.review", PUBLISHED, KEEPERS),
    ("report.view", PUBLISHED, READERS),
    ("report.export", PUBLISHED, READERS),
    ("report.write_news", CLOSED, KEEPERS),
    ("report.read_news", PUBLISHED, KEEPERS | LEADERS_OF_10),
    ("report.read_news", CLOSED, KEEPERS | LEADERS_OF_10),
    ("archive.export", GROUP, KEEPERS | LEADERS_OF_10),
    # A group's archive, asked for by the member (1) who has since lost the right: those who
    # may export it now; a job about no group: who asked for it, and the administrator.
    ("job.view", JobRef(1, 10, 1), KEEPERS | LEADERS_OF_10),
    ("job.view", JobRef(2, 20, 6), {"unrelated_leader", "admin"}),
    ("job.view", JobRef(3, None, 1), {"member", "admin"}),
    ("audit.view", PUBLISHED, KEEPERS),
    ("dashboard.view", UnitRef(3), LEADERS_OF_10),
    ("dashboard.view", UnitRef(1), {"parent_leader", "admin"}),
    ("dashboard.view", None, LEADERS_OF_10 | {"unrelated_leader"}),
    ("plan.view", GROUP, READERS),
    ("plan.edit", GROUP, KEEPERS),
    ("target.edit", UnitRef(3), LEADERS_OF_10),
    ("record.view", PersonRef(1, frozenset({10})), READERS),  # the member's own, too
    ("record.view", PersonRef(99, frozenset({10})), KEEPERS | LEADERS_OF_10),
    ("record.view", PersonRef(98, frozenset({20})), {"unrelated_leader", "admin"}),
]


@pytest.mark.parametrize(("permission", "target", "granted"), GRANTS,
                         ids=[f"{p} {t}" for p, t, _ in GRANTS])
def test_policy(permission, target, granted):
    """Changing who may do what must be deliberate: update this table with the policy."""
    allowed = {name for name, reach in REACHES.items() if POLICY[permission](reach, target)}
    assert allowed == granted


def test_every_permission_is_in_the_table():
    assert {permission for permission, _, _ in GRANTS} == set(POLICY)


def test_permission_names_are_object_dot_verb():
    for permission in POLICY:
        obj, _, verb = permission.partition(".")
        assert obj and verb and obj.isidentifier() and verb.isidentifier(), permission


def test_rules_compose_and_keep_their_names():
    from studytrack.authz.rules import is_admin, is_secretary, leads

    rule = (is_admin | is_secretary) & ~leads
    assert rule.name == "((is_admin | is_secretary) & ~leads)"
    assert rule(REACHES["secretary"], GROUP)
    assert not rule(REACHES["branch_leader"], GROUP)


def test_can_refuses_the_anonymous_and_unknown_permissions(world, people):
    assert not authz.can("group.view", world.group, user=AnonymousUserMixin())
    for user in people.values():
        assert not authz.can("group.destroy", world.group, user=user)


# --- a person's yearly record ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "may_read"),
    [
        ("member", False),  # a fellow member of world.group
        ("secretary", True),
        ("parent_leader", True),
        ("unrelated_leader", False),
        ("other_member", False),
        ("admin", True),
    ],
)
def test_who_reads_a_members_record(world, create_user, grant_leadership, role, may_read):
    person = create_user("record-owner")
    admin_services.add_member(world.group, person)
    db.session.commit()
    viewer = make_viewer(role, world, create_user, grant_leadership)
    assert authz.can("record.view", person, user=viewer) is may_read
    assert authz.can("record.view", person, user=person)  # everyone reads their own


# --- the libraries of materials, as SQL --------------------------------------------------------


@pytest.mark.parametrize(
    ("permission", "condition"),
    [
        ("material.view", authz.usable_libraries_condition),
        ("material.edit", authz.kept_libraries_condition),
    ],
)
def test_library_conditions_agree_with_can(world, people, permission, condition):
    from studytrack.models import Material, MaterialKind

    units = [world.top, world.unit, world.sibling, world.elsewhere, world.unrelated]
    materials = [
        Material(organization=unit, kind=MaterialKind.DOCUMENT, title=f"{unit.name}的材料")
        for unit in units
    ]
    db.session.add_all(materials)
    db.session.commit()
    for person, user in [*people.items(), ("anonymous", AnonymousUserMixin())]:
        listed = set(db.session.scalars(
            db.select(Material)
            .join(Organization, Material.organization_id == Organization.id)
            .where(condition(user))
        ))
        assert listed == {m for m in materials if authz.can(permission, m, user=user)}, person
    # what the rule is, for the cast: the libraries above one's group, and the subtree led
    reader = people["member"]
    assert {m.organization for m in materials if authz.can("material.view", m, user=reader)} \
        == {world.top, world.unit}


def test_the_units_led_reduce_to_the_tops_of_their_subtrees() -> None:
    # "/10/" is not below "/1/" (paths end with a slash); "/2/3/7/" is below "/2/3/".
    led = [(i, path) for i, path in enumerate(
        ["/2/3/7/", "/1/4/", "/10/", "/1/", "/2/3/", "/10/11/", "/1/4/9/"])]
    assert Reach.of(9, led=led).led_paths == ("/1/", "/10/", "/2/3/")
    assert Reach.of(9, led=[]).led_paths == ()
