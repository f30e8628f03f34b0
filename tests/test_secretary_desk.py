"""The study secretary's home leads with what she must do next, per group she keeps
(issue 19, section 2; studytrack/home/desk.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from studytrack.admin import services as admin_services
from studytrack.extensions import db
from studytrack.home.desk import secretary_desk
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    PlanItem,
    Reflection,
    ReflectionStatus,
    SessionStatus,
    StudyPlan,
    TaskStatus,
)
from studytrack.timeutil import today_local
from tests.fixtures.users import make_person


@pytest.fixture
def desk(world, create_session):
    """The world's group with: a held session two weeks ago, its reflections due five days
    ago (one handed in and waiting, one not written), one absentee without make-up study, no
    minutes; a session that began and is still a draft; a draft planned for next week; an
    overdue task; and a plan item for this month with no session."""
    today = today_local()
    now = datetime.now(UTC)
    writer, late = make_person("writer", "周强"), make_person("late", "吴敏")
    for person in (writer, late):
        admin_services.add_member(world.group, person)
    held = create_session(world.group, "已举行的学习", starts_at=now - timedelta(days=14),
                          reflection_due_on=today - timedelta(days=5))
    for order, (person, status) in enumerate([
            (world.member, AttendanceStatus.ABSENT), (writer, AttendanceStatus.PRESENT),
            (late, AttendanceStatus.PRESENT)]):
        db.session.add(Attendance(session=held, user=person, status=status, sort_order=order))
    db.session.add(Reflection(session=held, author=writer, body="体会" * 40, char_count=80,
                              status=ReflectionStatus.SUBMITTED,
                              submitted_at=now - timedelta(days=7)))
    db.session.add(FollowUpTask(session=held, title="报送材料", status=TaskStatus.OPEN,
                                assignee=writer,
                                due_on=today - timedelta(days=1)))
    create_session(world.group, "尚未发布", status=SessionStatus.DRAFT,
                   starts_at=now - timedelta(days=2))
    create_session(world.group, "下周的学习", status=SessionStatus.DRAFT,
                   starts_at=now + timedelta(days=7))
    plan = StudyPlan(group=world.group, year=today.year)
    db.session.add_all([plan, PlanItem(plan=plan, month=today.month, topic="本月专题")])
    db.session.commit()
    world.held = held
    return world


def test_the_desk_counts_what_is_to_do(desk, request_context):
    [group] = secretary_desk(desk.secretary, today_local())
    assert (group.group_id, group.to_review, group.to_publish, group.to_complete,
            group.makeups, group.tasks_overdue, group.plan_items_due,
            group.reflections_overdue) == (desk.group.id, 1, 1, 1, 1, 1, 1, 1)
    assert group.waiting_since is not None and not group.is_clear
    # a member keeps no group: nothing for them
    assert secretary_desk(desk.member, today_local()) == []


def test_the_secretary_home_leads_with_the_to_do_list(desk, login):
    html = login(desk.secretary).get("/").get_data(as_text=True)
    section = html[html.index('id="desk-heading"'):]
    section = section[:section.index("</section>")]
    items = dict(re.findall(r'data-desk="([a-z-]+)"><a href="([^"]+)"', section))
    assert items == {
        "review": f"/groups/{desk.group.id}/reflections/review",
        "publish": f"/groups/{desk.group.id}/sessions?status=draft",
        "complete": f"/groups/{desk.group.id}/sessions?status=published",
        "makeups": f"/groups/{desk.group.id}/figures#owed-heading",
        "overdue-reflections": f"/groups/{desk.group.id}/figures#owed-heading",
        "overdue-tasks": f"/groups/{desk.group.id}/figures#owed-heading",
        "plan": f"/groups/{desk.group.id}/plans",
    }
    assert "1 reflection waits for review" in section
    assert html.index('id="desk-heading"') < html.index("</h1>") + 400  # first on the page


def test_the_group_card_names_the_last_session_held_not_a_draft(desk, request_context):
    from studytrack.groups.queries import group_summaries

    [summary] = group_summaries(user=desk.secretary).items
    assert summary.last_session_at == desk.held.starts_at  # not next week's draft


def test_a_clear_desk_says_so_and_members_see_none(world, login):
    html = login(world.secretary).get("/").get_data(as_text=True)
    assert "Nothing waits for you here." in html
    assert 'id="desk-heading"' not in login(world.member).get("/").get_data(as_text=True)
