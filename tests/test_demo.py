"""The demo data: loaded into an empty database only, never twice, and read like a real record."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from flask import Flask

from studytrack import demo
from studytrack.extensions import db
from studytrack.models import (
    AttendanceStatus,
    Base,
    GroupMembership,
    GroupRole,
    LeadershipRole,
    Organization,
    Reflection,
    ReflectionStatus,
    SessionStatus,
    StudySession,
    TalkKind,
    TaskStatus,
    User,
)

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
    assert "平杰" in table and "study secretary" in table


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
    assert all(a.status == AttendanceStatus.PRESENT for a in session.attendances
               if a not in on_leave)

    reflections = {r.status: r for r in session.reflections}
    assert set(reflections) == set(ReflectionStatus)
    accepted = reflections[ReflectionStatus.ACCEPTED]
    assert accepted.char_count == len(accepted.body) >= session.min_reflection_chars == 800
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
        assert reflection.char_count == len(reflection.body)
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
