"""Targets: inheritance down the tree, the one-query lookups, meets() and its scaling, the
settings pages of a unit and of the installation, and who may open them."""

from __future__ import annotations

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from studytrack.extensions import db
from studytrack.models import AuditEvent, OrganizationKind, Target, TargetMetric
from studytrack.plans import services
from studytrack.plans.targets import (
    EffectiveTarget,
    effective_targets,
    effective_targets_for,
    meets,
    target_chain,
)

M = TargetMetric


@pytest.fixture
def tree(app, create_org, create_user, create_group, grant_leadership):
    top = create_org("校党委")
    college = create_org("文学院党委", parent=top)
    branch = create_org("教工党支部", parent=college, kind=OrganizationKind.BRANCH)
    sibling = create_org("理学院党委", parent=top)
    other = create_org("其他党委")
    users = {
        name: create_user(username=name, display_name=f"{name}同志", locale="en")
        for name in ("top_leader", "college_leader", "sibling_leader", "member", "secretary",
                     "outsider")
    }
    users["admin"] = create_user(username="admin", display_name="管理员", is_admin=True,
                                 locale="en")
    grant_leadership(users["top_leader"], top)
    grant_leadership(users["college_leader"], college)
    grant_leadership(users["sibling_leader"], sibling)
    create_group(college, members=(users["member"],), secretaries=(users["secretary"],))
    create_group(other, members=(users["outsider"],))
    return SimpleNamespace(top=top, college=college, branch=branch, sibling=sibling,
                           other=other, **users)


def _set(org, **values):
    services.set_targets(
        org, {M(k): (None if v is None else Decimal(v)) for k, v in values.items()}, None
    )
    db.session.commit()


def _ready(*orgs):
    """Load the units' columns, so the counted queries are the lookups' own."""
    for org in orgs:
        assert org.path


# --- inheritance -----------------------------------------------------------------------------


def test_no_setting_anywhere_means_no_target(tree):
    assert effective_targets(tree.branch) == {}


def test_default_then_parent_then_child_override(tree):
    _set(None, attendance_rate="0.800", sessions_per_year="10")
    _set(tree.top, attendance_rate="0.900")
    _set(tree.college, sessions_per_year="12")
    _set(tree.branch, attendance_rate="0.950")

    branch = effective_targets(tree.branch)
    assert branch[M.ATTENDANCE_RATE] == EffectiveTarget(
        M.ATTENDANCE_RATE, Decimal("0.950"), tree.branch
    )
    assert branch[M.SESSIONS_PER_YEAR].value == Decimal(12)
    assert branch[M.SESSIONS_PER_YEAR].source.id == tree.college.id
    assert set(branch) == {M.ATTENDANCE_RATE, M.SESSIONS_PER_YEAR}

    college = effective_targets(tree.college)
    assert college[M.ATTENDANCE_RATE].value == Decimal("0.9")  # the parent's
    assert college[M.ATTENDANCE_RATE].source.id == tree.top.id

    sibling = effective_targets(tree.sibling)
    assert sibling[M.SESSIONS_PER_YEAR].value == Decimal(10)
    assert sibling[M.SESSIONS_PER_YEAR].source is None  # the installation default
    other = effective_targets(tree.other)
    assert other[M.ATTENDANCE_RATE].value == Decimal("0.8") and other[M.ATTENDANCE_RATE].is_default


def test_clearing_a_setting_inherits_again(tree):
    _set(tree.top, task_completion_rate="0.700")
    _set(tree.college, task_completion_rate="0.900")
    assert effective_targets(tree.branch)[M.TASK_COMPLETION_RATE].value == Decimal("0.9")
    _set(tree.college, task_completion_rate=None)
    target = effective_targets(tree.branch)[M.TASK_COMPLETION_RATE]
    assert (target.value, target.source.id) == (Decimal("0.7"), tree.top.id)
    assert db.session.scalar(
        sa.select(sa.func.count(Target.id)).where(Target.organization_id == tree.college.id)
    ) == 0


def test_target_chain_separates_own_from_inherited(tree):
    _set(None, seminars_per_year="2")
    _set(tree.top, seminars_per_year="4", attendance_rate="0.9")
    _set(tree.college, seminars_per_year="6")
    chain = target_chain(tree.college)
    assert chain.own == {M.SEMINARS_PER_YEAR: Decimal(6)}
    assert chain.inherited[M.SEMINARS_PER_YEAR].value == Decimal(4)
    assert chain.inherited[M.SEMINARS_PER_YEAR].source.id == tree.top.id
    assert chain.inherited[M.ATTENDANCE_RATE].value == Decimal("0.9")
    top_chain = target_chain(tree.top)
    assert top_chain.inherited[M.SEMINARS_PER_YEAR].source is None


def test_lookups_make_one_query(tree, count_queries):
    _set(None, attendance_rate="0.8")
    _set(tree.top, sessions_per_year="12")
    _set(tree.college, attendance_rate="0.95")
    orgs = [tree.top, tree.college, tree.branch, tree.sibling, tree.other]
    _ready(*orgs)
    with count_queries() as counter:
        one = effective_targets(tree.branch)
    assert counter.count == 1
    with count_queries() as counter:
        many = effective_targets_for(orgs)
    assert counter.count == 1
    assert many[tree.branch.id] == one
    assert many[tree.branch.id][M.ATTENDANCE_RATE].value == Decimal("0.95")
    assert many[tree.sibling.id][M.ATTENDANCE_RATE].value == Decimal("0.8")
    assert many[tree.sibling.id][M.SESSIONS_PER_YEAR].source.id == tree.top.id
    assert M.SESSIONS_PER_YEAR not in many[tree.other.id]
    with count_queries() as counter:
        assert effective_targets_for([]) == {}
    assert counter.count <= 1


def test_set_targets_validates_and_audits(tree):
    with pytest.raises(services.DomainError) as error:
        services.set_targets(tree.top, {M.ATTENDANCE_RATE: Decimal("1.2")}, tree.admin)
    assert error.value.field == "attendance_rate"
    with pytest.raises(services.DomainError):
        services.set_targets(None, {M.SESSIONS_PER_YEAR: Decimal(-1)}, tree.admin)
    db.session.rollback()
    changes = services.set_targets(tree.top, {M.SESSIONS_PER_YEAR: Decimal(12)}, tree.admin)
    db.session.commit()
    assert changes == {"sessions_per_year": [None, "12"]}
    assert services.set_targets(tree.top, {M.SESSIONS_PER_YEAR: Decimal(12)}, tree.admin) == {}
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "target.update")
                               ).one()
    assert (event.organization_id, event.actor_id) == (tree.top.id, tree.admin.id)
    assert event.details["changes"] == {"sessions_per_year": [None, "12"]}


# --- meets() -----------------------------------------------------------------------------------


def _t(metric, value, source=None):
    return EffectiveTarget(metric, Decimal(value), source)


@pytest.mark.parametrize(
    ("metric", "value", "target", "scale", "expected"),
    [
        (M.ATTENDANCE_RATE, 0.9, "0.9", 1.0, True),
        (M.ATTENDANCE_RATE, 0.899, "0.9", 1.0, False),
        (M.ATTENDANCE_RATE, 0.9, "0.9", 0.25, True),  # rates do not scale
        (M.REFLECTION_ON_TIME_RATE, 1.0, "1", 1.0, True),
        (M.SESSIONS_PER_YEAR, 12, "12", 1.0, True),
        (M.SESSIONS_PER_YEAR, 11, "12", 1.0, False),
        (M.SESSIONS_PER_YEAR, 3, "12", 0.25, True),  # a quarter: 3 of 12
        (M.SESSIONS_PER_YEAR, 2, "12", 0.25, False),
        (M.SESSIONS_PER_YEAR, 36, "12", 3, True),  # a unit of three groups
        (M.SESSIONS_PER_YEAR, 35, "12", 3, False),
        (M.SEMINARS_PER_YEAR, 1, "4", 0.25, True),
        (M.TALKS_PER_MEMBER, 0.5, "2", 0.25, True),
        (M.TALKS_PER_MEMBER, 0.4, "2", 0.25, False),
        (M.SESSIONS_PER_YEAR, 0, "0", 1.0, True),
    ],
)
def test_meets(metric, value, target, scale, expected):
    assert meets(metric, value, _t(metric, target), scale=scale) is expected


def test_meets_without_target_or_value_is_none():
    assert meets(M.ATTENDANCE_RATE, 0.95, None) is None
    assert meets(M.ATTENDANCE_RATE, None, _t(M.ATTENDANCE_RATE, "0.9")) is None
    assert meets(M.SESSIONS_PER_YEAR, None, None, scale=0.25) is None
    with pytest.raises(ValueError):
        meets(M.ATTENDANCE_RATE, 0.9, _t(M.TASK_COMPLETION_RATE, "0.9"))


# --- the settings pages --------------------------------------------------------------------


def _input(html, name):
    [tag] = re.findall(rf'<input[^>]* name="{name}"[^>]*>', html)
    return tag


def _form(**values):
    data = {metric.value: "" for metric in TargetMetric}
    data.update(values)
    return data


def test_unit_page_shows_inherited_values_and_their_source(tree, login):
    _set(None, reflection_on_time_rate="0.8")
    _set(tree.top, attendance_rate="0.9")
    _set(tree.college, sessions_per_year="12")
    client = login(tree.top_leader)
    html = client.get(f"/organizations/{tree.college.id}/targets").get_data(as_text=True)
    assert "Empty: inherited from 校党委 (90 %)." in html
    assert "Empty: the installation default (80 %)." in html
    assert "Empty: no target" in html  # e.g. talks per member: set nowhere
    assert 'value="12"' in _input(html, "sessions_per_year")
    assert 'placeholder="90"' in _input(html, "attendance_rate")
    assert 'value=""' in _input(html, "attendance_rate")
    assert "placeholder" not in _input(html, "talks_per_member")


def test_saving_percentages_and_counts(tree, login):
    client = login(tree.top_leader)
    response = client.post(
        f"/organizations/{tree.college.id}/targets",
        data=_form(attendance_rate="92.5", sessions_per_year="12", talks_per_member="1.5",
                   task_completion_rate="100%"),
    )
    assert response.status_code == 302
    own = target_chain(tree.college).own
    assert own == {
        M.ATTENDANCE_RATE: Decimal("0.925"), M.SESSIONS_PER_YEAR: Decimal(12),
        M.TALKS_PER_MEMBER: Decimal("1.5"), M.TASK_COMPLETION_RATE: Decimal(1),
    }
    # Emptying a field clears it: the unit inherits again.
    _set(tree.top, attendance_rate="0.9")
    response = client.post(
        f"/organizations/{tree.college.id}/targets",
        data=_form(sessions_per_year="12", talks_per_member="1.5", task_completion_rate="100"),
    )
    assert response.status_code == 302
    target = effective_targets(tree.college)[M.ATTENDANCE_RATE]
    assert (target.value, target.source.id) == (Decimal("0.9"), tree.top.id)
    html = client.get(f"/organizations/{tree.college.id}/targets").get_data(as_text=True)
    assert 'value="100"' in _input(html, "task_completion_rate")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("attendance_rate", "150", "Enter a percentage between 0 and 100."),
        ("attendance_rate", "-1", "Enter a percentage between 0 and 100."),
        ("reflection_completion_rate", "ninety", "Enter a percentage between 0 and 100."),
        ("attendance_rate", "90.55", "Use at most one decimal place."),
        ("sessions_per_year", "-2", "Enter a number of 0 or more."),
        ("sessions_per_year", "many", "Enter a number of 0 or more."),
        ("seminars_per_year", "100000", "Enter a number no larger than 99999."),
        ("talks_per_member", "1.2345", "Use at most three decimal places."),
    ],
)
def test_invalid_values_are_refused_beside_the_field(tree, login, field, value, message):
    client = login(tree.top_leader)
    response = client.post(
        f"/organizations/{tree.college.id}/targets",
        data=_form(**{field: value}),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<div class="invalid-feedback" id="{field}-feedback"><div>{message}</div>' in html
    assert f'value="{value}"' in html  # the input is kept
    assert target_chain(tree.college).own == {}


def test_admin_sets_installation_defaults(tree, login):
    client = login(tree.admin)
    assert client.get("/admin/targets").status_code == 200
    response = client.post("/admin/targets", data=_form(attendance_rate="85",
                                                        sessions_per_year="10"))
    assert response.status_code == 302
    target = effective_targets(tree.branch)[M.ATTENDANCE_RATE]
    assert (target.value, target.source) == (Decimal("0.85"), None)
    response = client.post("/admin/targets", data=_form(attendance_rate="101"))
    assert response.status_code == 200
    assert "Enter a percentage between 0 and 100." in response.get_data(as_text=True)
    assert effective_targets(tree.branch)[M.SESSIONS_PER_YEAR].value == Decimal(10)


@pytest.mark.parametrize(
    ("who", "unit", "status"),
    [
        ("top_leader", "top", 200),
        ("top_leader", "college", 200),
        ("top_leader", "branch", 200),
        ("college_leader", "college", 200),
        ("college_leader", "branch", 200),
        ("college_leader", "top", 404),  # above
        ("college_leader", "sibling", 404),  # beside
        ("sibling_leader", "college", 404),
        ("member", "college", 403),  # belongs to a group of the unit, does not set targets
        ("secretary", "college", 403),
        ("member", "top", 404),
        ("outsider", "college", 404),
        ("admin", "branch", 200),
    ],
)
def test_who_may_edit_a_units_targets(tree, login, who, unit, status):
    client = login(getattr(tree, who))
    org = getattr(tree, unit)
    assert client.get(f"/organizations/{org.id}/targets").status_code == status
    response = client.post(f"/organizations/{org.id}/targets", data=_form(sessions_per_year="9"))
    assert response.status_code == (302 if status == 200 else status)
    saved = target_chain(org).own
    assert saved == ({M.SESSIONS_PER_YEAR: Decimal(9)} if status == 200 else {})


def test_unknown_unit_answers_404(tree, login):
    client = login(tree.admin)
    assert client.get("/organizations/999999/targets").status_code == 404


@pytest.mark.parametrize("who", ["top_leader", "secretary", "member"])
def test_only_admins_set_defaults(tree, login, who):
    client = login(getattr(tree, who))
    assert client.get("/admin/targets").status_code == 403
    assert client.post("/admin/targets", data=_form(attendance_rate="50")).status_code == 403
    assert target_chain(tree.top).inherited == {}


def test_anonymous_is_sent_to_login(tree, client):
    assert client.get(f"/organizations/{tree.top.id}/targets").status_code == 302
    assert client.get("/admin/targets").status_code == 302
