"""Private iCalendar feeds and a session's invitation (issue 21 §4), over HTTP, read back with
the icalendar library as a calendar app reads them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

import icalendar
import pytest
from flask import render_template

from studytrack import timeutil
from studytrack.admin import services as admin_services
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    Reflection,
    ReflectionStatus,
    SessionKind,
    SessionStatus,
    TaskStatus,
)
from studytrack.reminders import calendar

TOPIC = "学习贯彻习近平总书记重要讲话精神"


def hour_from_now(days: int) -> datetime:
    """A whole hour `days` from now, in UTC (the feed reaches one year back from today)."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=days)


@pytest.fixture
def world(world, create_session, create_group):
    """The shared world, and around world.group: next week's published session, at which the
    member was present, with reflections due a week later; a draft and a cancelled session of
    the group; a session of the other organisation's group; one of a group the member left;
    the member's tasks: open with a due date, done, and open without a date."""
    world.session = create_session(
        world.group, topic=TOPIC, starts_at=hour_from_now(7), ends_at=hour_from_now(7) +
        timedelta(hours=3), location="518会议室", kind=SessionKind.SEMINAR,
        reflection_due_on=hour_from_now(14).date(), published_at=hour_from_now(-1),
    )
    world.draft = create_session(world.group, topic="草稿学习", status=SessionStatus.DRAFT,
                                 starts_at=hour_from_now(20))
    world.cancelled = create_session(world.group, topic="取消的学习",
                                     status=SessionStatus.CANCELLED,
                                     starts_at=hour_from_now(30), ends_at=None,
                                     published_at=hour_from_now(-2))
    world.foreign = create_session(world.other_group, topic="外单位的学习",
                                   starts_at=hour_from_now(7))
    left = create_group(world.unit, "已退出的学习组", members=(world.member,))
    (membership,) = left.memberships
    admin_services.remove_member(membership)
    world.left_session = create_session(left, topic="退出后的学习", starts_at=hour_from_now(9))
    world.task = FollowUpTask(session=world.session, title="制定开学方案", assignee=world.member,
                              due_on=hour_from_now(21).date(), status=TaskStatus.OPEN)
    world.done_task = FollowUpTask(session=world.session, title="已完成的任务",
                                   assignee=world.member, due_on=hour_from_now(22).date(),
                                   status=TaskStatus.DONE, completion_note="已完成。")
    world.undated_task = FollowUpTask(session=world.session, title="没有期限的任务",
                                      assignee=world.member, status=TaskStatus.IN_PROGRESS)
    db.session.add_all([
        Attendance(session=world.session, user=world.member, status=AttendanceStatus.PRESENT),
        world.task, world.done_task, world.undated_task,
    ])
    db.session.commit()
    return world


def token_of(user) -> str:
    token = calendar.new_token(user)
    db.session.commit()
    return token


def fetch(client, token: str) -> icalendar.Calendar:
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200, response.status_code
    return icalendar.Calendar.from_ical(response.data)


def events_of(feed: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in feed.walk("VEVENT")}


def disposition_name(response) -> str:
    """The file name a browser saves: RFC 5987 filename* (UTF-8, percent-encoded)."""
    header = response.headers["Content-Disposition"]
    assert header.startswith("attachment;")
    return unquote(header.split("filename*=UTF-8''", 1)[1].split(";", 1)[0])


# --- the feed -----------------------------------------------------------------------------


def test_feed_holds_the_members_published_session(client, world):
    response = client.get(f"/calendar/{token_of(world.member)}.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == "attachment; filename=studytrack.ics"
    feed = icalendar.Calendar.from_ical(response.data)
    assert str(feed["PRODID"]) == "-//studytrack//CN"
    assert str(feed["X-WR-CALNAME"]) == "学习安排 · 张瑜"
    assert str(feed["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in response.data
    event = events_of(feed)[f"session-{world.session.id}@studytrack"]
    assert event.decoded("DTSTART") == hour_from_now(7)
    assert event.decoded("DTEND") == hour_from_now(7) + timedelta(hours=3)
    assert f"DTSTART:{hour_from_now(7):%Y%m%dT%H%M%S}Z".encode() in response.data  # UTC
    assert str(event["SUMMARY"]) == TOPIC
    assert str(event["LOCATION"]) == "518会议室"
    link = f"http://studytrack.test/sessions/{world.session.id}"
    assert str(event["URL"]) == link
    assert str(event["DESCRIPTION"]).split("\n") == [
        "学习组：校党委理论学习中心组", "形式：专题研讨", link,
    ]
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == world.session.version


def test_feed_leaves_out_drafts_other_groups_and_groups_left(client, world):
    uids = set(events_of(fetch(client, token_of(world.member))))

    assert f"session-{world.draft.id}@studytrack" not in uids
    assert f"session-{world.foreign.id}@studytrack" not in uids
    assert f"session-{world.left_session.id}@studytrack" not in uids


def test_a_cancelled_session_stays_as_cancelled(client, world):
    event = events_of(fetch(client, token_of(world.member)))[
        f"session-{world.cancelled.id}@studytrack"
    ]

    assert str(event["STATUS"]) == "CANCELLED"  # so the calendar drops it
    assert event.decoded("DTEND") == hour_from_now(30) + timedelta(hours=2)  # no end: 2 hours


def test_sessions_older_than_a_year_are_left_out(client, world, create_session):
    old = create_session(world.group, topic="两年前的学习", starts_at=hour_from_now(-400))
    recent = create_session(world.group, topic="上个月的学习", starts_at=hour_from_now(-30))

    uids = set(events_of(fetch(client, token_of(world.member))))

    assert f"session-{old.id}@studytrack" not in uids
    assert f"session-{recent.id}@studytrack" in uids


def test_the_secretary_sees_the_groups_sessions_but_owes_nothing(client, world):
    uids = set(events_of(fetch(client, token_of(world.secretary))))

    assert f"session-{world.session.id}@studytrack" in uids
    assert f"session-{world.draft.id}@studytrack" not in uids  # only what members see
    assert not any(uid.startswith(("reflection-due-", "task-")) for uid in uids)


def test_reflection_due_date_until_handed_in(client, world):
    token = token_of(world.member)
    uid = f"reflection-due-{world.session.id}-{world.member.id}@studytrack"

    event = events_of(fetch(client, token))[uid]
    assert event.decoded("DTSTART") == hour_from_now(14).date()  # all day
    assert event.decoded("DTEND") == hour_from_now(14).date() + timedelta(days=1)
    assert str(event["SUMMARY"]) == f"心得体会截止：{TOPIC}"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    assert str(event["URL"]) == f"http://studytrack.test/sessions/{world.session.id}/reflection"

    reflection = Reflection(session=world.session, author=world.member, body="草稿。",
                            char_count=3, status=ReflectionStatus.DRAFT)
    db.session.add(reflection)
    db.session.commit()
    assert uid in events_of(fetch(client, token))  # a draft is not handed in

    reflection.status = ReflectionStatus.SUBMITTED
    reflection.submitted_at = datetime.now(UTC)
    db.session.commit()
    assert uid not in events_of(fetch(client, token))


def test_no_reflection_due_for_who_was_absent_without_makeup(client, world, person):
    absentee = person("member", display_name="寇新建")
    db.session.add(Attendance(session=world.session, user=absentee,
                              status=AttendanceStatus.ABSENT))
    db.session.commit()

    uids = set(events_of(fetch(client, token_of(absentee))))

    assert f"session-{world.session.id}@studytrack" in uids
    assert not any(uid.startswith("reflection-due-") for uid in uids)


def test_open_tasks_with_a_due_date(client, world):
    events = events_of(fetch(client, token_of(world.member)))

    event = events[f"task-{world.task.id}@studytrack"]
    assert event.decoded("DTSTART") == hour_from_now(21).date()
    assert str(event["SUMMARY"]) == "任务截止：制定开学方案"
    assert str(event["URL"]) == f"http://studytrack.test/tasks/{world.task.id}"
    assert f"task-{world.done_task.id}@studytrack" not in events
    assert f"task-{world.undated_task.id}@studytrack" not in events


def test_the_feed_makes_as_many_queries_whatever_the_data(client, world, create_session,
                                                          count_queries):
    token = token_of(world.member)
    fetch(client, token)
    with count_queries() as before:
        fetch(client, token)

    for n in range(5):
        more = create_session(world.group, topic=f"第{n}次学习", starts_at=hour_from_now(40 + n),
                              reflection_due_on=hour_from_now(50 + n).date())
        db.session.add_all([
            Attendance(session=more, user=world.member, status=AttendanceStatus.PRESENT),
            FollowUpTask(session=more, title=f"任务{n}", assignee=world.member,
                         due_on=hour_from_now(60 + n).date()),
        ])
    db.session.commit()
    with count_queries() as after:
        feed = fetch(client, token)

    assert len(events_of(feed)) > 15
    assert after.count == before.count <= 3, after.statements


# --- the token ----------------------------------------------------------------------------


def test_unknown_token_is_not_found(client, world):
    token_of(world.member)
    assert client.get("/calendar/no-such-token.ics").status_code == 404
    assert client.get(f"/calendar/{'a' * 43}.ics").status_code == 404  # well formed, unknown
    assert client.get("/calendar/.ics").status_code == 404
    assert client.get("/calendar/%00" + "a" * 42 + ".ics").status_code == 404  # never asked
    assert client.get("/calendar/" + "a" * 65 + ".ics").status_code == 404


def test_an_inactive_accounts_feed_is_not_found(client, world):
    token = token_of(world.member)
    world.member.active = False
    db.session.commit()

    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_create_renew_and_revoke_from_the_preferences_page(client, login, world):
    login(world.member)

    response = client.post("/me/calendar", data={"action": "create"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/me/reminders")
    first = world.member.calendar_token
    assert first and len(first) >= 40
    assert client.get(f"/calendar/{first}.ics").status_code == 200

    client.post("/me/calendar", data={"action": "create"})  # renew
    second = world.member.calendar_token
    assert second and second != first
    assert client.get(f"/calendar/{first}.ics").status_code == 404
    assert client.get(f"/calendar/{second}.ics").status_code == 200

    response = client.post("/me/calendar", data={"action": "revoke"})
    assert response.headers["Location"].endswith("/me/reminders")
    assert world.member.calendar_token is None
    assert client.get(f"/calendar/{second}.ics").status_code == 404


def test_changing_the_token_needs_a_login_and_a_known_action(client, login, world):
    response = client.post("/me/calendar", data={"action": "create"})
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert world.member.calendar_token is None

    login(world.member)
    assert client.post("/me/calendar", data={"action": "delete"}).status_code == 400
    assert world.member.calendar_token is None


def test_the_card_shows_the_address_or_offers_one(app, world):
    with app.test_request_context():
        page = render_template("reminders/_calendar.html", current_user=world.member)
        assert 'value="create"' in page and 'value="revoke"' not in page

        token = token_of(world.member)
        page = render_template("reminders/_calendar.html", current_user=world.member)
    assert f'value="http://localhost/calendar/{token}.ics"' in page
    assert '<label class="form-label" for="calendar-feed-url">' in page
    assert 'value="revoke"' in page
    assert "<script" not in page and "style=" not in page


# --- one session's invitation -------------------------------------------------------------


def test_the_secretary_downloads_the_invitation(client, login, world):
    login(world.secretary)
    response = client.get(f"/sessions/{world.session.id}/invite.ics")

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.mimetype_params == {"charset": "utf-8", "method": "PUBLISH"}
    day = timeutil.local_date_of(world.session.starts_at)
    assert day is not None
    name = f"{day.isoformat()} {TOPIC}.ics"
    assert f"filename*=UTF-8''{quote(name)}" in response.headers["Content-Disposition"]
    assert disposition_name(response) == name
    invitation = icalendar.Calendar.from_ical(response.data)
    assert str(invitation["METHOD"]) == "PUBLISH"
    (event,) = invitation.walk("VEVENT")
    assert str(event["UID"]) == f"session-{world.session.id}@studytrack"
    assert str(event["SUMMARY"]) == TOPIC
    assert str(event["URL"]) == f"http://studytrack.test/sessions/{world.session.id}"
    assert "ORGANIZER" not in event


def test_the_secretary_may_send_a_draft_as_an_invitation(client, login, world):
    login(world.secretary)
    assert client.get(f"/sessions/{world.draft.id}/invite.ics").status_code == 200


@pytest.mark.parametrize(("role", "status"), [
    ("secretary", 200), ("admin", 200), ("member", 403), ("leader", 403), ("outsider", 404),
])
def test_who_may_download_the_invitation(client, login, world, role, status):
    login(getattr(world, role))
    assert client.get(f"/sessions/{world.session.id}/invite.ics").status_code == status


def test_the_invitation_needs_a_login(client, world):
    response = client.get(f"/sessions/{world.session.id}/invite.ics")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_the_session_page_offers_the_invitation_to_its_secretaries(client, login, world):
    link = f'href="/sessions/{world.session.id}/invite.ics"'
    login(world.secretary)
    assert link in client.get(f"/sessions/{world.session.id}").get_data(as_text=True)
    login(world.member)
    page = client.get(f"/sessions/{world.session.id}")
    assert page.status_code == 200
    assert link not in page.get_data(as_text=True)
