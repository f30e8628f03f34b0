"""In-app notifications: the bell's unread count, the list in the reader's language, opening
one (marks it read and leads to the thing), read-all, privacy, and the task-assignment hook."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from studytrack.admin import services as admin_services
from studytrack.extensions import db
from studytrack.followups import services as followup_services
from studytrack.models import (
    Notification,
    NotificationKind,
    Reflection,
    ReflectionStatus,
)
from studytrack.notifications import queries
from studytrack.notifications.services import mark_all_read, mark_read, notify

TOPIC = "学习贯彻党的二十届三中全会精神"


@pytest.fixture
def world(world, create_user, create_session):
    """The shared world; two more members of the group, one reading Chinese; a session three
    days ago with the member's submitted reflection."""
    world.zh_member = create_user("zh_member", "王同志")  # reads Chinese (the default)
    world.other = create_user("other", "赵同志", locale="en")
    for user in (world.zh_member, world.other):
        admin_services.add_member(world.group, user)
    world.session = create_session(world.group, topic=TOPIC,
                                   starts_at=datetime.now(UTC) - timedelta(days=3))
    world.reflection = Reflection(session=world.session, author=world.member, body="体会" * 50,
                                  char_count=100, status=ReflectionStatus.SUBMITTED,
                                  submitted_at=datetime.now(UTC))
    db.session.add(world.reflection)
    db.session.commit()
    return world


def notify_returned(world, user=None, comment="请结合本职工作谈体会"):
    [note] = notify([user or world.member], NotificationKind.REFLECTION_RETURNED,
                    session_id=world.session.id, reflection_id=world.reflection.id,
                    topic=world.session.topic, reviewer=world.secretary.display_name,
                    comment=comment)
    db.session.commit()
    return note


def notify_task(world, user=None, title="报送学习心得", due_on=date(2031, 5, 20)):
    task = followup_services.create_task(world.session, title=title, assignee=None,
                                         organization=world.group.organization,
                                         due_on=due_on, actor=world.secretary)
    [note] = notify([user or world.member], NotificationKind.TASK_ASSIGNED,
                    task_id=task.id, session_id=world.session.id)
    db.session.commit()
    return note, task


def page(client, path="/notifications"):
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def bell(html):
    """The navbar's bell: its accessible label and the badge's number (None without one)."""
    match = re.search(r'<a [^>]*id="notification-bell"[^>]*>.*?</a>', html, re.S)
    assert match, "no bell"
    label = re.search(r'aria-label="([^"]+)"', match.group(0)).group(1)
    badge = re.search(r'data-unread-count="(\d+)"', match.group(0))
    return label, int(badge.group(1)) if badge else None


def entries(html):
    """(notification id, form action, the text) of each notification in the list."""
    return re.findall(
        r'data-notification-id="(\d+)".*?<form method="post" action="([^"]+)"[^>]*>.*?'
        r'<button[^>]*>(.*?)</button>',
        html, re.S,
    )


# --- the bell -----------------------------------------------------------------------------------


def test_bell_shows_the_unread_count_with_an_accessible_label(client, login, world):
    login(world.member)
    label, badge = bell(page(client, "/"))
    assert (label, badge) == ("0 unread notifications", None)

    notify_returned(world)
    notify_task(world)
    label, badge = bell(page(client, "/"))
    assert (label, badge) == ("2 unread notifications", 2)

    # Only one's own unread ones count.
    notify_returned(world, user=world.other)
    mark_all_read(world.member)
    db.session.commit()
    assert bell(page(client, "/"))[1] is None


def test_bell_is_counted_once_per_request_and_not_shown_to_visitors(
    client, login, world, count_queries
):
    response = client.get("/auth/login")
    assert 'id="notification-bell"' not in response.get_data(as_text=True)
    login(world.member)
    notify_returned(world)
    with count_queries() as counter:
        html = page(client)
    assert bell(html)[1] == 1
    counts = [s for s in counter.statements if "FROM notifications" in s and "count(*)" in s]
    assert len(counts) == 2  # the bell's, and the list's total for its pagination
    assert sum("read_at IS NULL" in s for s in counts) == 1


def test_unread_count_query(world):
    assert queries.unread_count(world.member) == 0
    notify_returned(world)
    notify_returned(world)
    assert queries.unread_count(world.member) == 2
    assert queries.unread_count(world.other) == 0


def test_unread_count_sees_what_this_request_has_not_flushed_yet(world):
    """The count runs on the session's connection (no ORM), but still after an autoflush."""
    db.session.add(Notification(user_id=world.member.id, kind=NotificationKind.REFLECTION_RETURNED,
                                session_id=world.session.id, details={}))
    assert db.session.new  # pending, not flushed
    assert queries.unread_count(world.member) == 1


# --- the list -----------------------------------------------------------------------------------


def test_list_renders_each_kind_in_english_newest_first(client, login, world):
    notify([world.member], NotificationKind.REFLECTION_ACCEPTED, session_id=world.session.id,
           reflection_id=world.reflection.id, topic=TOPIC, reviewer="李秘书")
    db.session.commit()
    notify_returned(world, comment="请补充联系实际的内容")
    notify_task(world)
    login(world.member)
    html = page(client)

    texts = [text for _, _, text in entries(html)]
    assert len(texts) == 3
    assert "New task: 报送学习心得, due 2031-05-20" in texts[0]
    assert f"Your reflection for «{TOPIC}» was returned: 请补充联系实际的内容" in texts[1]
    assert f"Your reflection for «{TOPIC}» was accepted." in texts[2]
    assert all("Unread:" in text for text in texts)
    # Each opens through its own read route.
    ids = [int(i) for i, _, _ in entries(html)]
    assert ids == sorted(ids, reverse=True)
    assert [action for _, action, _ in entries(html)] == [
        f"/notifications/{i}/read" for i in ids
    ]


def test_a_secretary_reads_who_submitted(client, login, world):
    notify([world.secretary], NotificationKind.REFLECTION_SUBMITTED,
           session_id=world.session.id, reflection_id=world.reflection.id,
           author="张瑜", topic=TOPIC, resubmission=False, late=True)
    notify([world.secretary], NotificationKind.REFLECTION_SUBMITTED,
           session_id=world.session.id, reflection_id=world.reflection.id,
           author="张瑜", topic=TOPIC, resubmission=True, late=False)
    db.session.commit()
    login(world.secretary)
    html = page(client)
    texts = [text for _, _, text in entries(html)]
    assert f"张瑜 resubmitted a revised reflection for «{TOPIC}»" in texts[0]
    assert f"张瑜 submitted a reflection for «{TOPIC}»" in texts[1]
    assert html.count(">Late</span>") == 1
    assert f'data-target="/reflections/{world.reflection.id}"' in html


def test_list_in_chinese_keeps_the_data_and_the_links(client, login, world):
    notify_returned(world, user=world.zh_member, comment="请联系实际")
    _note, task = notify_task(world, user=world.zh_member, title="撰写调研报告")
    login(world.zh_member)
    html = page(client)
    assert 'lang="zh-CN"' in html
    found = entries(html)
    assert len(found) == 2
    assert "撰写调研报告" in found[0][2] and "2031-05-20" in found[0][2]
    assert TOPIC in found[1][2] and "请联系实际" in found[1][2]
    assert f'data-target="/tasks/{task.id}"' in html
    assert f'data-target="/sessions/{world.session.id}/reflection"' in html


def test_hostile_text_is_shown_inert(client, login, world):
    notify_returned(world, comment='<script>alert("x")</script><b>粗体</b>')
    login(world.member)
    html = page(client)
    assert "<script>alert" not in html and "<b>粗体" not in html
    assert "&lt;script&gt;" in html


def test_list_is_paginated(client, login, world):
    for n in range(25):
        notify_returned(world, comment=f"意见{n:02d}")
    login(world.member)
    first = page(client)
    assert "意见24" in first and "意见05" in first and "意见04" not in first
    assert "page=2" in first
    second = page(client, "/notifications?page=2")
    assert "意见04" in second and "意见00" in second and "意见24" not in second


def test_empty_list(client, login, world):
    login(world.member)
    html = page(client)
    assert entries(html) == []
    assert "/notifications/read-all" not in html


def test_recent(world):
    for n in range(7):
        notify_returned(world, comment=f"意见{n}")
    items = queries.recent(world.member)
    assert len(items) == queries.RECENT
    assert [item.notification.details["comment"] for item in items][:2] == ["意见6", "意见5"]
    assert items[0].session.id == world.session.id and items[0].reflection.id == world.reflection.id


def test_list_query_count_does_not_grow(client, login, world, count_queries):
    login(world.member)

    def measure():
        with count_queries() as counter:
            page(client)
        return counter.count

    notify_returned(world)
    notify_task(world)
    small = measure()
    for n in range(15):
        notify_returned(world, comment=f"意见{n}")
        notify_task(world, title=f"任务{n}")
    assert measure() == small
    assert small <= 7, small


# --- opening and reading --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["returned", "accepted", "submitted", "task"])
def test_opening_a_notification_marks_it_read_and_leads_to_the_thing(
    client, login, world, kind
):
    reader = world.secretary if kind == "submitted" else world.member
    if kind == "task":
        note, task = notify_task(world)
        target = f"/tasks/{task.id}"
    else:
        kinds = {"returned": NotificationKind.REFLECTION_RETURNED,
                 "accepted": NotificationKind.REFLECTION_ACCEPTED,
                 "submitted": NotificationKind.REFLECTION_SUBMITTED}
        [note] = notify([reader], kinds[kind], session_id=world.session.id,
                        reflection_id=world.reflection.id, topic=TOPIC, author="张瑜")
        db.session.commit()
        target = (f"/reflections/{world.reflection.id}" if kind == "submitted"
                  else f"/sessions/{world.session.id}/reflection")
    login(reader)
    assert f'data-target="{target}"' in page(client)
    response = client.post(f"/notifications/{note.id}/read", data={"open": "1"})
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert db.session.get(Notification, note.id).read_at is not None
    assert bell(page(client, "/"))[1] is None


def test_mark_one_read_goes_back_to_the_list_and_keeps_the_first_reading_time(
    client, login, world
):
    note = notify_returned(world)
    other = notify_returned(world)
    login(world.member)
    response = client.post(f"/notifications/{note.id}/read",
                           data={"next": "/notifications?page=1"})
    assert response.headers["Location"] == "/notifications?page=1"
    first = db.session.get(Notification, note.id).read_at
    assert first is not None
    assert db.session.get(Notification, other.id).read_at is None
    client.post(f"/notifications/{note.id}/read")
    assert db.session.get(Notification, note.id).read_at == first
    # `next` never leads to another host.
    response = client.post(f"/notifications/{note.id}/read", data={"next": "//evil.example"})
    assert response.headers["Location"] == "/notifications"


def test_read_all(client, login, world):
    mine = [notify_returned(world) for _ in range(3)]
    theirs = notify_returned(world, user=world.other)
    login(world.member)
    assert "/notifications/read-all" in page(client)
    response = client.post("/notifications/read-all")
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert all(db.session.get(Notification, n.id).read_at for n in mine)
    assert db.session.get(Notification, theirs.id).read_at is None
    html = page(client)
    assert "Unread:" not in html and bell(html)[1] is None


def test_someone_elses_notification_answers_404(client, login, world):
    theirs = notify_returned(world, user=world.other)
    login(world.member)
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post(f"/notifications/{theirs.id}/read", data={"open": "1"}).status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None
    assert str(theirs.id) not in re.findall(r'data-notification-id="(\d+)"', page(client))


def test_notifications_need_a_login(client, world):
    note = notify_returned(world)
    assert client.get("/notifications").status_code == 302
    assert client.post(f"/notifications/{note.id}/read").status_code in (302, 400)
    assert db.session.get(Notification, note.id).read_at is None


def test_the_read_routes_need_the_csrf_token(app, client, login, world):
    note = notify_returned(world)
    login(world.member)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/notifications/{note.id}/read").status_code == 400
    assert client.post("/notifications/read-all").status_code == 400
    assert db.session.get(Notification, note.id).read_at is None


def test_mark_read_service(world):
    note = notify_returned(world)
    assert mark_read(note) is True
    assert mark_read(note) is False
    notify_returned(world)
    notify_returned(world)
    assert mark_all_read(world.member) == 2
    db.session.commit()
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(Notification.read_at.is_(None))
    ) == 0


# --- the task assignment hook ---------------------------------------------------------------------


def task_notes(user):
    return db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id,
                                      Notification.kind == NotificationKind.TASK_ASSIGNED)
    ).all()


def test_creating_a_task_notifies_its_assignee(world):
    task = followup_services.create_task(world.session, title="撰写调研报告",
                                         assignee=world.member, due_on=date(2031, 1, 1),
                                         actor=world.secretary)
    db.session.commit()
    [note] = task_notes(world.member)
    assert (note.task_id, note.session_id) == (task.id, world.session.id)
    assert note.details["title"] == "撰写调研报告"
    assert task_notes(world.secretary) == []


def test_a_task_without_assignee_or_given_to_oneself_notifies_nobody(world):
    followup_services.create_task(world.session, title="单位任务",
                                  organization=world.group.organization, actor=world.secretary)
    followup_services.create_task(world.session, title="自己的任务", assignee=world.secretary,
                                  actor=world.secretary)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_changing_the_assignee_notifies_the_new_one_only(world):
    task = followup_services.create_task(world.session, title="撰写调研报告",
                                         assignee=world.member, actor=world.secretary)
    db.session.commit()

    def update(**changes):
        fields = {"title": task.title, "assignee": task.assignee,
                  "organization": task.organization, "due_on": task.due_on, **changes}
        followup_services.update_task(task, expected_version=task.version,
                                      actor=world.secretary, **fields)
        db.session.commit()

    update(title="撰写调研报告（修订）", due_on=date(2031, 2, 1))  # same assignee
    assert len(task_notes(world.member)) == 1
    update(assignee=world.zh_member)
    assert len(task_notes(world.zh_member)) == 1
    assert len(task_notes(world.member)) == 1
    update(assignee=None, organization=world.group.organization)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 2


def test_task_assignment_through_the_page_lights_the_assignees_bell(client, login, world):
    login(world.secretary)
    response = client.post(f"/sessions/{world.session.id}/tasks/new", data={
        "title": "撰写调研报告", "assignee_id": str(world.member.id), "organization_id": "",
        "due_on": "2031-05-20",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    login(world.member)
    html = page(client)
    assert bell(html)[1] == 1
    [(_, _, text)] = entries(html)
    assert "New task: 撰写调研报告, due 2031-05-20" in text


HOSTILE_NEXT = ["//evil.example/", "/\\evil.example/", "/\t/evil.example/", "/\x7f/evil.example",
                "/\x01/evil.example", "https://evil.example/", ""]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_read_all_never_leads_off_the_site(client, login, world, target):
    note = notify_returned(world)
    login(world.member)
    response = client.post("/notifications/read-all", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/notifications"
    assert db.session.get(Notification, note.id).read_at is not None


def test_reading_a_notification_is_saved_without_a_commit_in_the_route(client, login, world,
                                                                       count_queries):
    """The request's one unit of work commits the read mark (and a read-all) after the
    response is built."""
    note = notify_returned(world)
    login(world.member)
    with count_queries() as counter:
        client.post(f"/notifications/{note.id}/read", data={"next": "/notifications"})
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None
    assert sum(s.startswith("UPDATE notifications") for s in counter.statements) == 1
