"""Reminders: the scheduler over a month of a group with a frozen clock (who got what, when,
and nothing twice), what is dropped when no longer due, quiet hours, the person's choices,
the one-click unsubscribe, the robots' posts and the administrator's list.

The mail goes to Flask-Mailman's in-memory outbox here; tests/test_reminder_mail.py sends it
through a real SMTP server.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    FollowUpTask,
    GroupRobot,
    Notification,
    NotificationKind,
    Reflection,
    ReflectionStatus,
    Reminder,
    ReminderChannel,
    ReminderKind,
    ReminderPreference,
    RobotProvider,
    SessionStatus,
    TaskStatus,
)
from studytrack.reminders import services
from studytrack.timeutil import local_to_utc

K = ReminderKind
TOPIC = "学习贯彻习近平总书记重要讲话精神"


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """A local (Beijing) time, in UTC."""
    return local_to_utc(datetime.combine(day, time(hour, minute)))


def outbox(app: Any) -> list[Any]:
    return list(getattr(app.extensions["mailman"], "outbox", None) or [])


@pytest.fixture
def month(app, world, create_user, create_session, robot_receiver):
    """March 2026: a session published on the 2nd (reflections due on the 12th) with two
    members present and one absent, a task due on the 18th, and a robot in the group chat."""
    from studytrack.admin import services as admin_services

    world.member.email = "zhangyu@test.example"
    world.secretary.email = "lijing@test.example"
    world.leader.email = "wang@test.example"
    world.second = create_user("second", "李四", email="lisi@test.example", locale="en")
    world.absentee = create_user("absentee", "王五", email="wangwu@test.example", locale="en")
    for person in (world.second, world.absentee):
        admin_services.add_member(world.group, person)
    session = create_session(
        world.group, topic=TOPIC, starts_at=at(date(2026, 3, 2), 14),
        published_at=at(date(2026, 3, 2), 10), reflection_due_on=date(2026, 3, 12),
        min_reflection_chars=300,
    )
    db.session.add_all([
        Attendance(session=session, user=world.member, status=AttendanceStatus.PRESENT),
        Attendance(session=session, user=world.second, status=AttendanceStatus.PRESENT),
        Attendance(session=session, user=world.absentee, status=AttendanceStatus.ABSENT),
        FollowUpTask(session=session, title="制定开学方案", assignee=world.member,
                     due_on=date(2026, 3, 18), status=TaskStatus.OPEN,
                     created_at=at(date(2026, 3, 2), 16)),
        GroupRobot(group=world.group, provider=RobotProvider.WECOM, name="中心组学习群",
                   webhook_url=f"{robot_receiver.url}/cgi-bin/webhook/send?key=k"),
    ])
    db.session.commit()
    app.config["ROBOT_HOSTS"] = "qyapi.weixin.qq.com, 127.0.0.1"
    world.session = session
    world.task = db.session.scalar(sa.select(FollowUpTask))
    return world


def run_days(first: date, last: date, every_day: Any = None) -> None:
    day = first
    while day <= last:
        if every_day is not None:
            every_day(day)
        services.scan(at(day))
        services.send_due(at(day, 9, 30))
        day += timedelta(days=1)


def received(user_id: int | None = None) -> Counter[tuple[str, str]]:
    """(kind, subject) of every reminder recorded for `user_id` (None: to groups)."""
    query = sa.select(Reminder.kind, Reminder.subject)
    query = query.where(Reminder.user_id == user_id if user_id is not None
                        else Reminder.user_id.is_(None))
    return Counter((str(kind), subject) for kind, subject in db.session.execute(query))


def kinds(user_id: int | None) -> Counter[str]:
    return Counter(kind for kind, _subject in received(user_id).elements())


def test_a_month_of_reminders_reaches_each_person_once(app, month, robot_receiver):
    def second_hands_in(day: date) -> None:
        if day == date(2026, 3, 5):
            db.session.add(Reflection(
                session=month.session, author=month.second, body="学深悟透" * 80,
                char_count=320, status=ReflectionStatus.SUBMITTED,
                submitted_at=at(day, 8)))
            db.session.commit()

    run_days(date(2026, 3, 1), date(2026, 3, 31), second_hands_in)

    sid, tid = month.session.id, month.task.id
    assert received(month.member.id) == Counter({
        ("reflection_requested", f"session:{sid}"): 1,
        ("reflection_due", f"session:{sid}:due:2026-03-12"): 1,
        ("reflection_overdue", f"session:{sid}:overdue:2026-03-12"): 1,
        ("task_assigned", f"task:{tid}:assignee:{month.member.id}"): 1,
        ("task_due", f"task:{tid}:due:2026-03-18"): 1,
        ("task_overdue", f"task:{tid}:overdue:2026-03-18"): 1,
    })
    # Handed in on the 5th: asked to write, then left alone.
    assert kinds(month.second.id) == Counter({"reflection_requested": 1})
    # Missed the session: reminded of the make-up study every week (five Mondays' weeks).
    assert kinds(month.absentee.id) == Counter({"makeup_owed": 5})
    # The secretary: the owed make-up each week, and the weekly digest on each Monday.
    assert kinds(month.secretary.id) == Counter({"makeup_owed": 5, "secretary_digest": 5})
    assert kinds(month.leader.id) == Counter({"leader_digest": 1})  # on the 1st
    assert kinds(None) == Counter({"reflection_requested": 1, "reflection_due": 1,
                                   "reflection_overdue": 1, "task_due": 1, "task_overdue": 1})

    # When: the due-soon reminder three days before, the overdue one the day after.
    created = {(r.user_id, r.kind): r.created_at for r in db.session.scalars(sa.select(Reminder))}
    assert created[(month.member.id, K.REFLECTION_DUE)] == at(date(2026, 3, 9))
    assert created[(month.member.id, K.REFLECTION_OVERDUE)] == at(date(2026, 3, 13))
    assert created[(month.member.id, K.TASK_OVERDUE)] == at(date(2026, 3, 19))

    # Each by mail (their default) and in-app; the robot got the group's five posts.
    mails = outbox(app)
    assert Counter(m.to[0].split("<")[-1].rstrip(">") for m in mails) == Counter({
        "zhangyu@test.example": 6, "lisi@test.example": 1, "wangwu@test.example": 5,
        "lijing@test.example": 10, "wang@test.example": 1,
    })
    assert len(robot_receiver.requests) == 5
    assert all(TOPIC in r.body["markdown"]["content"] or "制定开学方案" in
               r.body["markdown"]["content"] for r in robot_receiver.requests)
    notes = Counter(db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == month.member.id)))
    # The assignment was notified in-app when it was made (by the task's page), not here.
    assert notes == Counter({NotificationKind.REFLECTION_REQUESTED: 1,
                             NotificationKind.REFLECTION_DUE: 1,
                             NotificationKind.REFLECTION_OVERDUE: 1,
                             NotificationKind.TASK_DUE: 1, NotificationKind.TASK_OVERDUE: 1})

    # The same month again (a retried job, a second worker, a restored backup): nothing new.
    before = (db.session.scalar(sa.select(sa.func.count(Reminder.id))), len(mails),
              len(robot_receiver.requests))
    run_days(date(2026, 3, 1), date(2026, 3, 31))
    assert (db.session.scalar(sa.select(sa.func.count(Reminder.id))), len(outbox(app)),
            len(robot_receiver.requests)) == before


def test_two_workers_finding_the_same_reminder_record_it_once(app, month, monkeypatch):
    """The second worker read "not recorded" before the first committed: the unique key
    refuses its copy, and it notifies and mails nobody a second time."""
    services.scan(at(date(2026, 3, 2), 11))
    made = db.session.scalar(sa.select(sa.func.count(Reminder.id)))
    mails = len(outbox(app))
    assert made and mails
    monkeypatch.setattr(services, "_not_recorded", lambda due: list(dict.fromkeys(due)))
    assert services.scan(at(date(2026, 3, 2), 11)) == 0
    assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) == made
    assert len(outbox(app)) == mails


def test_nothing_for_closed_or_cancelled_sessions_or_deactivated_accounts(app, month):
    month.absentee.active = False
    month.session.status = SessionStatus.CLOSED
    db.session.commit()
    services.scan(at(date(2026, 3, 16)))
    # Closed: no more reflections asked for; its task lives on.
    assert kinds(month.member.id) == Counter({"task_due": 1})
    assert kinds(month.absentee.id) == Counter()  # deactivated

    month.session.status = SessionStatus.CANCELLED
    db.session.commit()
    services.scan(at(date(2026, 3, 19)))
    assert kinds(month.member.id) == Counter({"task_due": 1})  # nothing of a cancelled one


def test_a_mail_waits_for_the_quiet_hours_and_is_dropped_once_handed_in(app, month,
                                                                       monkeypatch):
    monkeypatch.setattr(services, "send_soon", lambda: None)  # the worker runs on our clock
    month.member.quiet_start, month.member.quiet_end = time(22), time(7)
    db.session.commit()
    services.scan(at(date(2026, 3, 2), 23))  # the session just published, at 23:00
    delivery = db.session.scalar(
        sa.select(Delivery).join(Reminder)
        .where(Delivery.user_id == month.member.id,
               Reminder.kind == K.REFLECTION_REQUESTED))
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.not_before == at(date(2026, 3, 3), 7)
    services.send_due(at(date(2026, 3, 3), 6, 59))
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.PENDING  # others' mails went; not this one
    # In-app at once, whatever the hour.
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == month.member.id)) == 1

    # Handed in during the night: at 07:00 the request is no longer due, and is dropped.
    db.session.add(Reflection(session=month.session, author=month.member, body="心得" * 200,
                              char_count=400, status=ReflectionStatus.SUBMITTED,
                              submitted_at=at(date(2026, 3, 3), 1)))
    db.session.commit()
    services.send_due(at(date(2026, 3, 3), 7))
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DROPPED
    to_member = [m.subject for m in outbox(app) if "zhangyu@test.example" in m.to[0]]
    assert to_member == ["New task: 制定开学方案"]  # waited for 07:00 too, and still due


def test_a_failing_mail_is_retried_then_shown_failed_and_sent_again_by_the_admin(
    app, month, client, login, monkeypatch
):
    from studytrack.reminders import sending

    def broken(delivery: Delivery) -> None:
        raise ConnectionRefusedError("SMTP 127.0.0.1:25 refused")

    monkeypatch.setattr(sending, "send", broken)
    monkeypatch.setattr(services, "send_soon", lambda: None)
    app.config.update(DELIVERY_RETRIES=1, DELIVERY_RETRY_MINUTES=5)
    start = at(date(2026, 3, 2), 11)
    services.scan(start)
    delivery = db.session.scalar(sa.select(Delivery).where(
        Delivery.user_id == month.member.id, Delivery.channel == DeliveryChannel.MAIL))
    services.send_due(start)
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.not_before == start + timedelta(minutes=5)
    assert "refused" in delivery.error
    services.send_due(start + timedelta(minutes=5))
    db.session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)

    login(month.admin)
    page = client.get("/reminders/deliveries?status=failed").get_data(as_text=True)
    assert f'data-delivery-id="{delivery.id}"' in page and "refused" in page
    monkeypatch.undo()
    assert client.post(f"/reminders/deliveries/{delivery.id}/retry").status_code == 302
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT  # sent at once (the queue runs it here)


@pytest.mark.parametrize(("role", "status"), [
    ("admin", 200), ("secretary", 403), ("member", 403), ("leader", 403)])
def test_only_the_administrator_sees_the_deliveries(client, login, world, role, status):
    login(getattr(world, role))
    assert client.get("/reminders/deliveries").status_code == status
    assert client.post("/reminders/deliveries/1/retry").status_code in (status, 404)


def test_a_person_chooses_per_kind_and_leaders_get_events_in_app_by_default(
    app, month, client, login
):
    login(month.member)
    page = client.get("/me/reminders").get_data(as_text=True)
    assert 'name="kind_reflection_due"' in page and 'name="quiet_start"' in page
    form = {f"kind_{kind.value}": "mail" for kind in ReminderKind}
    form.update(kind_reflection_requested="off", kind_task_assigned="in_app",
                quiet_start="22:00", quiet_end="07:30")
    assert client.post("/me/reminders", data=form).status_code == 302
    stored = {kind: channel for kind, channel in db.session.execute(
        sa.select(ReminderPreference.kind, ReminderPreference.channel)
        .where(ReminderPreference.user_id == month.member.id))}
    assert stored == {K.REFLECTION_REQUESTED: ReminderChannel.OFF,
                      K.TASK_ASSIGNED: ReminderChannel.IN_APP}
    db.session.refresh(month.member)
    assert (month.member.quiet_start, month.member.quiet_end) == (time(22), time(7, 30))

    bad = client.post("/me/reminders", data={**form, "quiet_end": ""})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "Give both times of the quiet window, or neither." in text
    assert 'value="22:00"' in text  # what was typed is kept

    services.scan(at(date(2026, 3, 2), 17))
    assert kinds(month.member.id)["reflection_requested"] == 1  # recorded: never asked again
    assert not db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == month.member.id,
        Notification.kind == NotificationKind.REFLECTION_REQUESTED))  # off: not even in-app
    mails_to_member = [m.subject for m in outbox(app) if "zhangyu" in m.to[0]]
    assert mails_to_member == []  # the task: in-app only now

    # A leader with a task: in-app only, unless they choose mail.
    month.task.assignee = month.leader
    db.session.commit()
    services.scan(at(date(2026, 3, 16)))
    assert kinds(month.leader.id)["task_due"] == 1
    assert not [m for m in outbox(app) if "wang@" in m.to[0]]


def test_one_click_unsubscribe_from_a_mail(app, month, client):
    services.scan(at(date(2026, 3, 2), 11))
    mail = next(m for m in outbox(app) if "zhangyu" in m.to[0])
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail.extra_headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://studytrack.test/reminders/unsubscribe/")
    path = url.removeprefix("http://studytrack.test")

    page = client.get(path)  # the link opened in a browser: asks first, changes nothing
    assert page.status_code == 200
    assert f'<form method="post" action="{path}">' in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ReminderPreference.id))) == 0

    app.config["WTF_CSRF_ENABLED"] = True  # a mail client's POST carries no form token
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and 'id="unsubscribed"' in done.get_data(as_text=True)
    assert db.session.scalar(sa.select(ReminderPreference.channel).where(
        ReminderPreference.user_id == month.member.id,
        ReminderPreference.kind == K.REFLECTION_REQUESTED)) == ReminderChannel.IN_APP

    assert client.post(path[:-3] + "xyz").status_code == 404  # a forged token
    assert client.get("/reminders/unsubscribe/nothing").status_code == 404


def test_the_robot_test_message_is_posted(app, world, client, login, robot_receiver):
    app.config["ROBOT_HOSTS"] = "127.0.0.1"
    robot = GroupRobot(group=world.group, provider=RobotProvider.DINGTALK, name="钉钉群",
                       webhook_url=f"{robot_receiver.url}/robot/send?access_token=t",
                       secret="SECabc")
    db.session.add(robot)
    db.session.commit()
    login(world.secretary)
    response = client.post(f"/groups/{world.group.id}/robots/{robot.id}/test")
    assert response.status_code == 302
    assert len(robot_receiver.requests) == 1
    body = robot_receiver.requests[0].body
    assert body["msgtype"] == "markdown" and "studytrack" in body["markdown"]["title"]
    assert "&sign=" in robot_receiver.requests[0].path
    assert db.session.scalar(sa.select(Delivery.status)) == DeliveryStatus.SENT


def test_reminders_show_in_the_notifications(app, month, client, login):
    services.scan(at(date(2026, 3, 13)))
    login(month.member)
    page = client.get("/notifications").get_data(as_text=True)
    assert f"Your reflection on «{TOPIC}» was due on" in page
    assert "Task due on" not in page  # the 18th is five days away
    login(month.secretary)
    page = client.get("/notifications").get_data(as_text=True)
    assert f"1 people owe make-up study for «{TOPIC}»" in page or \
        f"owe make-up study for «{TOPIC}»" in page


def test_the_times_are_those_of_the_day(app, month):
    """Reminders of time passing wait for 08:00 local; a published session's does not."""
    services.scan(at(date(2026, 3, 9), 6))
    assert kinds(month.member.id) == Counter({"reflection_requested": 1, "task_assigned": 1})
    services.scan(at(date(2026, 3, 9), 8))
    assert kinds(month.member.id)["reflection_due"] == 1
    assert datetime(2026, 3, 9, tzinfo=UTC)  # (UTC midnight is 08:00 in Beijing)
