"""Writes of the administration area, without HTTP."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from studytrack.admin import queries, services
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import (
    AuditEvent,
    GroupMembership,
    GroupRole,
    GroupTitle,
    Organization,
    OrganizationKind,
    StudyGroup,
    User,
    in_subtree,
)

pytestmark = pytest.mark.usefixtures("request_context")  # services run inside a request


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


# --- the tree -------------------------------------------------------------------------------


def test_create_organization_sets_the_path(create_org: Callable[..., Organization]) -> None:
    root = create_org("大学党委")
    college = services.create_organization(
        "学院党委", kind=OrganizationKind.COMMITTEE, parent=root, short_name="  "
    )
    assert root.path == f"/{root.id}/"
    assert college.path == f"/{root.id}/{college.id}/"
    assert college.short_name is None


def test_moving_a_unit_rewrites_the_paths_of_its_whole_subtree(
    create_org: Callable[..., Organization],
) -> None:
    # Eleven top units first, so that "/1/" and "/11/" share leading digits.
    tops = [create_org(f"党委{n}") for n in range(11)]
    first, last = tops[0], tops[10]
    college = create_org("学院党委", parent=first)
    branch = create_org("党支部", parent=college)
    cell = create_org("党小组", parent=branch)
    below_last = create_org("另一学院党委", parent=last)

    services.update_organization(
        college, name=college.name, kind=college.kind, parent=last, sort_order=0
    )
    db.session.commit()
    db.session.expire_all()

    assert college.path == f"/{last.id}/{college.id}/"
    assert branch.path == f"/{last.id}/{college.id}/{branch.id}/"
    assert cell.path == f"/{last.id}/{college.id}/{branch.id}/{cell.id}/"
    assert college.parent_id == last.id and branch.parent_id == college.id
    assert first.path == f"/{first.id}/" and last.path == f"/{last.id}/"
    assert below_last.path == f"/{last.id}/{below_last.id}/"
    assert [unit.path for unit in tops] == [f"/{unit.id}/" for unit in tops]


def test_a_subtree_holds_its_unit_and_those_below_it_and_no_other(app: Any) -> None:
    """models.in_subtree, with the top as a value and as a column: "/4/" holds "/4/" and
    "/4/9/", not "/40/" (whose path starts with "/4") nor "/5/". Ids are chosen so that one
    path is a prefix of another's characters."""
    for unit_id, path in ((4, "/4/"), (9, "/4/9/"), (40, "/40/"), (41, "/40/41/"), (5, "/5/")):
        db.session.add(Organization(id=unit_id, name=f"单位{unit_id}", path=path))
    db.session.flush()

    def below(top: str) -> list[str]:
        return sorted(db.session.scalars(
            sa.select(Organization.path).where(in_subtree(Organization.path, top))))

    assert below("/4/") == ["/4/", "/4/9/"]
    assert below("/40/") == ["/40/", "/40/41/"]
    assert below("/4/9/") == ["/4/9/"]
    top = sa.orm.aliased(Organization)
    pairs = db.session.execute(
        sa.select(top.id, Organization.id)
        .join(Organization, in_subtree(Organization.path, top.path))
        .order_by(top.id, Organization.id)
    ).all()
    assert [tuple(pair) for pair in pairs] == [
        (4, 4), (4, 9), (5, 5), (9, 9), (40, 40), (40, 41), (41, 41)]


def test_moving_a_unit_to_the_top(create_org: Callable[..., Organization]) -> None:
    root = create_org("大学党委")
    college = create_org("学院党委", parent=root)
    branch = create_org("党支部", parent=college)
    services.update_organization(college, name="学院党委", kind=college.kind, parent=None)
    db.session.commit()
    db.session.expire_all()
    assert college.path == f"/{college.id}/" and college.parent_id is None
    assert branch.path == f"/{college.id}/{branch.id}/"


@pytest.mark.parametrize("target", ["itself", "child", "grandchild"])
def test_a_unit_cannot_move_below_itself(
    create_org: Callable[..., Organization], target: str
) -> None:
    root = create_org("大学党委")
    child = create_org("学院党委", parent=root)
    grandchild = create_org("党支部", parent=child)
    parent = {"itself": root, "child": child, "grandchild": grandchild}[target]
    with pytest.raises(DomainError) as error:
        services.update_organization(root, name=root.name, kind=root.kind, parent=parent)
    assert error.value.field == "parent_id"
    db.session.rollback()
    assert root.parent_id is None and root.path == f"/{root.id}/"


def test_unit_names_are_unique_among_siblings(create_org: Callable[..., Organization]) -> None:
    root = create_org("大学党委")
    create_org("学院党委", parent=root)
    with pytest.raises(DomainError) as error:
        services.create_organization("学院党委", parent=root)
    assert error.value.field == "name"
    other = create_org("另一所大学党委")
    assert services.create_organization("学院党委", parent=other).parent_id == other.id


def test_deactivating_a_unit_is_logged_once(create_org: Callable[..., Organization]) -> None:
    unit = create_org("学院党委")
    services.set_organization_active(unit, False)
    services.set_organization_active(unit, False)  # nothing changes: nothing to log
    services.set_organization_active(unit, True)
    db.session.commit()
    assert unit.is_active
    assert actions()[-2:] == ["organization.deactivate", "organization.activate"]


def test_tree_order_follows_sort_order_within_each_parent(
    create_org: Callable[..., Organization],
) -> None:
    root = create_org("大学党委")
    late = services.create_organization("乙学院党委", parent=root, sort_order=2)
    early = services.create_organization("甲学院党委", parent=root, sort_order=1)
    below_late = services.create_organization("乙学院第一支部", parent=late)
    db.session.commit()
    rows = queries.organization_tree().items
    assert [(row.organization.name, row.depth) for row in rows] == [
        ("大学党委", 0), ("甲学院党委", 1), ("乙学院党委", 1), ("乙学院第一支部", 2),
    ]
    assert [unit.id for unit in queries.unit_options()] == [root.id, early.id, late.id,
                                                             below_late.id]


# --- memberships ----------------------------------------------------------------------------


def test_add_member_after_remove_member_brings_the_person_back(
    create_user: Callable[..., User], create_group: Callable[..., StudyGroup]
) -> None:
    person = create_user(display_name="张瑜")
    group = create_group(members=(person,))
    membership = db.session.scalar(
        sa.select(GroupMembership).where(GroupMembership.user_id == person.id)
    )
    assert membership is not None

    services.remove_member(membership)
    db.session.commit()
    assert membership.left_on == date.today()
    assert queries.group_members(group).current == []

    again = services.add_member(group, person, GroupRole.SECRETARY, GroupTitle.DEPUTY, 3)
    db.session.commit()
    assert again.id == membership.id  # the same row: the person's history stays with them
    assert again.left_on is None and again.joined_on == date.today()
    assert (again.role, again.title, again.sort_order) == (
        GroupRole.SECRETARY, GroupTitle.DEPUTY, 3
    )
    assert [m.user_id for m in queries.group_members(group).current] == [person.id]


def test_a_current_member_cannot_be_added_twice(
    create_user: Callable[..., User], create_group: Callable[..., StudyGroup]
) -> None:
    person = create_user()
    group = create_group(members=(person,))
    with pytest.raises(DomainError) as error:
        services.add_member(group, person)
    assert error.value.field == "user_id"


def test_group_members_lists_leaders_first(
    create_user: Callable[..., User], create_group: Callable[..., StudyGroup]
) -> None:
    a, b, c = create_user(display_name="甲"), create_user(display_name="乙"), create_user()
    group = create_group()
    services.add_member(group, a, title=GroupTitle.MEMBER, sort_order=0)
    services.add_member(group, b, title=GroupTitle.LEADER, sort_order=9)
    services.add_member(group, c, title=GroupTitle.DEPUTY)
    db.session.commit()
    assert [m.user_id for m in queries.group_members(group).current] == [b.id, c.id, a.id]


# --- accounts -------------------------------------------------------------------------------


def test_login_names_are_unique_regardless_of_case(create_user: Callable[..., User]) -> None:
    create_user("zhangyu")
    with pytest.raises(DomainError) as error:
        services.create_user(username=" ZhangYu ", display_name="张瑜", password="x" * 10)
    assert error.value.field == "username"


def test_new_accounts_must_change_their_password() -> None:
    user = services.create_user(username="new", display_name="新同志", password="temp-pass-1")
    assert user.must_change_password and user.check_password("temp-pass-1")


def test_reset_password_requires_a_new_one(create_user: Callable[..., User]) -> None:
    user = create_user(must_change_password=False)
    version = user.login_version
    services.reset_password(user, "temporary-9")
    assert user.must_change_password and user.check_password("temporary-9")
    assert user.login_version > version  # open sessions end


def test_nobody_deactivates_themselves_or_drops_their_own_admin_rights(
    create_user: Callable[..., User],
) -> None:
    admin = create_user(is_admin=True)
    with pytest.raises(DomainError):
        services.set_user_active(admin, False, acting_user=admin)
    with pytest.raises(DomainError) as error:
        services.update_user(
            admin, username=admin.username, display_name=admin.display_name, position=None,
            email=None, phone=None, organization=None, is_admin=False, locale="zh",
            acting_user=admin,
        )
    assert error.value.field == "is_admin"


def test_deactivation_ends_open_sessions(create_user: Callable[..., User]) -> None:
    admin, person = create_user(is_admin=True), create_user()
    version = person.login_version
    services.set_user_active(person, False, acting_user=admin)
    assert not person.active and person.login_version == version + 1


def test_user_search_matches_any_part_of_a_chinese_name(
    create_user: Callable[..., User],
) -> None:
    create_user("zy", "张瑜")
    create_user("oyy", "欧阳瑜")
    create_user("lm", "李明")
    assert {user.display_name for user in queries.user_page("瑜").items} == {"张瑜", "欧阳瑜"}
    assert {user.username for user in queries.user_page("LM").items} == {"lm"}
    assert queries.user_page("%").items == []


# --- the audit trail ------------------------------------------------------------------------


def test_every_administrative_change_is_audited(
    create_user: Callable[..., User], create_org: Callable[..., Organization]
) -> None:
    before = len(actions())
    root = services.create_organization("大学党委")
    college = services.create_organization("学院党委", parent=root)
    services.update_organization(college, name="马克思主义学院党委", kind=college.kind,
                                 parent=root)
    services.set_organization_active(college, False)
    admin = create_user(is_admin=True)
    person = services.create_user(username="zy", display_name="张瑜", password="temp-pass-1")
    services.update_user(
        person, username="zy", display_name="张瑜", position="院长", email=None, phone=None,
        organization=college, is_admin=False, locale="zh", acting_user=admin,
    )
    services.reset_password(person, "temp-pass-2")
    services.set_user_active(person, False, acting_user=admin)
    group = services.create_group(college, "学院理论学习中心组")
    services.update_group(group, organization=college, name=group.name, description="说明")
    membership = services.add_member(group, person)
    services.update_membership(membership, GroupRole.SECRETARY, GroupTitle.MEMBER)
    services.remove_member(membership)
    role = services.grant_leadership(person, root)
    services.revoke_leadership(role)
    db.session.commit()

    assert actions()[before:] == [
        "organization.create", "organization.create", "organization.update",
        "organization.deactivate",
        "user.create",  # the admin, made by the factory
        "user.create", "user.update", "user.reset_password", "user.deactivate",
        "group.create", "group.update", "group.add_member", "group.update_member",
        "group.remove_member", "organization.grant_leadership",
        "organization.revoke_leadership",
    ]
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "group.add_member")
    )
    assert event is not None
    assert (event.object_type, event.object_id) == ("StudyGroup", group.id)
    assert event.organization_id == college.id and event.details["user_id"] == person.id
