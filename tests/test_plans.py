"""Annual study plans: items and their status (held, due, overdue) in local time, the plan page
and its forms, version-checked edits, deleting items, linking sessions to items, who may do
what, and the dashboards' one-query plan status."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from studytrack.extensions import db
from studytrack.models import (
    AuditEvent,
    PlanItem,
    SessionKind,
    SessionStatus,
    StudyPlan,
    StudySession,
)
from studytrack.plans import queries, services
from studytrack.plans.queries import ItemStatus, PlanStatus, item_status, plan_status
from studytrack.plans.rules import ItemData

PAST, FUTURE = 2020, 2099  # a year wholly over, and one not begun, whatever today is


def make_plan(group, year, *items):
    """make_plan(group, year, (month, quarter, topic), ...) -> the plan, committed."""
    plan = services.create_plan(group, year, title=f"{year}年学习计划")
    for position, (month, quarter, topic) in enumerate(items):
        services.add_item(plan, ItemData(topic=topic, month=month, quarter=quarter,
                                         position=position), expected_version=plan.version)
    db.session.commit()
    return plan


def item_named(topic):
    return db.session.scalars(sa.select(PlanItem).where(PlanItem.topic == topic)).one()


def local(year, month, day, hour=9):
    """A local (Asia/Shanghai) wall-clock time as stored (UTC)."""
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


def field_errors(html, field_id):
    match = re.search(rf'<div class="invalid-feedback" id="{field_id}-feedback">(.*?)</div>\s*'
                      rf'</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


# --- status in local time --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "quarter", "today", "expected"),
    [
        (3, None, date(2026, 3, 31), ItemStatus.DUE),  # the last day of its month
        (3, None, date(2026, 4, 1), ItemStatus.OVERDUE),  # the month is over
        (None, 1, date(2026, 3, 31), ItemStatus.DUE),
        (None, 1, date(2026, 4, 1), ItemStatus.OVERDUE),
        (None, 2, date(2026, 4, 1), ItemStatus.DUE),
        (None, 2, date(2026, 6, 30), ItemStatus.DUE),
        (None, 2, date(2026, 7, 1), ItemStatus.OVERDUE),
        (12, None, date(2026, 12, 31), ItemStatus.DUE),
        (12, None, date(2027, 1, 1), ItemStatus.OVERDUE),
        (None, 4, date(2027, 1, 1), ItemStatus.OVERDUE),
        (1, None, date(2025, 12, 31), ItemStatus.DUE),  # a plan for next year
    ],
)
def test_item_status_around_boundaries(month, quarter, today, expected):
    assert item_status(2026, month, quarter, False, today) is expected
    assert item_status(2026, month, quarter, True, today) is ItemStatus.HELD


def test_plan_page_statuses_follow_the_local_date(world, create_session):
    plan = make_plan(world.group, 2026, (3, None, "三月专题"), (None, 1, "一季度专题"),
                     (4, None, "四月专题"), (None, 2, "二季度专题"))
    # Held: a session published on the first local hours of April (still March 31 in UTC).
    create_session(world.group, starts_at=local(2026, 4, 1, 1), status=SessionStatus.CLOSED,
                   plan_item_id=item_named("四月专题").id)
    # A draft does not make an item held.
    create_session(world.group, starts_at=local(2026, 3, 20), status=SessionStatus.DRAFT,
                   plan_item_id=item_named("三月专题").id)
    statuses = {
        day: {row.item.topic: row.status for row in queries.plan_page(
            world.group, 2026, day, world.secretary).rows}
        for day in (date(2026, 3, 31), date(2026, 4, 1))
    }
    assert statuses[date(2026, 3, 31)] == {
        "三月专题": ItemStatus.DUE, "一季度专题": ItemStatus.DUE, "四月专题": ItemStatus.HELD,
        "二季度专题": ItemStatus.DUE,
    }
    assert statuses[date(2026, 4, 1)] == {
        "三月专题": ItemStatus.OVERDUE, "一季度专题": ItemStatus.OVERDUE,
        "四月专题": ItemStatus.HELD, "二季度专题": ItemStatus.DUE,
    }
    page = queries.plan_page(world.group, 2026, date(2026, 4, 1), world.member)
    assert [row.item.topic for row in page.rows] == ["三月专题", "一季度专题", "四月专题",
                                                     "二季度专题"]
    assert page.rows[0].sessions == []  # members do not see the draft
    assert plan.id == page.plan.id


def test_plan_status_in_one_query(world, create_group, create_session, count_queries):
    make_plan(world.group, 2026, (1, None, "一月"), (2, None, "二月"), (5, None, "五月"),
              (None, 1, "一季度"), (None, 3, "三季度"))
    make_plan(world.other_group, 2026, (6, None, "六月"))
    make_plan(world.group, 2025, (1, None, "去年一月"))
    empty = create_group(world.unit)
    create_session(world.group, starts_at=local(2026, 1, 10), plan_item_id=item_named("一月").id)
    create_session(world.group, starts_at=local(2026, 1, 20), plan_item_id=item_named("一月").id)
    create_session(world.group, starts_at=local(2026, 5, 10), plan_item_id=item_named("五月").id)
    create_session(world.group, starts_at=local(2026, 2, 10), status=SessionStatus.CANCELLED,
                   plan_item_id=item_named("二月").id)
    ids = [world.group.id, world.other_group.id, empty.id]
    with count_queries() as counter:
        status = plan_status(ids, 2026, date(2026, 4, 1))
    assert counter.count == 1
    # group: 5 planned; held 一月, 五月; overdue 二月 (cancelled does not hold) and 一季度.
    assert status == {
        world.group.id: PlanStatus(5, 2, 2),
        world.other_group.id: PlanStatus(1, 0, 0),
        empty.id: PlanStatus(0, 0, 0),
    }
    assert plan_status(ids, 2026, date(2027, 1, 1))[world.group.id] == (5, 2, 3)
    assert plan_status(ids, 2026, date(2025, 12, 31))[world.group.id] == (5, 2, 0)
    assert plan_status(ids, 2026, date(2026, 4, 1), quarter=1)[world.group.id] == (3, 1, 2)
    assert plan_status(ids, 2026, date(2026, 4, 1), quarter=3)[world.group.id] == (1, 0, 0)
    assert plan_status([], 2026, date(2026, 4, 1)) == {}


# --- the plan page ---------------------------------------------------------------------------


def test_plan_page_shows_items_statuses_and_sessions(world, login, create_session):
    make_plan(world.group, PAST, (5, None, "五月学习"), (None, 1, "一季度学习"),
              (None, 4, "四季度学习"))
    held = create_session(world.group, topic="五月的集中学习", starts_at=local(PAST, 5, 8),
                          plan_item_id=item_named("五月学习").id)
    create_session(world.group, topic="计划外的学习", starts_at=local(PAST, 7, 8))
    client = login(world.member)
    html = client.get(f"/groups/{world.group.id}/plans/{PAST}").get_data(as_text=True)
    order = [html.index(topic) for topic in ("一季度学习", "五月学习", "四季度学习")]
    assert order == sorted(order)
    row = html[html.index(f'id="item-{item_named("五月学习").id}"'):]
    row = row[:row.index("</tr>")]
    assert "Held" in row and "五月的集中学习" in row and f"/sessions/{held.id}" in row
    assert "plan-item-overdue" in html
    assert "1 item planned" not in html and "3 items planned" in html
    assert "1 held" in html and "2 overdue" in html
    assert "计划外的学习" in html  # held outside the plan
    assert "Add an item" not in html  # members read only
    for year in (PAST,):
        assert f'href="/groups/{world.group.id}/plans/{year}"' in html


def test_future_plan_items_are_due(world, login):
    make_plan(world.group, FUTURE, (1, None, "未来一月"))
    html = login(world.secretary).get(f"/groups/{world.group.id}/plans/{FUTURE}").get_data(
        as_text=True)
    assert "plan-item-due" in html and "Add an item" in html


def test_year_without_plan_offers_to_create_it(world, login):
    client = login(world.secretary)
    html = client.get(f"/groups/{world.group.id}/plans/2026").get_data(as_text=True)
    assert "There is no study plan for 2026 yet." in html
    assert f"/groups/{world.group.id}/plans/2026/new" in html
    assert client.get(f"/groups/{world.group.id}/plans/1999").status_code == 404
    response = client.get(f"/groups/{world.group.id}/plans")
    assert response.status_code == 302 and "/plans/20" in response.location


def test_plan_page_query_count_does_not_grow(world, login, create_session, count_queries):
    client = login(world.member)
    counts = []
    for year, size in ((2024, 3), (2025, 30)):
        plan = services.create_plan(world.group, year)
        for n in range(size):
            item = services.add_item(plan, ItemData(topic=f"{year}专题{n}", month=n % 12 + 1,
                                                    responsible_id=world.member.id),
                                     expected_version=plan.version)
            db.session.flush()
            db.session.add(StudySession(
                group=world.group, topic=f"学习{n}", kind=SessionKind.COLLECTIVE,
                starts_at=local(year, n % 12 + 1, 5), status=SessionStatus.PUBLISHED,
                plan_item_id=item.id,
            ))
        db.session.commit()
        with count_queries() as counter:
            assert client.get(f"/groups/{world.group.id}/plans/{year}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- creating and editing --------------------------------------------------------------------


def _item_form(**values):
    data = {"period": "m3", "topic": "学习党的二十届四中全会精神", "kind": "seminar",
            "planned_materials": "全会公报", "responsible_id": "", "position": "0"}
    data.update(values)
    return data


def test_secretary_builds_a_plan(world, login):
    client = login(world.secretary)
    base = f"/groups/{world.group.id}/plans/2026"
    response = client.post(f"{base}/new", data={"title": "2026年理论学习计划", "note": "重点"})
    assert response.status_code == 302
    plan = db.session.scalars(sa.select(StudyPlan)).one()
    assert (plan.year, plan.title, plan.note) == (2026, "2026年理论学习计划", "重点")
    response = client.post(f"{base}/items/new", data=_item_form(
        responsible_id=str(world.member.id), version=str(plan.version)))
    assert response.status_code == 302
    item = item_named("学习党的二十届四中全会精神")
    assert (item.month, item.quarter, item.kind, item.responsible_id, item.planned_materials) == (
        3, None, SessionKind.SEMINAR, world.member.id, "全会公报")
    db.session.refresh(plan)
    response = client.post(f"/plan-items/{item.id}/edit", data=_item_form(
        period="q2", topic="二季度专题", version=str(plan.version)))
    assert response.status_code == 302
    db.session.refresh(item)
    assert (item.month, item.quarter, item.topic, item.responsible_id) == (None, 2, "二季度专题",
                                                                           None)
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.action.startswith("plan.")).order_by(AuditEvent.id)).all()
    assert actions == ["plan.create", "plan.item_add", "plan.item_update"]
    # A second plan for the same year is not made: the form leads to the plan.
    assert client.get(f"{base}/new").status_code == 302


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"period": ""}, "period", "Choose the month or quarter the item is planned for."),
        ({"topic": "  "}, "topic", "Enter the topic."),
        ({"responsible": "outsider"}, "responsible_id",
         "The person responsible must be a current member of the group."),
    ],
)
def test_item_form_errors_beside_the_field(world, login, values, field, message):
    plan = make_plan(world.group, 2026)
    if values.pop("responsible", None):
        values["responsible_id"] = str(world.outsider.id)
    client = login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/plans/2026/items/new",
                           data=_item_form(version=str(plan.version), **values))
    assert response.status_code == 200
    assert message in field_errors(response.get_data(as_text=True), field)
    assert db.session.scalar(sa.select(sa.func.count(PlanItem.id))) == 0


def test_stale_item_edit_is_refused_and_input_kept(world, login, app):
    plan = make_plan(world.group, 2026, (3, None, "原来的专题"), (4, None, "另一项"))
    item = item_named("原来的专题")
    seen_version = plan.version
    # Someone else edits the plan in between (another item).
    services.update_item(item_named("另一项"), ItemData(topic="别人改过", month=4),
                         expected_version=seen_version)
    db.session.commit()
    client = login(world.secretary)
    response = client.post(f"/plan-items/{item.id}/edit", data=_item_form(
        topic="我的修改", version=str(seen_version)))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "The plan was changed by someone else while you were editing it." in html
    assert 'value="我的修改"' in html  # the input is kept
    assert "The version saved now" in html
    db.session.refresh(item)
    assert item.topic == "原来的专题"
    # The form now carries the current version: saving again is deliberate, and works.
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    response = client.post(f"/plan-items/{item.id}/edit", data=_item_form(
        topic="我的修改", version=new_version))
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.topic == "我的修改"


def test_stale_plan_edit_is_refused(world, login):
    plan = make_plan(world.group, 2026)
    seen = plan.version
    services.update_plan(plan, expected_version=seen, title="别人的标题", note=None)
    db.session.commit()
    client = login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/plans/2026/edit",
                           data={"title": "我的标题", "note": "", "version": str(seen)})
    assert response.status_code == 200
    assert "The plan was changed by someone else" in response.get_data(as_text=True)
    db.session.refresh(plan)
    assert plan.title == "别人的标题"


def test_deleting_an_item_asks_first_and_unlinks_sessions(world, login, create_session):
    plan = make_plan(world.group, 2026, (3, None, "要删除的专题"))
    item = item_named("要删除的专题")
    session = create_session(world.group, topic="已举行的学习", plan_item_id=item.id)
    client = login(world.secretary)
    html = client.get(f"/plan-items/{item.id}/delete").get_data(as_text=True)
    assert "已举行的学习" in html and "Delete the item" in html
    assert item_named("要删除的专题")  # nothing deleted by asking
    response = client.post(f"/plan-items/{item.id}/delete",
                           data={"version": str(plan.version)})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(PlanItem.id))) == 0
    db.session.refresh(session)
    assert session.plan_item_id is None and session.status == SessionStatus.PUBLISHED
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "plan.item_delete")).one()
    assert event.details["unlinked_sessions"] == [session.id]


def test_stale_delete_is_refused(world, login):
    plan = make_plan(world.group, 2026, (3, None, "专题"))
    seen = plan.version
    services.update_plan(plan, expected_version=seen, title="改过", note=None)
    db.session.commit()
    response = login(world.secretary).post(f"/plan-items/{item_named('专题').id}/delete",
                                           data={"version": str(seen)})
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(PlanItem.id))) == 1


# --- who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "view", "edit"),
    [
        ("member", 200, 403),
        ("secretary", 200, 200),
        ("leader", 200, 403),  # leads the unit above: reads, does not edit
        ("admin", 200, 200),
        ("outsider", 404, 404),
    ],
)
def test_who_may_view_and_edit_plans(world, login, who, view, edit):
    plan = make_plan(world.group, 2026, (3, None, "专题"))
    item = item_named("专题")
    client = login(getattr(world, who))
    base = f"/groups/{world.group.id}/plans/2026"
    assert client.get(base).status_code == view
    assert client.get(f"{base}/edit").status_code == edit
    assert client.get(f"{base}/items/new").status_code == edit
    assert client.get(f"/plan-items/{item.id}/edit").status_code == edit
    assert client.get(f"/plan-items/{item.id}/delete").status_code == edit
    response = client.post(f"/plan-items/{item.id}/delete", data={"version": str(plan.version)})
    assert response.status_code == (302 if edit == 200 else edit)
    remaining = db.session.scalar(sa.select(sa.func.count(PlanItem.id)))
    assert remaining == (0 if edit == 200 else 1)


def test_group_page_links_the_plan(world, login):
    html = login(world.member).get(f"/groups/{world.group.id}").get_data(as_text=True)
    assert f'href="/groups/{world.group.id}/plans"' in html and "Annual study plan" in html


# --- linking sessions to plan items -------------------------------------------------------


SESSION_FORM = {
    "kind": "collective", "topic": "集中学习", "starts_at": "2026-03-26T14:00",
    "ends_at": "", "location": "", "chair_id": "", "recorder_id": "",
    "reflection_due_on": "", "min_reflection_chars": "0",
}


def test_session_form_offers_the_groups_items_of_the_year(world, login, create_session):
    make_plan(world.group, 2026, (3, None, "本组2026专题"), (None, 4, "本组四季度"))
    make_plan(world.group, 2025, (3, None, "本组2025专题"))
    make_plan(world.other_group, 2026, (3, None, "他组专题"))
    session = create_session(world.group, status=SessionStatus.DRAFT,
                             starts_at=datetime(2026, 3, 26, 6, 0, tzinfo=UTC))
    html = login(world.secretary).get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    select = html[html.index('name="plan_item_id"'):]
    select = select[:select.index("</select>")]
    options = re.findall(r"<option[^>]*>([^<]*)</option>", select)
    assert options == ["— not in the plan —", "Month 3 · 本组2026专题", "Quarter 4 · 本组四季度"]


def test_creating_a_session_linked_to_an_item(world, login):
    make_plan(world.group, 2026, (3, None, "三月专题"))
    item = item_named("三月专题")
    client = login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/sessions/new",
                           data={**SESSION_FORM, "plan_item_id": str(item.id)})
    assert response.status_code == 302
    session = db.session.scalars(sa.select(StudySession)).one()
    assert session.plan_item_id == item.id
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Plan item" in html and "三月专题" in html
    assert f"/groups/{world.group.id}/plans/2026#item-{item.id}" in html


@pytest.mark.parametrize("case", ["other_group", "other_year", "local_new_year", "unknown"])
def test_linking_to_an_item_elsewhere_is_refused_beside_the_field(world, login, case):
    make_plan(world.group, 2026, (12, None, "本组十二月"))
    make_plan(world.group, 2027, (1, None, "本组明年一月"))
    make_plan(world.other_group, 2026, (3, None, "他组专题"))
    form = dict(SESSION_FORM)
    if case == "other_group":
        form["plan_item_id"] = str(item_named("他组专题").id)
        year = 2026
    elif case == "other_year":
        form["plan_item_id"] = str(item_named("本组明年一月").id)
        year = 2026
    elif case == "local_new_year":
        # 1 January 2027, 01:00 in Shanghai is still 2026 in UTC: the local year counts.
        form.update(starts_at="2027-01-01T01:00", plan_item_id=str(item_named("本组十二月").id))
        year = 2027
    else:
        form["plan_item_id"] = "999999"
        year = 2026
    response = login(world.secretary).post(f"/groups/{world.group.id}/sessions/new", data=form)
    assert response.status_code == 200
    errors = field_errors(response.get_data(as_text=True), "plan_item_id")
    assert f"Choose an item of this group's study plan for {year}, the year of the session." \
        in errors
    assert db.session.scalar(sa.select(sa.func.count(StudySession.id))) == 0


def test_local_new_year_links_to_next_years_item(world, login):
    make_plan(world.group, 2027, (1, None, "明年一月"))
    item = item_named("明年一月")
    response = login(world.secretary).post(
        f"/groups/{world.group.id}/sessions/new",
        data={**SESSION_FORM, "starts_at": "2027-01-01T01:00", "plan_item_id": str(item.id)},
    )
    assert response.status_code == 302
    session = db.session.scalars(sa.select(StudySession)).one()
    assert session.plan_item_id == item.id
    assert session.starts_at.replace(tzinfo=UTC).year == 2026  # stored in UTC


def test_editing_a_session_links_and_unlinks(world, login, create_session):
    make_plan(world.group, 2026, (3, None, "三月专题"))
    item = item_named("三月专题")
    session = create_session(world.group, status=SessionStatus.DRAFT,
                             starts_at=datetime(2026, 3, 26, 6, 0, tzinfo=UTC))
    client = login(world.secretary)
    html = client.get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    assert "三月专题" in html
    response = client.post(f"/sessions/{session.id}/edit", data={
        **SESSION_FORM, "plan_item_id": str(item.id), "version": str(session.version)})
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.plan_item_id == item.id
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "session.update")).one()
    assert event.details["changes"]["plan_item_id"] == [None, "三月专题"]
    # Moving the session to another year while keeping the item is refused.
    response = client.post(f"/sessions/{session.id}/edit", data={
        **SESSION_FORM, "starts_at": "2025-12-30T14:00", "plan_item_id": str(item.id),
        "version": str(session.version)})
    assert response.status_code == 200
    assert "for 2025" in field_errors(response.get_data(as_text=True), "plan_item_id")
    response = client.post(f"/sessions/{session.id}/edit", data={
        **SESSION_FORM, "plan_item_id": "", "version": str(session.version)})
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.plan_item_id is None
