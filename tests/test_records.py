"""A member's yearly record and the secretary's view of a group's figures: exact rows and
totals on hand-built data, who owes what and in which order, who may open what, the Excel
files read back, and the query budget of both pages at two data sizes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from flask_login import login_user
from openpyxl import load_workbook

from studytrack.admin import services as admin_services
from studytrack.authz import ReflectionRef, can, target_of
from studytrack.dashboard import metrics
from studytrack.dashboard.figures import ReflectionState
from studytrack.dashboard.metrics import Figures, Period
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    GroupMembership,
    GroupRole,
    GroupTitle,
    OrganizationKind,
    Reflection,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    StudyGroup,
    StudySession,
    Talk,
    TalkKind,
    TaskStatus,
    User,
)
from studytrack.records import person_queries, queries
from studytrack.timeutil import today_local

YEAR = 2025
FAR = date(2099, 1, 1)  # a due date that has not passed


def _at(month, day, hour=2):
    """A UTC time: 10:00 in Beijing on that day of YEAR."""
    return datetime(YEAR, month, day, hour, 0, tzinfo=UTC)


def _roster(session, *rows):
    for order, (user, status, extra) in enumerate(rows):
        db.session.add(Attendance(session=session, user=user, status=status, sort_order=order,
                                  **extra))


def _reflection(session, author, status, late=False):
    db.session.add(Reflection(
        session=session, author=author, body="学习体会" * 50, char_count=200, status=status,
        is_late=late,
        submitted_at=None if status == ReflectionStatus.DRAFT else session.starts_at
        + timedelta(days=3),
    ))


def _task(session, title, assignee=None, organization=None, due_on=None,
          status=TaskStatus.OPEN):
    task = FollowUpTask(
        session=session, title=title, assignee=assignee, organization=organization,
        due_on=due_on, status=status,
        completion_note="已完成" if status == TaskStatus.DONE else None,
        cancel_reason="不再需要" if status == TaskStatus.CANCELLED else None,
    )
    db.session.add(task)
    return task


@pytest.fixture
def world(world, create_org, create_user, create_group, create_session, grant_leadership):
    """The shared world (its member is alice, its secretary sec) with a year of records: two
    more members (bob, carol), a visitor who attends as an observer, a unit beside the
    university (学院党委, with its leader and its group), and the group's sessions of YEAR (s1,
    s2 closed, s3, a draft, a cancelled one), one of the year before and one on New Year's Day
    in Beijing, with attendance, reflections, talks and tasks."""
    world.alice, world.sec = world.member, world.secretary
    world.bob = create_user("bob", "乙同志", locale="en")
    world.carol = create_user("carol", "丙同志", locale="en")
    world.visitor = create_user("visitor", "列席者", locale="en")
    alice, bob, carol, visitor = world.alice, world.bob, world.carol, world.visitor
    group = world.group
    for user in (bob, carol):
        admin_services.add_member(group, user)
    order = [alice.id, bob.id, carol.id, world.sec.id]
    for membership in group.memberships:
        membership.sort_order = order.index(membership.user_id)
    beside_unit = create_org("学院党委", parent=world.top, kind=OrganizationKind.GENERAL_BRANCH)
    create_group(beside_unit, "学院中心组")
    world.beside = create_user("beside", "学院领导", locale="en")
    grant_leadership(world.beside, beside_unit)

    s1 = create_session(group, "学习党的二十届四中全会精神", starts_at=_at(3, 10),
                        reflection_due_on=date(YEAR, 3, 20))
    s2 = create_session(group, "专题研讨：作风建设", status=SessionStatus.CLOSED,
                        starts_at=_at(6, 5), kind=SessionKind.SEMINAR,
                        reflection_due_on=date(YEAR, 6, 15))
    s3 = create_session(group, "学习重要讲话", starts_at=_at(9, 1), reflection_due_on=FAR)
    draft = create_session(group, "草稿", status=SessionStatus.DRAFT, starts_at=_at(10, 1))
    cancelled = create_session(group, "取消", status=SessionStatus.CANCELLED,
                               starts_at=_at(11, 1))
    last_year = create_session(group, "去年的学习", starts_at=datetime(YEAR - 1, 5, 1, 2,
                                                                       tzinfo=UTC))
    # 2024-12-31 20:00 UTC is 2025-01-01 04:00 in Beijing: it belongs to 2025.
    new_year = create_session(group, "元旦学习", starts_at=datetime(YEAR - 1, 12, 31, 20,
                                                                    tzinfo=UTC))

    P, L, A, OBS = (AttendanceStatus.PRESENT, AttendanceStatus.ON_LEAVE,
                  AttendanceStatus.ABSENT, AttendanceStatus.OBSERVER)
    _roster(s1, (alice, P, {}),
            (bob, L, {"leave_reason": "出差", "makeup_on": date(YEAR, 3, 15),
                      "makeup_note": "自学原文"}),
            (carol, A, {}), (visitor, OBS, {}))
    _roster(s2, (alice, P, {}), (bob, P, {}), (carol, L, {"leave_reason": "病假"}))
    _roster(s3, (alice, P, {}), (bob, A, {"makeup_on": date(YEAR, 9, 5)}), (carol, None, {}))
    _roster(draft, (alice, P, {}))
    _roster(cancelled, (alice, P, {}))
    _roster(last_year, (alice, P, {}))
    _roster(new_year, (carol, OBS, {}))
    _reflection(s1, alice, ReflectionStatus.ACCEPTED)
    _reflection(s1, bob, ReflectionStatus.SUBMITTED, late=True)
    _reflection(s2, bob, ReflectionStatus.DRAFT)
    db.session.add_all([
        Talk(session=s1, speaker=alice, kind=TalkKind.KEYNOTE, title="深刻领会全会精神",
             position=1),
        Talk(session=s2, speaker=bob, kind=TalkKind.EXCHANGE, title="改进作风", position=1),
        Talk(session=s2, speaker_name="专家", kind=TalkKind.KEYNOTE, position=2),
        Talk(session=draft, speaker=alice, kind=TalkKind.EXCHANGE, position=1),
    ])
    overdue = _task(s1, "撰写调研报告", assignee=alice, due_on=date(YEAR, 4, 1))
    _task(s1, "报送学习心得", assignee=bob, status=TaskStatus.DONE)
    _task(s1, "已取消的任务", assignee=carol, status=TaskStatus.CANCELLED)
    _task(s2, "制定整改措施", assignee=alice, due_on=date(YEAR, 7, 1), status=TaskStatus.DONE)
    unit_task = _task(s3, "梳理问题清单", organization=world.unit, due_on=FAR)
    _task(draft, "草稿里的任务", assignee=alice, due_on=date(YEAR, 10, 5))
    db.session.commit()
    world.s1, world.s2, world.s3, world.draft, world.new_year = s1, s2, s3, draft, new_year
    world.overdue, world.unit_task = overdue, unit_task
    return world


PERIOD = Period(YEAR)


# --- the member's record: rows and totals ---------------------------------------------------


def test_person_record_rows_and_totals(world):
    record = person_queries.person_record(world.alice, PERIOD, today_local())

    assert [(r.session.id, r.attendance.status) for r in record.sessions] == [
        (world.s1.id, AttendanceStatus.PRESENT),
        (world.s2.id, AttendanceStatus.PRESENT),
        (world.s3.id, AttendanceStatus.PRESENT),
    ]  # drafts, cancelled sessions and last year's left out
    assert [r.date for r in record.sessions] == [
        date(YEAR, 3, 10), date(YEAR, 6, 5), date(YEAR, 9, 1)
    ]
    assert [(r.session.id, r.reflection_state) for r in record.reflections] == [
        (world.s1.id, ReflectionState.ON_TIME),
        (world.s2.id, ReflectionState.OVERDUE),
        (world.s3.id, ReflectionState.MISSING),
    ]
    assert [(row.session.id, row.talk.kind, row.talk.title) for row in record.talks] == [
        (world.s1.id, TalkKind.KEYNOTE, "深刻领会全会精神"),
    ]
    # Open before done; the draft session's task is not counted.
    assert [t.title for t in record.tasks] == ["撰写调研报告", "制定整改措施"]
    assert [t.overdue for t in record.tasks] == [True, False]
    assert [t.overdue for t in record.tasks] == [
        db.session.get(FollowUpTask, t.id).is_overdue(record.today) for t in record.tasks
    ]  # the query's rule is the model's
    assert [m.group_id for m in record.memberships] == [world.group.id]
    assert record.years[0] == today_local().year and YEAR - 1 in record.years

    assert record.figures == Figures(
        attendance_expected=3, attendance_present=3, talks=1,
        reflections_required=3, reflections_submitted=1, reflections_on_time=1,
        reflections_overdue=1, tasks_total=2, tasks_done=1, tasks_overdue=1,
    )



def test_person_record_lists_keep_their_order(world, create_session):
    # Each list keeps its own order.
    # Same day, the later start first by id: sessions go by start time, not id.
    late = create_session(world.group, "下午的学习", starts_at=_at(9, 1) + timedelta(hours=6))
    early = create_session(world.group, "上午的学习", starts_at=_at(9, 1) - timedelta(hours=1))
    _roster(late, (world.alice, AttendanceStatus.PRESENT, {}))
    _roster(early, (world.alice, AttendanceStatus.PRESENT, {}))
    db.session.add_all([  # positions against the order of the ids
        Talk(session=late, speaker=world.alice, kind=TalkKind.EXCHANGE, title="第二", position=2),
        Talk(session=late, speaker=world.alice, kind=TalkKind.KEYNOTE, title="第一", position=1),
    ])
    _task(late, "无期限", assignee=world.alice)
    _task(early, "较晚期限", assignee=world.alice, due_on=FAR)
    _task(late, "较早期限", assignee=world.alice, due_on=FAR - timedelta(days=1))
    db.session.commit()

    record = person_queries.person_record(world.alice, PERIOD, today_local())
    assert [r.session.topic for r in record.sessions] == [
        "学习党的二十届四中全会精神", "专题研讨：作风建设", "上午的学习", "学习重要讲话",
        "下午的学习",
    ]
    assert [r.talk.title for r in record.talks] == ["深刻领会全会精神", "第一", "第二"]
    # open first (overdue deadline, then later ones, then none), done last
    assert [t.title for t in record.tasks] == [
        "撰写调研报告", "较早期限", "较晚期限", "无期限", "制定整改措施",
    ]

def test_person_record_leave_makeup_and_late(world):
    record = person_queries.person_record(world.bob, PERIOD, today_local())
    rows = {r.session.id: r for r in record.sessions}
    assert rows[world.s1.id].attendance.status == AttendanceStatus.ON_LEAVE
    assert rows[world.s1.id].attendance.leave_reason == "出差"
    assert rows[world.s1.id].attendance.makeup_on == date(YEAR, 3, 15)
    assert not rows[world.s1.id].needs_makeup
    assert [(r.session.id, r.reflection_state) for r in record.reflections] == [
        (world.s1.id, ReflectionState.LATE),  # owed through make-up study, handed in late
        (world.s2.id, ReflectionState.OVERDUE),  # a draft is not handed in
        (world.s3.id, ReflectionState.MISSING),
    ]
    assert record.figures == Figures(
        attendance_expected=3, attendance_present=1, attendance_on_leave=1,
        attendance_absent=1, attendance_made_up=2, talks=1, reflections_required=3,
        reflections_submitted=1, reflections_late=1, reflections_overdue=1, tasks_total=1,
        tasks_done=1,
    )


def test_person_record_absent_without_makeup_and_observer(world):
    carol = person_queries.person_record(world.carol, PERIOD, today_local())
    assert [(r.session.id, r.attendance.status, r.needs_makeup) for r in carol.sessions] == [
        (world.new_year.id, AttendanceStatus.OBSERVER, False),  # 1 January local time
        (world.s1.id, AttendanceStatus.ABSENT, True),
        (world.s2.id, AttendanceStatus.ON_LEAVE, True),
        (world.s3.id, None, False),
    ]
    assert carol.reflections == [] and carol.tasks == []  # the cancelled task is not hers
    assert carol.figures == Figures(
        attendance_expected=3, attendance_on_leave=1, attendance_absent=1,
        attendance_unmarked=1, attendance_observers=1,
    )
    visitor = person_queries.person_record(world.visitor, PERIOD, today_local())
    assert visitor.figures == Figures(attendance_observers=1)
    assert visitor.reflections == []


def test_person_page_shows_the_record(world, login, client):
    login(world.alice)
    response = client.get(f"/people/{world.alice.id}/record?year={YEAR}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"/sessions/{world.s1.id}/report" in html
    assert "深刻领会全会精神" in html
    assert 'data-reflection-state="overdue"' in html and 'data-reflection-state="late"' not in html
    assert f"/tasks/{world.overdue.id}" in html
    assert f'/people/{world.alice.id}/record.xlsx?year={YEAR}' in html
    assert "草稿里的任务" not in html and "去年的学习" not in html
    assert 'href="/static/css/records.css' in html


def test_person_page_other_year_and_bad_year(world, login, client):
    login(world.alice)
    html = client.get(f"/people/{world.alice.id}/record?year={YEAR - 1}").get_data(as_text=True)
    assert "去年的学习" in html and "学习重要讲话" not in html
    assert client.get(f"/people/{world.alice.id}/record?year=abc").status_code == 200


def _links_by_row(record, is_self):
    """The record page's links as `can()` decides them on each row's own ORM objects (the
    page asks about targets built from its rows instead)."""
    def session(row_session):
        return db.session.get(StudySession, row_session.id)

    links = set()
    for row in (*record.sessions, *record.talks):
        if can("report.view", session(row.session)):
            links.add(f"/sessions/{row.session.id}/report")
    for row in record.reflections:
        r, s = row.reflection, session(row.session)
        mine = ReflectionRef(
            target_of(s), record.person.id, r.status if r else None,
            author_must_write=True,
        )
        if (r and r.status != ReflectionStatus.DRAFT
                and can("reflection.view", db.session.get(Reflection, r.id))):
            links.add(f"/reflections/{r.id}")
        elif is_self and can("reflection.write", mine):
            links.add(f"/sessions/{s.id}/reflection")
        elif can("reflection.view", s):
            links.add(f"/sessions/{s.id}/reflections")
    for task in record.tasks:
        if is_self or can("task.view", db.session.get(FollowUpTask, task.id)):
            links.add(f"/tasks/{task.id}")
        if can("report.view", session(task.session)):
            links.add(f"/sessions/{task.session.id}/report")
    return links


@pytest.mark.parametrize("viewer", ["alice", "sec", "leader", "admin"])
def test_person_page_links_match_per_row_checks(world, app, login, client, viewer):
    # Give alice a second group, where the secretary has no say, and a returned reflection
    # (writable again) beside an accepted one: the answers then differ between groups and
    # between sessions of different status.
    other = _second_group(world)
    user = getattr(world, viewer)
    login(user)
    html = client.get(f"/people/{world.alice.id}/record?year={YEAR}").get_data(as_text=True)
    record_html = html[html.index('<article class="records-page"'):html.index("</article>")]
    shown = set(re.findall(r'href="(/(?:sessions|reflections|tasks)/[^"?]+)"', record_html))
    with app.test_request_context():
        login_user(user)
        record = person_queries.person_record(world.alice, PERIOD, today_local())
        assert {row.session.group_id for row in record.sessions} == {world.group.id, other.id}
        expected = _links_by_row(record, user.id == world.alice.id)
    assert shown == expected
    assert expected  # every viewer here opens something


def test_person_page_links_under_a_script_name_prefix(world, login, client):
    # The rows' URLs are built from one url_for per endpoint: a deployment under a path
    # prefix must still get the prefix on every one of them.
    _second_group(world)
    login(world.alice)
    plain = client.get(f"/people/{world.alice.id}/record?year={YEAR}").get_data(as_text=True)
    prefixed = client.get(
        f"/people/{world.alice.id}/record?year={YEAR}", base_url="http://localhost/study"
    ).get_data(as_text=True)

    def record_links(html, prefix=""):
        record_html = html[html.index('<article class="records-page"'):html.index("</article>")]
        return re.findall(rf'href="{prefix}(/(?:sessions|reflections|tasks)/[^"]+)"',
                          record_html)

    assert record_links(plain)
    assert record_links(prefixed, "/study") == record_links(plain)
    assert len(record_links(prefixed, "")) == 0  # every row link has the prefix


def test_person_page_escapes_user_text(world, login, client):
    world.s1.topic = '<b>"学习"</b>'
    world.overdue.title = "<i>任务</i>"
    db.session.commit()
    login(world.alice)
    html = client.get(f"/people/{world.alice.id}/record?year={YEAR}").get_data(as_text=True)
    assert "<b>" not in html and "<i>任务" not in html
    assert "&lt;b&gt;&#34;学习&#34;&lt;/b&gt;" in html and "&lt;i&gt;任务&lt;/i&gt;" in html


def _second_group(world):
    """A second group of alice's in another unit, with a published session she attended, a
    returned reflection and a task."""
    group = StudyGroup(organization=world.top, name="校机关学习组")
    db.session.add(group)
    db.session.add(GroupMembership(group=group, user=world.alice, role=GroupRole.MEMBER))
    session = StudySession(group=group, topic="另一组的学习", starts_at=_at(5, 6),
                           status=SessionStatus.PUBLISHED, reflection_due_on=FAR)
    db.session.add(session)
    _roster(session, (world.alice, AttendanceStatus.PRESENT, {}))
    _reflection(session, world.alice, ReflectionStatus.RETURNED)
    db.session.add(Talk(session=session, speaker=world.alice, kind=TalkKind.EXCHANGE))
    _task(session, "另一组的任务", assignee=world.alice, due_on=FAR)
    db.session.commit()
    return group


def test_person_figures_follow_period_and_today(world):
    # figures_by_person's statement is built once: each call's period, day and group must
    # still be its own.
    def person(group, period, today):
        return metrics.figures_by_person(group, [world.alice.id], period, today=today)[
            world.alice.id
        ]

    before_any_due = person(None, PERIOD, date(YEAR, 3, 1))
    assert (before_any_due.reflections_overdue, before_any_due.tasks_overdue) == (0, 0)
    now = person(None, PERIOD, today_local())
    assert (now.reflections_overdue, now.tasks_overdue) == (1, 1)
    assert person(None, Period(YEAR - 1), today_local()) == Figures(
        attendance_expected=1, attendance_present=1, reflections_required=1,
    )
    assert person(world.group, Period(YEAR, 2), today_local()) == Figures(
        attendance_expected=1, attendance_present=1, reflections_required=1,
        reflections_overdue=1, tasks_total=1, tasks_done=1,
    )
    beside = db.session.scalars(
        sa.select(StudyGroup).where(StudyGroup.name == "学院中心组")
    ).one()
    assert person(beside, PERIOD, today_local()) == Figures()


def test_record_figures_agree_with_the_metrics_for_everyone(app):
    # The record counts its figures from its own rows (person_queries._figures); the
    # dashboards count them in SQL (metrics.figures_by_person). On the benchmark's generated
    # data (every attendance status, late, draft, returned and missing reflections, open and
    # overdue tasks) both must give the same figures to every person, in every year.
    from benchmarks.generate import generate

    today = date(2026, 11, 29)
    db.session.remove()
    generate(db.engine, 0.005, seed=11, today=today, out=None, analyze=False)
    people = db.session.scalars(sa.select(User).order_by(User.id)).all()
    compared = 0
    for year in (2024, 2025, 2026):
        period = Period(year)
        expected = metrics.figures_by_person(None, [p.id for p in people], period, today=today)
        for person in people:
            record = person_queries.person_record(person, period, today)
            assert record.figures == expected[person.id], (person.id, year)
            compared += record.figures != Figures()
    assert compared > 50  # most people have figures, not only empty ones


def test_member_home_links_to_the_record(world, login, client):
    login(world.alice)
    html = client.get("/").get_data(as_text=True)
    assert f'href="/people/{world.alice.id}/record"' in html


# --- the group's figures -----------------------------------------------------------------------


def test_group_figures_totals_sessions_and_members(world):
    data = queries.group_figures(world.group, PERIOD, today_local())
    assert data.figures == Figures(
        groups=1, members=3, sessions_held=4, seminars_held=1,
        attendance_expected=9, attendance_present=4, attendance_on_leave=2,
        attendance_absent=2, attendance_made_up=2, talks=3, talks_by_members=2,
        reflections_required=6, reflections_submitted=2, reflections_on_time=1,
        reflections_late=1, tasks_total=4, tasks_done=2, tasks_overdue=1,
        attendance_unmarked=1, attendance_observers=2, reflections_overdue=2,
    )
    assert [row.session.id for row in data.sessions] == [
        world.new_year.id, world.s1.id, world.s2.id, world.s3.id
    ]
    by_session = {row.session.id: row.figures for row in data.sessions}
    assert (by_session[world.s1.id].attendance_expected,
            by_session[world.s1.id].attendance_present,
            by_session[world.s1.id].reflections_submitted,
            by_session[world.s1.id].tasks_total) == (3, 1, 2, 2)
    # Members only (the secretary keeps the record), in roster order.
    assert [row.user.id for row in data.members] == [world.alice.id, world.bob.id, world.carol.id]
    assert data.members[0].figures.reflections_overdue == 1


def test_who_owes_what(world):
    data = queries.group_figures(world.group, PERIOD, today_local())
    # Overdue first, then by due date; within a session in roster order.
    assert [(o.session.id, o.attendance.user_id, o.overdue, o.reflection is not None)
            for o in data.owed_reflections] == [
        (world.s2.id, world.alice.id, True, False),
        (world.s2.id, world.bob.id, True, True),  # a draft
        (world.s3.id, world.alice.id, False, False),
        (world.s3.id, world.bob.id, False, False),
    ]
    assert len(data.owed_reflections) == data.figures.reflections_missing
    assert [(o.session.id, o.attendance.user_id, o.attendance.status)
            for o in data.owed_makeups] == [
        (world.s1.id, world.carol.id, AttendanceStatus.ABSENT),
        (world.s2.id, world.carol.id, AttendanceStatus.ON_LEAVE),
    ]
    assert [(o.task.id, o.overdue) for o in data.owed_tasks] == [
        (world.overdue.id, True), (world.unit_task.id, False),
    ]
    assert sum(o.overdue for o in data.owed_tasks) == data.figures.tasks_overdue


def test_quarter_narrows_everything(world):
    data = queries.group_figures(world.group, Period(YEAR, 2), today_local())
    assert [row.session.id for row in data.sessions] == [world.s2.id]
    assert data.figures.sessions_held == 1 and data.figures.seminars_held == 1
    assert [o.attendance.user_id for o in data.owed_reflections] == [
        world.alice.id, world.bob.id
    ]
    assert [o.session.id for o in data.owed_makeups] == [world.s2.id]
    assert data.owed_tasks == []


def test_group_figures_page(world, login, client):
    login(world.sec)
    response = client.get(f"/groups/{world.group.id}/figures?year={YEAR}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for link in (
        f"/sessions/{world.s2.id}/reflections", f"/sessions/{world.s1.id}/attendance",
        f"/tasks/{world.overdue.id}", f"/sessions/{world.s3.id}/report",
        f"/people/{world.alice.id}/record?year={YEAR}",
    ):
        assert f'href="{link}"' in html, link
    owed = html[html.index('id="owed-reflections"'):html.index('id="owed-makeups"')]
    assert owed.index(f'data-session-id="{world.s2.id}"') < owed.index(
        f'data-session-id="{world.s3.id}"'
    )
    quarter = client.get(f"/groups/{world.group.id}/figures?year={YEAR}&quarter=3")
    assert "学习重要讲话" in quarter.get_data(as_text=True)
    assert "作风建设" not in quarter.get_data(as_text=True)


def test_group_page_shows_figures_button_to_secretary_only(world, login, client):
    link = f'href="/groups/{world.group.id}/figures"'
    login(world.sec)
    assert link in client.get(f"/groups/{world.group.id}").get_data(as_text=True)
    login(world.alice)
    assert link not in client.get(f"/groups/{world.group.id}").get_data(as_text=True)


# --- who may open what -------------------------------------------------------------------------


@pytest.mark.parametrize(("viewer", "status"), [
    ("alice", 200), ("bob", 404), ("sec", 200), ("leader", 200), ("beside", 404),
    ("admin", 200), ("visitor", 404),
])
def test_person_record_permissions(world, login, client, viewer, status):
    login(getattr(world, viewer))
    assert client.get(f"/people/{world.alice.id}/record").status_code == status
    assert client.get(f"/people/{world.alice.id}/record.xlsx").status_code == status


@pytest.mark.parametrize(("viewer", "status"), [
    ("alice", 403), ("sec", 200), ("leader", 200), ("beside", 404), ("admin", 200),
    ("visitor", 404),
])
def test_group_figures_permissions(world, login, client, viewer, status):
    login(getattr(world, viewer))
    assert client.get(f"/groups/{world.group.id}/figures").status_code == status
    assert client.get(f"/groups/{world.group.id}/figures.xlsx").status_code == status


def test_unknown_person_and_anonymous(world, login, client):
    assert client.get(f"/people/{world.alice.id}/record").status_code == 302  # to login
    assert client.get(f"/groups/{world.group.id}/figures").status_code == 302
    login(world.admin)
    assert client.get("/people/999999/record").status_code == 404
    assert client.get("/groups/999999/figures").status_code == 404


def test_former_secretary_keeps_no_access(world, login, client):
    membership = next(m for m in world.group.memberships if m.user_id == world.sec.id)
    membership.left_on = date(YEAR, 12, 1)
    db.session.commit()
    login(world.sec)
    assert client.get(f"/people/{world.alice.id}/record").status_code == 404
    assert client.get(f"/groups/{world.group.id}/figures").status_code == 404


# --- Excel ----------------------------------------------------------------------------------


def _workbook(response):
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Cache-Control"] == "private, no-store"
    return load_workbook(BytesIO(response.get_data()))


def _header(sheet):
    return [cell.value for cell in sheet[1]]


def test_person_record_xlsx(world, login, client):
    login(world.sec)
    response = client.get(f"/people/{world.bob.id}/record.xlsx?year={YEAR}")
    assert "%E4%B8%AA%E4%BA%BA%E5%AD%A6%E4%B9%A0%E6%A1%A3%E6%A1%88" in response.headers[
        "Content-Disposition"
    ]  # 个人学习档案
    book = _workbook(response)
    assert book.sheetnames == ["概况", "学习活动", "发言", "心得体会", "后续任务"]
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["姓名"] == "乙同志"
    assert summary["应出席人次"] == 3 and summary["已补学"] == 2
    assert summary["逾期提交"] == 1 and summary["未提交"] == 2
    assert summary["出勤率"] == pytest.approx(1 / 3)

    sessions = book["学习活动"]
    assert _header(sessions) == [
        "日期", "学习组", "学习主题", "形式", "出勤情况", "请假事由", "补学日期", "补学情况"
    ]
    first = [cell.value for cell in sessions[2]]
    assert first[0] == datetime(YEAR, 3, 10) and sessions["A2"].is_date
    assert first[4:8] == ["请假", "出差", datetime(YEAR, 3, 15), "自学原文"]
    assert sessions["G2"].is_date and sessions.max_row == 4

    talks = list(book["发言"].iter_rows(min_row=2, values_only=True))
    assert talks == [(datetime(YEAR, 6, 5), "校党委理论学习中心组", "专题研讨：作风建设",
                      "交流发言", "改进作风")]
    reflections = list(book["心得体会"].iter_rows(min_row=2, values_only=True))
    assert [r[4] for r in reflections] == ["逾期提交", "逾期未交", "未提交"]
    assert _header(book["后续任务"])[:4] == ["日期", "学习主题", "任务", "完成时限"]


def test_group_figures_xlsx(world, login, client):
    login(world.leader)
    book = _workbook(client.get(f"/groups/{world.group.id}/figures.xlsx?year={YEAR}"))
    assert book.sheetnames == ["概况", "学习活动", "成员", "待办"]
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["已开展次数"] == 4 and summary["未提交"] == 4
    assert summary["出勤率"] == pytest.approx(4 / 9)

    sessions = book["学习活动"]
    assert _header(sessions)[:5] == ["日期", "学习主题", "形式", "应出席人次", "出席"]
    assert sessions["A2"].is_date and sessions["A2"].value == datetime(YEAR, 1, 1)
    assert sessions.max_row == 5
    rate_column = _header(sessions).index("出勤率") + 1
    assert sessions.cell(row=3, column=rate_column).number_format == "0.0%"

    members = list(book["成员"].iter_rows(min_row=2, values_only=True))
    assert [m[0] for m in members] == ["张瑜", "乙同志", "丙同志"]
    owed = book["待办"]
    assert _header(owed) == [
        "类别", "日期", "学习主题", "事项", "姓名/责任人", "截止日期", "情况", "已逾期"
    ]
    kinds = [row[0] for row in owed.iter_rows(min_row=2, values_only=True)]
    assert kinds == ["心得体会未提交"] * 4 + ["补学未登记"] * 2 + ["后续任务未完成"] * 2
    assert owed["F2"].is_date and owed["F2"].value == datetime(YEAR, 6, 15)
    assert owed["H2"].value == "是"
    assert owed.cell(row=9, column=5).value == "中侨职业技术大学党委"  # a task owned by a unit


# --- query budgets -------------------------------------------------------------------------


def _grow(world, create_user, create_session, sessions=4, people=5):
    """More sessions, members, rows, reflections, talks and tasks in the same year."""
    extra = [create_user(locale="en") for _ in range(people)]
    for user in extra:
        admin_services.add_member(world.group, user, GroupRole.MEMBER, GroupTitle.MEMBER)
    db.session.commit()
    for n in range(sessions):
        session = create_session(world.group, f"增加的学习{n}", starts_at=_at(4 + n, 20),
                                 reflection_due_on=date(YEAR, 4 + n, 28))
        _roster(session, (world.alice, AttendanceStatus.PRESENT, {}),
                *((u, AttendanceStatus.ABSENT, {}) for u in extra))
        _reflection(session, world.alice, ReflectionStatus.SUBMITTED, late=True)
        db.session.add(Talk(session=session, speaker=world.alice, kind=TalkKind.EXCHANGE))
        for user in (world.alice, *extra):
            _task(session, f"任务{n}", assignee=user, due_on=date(YEAR, 5, 1))
    db.session.commit()


def test_the_page_lists_the_first_of_what_is_owed_and_the_export_all(
        world, login, create_user, create_session):
    _grow(world, create_user, create_session, sessions=5, people=5)
    data = queries.group_figures(world.group, PERIOD, today_local())
    shown = queries.group_figures(world.group, PERIOD, today_local(),
                                  owed_shown=queries.OWED_SHOWN)
    assert len(data.owed_makeups) > queries.OWED_SHOWN < len(data.owed_tasks)
    assert shown.owed_makeups == data.owed_makeups[:queries.OWED_SHOWN]  # the most urgent
    assert shown.owed_tasks == data.owed_tasks[:queries.OWED_SHOWN]
    assert (shown.owed_makeups_total, shown.owed_tasks_total, shown.owed_reflections_total) == (
        len(data.owed_makeups), len(data.owed_tasks), len(data.owed_reflections))

    client = login(world.sec)
    html = client.get(f"/groups/{world.group.id}/figures?year={YEAR}").get_data(as_text=True)
    makeups = html[html.index('id="owed-makeups"'):html.index('id="owed-tasks"')]
    assert makeups.count("<li ") == queries.OWED_SHOWN
    assert (f"The first {queries.OWED_SHOWN} of {len(data.owed_makeups)} are listed; the Excel "
            "download lists them all.") in html
    assert f'<span class="badge text-bg-light border">{len(data.owed_tasks)}</span>' in html
    workbook = load_workbook(BytesIO(client.get(
        f"/groups/{world.group.id}/figures.xlsx?year={YEAR}").data))
    owed_rows = list(workbook["待办"].iter_rows(min_row=2, values_only=True))
    assert len(owed_rows) == (len(data.owed_reflections) + len(data.owed_makeups)
                              + len(data.owed_tasks))


def _count(client, count_queries, url):
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


# A member's record: at most 15 queries (its lists 4, its figures 1, the request's user,
# authz reach and notification count). The group's figures may cost more: most of their
# queries are the three metrics calls the page is made of (figures_by_group,
# figures_by_session, figures_by_person); the page's own lists add 4, the request itself 5
# (user, authz reach, the group, the navigation's notification count).
PERSON_BUDGET, GROUP_BUDGET = 15, 22


@pytest.mark.parametrize(("viewer", "url", "budget"), [
    ("alice", "/people/{alice}/record?year=2025", PERSON_BUDGET),
    ("sec", "/people/{alice}/record?year=2025", PERSON_BUDGET),
    ("leader", "/people/{alice}/record.xlsx?year=2025", PERSON_BUDGET),
    ("sec", "/groups/{group}/figures?year=2025", GROUP_BUDGET),
    ("leader", "/groups/{group}/figures.xlsx?year=2025", GROUP_BUDGET),
])
def test_query_budget_does_not_grow(world, login, client, count_queries, create_user,
                                    create_session, viewer, url, budget):
    url = url.format(alice=world.alice.id, group=world.group.id)
    login(getattr(world, viewer))
    small = _count(client, count_queries, url)
    _grow(world, create_user, create_session)
    large = _count(client, count_queries, url)
    assert large == small
    assert small <= budget
