"""The demo data: loaded into an empty database only, never twice, and read like a real record."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from studytrack import demo
from studytrack.dashboard import queries as dashboard_queries
from studytrack.dashboard.metrics import Period
from studytrack.demo import example_2020
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    Base,
    FollowUpTask,
    GroupMembership,
    GroupRole,
    LeadershipRole,
    Notification,
    NotificationKind,
    Organization,
    Reflection,
    ReflectionStatus,
    SessionStatus,
    StudyGroup,
    StudyPlan,
    StudySession,
    TalkKind,
    Target,
    TargetMetric,
    TaskStatus,
    User,
)
from studytrack.plans.targets import effective_targets
from studytrack.reflections.services import count_characters

TODAY = date(2026, 11, 23)

def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def seed() -> demo.SeedOutcome:
    outcome = demo.seed(today=TODAY)
    db.session.commit()  # as the CLI does
    return outcome


def log_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"username": username, "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    return client


def user(username: str) -> User:
    return db.session.scalars(sa.select(User).where(User.username == username)).one()


def recent_session() -> StudySession:
    """The session held six days before seeding, whose reflections are still due."""
    return db.session.scalars(
        sa.select(StudySession).where(
            StudySession.status == SessionStatus.PUBLISHED,
            StudySession.reflection_due_on > TODAY,
        )
    ).one()


def example_session() -> StudySession:
    return db.session.scalars(
        sa.select(StudySession).where(
            StudySession.starts_at == datetime(2020, 3, 26, 6, 30, tzinfo=UTC)
        )
    ).one()


def test_seeding_an_empty_database_creates_accounts_that_log_in(app: Flask) -> None:
    outcome = seed()

    assert outcome.seeded
    usernames = [account.username for account in outcome.accounts]
    assert usernames[:4] == ["admin", "secretary", "member", "leader"]
    assert len(set(usernames)) == len(usernames) == db.session.scalar(
        sa.select(sa.func.count(User.id))
    )
    for account in outcome.accounts:
        client = app.test_client()
        response = client.post(
            "/auth/login", data={"username": account.username, "password": account.password}
        )
        assert response.status_code == 302, account.username
        assert "/auth/password" not in response.location  # no forced password change

    table = demo.format_accounts(outcome.accounts)
    lines = table.splitlines()
    assert len(lines) == 2 + len(outcome.accounts)
    assert len({line.index(demo.DEMO_PASSWORD) for line in lines[2:]}) == 1  # aligned
    # the names start in one terminal column, however wide the Chinese roles before them
    starts = {demo._columns(line[:line.rindex(account.display_name)])
              for line, account in zip(lines[2:], outcome.accounts, strict=True)}
    assert len(starts) == 1
    assert "平杰" in table and "学习秘书" in table and "study secretary" not in table


def test_demo_roles(app: Flask) -> None:
    seed()
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    assert users["admin"].is_admin and not users["member"].is_admin
    assert not any(u.must_change_password for u in users.values())
    root = db.session.scalars(sa.select(Organization).where(Organization.parent_id.is_(None))).one()
    leaders = db.session.scalars(
        sa.select(LeadershipRole.user_id).where(LeadershipRole.organization_id == root.id)
    ).all()
    assert users["leader"].id in leaders
    roles = dict(db.session.execute(
        sa.select(User.username, GroupMembership.role)
        .join(GroupMembership.user)
        .where(GroupMembership.group.has(organization_id=root.id))
    ).all())
    assert roles["secretary"] == GroupRole.SECRETARY
    assert roles["member"] == GroupRole.MEMBER
    assert "leader" not in roles and "admin" not in roles


def test_the_example_session_is_recorded_as_in_the_news_release(app: Flask) -> None:
    seed()
    session = example_session()

    assert session.location == "518会议室"
    assert session.chair.display_name == "平杰"
    assert session.recorder.username == "secretary"
    assert [link.material.issued_on for link in session.session_materials] == [
        date(2020, 2, 23), date(2020, 3, 4),
    ]
    talks = [(talk.kind, talk.name) for talk in session.talks]
    assert talks == [
        (TalkKind.CHAIR_ADDRESS, "平杰"), (TalkKind.KEYNOTE, "陈晓斌"),
        (TalkKind.EXCHANGE, "寇新建"), (TalkKind.EXCHANGE, "管琰琰"),
        (TalkKind.EXCHANGE, "张瑜"), (TalkKind.EXCHANGE, "罗宁"),
    ]
    on_leave = [a for a in session.attendances if a.status == AttendanceStatus.ON_LEAVE]
    assert len(on_leave) == 1
    assert on_leave[0].leave_reason and on_leave[0].makeup_on and on_leave[0].makeup_note
    others = [a for a in session.attendances if a not in on_leave]
    assert all(a.status == AttendanceStatus.PRESENT for a in others if a.user != session.recorder)
    # the secretary keeps the record and sits in as an observer (列席)
    assert [a.status for a in others if a.user == session.recorder] == [AttendanceStatus.OBSERVER]

    reflections = {r.status: r for r in session.reflections}
    assert set(reflections) == set(ReflectionStatus)
    accepted = reflections[ReflectionStatus.ACCEPTED]
    assert accepted.char_count == count_characters(accepted.body)
    assert accepted.char_count >= session.min_reflection_chars == 800
    assert reflections[ReflectionStatus.RETURNED].review_comment
    assert reflections[ReflectionStatus.DRAFT].submitted_at is None

    tasks = session.tasks
    assert any(t.status == TaskStatus.DONE and t.completion_note for t in tasks)
    assert any(t.organization is not None and t.assignee is None for t in tasks)
    assert any(t.is_overdue(TODAY) for t in tasks)


def test_every_record_is_consistent(app: Flask) -> None:
    seed()
    sessions = db.session.scalars(sa.select(StudySession)).all()
    assert {s.status for s in sessions} == {
        SessionStatus.DRAFT, SessionStatus.PUBLISHED, SessionStatus.CLOSED,
    }
    for session in sessions:
        assert session.attendances
        held = session.status != SessionStatus.DRAFT
        assert all((a.status is not None) == held for a in session.attendances)
        if not held:
            assert session.starts_at.date() > TODAY
    for reflection in db.session.scalars(sa.select(Reflection)):
        assert reflection.char_count == count_characters(reflection.body)
        if reflection.status in (ReflectionStatus.SUBMITTED, ReflectionStatus.ACCEPTED):
            assert reflection.char_count >= reflection.session.min_reflection_chars


def test_seeding_twice_adds_nothing_and_lists_the_accounts_again(app: Flask) -> None:
    first = seed()
    counts = row_counts()

    second = seed()

    assert not second.seeded
    assert "already" in second.message
    assert second.accounts == first.accounts
    assert row_counts() == counts


@pytest.mark.parametrize("fixture", ["create_user", "create_org"])
def test_a_database_with_real_data_is_left_alone(
    app: Flask, request: pytest.FixtureRequest, fixture: str
) -> None:
    request.getfixturevalue(fixture)()
    counts = row_counts()

    outcome = seed()

    assert not outcome.seeded
    assert "real data" in outcome.message
    assert outcome.accounts == []
    assert row_counts() == counts


def test_seeding_writes_in_bulk(app: Flask) -> None:
    """`make run` seeds on every fresh start: a per-row query (an N+1 in the seeder or in a
    flush listener) would multiply the statements. Its time is a benchmark's business."""
    statements: list[str] = []

    def count(*_args: object) -> None:
        statements.append("")

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        seed()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    print(f"seeding the demo: {len(statements)} statements")
    assert 500 < len(statements) < 3000


def test_the_example_session_has_reflections_at_every_stage_of_review(app: Flask) -> None:
    seed()
    session = example_session()
    by_author = {r.author.username: r for r in session.reflections}

    accepted = [r for r in session.reflections if r.status == ReflectionStatus.ACCEPTED]
    assert len({r.author_id for r in accepted}) >= 3
    assert all(800 <= r.char_count <= 900 and r.title and r.reviewer for r in accepted)
    assert len({r.body for r in accepted}) == len(accepted)
    waiting = [r for r in session.reflections if r.status == ReflectionStatus.SUBMITTED]
    assert len(waiting) == 1 and waiting[0].reviewed_at is None
    returned = by_author["member"]
    assert returned.status == ReflectionStatus.RETURNED
    assert "请结合分管工作谈具体落实举措" in returned.review_comment
    assert returned.reviewer.username == "secretary"
    # 徐卫东 was on leave, made up the study and handed in after the due date
    late = by_author["xuweidong"]
    assert late.is_late and late.status == ReflectionStatus.ACCEPTED
    assert late.submitted_at.date() > session.reflection_due_on
    for reflection in session.reflections:
        if reflection.submitted_at:
            assert reflection.submitted_at.date() >= session.starts_at.date()
        if reflection.reviewed_at:
            assert reflection.reviewed_at > reflection.submitted_at


def test_every_author_was_required_to_write(app: Flask) -> None:
    seed()
    rows = db.session.execute(
        sa.select(Reflection, Attendance).outerjoin(Attendance, sa.and_(
            Attendance.session_id == Reflection.session_id,
            Attendance.user_id == Reflection.author_id,
        ))
    ).all()
    assert rows
    for reflection, attendance in rows:
        assert attendance is not None and attendance.owes_reflection, (
            reflection.session.topic, reflection.author.username
        )
    # some authors were on leave and wrote after their make-up study
    assert any(a is not None and a.status == AttendanceStatus.ON_LEAVE for _, a in rows)


def test_the_member_has_a_reflection_due_and_one_returned(app: Flask) -> None:
    seed()
    recent = recent_session()
    member = user("member")
    attendance = next(a for a in recent.attendances if a.user_id == member.id)
    assert attendance.status == AttendanceStatus.PRESENT
    assert recent.starts_at.date() < TODAY < recent.reflection_due_on
    assert not any(r.author_id == member.id for r in recent.reflections)

    page = log_in(app, "member").get("/").get_data(as_text=True)

    assert recent.topic in page  # to write, not yet overdue
    assert example_2020.TOPIC in page  # returned, with the secretary's comment
    assert "请结合分管工作谈具体落实举措" in page


def test_the_secretary_has_submissions_to_review(app: Flask) -> None:
    seed()
    session = example_session()
    waiting = next(r for r in session.reflections if r.status == ReflectionStatus.SUBMITTED)
    recent = recent_session()

    page = log_in(app, "secretary").get(
        f"/groups/{session.group_id}/reflections/review"
    ).get_data(as_text=True)

    assert f'data-reflection-id="{waiting.id}"' in page
    assert waiting.author.display_name in page
    for reflection in recent.reflections:
        if reflection.status == ReflectionStatus.SUBMITTED:
            assert f'data-reflection-id="{reflection.id}"' in page


def test_the_example_report_shows_the_accepted_reflections(app: Flask) -> None:
    seed()
    session = example_session()
    accepted = [r for r in session.reflections if r.status == ReflectionStatus.ACCEPTED]
    draft = next(r for r in session.reflections if r.status == ReflectionStatus.DRAFT)

    response = log_in(app, "leader").get(f"/sessions/{session.id}/report")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for reflection in accepted:
        assert reflection.title in page
        assert reflection.author.display_name in page
        assert reflection.body.splitlines()[0][:40] in page
    assert draft.body[:30] not in page


def test_notifications_follow_the_story(app: Flask) -> None:
    seed()
    notes = db.session.scalars(sa.select(Notification)).all()
    kinds = {(n.user.username, n.kind) for n in notes}
    assert ("member", NotificationKind.REFLECTION_RETURNED) in kinds
    assert ("member", NotificationKind.TASK_ASSIGNED) in kinds
    assert ("secretary", NotificationKind.REFLECTION_SUBMITTED) in kinds
    assert ("guanyanyan", NotificationKind.REFLECTION_ACCEPTED) in kinds

    handed_in = db.session.scalar(sa.select(sa.func.count(Reflection.id)).where(
        Reflection.submitted_at.is_not(None)))
    submitted = [n for n in notes if n.kind == NotificationKind.REFLECTION_SUBMITTED]
    assert len(submitted) == handed_in
    assert all(n.user.username in {"secretary", "wujiayi", "hejing", "jiangwen"}
               for n in submitted)
    assert any(n.details.get("late") for n in submitted)
    for note in notes:
        if note.kind == NotificationKind.TASK_ASSIGNED:
            task = db.session.get(FollowUpTask, note.task_id)
            assert task.assignee_id == note.user_id
        else:
            reflection = db.session.get(Reflection, note.reflection_id)
            assert note.created_at in (reflection.submitted_at, reflection.reviewed_at)

    # the story's dates, not the seeding time; only the last two weeks are unread
    boundary = datetime.combine(TODAY - timedelta(days=14), datetime.min.time(), tzinfo=UTC)
    assert all(n.created_at.replace(tzinfo=UTC) < datetime.now(UTC) for n in notes)
    unread = [n for n in notes if n.read_at is None]
    assert unread and all(n.created_at.replace(tzinfo=UTC) > boundary for n in unread)
    assert any(n.user.username == "member" and n.kind == NotificationKind.TASK_ASSIGNED
               for n in unread)
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "reflection.return")
    ).all()
    assert {e.created_at.date() for e in events} == {
        r.reviewed_at.date() for r in db.session.scalars(
            sa.select(Reflection).where(Reflection.status == ReflectionStatus.RETURNED))
    }



def root_unit() -> Organization:
    return db.session.scalars(
        sa.select(Organization).where(Organization.parent_id.is_(None))
    ).one()


def test_the_leader_lands_on_the_dashboard_with_targets(app: Flask) -> None:
    seed()
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"username": "leader", "password": demo.DEMO_PASSWORD},
        follow_redirects=True,
    )
    assert response.request.path == "/dashboard"
    assert response.status_code == 200

    page = client.get("/dashboard?year=2026").get_data(as_text=True)
    for org in db.session.scalars(sa.select(Organization).where(
            sa.or_(Organization.parent_id.is_(None),
                   Organization.parent_id == root_unit().id))):
        assert f'data-unit="{org.id}"' in page, org.name
    assert "中侨职业技术大学党委" in page and "智能制造学院党委" in page
    # inherited targets, and the college's own attendance target
    assert page.count("中侨职业技术大学党委") > 4  # "(inherited from 中侨…)" in the titles
    assert "85%" in page and "90%" in page
    assert "figure-meets" in page and "figure-misses" in page

    zz = db.session.scalars(sa.select(Organization).where(
        Organization.name == "智能制造学院党委")).one()
    targets = effective_targets(zz)
    assert targets[TargetMetric.ATTENDANCE_RATE].source == zz
    assert targets[TargetMetric.SESSIONS_PER_YEAR].source == root_unit()
    assert db.session.scalar(sa.select(sa.func.count(Target.id)).where(
        Target.organization_id.is_(None))) == 0  # no installation defaults


def test_colleges_differ_in_what_they_are_behind_on(app: Flask) -> None:
    seed()
    board = dashboard_queries.dashboard(
        dashboard_queries.unit_tree(root_unit().id), Period(2026)
    )
    verdicts = {row.unit.name: {key: cell.verdict for key, cell in row.cells.items()}
                for row in board.rows}
    assert verdicts["中侨职业技术大学党委"]["sessions_held"] is True
    assert verdicts["中侨职业技术大学党委"]["seminars_held"] is True
    assert verdicts["智能制造学院党委"]["attendance_rate"] is True  # its own 85 %
    assert verdicts["智能制造学院党委"]["task_completion_rate"] is True
    assert verdicts["商学院党委"]["task_completion_rate"] is False
    assert verdicts["健康与护理学院党总支"]["attendance_rate"] is False
    assert verdicts["健康与护理学院党总支"]["reflection_completion_rate"] is False
    completion = {name: v["reflection_completion_rate"] for name, v in verdicts.items()}
    assert set(completion.values()) == {True, False}


def test_the_main_plan_shows_held_and_overdue_items(app: Flask) -> None:
    seed()
    plan = db.session.scalars(sa.select(StudyPlan).where(
        StudyPlan.year == 2026, StudyPlan.group.has(organization_id=root_unit().id))).one()
    held = [i for i in plan.items if any(
        s.status in (SessionStatus.PUBLISHED, SessionStatus.CLOSED) for s in i.sessions)]
    assert len(held) == 12
    assert any(i.month is None and i.quarter for i in plan.items)
    # every held demo session from 2025 on is linked to an item of its year's plan
    for session in db.session.scalars(sa.select(StudySession).where(
            StudySession.status != SessionStatus.DRAFT,
            StudySession.starts_at >= datetime(2025, 1, 1, tzinfo=UTC))):
        assert session.plan_item is not None, session.topic
        assert session.plan_item.plan.year == session.starts_at.year
        assert session.plan_item.plan.group_id == session.group_id

    page = log_in(app, "secretary").get(
        f"/groups/{plan.group_id}/plans/2026").get_data(as_text=True)
    assert "plan-item-held" in page and "plan-item-overdue" in page
    assert "意识形态工作责任制专题学习" in page  # planned for Q3, not held
    overdue = page.split("意识形态工作责任制专题学习")[0].rsplit("<tr", 1)[1]
    assert "plan-item-overdue" in overdue
    assert held[0].sessions[0].topic in page


def test_the_dashboard_drills_down_to_who_owes_what(app: Flask) -> None:
    seed()
    client = log_in(app, "leader")
    board = client.get("/dashboard?year=2026").get_data(as_text=True)
    hl = db.session.scalars(sa.select(StudyGroup).where(
        StudyGroup.name == "健康与护理学院党总支理论学习中心组")).one()
    link = f"/groups/{hl.id}/figures?year=2026"
    hl_page = client.get(f"/dashboard/units/{hl.organization_id}?year=2026")
    assert link in hl_page.get_data(as_text=True) or link in board

    page = client.get(link).get_data(as_text=True)
    maxiaoli = user("maxiaoli")
    owed = page.split('id="owed-reflections"')[1].split("</ul>")[0]
    assert f'data-user-id="{maxiaoli.id}"' in owed
    assert "records-owed" in owed  # overdue
    tasks = page.split('id="owed-tasks"')[1].split("</ul>")[0]
    assert "与社区卫生服务中心共建实践教学基地" in tasks


def test_a_members_record(app: Flask) -> None:
    seed()
    member = user("member")
    for username in ("member", "leader"):
        response = log_in(app, username).get(f"/people/{member.id}/record?year=2026")
        assert response.status_code == 200, username
        page = response.get_data(as_text=True)
        assert "张瑜" in page and 'data-figure="attendance"' in page
