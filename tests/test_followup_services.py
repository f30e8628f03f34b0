"""Follow-up tasks without HTTP: the rules of a task's fields, the status flow, the version
counter, the audit trail and the reads behind "my tasks"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from studytrack.admin import services as admin_services
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.followups import queries, services
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    FollowUpTask,
    GroupMembership,
    OrganizationKind,
    SessionStatus,
    TaskStatus,
)
from studytrack.timeutil import local_date_of, today_local


@pytest.fixture
def world(request_context, world, create_user, create_session):
    """The shared world (the group's unit has a branch below it), a second member of the group
    and a session 30 days ago."""
    world.other_member = create_user(display_name="成员乙")
    admin_services.add_member(world.group, world.other_member)
    world.session = create_session(world.group, starts_at=datetime.now(UTC) - timedelta(days=30))
    world.session_date = local_date_of(world.session.starts_at)
    return world


def _task(world, **fields):
    values = {"title": "报送学习心得", "assignee": world.member, "actor": world.secretary}
    values.update(fields)
    task = services.create_task(world.session, **values)
    db.session.commit()
    return task


def _events(task, action=None):
    query = sa.select(AuditEvent).where(
        AuditEvent.object_type == "FollowUpTask", AuditEvent.object_id == task.id
    )
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


# --- creating -------------------------------------------------------------------------------


def test_create_task_with_assignee_and_unit(world):
    task = _task(
        world, detail="  结合分管工作  ", organization=world.branch,
        due_on=world.session_date + timedelta(days=7),
    )
    assert task.status == TaskStatus.OPEN
    assert task.detail == "结合分管工作"
    assert task.assignee_id == world.member.id and task.organization_id == world.branch.id
    assert task.created_by_id == world.secretary.id
    [event] = _events(task, "task.create")
    assert event.details["session_id"] == world.session.id
    assert event.actor_id == world.secretary.id
    assert event.organization_id == world.unit.id


def test_create_task_for_a_unit_only(world):
    task = _task(world, assignee=None, organization=world.unit)
    assert task.assignee_id is None and task.organization_id == world.unit.id


def test_due_on_the_session_day_is_fine(world):
    assert _task(world, due_on=world.session_date).due_on == world.session_date


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"assignee": None, "organization": None}, "assignee_id"),
        ({"due_on": "day_before"}, "due_on"),
        ({"assignee": "outsider"}, "assignee_id"),
        ({"organization": "top"}, "organization_id"),
        ({"organization": "elsewhere"}, "organization_id"),
    ],
)
def test_create_task_refuses_bad_input(world, fields, field):
    values = {"title": "任务", "assignee": world.member}
    for key, value in fields.items():
        if value == "day_before":
            value = world.session_date - timedelta(days=1)
        elif isinstance(value, str) and hasattr(world, value) and key != "title":
            value = getattr(world, value)
        values[key] = value
    with pytest.raises(DomainError) as caught:
        services.create_task(world.session, **values)
    assert caught.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpTask)) == 0


def test_inactive_unit_is_refused(world):
    admin_services.set_organization_active(world.branch, False)
    with pytest.raises(DomainError) as caught:
        services.create_task(world.session, title="任务", organization=world.branch)
    assert caught.value.field == "organization_id"


def test_participant_with_account_may_be_assignee_but_not_a_former_member(world, create_user):
    observer = create_user(display_name="列席者")
    db.session.add(
        Attendance(session=world.session, user=observer, status=AttendanceStatus.OBSERVER)
    )
    membership = db.session.scalar(
        sa.select(GroupMembership).where(GroupMembership.user_id == world.other_member.id)
    )
    admin_services.remove_member(membership)
    db.session.commit()
    assert _task(world, assignee=observer).assignee_id == observer.id
    with pytest.raises(DomainError) as caught:
        services.create_task(world.session, title="任务", assignee=world.other_member)
    assert caught.value.field == "assignee_id"
    people = {user.id for user in queries.assignee_options(world.session)}
    assert people == {world.secretary.id, world.member.id, observer.id}


@pytest.mark.parametrize("status", [SessionStatus.CLOSED, SessionStatus.CANCELLED])
def test_no_new_tasks_on_a_locked_session(world, status):
    world.session.status = status
    db.session.commit()
    with pytest.raises(DomainError):
        services.create_task(world.session, title="任务", assignee=world.member)


# --- editing and the version counter ---------------------------------------------------------


def test_update_task_records_what_changed(world):
    task = _task(world)
    services.update_task(
        task, expected_version=task.version, title="报送学习心得体会", assignee=world.member,
        organization=world.branch, due_on=world.session_date + timedelta(days=3),
        actor=world.secretary,
    )
    db.session.commit()
    assert task.version == 2
    [event] = _events(task, "task.update")
    assert set(event.details["changes"]) == {"title", "organization", "due_on"}
    assert event.details["changes"]["title"] == ["报送学习心得", "报送学习心得体会"]
    assert event.details["changes"]["organization"] == [None, world.branch.name]  # by name
    assert event.details["session_id"] == world.session.id


def test_update_with_a_stale_version_changes_nothing(world):
    task = _task(world)
    services.update_task(task, expected_version=1, title="第二版", assignee=world.member)
    db.session.commit()
    with pytest.raises(services.VersionConflict):
        services.update_task(task, expected_version=1, title="第一版的修改", assignee=world.member)
    db.session.rollback()
    assert task.title == "第二版" and task.version == 2
    with pytest.raises(services.VersionConflict):
        services.update_task(task, expected_version=None, title="x", assignee=world.member)


def test_concurrent_write_is_caught_by_the_version_counter(world):
    task = _task(world)
    # Another request saves the task after we loaded it.
    db.session.execute(
        sa.update(FollowUpTask).where(FollowUpTask.id == task.id).values(version=5),
        execution_options={"synchronize_session": False},
    )
    task.title = "后写的人"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()


def test_update_keeps_an_assignee_who_has_left_the_group(world):
    task = _task(world, assignee=world.other_member)
    membership = db.session.scalar(
        sa.select(GroupMembership).where(GroupMembership.user_id == world.other_member.id)
    )
    admin_services.remove_member(membership)
    db.session.commit()
    services.update_task(
        task, expected_version=task.version, title="改标题", assignee=world.other_member
    )
    db.session.commit()
    assert task.title == "改标题" and task.assignee_id == world.other_member.id


def test_update_refuses_a_due_date_before_the_session(world):
    task = _task(world)
    with pytest.raises(DomainError) as caught:
        services.update_task(
            task, expected_version=task.version, title="x", assignee=world.member,
            due_on=world.session_date - timedelta(days=1),
        )
    assert caught.value.field == "due_on"


# --- the status flow ----------------------------------------------------------------------------


def test_open_in_progress_done(world):
    task = _task(world)
    services.start_task(task, actor=world.member)
    db.session.commit()
    assert task.status == TaskStatus.IN_PROGRESS
    services.complete_task(task, "  已报送党委办公室  ", actor=world.member)
    db.session.commit()
    assert task.status == TaskStatus.DONE
    assert task.completion_note == "已报送党委办公室"
    assert task.completed_by_id == world.member.id
    assert task.completed_at is not None
    progress = _events(task, "task.progress")[0].details
    assert (progress["from"], progress["to"]) == ("open", "in_progress")
    complete = _events(task, "task.complete")[0].details
    assert (complete["from"], complete["to"]) == ("in_progress", "done")
    assert complete["session_id"] == world.session.id
    assert complete["note"] == "已报送党委办公室"


def test_open_straight_to_done(world):
    task = _task(world)
    services.complete_task(task, "当场完成", actor=world.member)
    assert task.status == TaskStatus.DONE


@pytest.mark.parametrize("note", [None, "", "   \n "])
def test_done_needs_a_completion_note(world, note):
    task = _task(world)
    with pytest.raises(DomainError) as caught:
        services.progress_task(task, TaskStatus.DONE, note=note, actor=world.member)
    assert caught.value.field == "completion_note"
    db.session.rollback()
    assert task.status == TaskStatus.OPEN and task.completed_at is None
    assert _events(task, "task.complete") == []


@pytest.mark.parametrize(
    ("status", "target"),
    [
        (TaskStatus.DONE, TaskStatus.OPEN),
        (TaskStatus.DONE, TaskStatus.IN_PROGRESS),
        (TaskStatus.CANCELLED, TaskStatus.IN_PROGRESS),
        (TaskStatus.CANCELLED, TaskStatus.DONE),
        (TaskStatus.IN_PROGRESS, TaskStatus.OPEN),
        (TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS),
        (TaskStatus.OPEN, TaskStatus.CANCELLED),
        (TaskStatus.OPEN, "archived"),
    ],
)
def test_illegal_moves_are_refused(world, status, target):
    task = _task(world)
    task.status = status
    task.completion_note = "完成" if status == TaskStatus.DONE else None
    task.cancel_reason = "取消" if status == TaskStatus.CANCELLED else None
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.progress_task(task, target, note="说明", actor=world.member)
    assert str(caught.value.message)
    db.session.rollback()
    assert task.status == status


def test_cancel_needs_a_reason_and_an_active_task(world):
    task = _task(world)
    with pytest.raises(DomainError) as caught:
        services.cancel_task(task, "  ", actor=world.secretary)
    assert caught.value.field == "reason"
    services.cancel_task(task, "工作调整，不再需要", actor=world.secretary)
    db.session.commit()
    assert task.status == TaskStatus.CANCELLED
    assert task.cancel_reason == "工作调整，不再需要"
    event = _events(task, "task.cancel")[0].details
    assert (event["from"], event["to"]) == ("open", "cancelled")
    assert event["reason"] == task.cancel_reason
    with pytest.raises(DomainError):
        services.cancel_task(task, "再取消一次", actor=world.secretary)


@pytest.mark.parametrize("closing", ["done", "cancelled"])
def test_reopen_goes_back_to_in_progress(world, closing):
    task = _task(world)
    if closing == "done":
        services.complete_task(task, "完成", actor=world.member)
    else:
        services.cancel_task(task, "取消", actor=world.secretary)
    db.session.commit()
    services.reopen_task(task, reason="需要补充材料", actor=world.secretary)
    db.session.commit()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.completed_at is None and task.completed_by_id is None
    assert task.completion_note is None and task.cancel_reason is None
    event = _events(task, "task.reopen")[0].details
    assert (event["from"], event["to"]) == (closing, "in_progress")
    assert event["reason"] == "需要补充材料" and event["session_id"] == world.session.id
    # The history keeps what was said before.
    actions = [e.action for e in queries.task_history(task)]
    assert actions == ["task.create", f"task.{'complete' if closing == 'done' else 'cancel'}",
                       "task.reopen"]


def test_only_closed_tasks_can_be_reopened(world):
    task = _task(world)
    with pytest.raises(DomainError):
        services.reopen_task(task, actor=world.secretary)


# --- reads ------------------------------------------------------------------------------------


def test_my_tasks_order_and_counts(world):
    today = today_local()
    later = _task(world, title="后到期", due_on=today + timedelta(days=5))
    no_due = _task(world, title="无期限")
    overdue = _task(world, title="已逾期", due_on=today - timedelta(days=2))
    started = _task(world, title="进行中", due_on=today + timedelta(days=1))
    services.start_task(started, actor=world.member)
    done = _task(world, title="已完成")
    services.complete_task(done, "好了", actor=world.member)
    cancelled = _task(world, title="已取消")
    services.cancel_task(cancelled, "不做了", actor=world.secretary)
    _task(world, title="别人的", assignee=world.other_member)
    db.session.commit()

    mine = queries.my_tasks(world.member)
    assert [t.id for t in mine.active] == [overdue.id, started.id, later.id, no_due.id]
    assert {t.id for t in mine.closed.items} == {done.id, cancelled.id}
    assert queries.open_task_count(world.member) == 4
    assert queries.open_task_count(world.other_member) == 1
    assert queries.open_task_count(world.outsider) == 0
    assert queries.overdue_task_count(world.member, today) == 1
    assert overdue.is_overdue(today) and not later.is_overdue(today)


def test_closed_tasks_are_paginated_most_recent_first(world):
    tasks = [_task(world, title=f"任务{i}") for i in range(5)]
    for task in tasks:
        services.complete_task(task, "完成", actor=world.member)
        db.session.commit()
    first = queries.my_tasks(world.member, page=1, per_page=2)
    assert first.closed.total == 5 and first.closed.pages == 3
    assert [t.id for t in first.closed.items] == [tasks[4].id, tasks[3].id]


def test_unit_options_are_the_groups_unit_and_below_in_tree_order(world, create_org):
    second = create_org("第二党支部", parent=world.unit, kind=OrganizationKind.BRANCH)
    second.sort_order = -1
    below = create_org("第二党支部下属", parent=second, kind=OrganizationKind.OTHER)
    db.session.commit()
    options = queries.unit_options(world.session)
    assert [(o.id, o.depth) for o in options] == [
        (world.unit.id, 0), (second.id, 1), (below.id, 2), (world.branch.id, 1),
    ]
