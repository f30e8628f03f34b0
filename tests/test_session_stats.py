"""session_stats stays exact after every kind of write (issue 7): after each service call its
rows equal a from-scratch recomputation from the raw tables, and the dashboard figures read
from it equal those of the raw rows. Talks by members follow membership changes; tasks
overdue follow `today`. Also: bulk refresh, rollback, and the migrations' backfills."""

from __future__ import annotations

import importlib.util
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from studytrack.admin import services as admin
from studytrack.dashboard import metrics
from studytrack.extensions import db
from studytrack.followups import services as tasks
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    GroupMembership,
    GroupRole,
    GroupTitle,
    ReflectionStatus,
    SessionStats,
    SessionStatus,
    StudySession,
    TalkKind,
)
from studytrack.models.session_stats import COUNT_COLUMNS
from studytrack.reflections import services as reflections
from studytrack.stats import refresh_session_stats, stats_select
from studytrack.study_sessions import attendance_services as attendance
from studytrack.study_sessions import services as sessions
from studytrack.study_sessions import talk_services as talks

DUE = date(2026, 4, 10)
TEXT = "学习贯彻习近平总书记重要讲话精神，深刻领会。"
VERSIONS = Path(__file__).parents[1] / "migrations" / "versions"
MIGRATION = next(VERSIONS.glob("*_session_stats.py"))
TALKS_AND_TASKS_MIGRATION = next(VERSIONS.glob("*_session_stats_talks_and_tasks.py"))


def stored() -> dict[int, dict[str, int]]:
    return {
        row.session_id: {name: getattr(row, name) for name in COUNT_COLUMNS}
        for row in db.session.scalars(sa.select(SessionStats))
    }


def recomputed() -> dict[int, dict[str, int]]:
    return {
        row.session_id: {name: int(getattr(row, name)) for name in COUNT_COLUMNS}
        for row in db.session.execute(stats_select())
    }


def exact(session: StudySession) -> dict[str, int]:
    """Assert that every row equals the recomputation; return the session's counts."""
    db.session.commit()
    assert stored() == recomputed()
    return stored()[session.id]


@pytest.fixture
def world(app, world, create_user, create_session):
    """The shared world, its member `a`; three more members of the group (b, c, d), a person
    outside it (guest_user) and a session (reflections due 10 April 2026, at least 5
    characters). The test runs inside a request."""
    with app.test_request_context():
        world.a = world.member
        for name in ("b", "c", "d"):
            setattr(world, name, create_user(name, f"{name}同志"))
            admin.add_member(world.group, getattr(world, name))
        world.guest_user = create_user("guest_user", "guest_user同志")
        world.session = create_session(world.group, reflection_due_on=DUE, min_reflection_chars=5)
        yield world


def _mark(world, **statuses):
    rows = {row.user_id: row for row in attendance.ensure_roster(world.session)}
    db.session.commit()
    rows = rows or {
        row.user_id: row for row in db.session.scalars(
            sa.select(Attendance).where(Attendance.session_id == world.session.id))
    }
    attendance.save_attendance(world.session, [
        attendance.RowInput(
            rows[getattr(world, who).id].id, status,
            "公务出差" if status == AttendanceStatus.ON_LEAVE else None,
        )
        for who, status in statuses.items()
    ])
    db.session.commit()


def test_a_new_session_has_a_row_of_zeros(world):
    assert exact(world.session) == dict.fromkeys(COUNT_COLUMNS, 0)


def test_roster_marking_make_up_and_observers(world):
    attendance.ensure_roster(world.session)
    counts = exact(world.session)
    assert counts["attendance_expected"] == counts["attendance_unmarked"] == 4

    _mark(world, a=AttendanceStatus.PRESENT, b=AttendanceStatus.PRESENT,
          c=AttendanceStatus.ON_LEAVE, d=AttendanceStatus.ABSENT)
    counts = exact(world.session)
    assert (counts["attendance_present"], counts["attendance_on_leave"],
            counts["attendance_absent"], counts["attendance_unmarked"],
            counts["reflections_required"]) == (2, 1, 1, 0, 2)

    row = db.session.scalar(sa.select(Attendance).where(Attendance.user_id == world.c.id))
    attendance.record_makeup(row, date(2026, 4, 1), "自学原文")
    counts = exact(world.session)
    assert (counts["attendance_made_up"], counts["reflections_required"]) == (1, 3)

    observer = attendance.add_observer(world.session, user_id=world.guest_user.id)
    guest = attendance.add_observer(world.session, guest_name="王老师", guest_position="讲师")
    counts = exact(world.session)
    assert counts["attendance_observers"] == 2 and counts["attendance_expected"] == 4

    attendance.remove_attendance(observer)
    attendance.remove_attendance(guest)
    assert exact(world.session)["attendance_observers"] == 0


def test_reflection_submit_return_accept_and_late(world):
    _mark(world, a=AttendanceStatus.PRESENT, b=AttendanceStatus.PRESENT)
    on_time = reflections.save_draft(world.session, world.a, "体会", TEXT, None)
    late = reflections.save_draft(world.session, world.b, "体会", TEXT, None)
    counts = exact(world.session)
    assert (counts["reflections_required"], counts["reflections_submitted"]) == (2, 0)

    reflections.submit(on_time, now=datetime(2026, 4, 1, 2, 0, tzinfo=UTC))
    reflections.submit(late, now=datetime(2026, 4, 20, 2, 0, tzinfo=UTC))
    counts = exact(world.session)
    assert (counts["reflections_submitted"], counts["reflections_late"]) == (2, 1)

    reflections.return_for_revision(on_time, world.secretary, "请充实内容")
    assert exact(world.session)["reflections_submitted"] == 2  # returned still counts
    reflections.accept(late, world.secretary)
    assert exact(world.session)["reflections_submitted"] == 2
    assert late.status == ReflectionStatus.ACCEPTED

    # The due date is on the session: without one, nothing is late.
    world.session.reflection_due_on = None
    assert exact(world.session)["reflections_late"] == 0
    world.session.reflection_due_on = DUE
    assert exact(world.session)["reflections_late"] == 1


def test_publish_cancel_and_delete(world, create_session):
    draft = create_session(world.group, status=SessionStatus.DRAFT, topic="草稿")
    assert exact(draft) == dict.fromkeys(COUNT_COLUMNS, 0)
    attendance.ensure_roster(draft)
    sessions.publish(draft)
    assert exact(draft)["attendance_expected"] == 4
    sessions.cancel(draft, "改期举行")
    assert exact(draft)["attendance_expected"] == 4  # stored; cancelled counts nowhere
    assert metrics.figures_by_group([world.group.id], metrics.Period(2026))[
        world.group.id].attendance_expected == 0

    db.session.delete(draft)
    db.session.commit()
    assert draft.id not in stored()
    assert stored() == recomputed()


def test_a_rollback_undoes_the_refresh(world):
    # (Plain adds: ensure_roster's SAVEPOINT ends pysqlite's transaction on SQLite.)
    db.session.add_all(
        Attendance(session=world.session, user=user, status=AttendanceStatus.PRESENT)
        for user in (world.a, world.b, world.c, world.d)
    )
    db.session.flush()
    assert stored()[world.session.id]["attendance_expected"] == 4  # same transaction
    db.session.rollback()
    assert stored()[world.session.id]["attendance_expected"] == 0


def test_dashboard_figures_equal_the_raw_rows(world):
    _mark(world, a=AttendanceStatus.PRESENT, b=AttendanceStatus.ABSENT,
          c=AttendanceStatus.ON_LEAVE)
    draft = reflections.save_draft(world.session, world.a, "体会", TEXT, None)
    reflections.submit(draft, now=datetime(2026, 4, 20, 2, 0, tzinfo=UTC))
    db.session.commit()
    figures = metrics.figures_by_group(
        [world.group.id], metrics.Period(2026), today=date(2026, 5, 1)
    )[world.group.id]
    assert (figures.attendance_expected, figures.attendance_present,
            figures.attendance_absent, figures.attendance_on_leave,
            figures.attendance_unmarked) == (4, 1, 1, 1, 1)
    assert (figures.reflections_required, figures.reflections_submitted,
            figures.reflections_late, figures.reflections_on_time,
            figures.reflections_overdue) == (1, 1, 1, 0, 0)
    by_month = dict(metrics.attendance_by_month(world.group.organization, 2026))
    assert by_month[3] == 1 / 4 and by_month[4] is None


def test_bulk_refresh_rebuilds_every_row(world, create_session):
    other = create_session(world.group, topic="第二次")
    _mark(world, a=AttendanceStatus.PRESENT)
    expected = recomputed()
    db.session.execute(sa.delete(SessionStats))
    refresh_session_stats(db.session, None)
    db.session.commit()
    assert stored() == expected and other.id in expected
    refresh_session_stats(db.session, [world.session.id, other.id, 10**9])
    db.session.commit()
    assert stored() == expected


def test_the_migration_backfills_the_same_counts(world):
    _mark(world, a=AttendanceStatus.PRESENT, b=AttendanceStatus.ON_LEAVE)
    row = db.session.scalar(sa.select(Attendance).where(Attendance.user_id == world.b.id))
    attendance.record_makeup(row, date(2026, 4, 1), "自学原文")
    draft = reflections.save_draft(world.session, world.b, "体会", TEXT, None)
    reflections.submit(draft, now=datetime(2026, 4, 20, 2, 0, tzinfo=UTC))
    db.session.commit()

    _talks_and_tasks(world)
    expected = recomputed()

    db.session.execute(sa.delete(SessionStats))
    for path in (MIGRATION, TALKS_AND_TASKS_MIGRATION):  # the table's, then the new columns'
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        db.session.execute(sa.text(module.BACKFILL))
    db.session.commit()
    assert stored() == expected
    assert expected[world.session.id]["reflections_late"] == 1
    assert expected[world.session.id]["talks_by_members"] == 1


def test_deleting_an_expired_row_refreshes_its_session(world):
    _mark(world, a=AttendanceStatus.PRESENT)
    row_id = db.session.scalar(
        sa.select(Attendance.id).where(Attendance.user_id == world.a.id))
    db.session.expire_all()
    row = db.session.get(Attendance, row_id)
    db.session.expire(row)  # nothing loaded: the listener must still find its session
    db.session.delete(row)
    assert exact(world.session)["attendance_present"] == 0


def _talks_and_tasks(world):
    """Talks by a member, the secretary and a guest; four tasks: one cancelled, one done, one
    open due 1 May, one in progress without a due date."""
    for data in (
        talks.TalkData(TalkKind.KEYNOTE, speaker_id=world.a.id),
        talks.TalkData(TalkKind.CHAIR_ADDRESS, speaker_id=world.secretary.id),
        talks.TalkData(TalkKind.EXCHANGE, speaker_name="王老师"),
    ):
        talks.add_talk(world.session, data)
    made = [
        tasks.create_task(world.session, title=title, assignee=world.a, due_on=due)
        for title, due in (("取消", None), ("完成", date(2026, 4, 20)),
                           ("待办", date(2026, 5, 1)), ("进行中", None))
    ]
    tasks.cancel_task(made[0], "不再需要")
    tasks.complete_task(made[1], "已完成")
    tasks.start_task(made[3])
    db.session.commit()
    return made


def test_talks_and_tasks(world):
    made = _talks_and_tasks(world)
    counts = exact(world.session)
    assert (counts["talks"], counts["talks_by_members"]) == (3, 1)
    assert (counts["tasks_total"], counts["tasks_done"], counts["tasks_open_dated"]) == (
        3, 1, 1)

    # Overdue depends on today: the open task is due 1 May, the done one never counts.
    def overdue(today):
        return metrics.figures_by_group([world.group.id], metrics.Period(2026), today=today)[
            world.group.id].tasks_overdue
    assert [overdue(date(2026, 4, 30)), overdue(date(2026, 5, 1)), overdue(date(2026, 5, 2))] == [
        0, 0, 1]
    tasks.update_task(made[3], expected_version=made[3].version, title="进行中",
                      assignee=world.a, due_on=date(2026, 4, 25))
    assert exact(world.session)["tasks_open_dated"] == 2
    assert overdue(date(2026, 5, 2)) == 2
    tasks.reopen_task(made[1], reason="需补充")
    assert exact(world.session)["tasks_done"] == 0
    assert overdue(date(2026, 5, 2)) == 3

    # A speaker changed, a talk deleted.
    keynote, chair, _guest = talks.ordered_talks(world.session)
    talks.update_talk(chair, talks.TalkData(TalkKind.CHAIR_ADDRESS, speaker_id=world.b.id))
    assert exact(world.session)["talks_by_members"] == 2
    talks.delete_talk(keynote)
    assert exact(world.session)["talks"] == 2
    assert exact(world.session)["talks_by_members"] == 1


def test_membership_changes_refresh_talks_by_members(world, create_session):
    _talks_and_tasks(world)
    other = create_session(world.group, topic="第二次")
    talks.add_talk(other, talks.TalkData(TalkKind.KEYNOTE, speaker_id=world.a.id))
    db.session.commit()
    assert [exact(s)["talks_by_members"] for s in (world.session, other)] == [1, 1]

    membership = db.session.scalar(sa.select(GroupMembership).where(
        GroupMembership.group_id == world.group.id, GroupMembership.user_id == world.a.id))
    admin.remove_member(membership)  # left: a former member's talks count in talks only
    assert [exact(s)["talks_by_members"] for s in (world.session, other)] == [0, 0]
    assert exact(world.session)["talks"] == 3
    admin.add_member(world.group, world.a)  # back again
    assert [exact(s)["talks_by_members"] for s in (world.session, other)] == [1, 1]
    admin.update_membership(membership, GroupRole.SECRETARY, GroupTitle.MEMBER)
    assert exact(world.session)["talks_by_members"] == 0
    admin.update_membership(membership, GroupRole.MEMBER, GroupTitle.DEPUTY)
    assert exact(world.session)["talks_by_members"] == 1
    admin.update_membership(membership, GroupRole.MEMBER, GroupTitle.LEADER)  # no count moves
    assert exact(world.session)["talks_by_members"] == 1

    # The secretary becomes a member; then the membership row goes away altogether.
    secretary = db.session.scalar(sa.select(GroupMembership).where(
        GroupMembership.user_id == world.secretary.id))
    admin.update_membership(secretary, GroupRole.MEMBER, GroupTitle.MEMBER)
    assert exact(world.session)["talks_by_members"] == 2
    db.session.delete(secretary)
    assert exact(world.session)["talks_by_members"] == 1
    assert exact(other)["talks_by_members"] == 1


def test_a_membership_rollback_leaves_the_counts(world):
    _talks_and_tasks(world)
    membership = db.session.scalar(sa.select(GroupMembership).where(
        GroupMembership.user_id == world.a.id))
    membership.left_on = date(2026, 6, 1)
    db.session.flush()
    assert stored()[world.session.id]["talks_by_members"] == 0  # same transaction
    db.session.rollback()
    assert exact(world.session)["talks_by_members"] == 1
