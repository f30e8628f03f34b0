"""Attendance: the roster, marking, observers, make-up study, the counts and the section."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from studytrack import authz, timeutil
from studytrack.admin import services as admin_services
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.formatting import percent
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    GroupMembership,
    GroupRole,
    GroupTitle,
    SessionStatus,
)
from studytrack.study_sessions import attendance_services as services
from studytrack.study_sessions.attendance_queries import (
    attendance_summary,
    observer_candidates,
    roster,
)
from tests.fixtures.users import make_person
from tests.fixtures.world import ROLES

PRESENT, ON_LEAVE, ABSENT, OBSERVER = (
    AttendanceStatus.PRESENT, AttendanceStatus.ON_LEAVE, AttendanceStatus.ABSENT,
    AttendanceStatus.OBSERVER,
)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def world(world, create_session):
    """The shared world (its member 张瑜 a vice-president); the group's leader (平杰), its deputy
    (陈晓斌) and another member (罗宁), none of whom logs in; a published session on 26 March
    2026."""
    world.zhang = world.member
    world.luo = make_person("luo", "罗宁", position="副校长")
    admin_services.add_member(world.group, world.luo)
    world.ping = make_person("ping", "平杰", position="党委书记")
    world.chen = make_person("chen", "陈晓斌", position="校长")
    admin_services.add_member(world.group, world.chen, GroupRole.MEMBER, GroupTitle.DEPUTY)
    admin_services.add_member(world.group, world.ping, GroupRole.MEMBER, GroupTitle.LEADER)
    db.session.commit()
    world.session = create_session(world.group, starts_at=datetime(2026, 3, 26, 6, 0, tzinfo=UTC))
    return world


@pytest.fixture
def secretary_client(client, login, world):
    return login(world.secretary)


def rows_of(session):
    db.session.expire_all()
    return {row.user_id or row.guest_name: row for row in roster(session)}


def events(action):
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ))


def field_errors(html, field_id):
    """The error texts shown beside one field."""
    match = re.search(rf'<div class="invalid-feedback" id="{re.escape(field_id)}-feedback">'
                      rf'(.*?)</div>\s*</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def selected_value(html, name):
    match = re.search(rf'<select[^>]*name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.S)
    assert match, name
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected',
                       match.group(1))
    return (chosen.group(1) or chosen.group(2)) if chosen else None


def input_value(html, name):
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'<input[^>]*value="([^"]*)"[^>]*name="{re.escape(name)}"', html)
    return match.group(1) if match else None


def roster_post(rows, changes=None):
    """Form data for the roster as the page shows it, with `changes` {row id: (status,
    reason)} applied."""
    data = {}
    for row in rows:
        status = row.status.value if row.status else ""
        reason = row.leave_reason or ""
        new_status, new_reason = (changes or {}).get(row.id, (status, reason))
        data[f"row_{row.id}-status"] = new_status
        data[f"row_{row.id}-leave_reason"] = new_reason
        data[f"row_{row.id}-loaded_status"] = status
        data[f"row_{row.id}-loaded_reason"] = reason
    return data


def member_rows(session):
    db.session.expire_all()
    return [row for row in roster(session) if row.status != OBSERVER]


def fill_roster(session):
    """The group's members on the session's list, as creating or publishing it puts them."""
    services.ensure_roster(session)
    db.session.commit()


# --- attendance_summary: a pure function ---------------------------------------------------


def att(status, name="某人", sort_order=0, **fields):
    return Attendance(status=status, guest_name=name, sort_order=sort_order, **fields)


def test_summary_of_nobody():
    summary = attendance_summary([])
    assert (summary.present, summary.on_leave, summary.absent, summary.observers,
            summary.unmarked) == (0, 0, 0, 0, 0)
    assert summary.expected == 0
    assert summary.rate is None
    assert percent(summary.rate) == "—"
    assert summary.rows == []


def test_summary_everyone_on_leave_is_zero_percent():
    summary = attendance_summary([att(ON_LEAVE, "甲"), att(ON_LEAVE, "乙")])
    assert summary.on_leave == 2
    assert summary.expected == 2
    assert summary.rate == 0
    assert percent(summary.rate) == "0%"


def test_summary_observers_only_has_no_rate():
    summary = attendance_summary([att(OBSERVER, "列席甲"), att(OBSERVER, "列席乙")])
    assert summary.observers == 2
    assert summary.expected == 0
    assert summary.total == 2
    assert summary.rate is None
    assert percent(summary.rate) == "—"


def test_summary_unmarked_rows_count_as_expected():
    rows = [att(PRESENT, "甲"), att(None, "乙"), att(ON_LEAVE, "丙"), att(ABSENT, "丁"),
            att(PRESENT, "戊"), att(PRESENT, "己"), att(OBSERVER, "列席")]
    summary = attendance_summary(rows)
    assert (summary.present, summary.on_leave, summary.absent, summary.observers,
            summary.unmarked) == (3, 1, 1, 1, 1)
    assert summary.expected == 6  # observers are not expected
    assert summary.rate == pytest.approx(0.5)
    assert percent(summary.rate) == "50%"


def test_summary_rate_shows_one_decimal_when_not_whole():
    summary = attendance_summary([att(PRESENT, str(i)) for i in range(5)] + [att(ABSENT, "x")])
    assert percent(summary.rate) == "83.3%"
    assert percent(attendance_summary([att(PRESENT)]).rate) == "100%"


def test_summary_orders_members_then_observers():
    rows = [att(OBSERVER, "列席", sort_order=100_000), att(PRESENT, "乙", sort_order=2),
            att(None, "甲", sort_order=1), att(ABSENT, "丙", sort_order=0)]
    summary = attendance_summary(rows)
    assert [row.name for row in summary.rows] == ["丙", "甲", "乙", "列席"]
    assert [row.name for row in summary.members] == ["丙", "甲", "乙"]
    assert [row.name for row in summary.observer_rows] == ["列席"]


# --- the roster ----------------------------------------------------------------------------


def test_ensure_roster_adds_current_members_leaders_first(world, request_context):
    added = services.ensure_roster(world.session)
    db.session.commit()
    assert len(added) == 4
    rows = member_rows(world.session)
    assert [row.user_id for row in rows[:2]] == [world.ping.id, world.chen.id]
    # the study secretary keeps the record and is not on the list
    assert {row.user_id for row in rows} == {
        world.ping.id, world.chen.id, world.zhang.id, world.luo.id
    }
    assert all(row.status is None for row in rows)
    [event] = events("attendance.create")
    assert event.details["session_id"] == world.session.id
    assert "平杰" in event.details["people"]


def test_ensure_roster_is_idempotent_and_adds_later_members(world, request_context, create_user):
    services.ensure_roster(world.session)
    db.session.commit()
    assert services.ensure_roster(world.session) == []
    db.session.commit()
    count = db.session.scalar(sa.select(sa.func.count(Attendance.id)))
    assert count == 4
    # someone joins the group, someone leaves it
    newcomer = make_person("newcomer", "新成员")
    admin_services.add_member(world.group, newcomer)
    membership = db.session.scalar(sa.select(GroupMembership).where(
        GroupMembership.user_id == world.luo.id))
    membership.left_on = date(2026, 3, 20)
    db.session.commit()
    added = services.ensure_roster(world.session)
    db.session.commit()
    assert [row.user_id for row in added] == [newcomer.id]
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 5
    assert len(events("attendance.create")) == 2


def test_ensure_roster_keeps_marks_and_observers(world, request_context, create_user):
    guest = make_person("guest", "列席人")
    services.ensure_roster(world.session)
    services.add_observer(world.session, user_id=guest.id)
    db.session.commit()
    rows = rows_of(world.session)
    rows[world.ping.id].status = PRESENT
    db.session.commit()
    services.ensure_roster(world.session)
    db.session.commit()
    rows = rows_of(world.session)
    assert rows[world.ping.id].status == PRESENT
    assert rows[guest.id].status == OBSERVER


def test_the_page_lists_the_roster_in_the_groups_order(world, secretary_client):
    fill_roster(world.session)
    response = secretary_client.get(f"/sessions/{world.session.id}/attendance")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "平杰" in html and "陈晓斌" in html and "张瑜" in html
    assert html.index("平杰") < html.index("陈晓斌") < html.index("张瑜")
    assert "not on the list" not in html  # nobody is missing


# --- marking -------------------------------------------------------------------------------


def test_save_writes_only_changed_rows(world, secretary_client):
    fill_roster(world.session)
    rows = member_rows(world.session)
    ping, chen = rows[0], rows[1]
    data = roster_post(rows, {ping.id: ("present", ""), chen.id: ("on_leave", "出差 (公务)")})
    response = secretary_client.post(f"/sessions/{world.session.id}/attendance", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessions/{world.session.id}#attendance")
    rows = rows_of(world.session)
    assert rows[world.ping.id].status == PRESENT
    assert rows[world.chen.id].status == ON_LEAVE
    assert rows[world.chen.id].leave_reason == "出差 (公务)"
    assert rows[world.zhang.id].status is None
    updates = events("attendance.update")
    assert len(updates) == 2
    assert {e.object_id for e in updates} == {ping.id, chen.id}
    assert all(e.details["session_id"] == world.session.id for e in updates)
    chen_event = next(e for e in updates if e.object_id == chen.id)
    assert chen_event.details["changes"]["status"] == [None, "on_leave"]
    assert chen_event.actor_id == world.secretary.id


def test_missing_leave_reason_is_shown_beside_the_row_and_nothing_is_saved(
    world, secretary_client
):
    fill_roster(world.session)
    rows = member_rows(world.session)
    ping, chen, third = rows[0], rows[1], rows[2]
    data = roster_post(rows, {
        ping.id: ("present", ""), chen.id: ("on_leave", "   "), third.id: ("absent", ""),
    })
    response = secretary_client.post(f"/sessions/{world.session.id}/attendance", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Please give the reason for leave." in field_errors(html, f"row_{chen.id}-leave_reason")
    assert field_errors(html, f"row_{ping.id}-leave_reason") == ""
    # everything typed is kept
    assert selected_value(html, f"row_{ping.id}-status") == "present"
    assert selected_value(html, f"row_{chen.id}-status") == "on_leave"
    assert selected_value(html, f"row_{third.id}-status") == "absent"
    assert "Nothing has been saved" in html
    # and nothing was saved
    assert all(row.status is None for row in member_rows(world.session))
    assert events("attendance.update") == []


def test_the_kept_input_includes_typed_reasons(world, secretary_client):
    fill_roster(world.session)
    rows = member_rows(world.session)
    data = roster_post(rows, {rows[0].id: ("on_leave", ""), rows[1].id: ("on_leave", "外出开会")})
    html = secretary_client.post(
        f"/sessions/{world.session.id}/attendance", data=data).get_data(as_text=True)
    assert input_value(html, f"row_{rows[1].id}-leave_reason") == "外出开会"
    assert field_errors(html, f"row_{rows[1].id}-leave_reason") == ""


def test_a_row_changed_by_someone_else_meanwhile_is_not_overwritten(world, secretary_client):
    fill_roster(world.session)
    rows = member_rows(world.session)
    page_rows = list(rows)
    data = roster_post(page_rows, {rows[0].id: ("absent", ""), rows[1].id: ("present", "")})
    # another secretary marks the first person present after our page was loaded
    rows[0].status = PRESENT
    db.session.commit()
    response = secretary_client.post(f"/sessions/{world.session.id}/attendance", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Someone else changed" in field_errors(html, f"row_{rows[0].id}-status")
    assert selected_value(html, f"row_{rows[0].id}-status") == "absent"  # our input kept
    assert input_value(html, f"row_{rows[0].id}-loaded_status") == "present"
    current = rows_of(world.session)
    assert current[world.ping.id].status == PRESENT
    assert current[world.chen.id].status is None  # nothing saved
    # saving again, knowingly, goes through
    data[f"row_{rows[0].id}-loaded_status"] = "present"
    assert secretary_client.post(
        f"/sessions/{world.session.id}/attendance", data=data).status_code == 302
    assert rows_of(world.session)[world.ping.id].status == ABSENT


def test_rows_not_changed_by_the_user_keep_other_peoples_marks(world, secretary_client):
    fill_roster(world.session)
    rows = member_rows(world.session)
    data = roster_post(rows, {rows[1].id: ("present", "")})
    rows[0].status = ABSENT  # someone else, meanwhile
    db.session.commit()
    assert secretary_client.post(
        f"/sessions/{world.session.id}/attendance", data=data).status_code == 302
    current = rows_of(world.session)
    assert current[world.ping.id].status == ABSENT
    assert current[world.chen.id].status == PRESENT
    assert len(events("attendance.update")) == 1


def test_save_service_refuses_leave_without_reason(world, request_context):
    services.ensure_roster(world.session)
    rows = member_rows(world.session)
    with pytest.raises(services.RowErrors) as raised:
        services.save_attendance(world.session, [
            services.RowInput(rows[0].id, PRESENT, None),
            services.RowInput(rows[1].id, ON_LEAVE, " "),
        ])
    [problem] = raised.value.problems
    assert (problem.attendance_id, problem.field) == (rows[1].id, "leave_reason")


def test_leave_reason_is_dropped_when_no_longer_on_leave(world, request_context):
    services.ensure_roster(world.session)
    row = member_rows(world.session)[0]
    services.save_attendance(world.session, [services.RowInput(row.id, ON_LEAVE, "病假")])
    db.session.commit()
    services.save_attendance(world.session, [
        services.RowInput(row.id, PRESENT, "病假", loaded_status=ON_LEAVE, loaded_reason="病假")
    ])
    db.session.commit()
    db.session.refresh(row)
    assert (row.status, row.leave_reason) == (PRESENT, None)


def test_mark_all_present_touches_only_unmarked_rows(world, secretary_client, create_user):
    guest = make_person("guest", "列席人")
    fill_roster(world.session)
    rows = rows_of(world.session)
    rows[world.ping.id].status = ABSENT
    rows[world.chen.id].status, rows[world.chen.id].leave_reason = ON_LEAVE, "出差"
    db.session.commit()
    secretary_client.post(f"/sessions/{world.session.id}/attendance/observers",
                          data={"user_id": str(guest.id)})
    response = secretary_client.post(f"/sessions/{world.session.id}/attendance/mark-present",
                                     follow_redirects=True)
    assert response.status_code == 200
    assert "2 people still unmarked have been marked present." in response.get_data(as_text=True)
    rows = rows_of(world.session)
    assert rows[world.ping.id].status == ABSENT
    assert rows[world.chen.id].status == ON_LEAVE
    assert rows[world.chen.id].leave_reason == "出差"
    assert rows[world.zhang.id].status == PRESENT
    assert rows[world.luo.id].status == PRESENT
    assert world.secretary.id not in rows
    assert rows[guest.id].status == OBSERVER
    [event] = events("attendance.mark_all_present")
    assert event.details["count"] == 2
    assert event.details["session_id"] == world.session.id
    # a second time: nothing left to mark
    response = secretary_client.post(f"/sessions/{world.session.id}/attendance/mark-present",
                                     follow_redirects=True)
    assert "nothing was changed" in response.get_data(as_text=True)
    assert len(events("attendance.mark_all_present")) == 1


# --- observers -----------------------------------------------------------------------------


def test_add_an_observer_with_an_account_and_a_guest(world, secretary_client, create_user):
    dean = make_person("dean", "寇新建", position="常务副校长")
    fill_roster(world.session)
    search = f"/sessions/{world.session.id}/attendance/observers/search?user_id-search=寇新"
    html = secretary_client.get(search).get_data(as_text=True)
    assert f'value="{dean.id}"' in html and "常务副校长" in html
    response = secretary_client.post(f"/sessions/{world.session.id}/attendance/observers",
                                     data={"user_id": str(dean.id)})
    assert response.status_code == 302
    response = secretary_client.post(
        f"/sessions/{world.session.id}/attendance/observers",
        data={"user_id": "", "guest_name": "李教授", "guest_position": "市委党校教授"},
    )
    assert response.status_code == 302
    rows = rows_of(world.session)
    assert rows[dean.id].status == OBSERVER
    assert rows["李教授"].status == OBSERVER
    assert rows["李教授"].guest_position == "市委党校教授"
    assert rows["李教授"].user_id is None
    assert len(events("attendance.add_observer")) == 2
    assert all(e.details["session_id"] == world.session.id
               for e in events("attendance.add_observer"))
    html = secretary_client.get(f"/sessions/{world.session.id}/attendance").get_data(as_text=True)
    observers = html[html.index('id="observers"'):]
    assert "寇新建" in observers and "李教授" in observers and "市委党校教授" in observers
    # observers are no longer offered
    assert f'value="{dean.id}"' not in secretary_client.get(search).get_data(as_text=True)
    # observers come after the group's people in the summary, and do not count in the rate
    summary = attendance_summary(roster(world.session))
    assert [r.status for r in summary.rows[-2:]] == [OBSERVER, OBSERVER]
    assert summary.expected == 4


def test_duplicate_attendee_is_refused_beside_the_field(world, secretary_client):
    fill_roster(world.session)
    # a member of the group is already on the list
    response = secretary_client.post(f"/sessions/{world.session.id}/attendance/observers",
                                     data={"user_id": str(world.zhang.id)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This person is already on the attendance list." in field_errors(html, "user_id")
    # a guest named twice
    data = {"guest_name": "李教授", "guest_position": "教授"}
    assert secretary_client.post(f"/sessions/{world.session.id}/attendance/observers",
                                 data=data).status_code == 302
    response = secretary_client.post(f"/sessions/{world.session.id}/attendance/observers",
                                     data={"guest_name": " 李教授 ", "guest_position": "另一位"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This person is already on the attendance list." in field_errors(html, "guest_name")
    assert input_value(html, "guest_position") == "另一位"  # what was typed is kept
    # a member's name typed as a guest
    response = secretary_client.post(f"/sessions/{world.session.id}/attendance/observers",
                                     data={"guest_name": "张瑜"})
    assert "already on the attendance list" in field_errors(
        response.get_data(as_text=True), "guest_name")
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 5


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "user_id", "Choose a person, or type the name of a guest"),
        ({"user_id": "{user}", "guest_name": "李教授"}, "guest_name", "not both"),
        ({"user_id": "999999"}, "user_id", "Choose a person from the list."),
        ({"guest_name": "长" * 65}, "guest_name", "64"),
    ],
)
def test_observer_form_refuses_bad_input(world, secretary_client, create_user, data, field,
                                         message):
    someone = make_person("someone", "某人")
    data = {key: value.replace("{user}", str(someone.id)) for key, value in data.items()}
    response = secretary_client.post(f"/sessions/{world.session.id}/attendance/observers",
                                     data=data)
    assert response.status_code == 200
    assert message in field_errors(response.get_data(as_text=True), field)
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id)).where(
        Attendance.status == OBSERVER)) == 0


def test_add_observer_service_backstops_the_unique_constraint(world, request_context):
    services.ensure_roster(world.session)
    with pytest.raises(DomainError) as raised:
        services.add_observer(world.session, user_id=world.ping.id)
    assert raised.value.field == "user_id"


def test_observer_candidates_are_active_users_not_on_the_list(world, request_context,
                                                               create_user):
    services.ensure_roster(world.session)
    outsider = make_person("visitor", "外单位访客")
    make_person("inactive", "停用访客", active=False)  # not offered
    listed = {person.id for person in observer_candidates(world.session).matching("访客")}
    assert listed == {outsider.id}
    assert observer_candidates(world.session).matching(world.ping.display_name) == []


def test_remove_an_observer_but_never_a_member(world, secretary_client):
    fill_roster(world.session)
    secretary_client.post(f"/sessions/{world.session.id}/attendance/observers",
                          data={"guest_name": "李教授"})
    rows = rows_of(world.session)
    guest_id, member_id = rows["李教授"].id, rows[world.zhang.id].id
    response = secretary_client.post(f"/attendance/{member_id}/remove", follow_redirects=True)
    assert "Only observers can be removed" in response.get_data(as_text=True)
    assert db.session.get(Attendance, member_id) is not None
    response = secretary_client.post(f"/attendance/{guest_id}/remove")
    assert response.status_code == 302
    assert db.session.get(Attendance, guest_id) is None
    [event] = events("attendance.remove")
    assert event.details == {"session_id": world.session.id, "person": "李教授"}


# --- make-up study -------------------------------------------------------------------------


@pytest.fixture
def on_leave(world, request_context):
    """The deputy was on leave; the group leader was present."""
    services.ensure_roster(world.session)
    rows = rows_of(world.session)
    rows[world.chen.id].status, rows[world.chen.id].leave_reason = ON_LEAVE, "出差"
    rows[world.ping.id].status = PRESENT
    rows[world.zhang.id].status = ABSENT
    db.session.commit()
    return rows[world.chen.id]


def test_record_makeup_study(world, secretary_client, on_leave):
    url = f"/attendance/{on_leave.id}/makeup"
    html = secretary_client.get(url).get_data(as_text=True)
    assert "陈晓斌" in html and "出差" in html
    assert 'min="2026-03-26"' in html
    response = secretary_client.post(url, data={"makeup_on": "2026-03-30",
                                                "makeup_note": "自学讲话原文并观看会议录像"})
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(Attendance, on_leave.id)
    assert row.makeup_on == date(2026, 3, 30)
    assert row.makeup_note == "自学讲话原文并观看会议录像"
    [event] = events("attendance.makeup")
    assert event.details["session_id"] == world.session.id
    assert event.details["changes"]["makeup_on"] == [None, "2026-03-30"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"makeup_on": "2026-03-25", "makeup_note": "补学"}, "makeup_on",
         "cannot be before the day of the session"),
        ({"makeup_on": "{tomorrow}", "makeup_note": "补学"}, "makeup_on",
         "cannot be in the future"),
        ({"makeup_on": "2026-03-30", "makeup_note": "  "}, "makeup_note",
         "Please describe the make-up study"),
        ({"makeup_on": "", "makeup_note": "补学"}, "makeup_on", "Please give the date"),
    ],
)
def test_makeup_bad_input_is_shown_beside_the_field(world, secretary_client, on_leave, data,
                                                    field, message):
    tomorrow = (timeutil.today_local() + timedelta(days=1)).isoformat()
    data = {key: value.replace("{tomorrow}", tomorrow) for key, value in data.items()}
    response = secretary_client.post(f"/attendance/{on_leave.id}/makeup", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in field_errors(html, field)
    if data["makeup_note"].strip():
        assert data["makeup_note"] in html  # kept
    db.session.expire_all()
    assert db.session.get(Attendance, on_leave.id).makeup_on is None


def test_makeup_only_for_leave_or_absence(world, secretary_client, on_leave):
    present = rows_of(world.session)[world.ping.id]
    response = secretary_client.get(f"/attendance/{present.id}/makeup")
    assert response.status_code == 302
    response = secretary_client.post(f"/attendance/{present.id}/makeup",
                                     data={"makeup_on": "2026-03-30", "makeup_note": "x"},
                                     follow_redirects=True)
    assert "only for people who were on leave or absent" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Attendance, present.id).makeup_on is None


def test_makeup_may_be_recorded_on_a_closed_session(world, secretary_client, on_leave):
    world.session.status = SessionStatus.CLOSED
    db.session.commit()
    # the record itself is locked …
    assert secretary_client.get(f"/sessions/{world.session.id}/attendance").status_code == 403
    # … but make-up study, which happens later, may still be recorded
    response = secretary_client.post(f"/attendance/{on_leave.id}/makeup",
                                     data={"makeup_on": "2026-04-02", "makeup_note": "补学"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessions/{world.session.id}#attendance")
    db.session.expire_all()
    assert db.session.get(Attendance, on_leave.id).makeup_on == date(2026, 4, 2)


def test_makeup_rule(world, app, on_leave, person):
    from flask_login import login_user

    for role, status, allowed in [
        ("secretary", SessionStatus.PUBLISHED, True),
        ("secretary", SessionStatus.CLOSED, True),
        ("secretary", SessionStatus.CANCELLED, False),
        ("admin", SessionStatus.CLOSED, True),
        ("member", SessionStatus.PUBLISHED, False),
        ("leader", SessionStatus.CLOSED, False),
    ]:
        world.session.status = status
        db.session.commit()
        with app.test_request_context():
            login_user(person(role))
            assert authz.can("attendance.makeup", world.session) is allowed, (role, status)


# --- the section on the session page -------------------------------------------------------


def test_session_page_shows_counts_rate_leave_and_makeup(world, client, login, on_leave,
                                                         person):
    on_leave.makeup_on, on_leave.makeup_note = date(2026, 3, 30), "自学<讲话>原文"
    db.session.add(Attendance(session=world.session, guest_name="李教授",
                              guest_position="市委党校", status=OBSERVER, sort_order=100_000))
    db.session.commit()
    login(person("member"))
    response = client.get(f"/sessions/{world.session.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    section = html[html.index('id="attendance"'):html.index('id="talks"')]
    # 1 present of 4 expected (the observer does not count)
    assert "Attendance rate" in section
    assert "25%" in section
    assert "1 of 4 expected" in section
    assert "everyone on the list except observers" in section.replace("Everyone", "everyone")
    assert "出差" in section
    assert "2026-03-30" in section
    assert "自学&lt;讲话&gt;原文" in section
    assert "李教授" in section and "市委党校" in section
    # a member sees, but cannot edit
    assert "Record attendance" not in section
    assert "Record make-up study" not in section
    assert f"/attendance/{on_leave.id}/makeup" not in section


def test_session_page_offers_the_secretary_to_record(world, secretary_client):
    html = secretary_client.get(f"/sessions/{world.session.id}").get_data(as_text=True)
    section = html[html.index('id="attendance"'):html.index('id="talks"')]
    assert "Attendance has not been recorded yet." in section
    assert f'href="/sessions/{world.session.id}/attendance"' in section


def test_attendance_page_query_count_does_not_grow(world, secretary_client, create_user,
                                                    count_queries, create_session):
    small = world.session
    big = create_session(world.group, topic="大")
    for i in range(20):
        user = make_person(f"obs{i}", f"列席{i}")
        db.session.add(Attendance(session=big, user=user, status=OBSERVER,
                                  sort_order=100_000 + i))
    db.session.commit()
    for session in (small, big):
        fill_roster(session)
    counts = []
    for session in (small, big):
        db.session.expire_all()
        with count_queries() as counter:
            assert secretary_client.get(f"/sessions/{session.id}/attendance").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- the permission matrix -----------------------------------------------------------------

P, D, C = SessionStatus.PUBLISHED, SessionStatus.DRAFT, SessionStatus.CLOSED
MATRIX = [
    # (name, method, status, path, data, expected per role in ROLES)
    ("page", "GET", P, "/sessions/{s}/attendance", None, (302, 403, 200, 403, 404, 200)),
    ("save", "POST", P, "/sessions/{s}/attendance", {}, (302, 403, 302, 403, 404, 302)),
    ("mark present", "POST", P, "/sessions/{s}/attendance/mark-present", {},
     (302, 403, 302, 403, 404, 302)),
    ("add missing members", "POST", P, "/sessions/{s}/attendance/members", {},
     (302, 403, 302, 403, 404, 302)),
    ("add observer", "POST", P, "/sessions/{s}/attendance/observers", {"guest_name": "来宾"},
     (302, 403, 302, 403, 404, 302)),
    ("remove observer", "POST", P, "/attendance/{o}/remove", {},
     (302, 403, 302, 403, 404, 302)),
    ("search observers", "GET", P, "/sessions/{s}/attendance/observers/search?user_id-search=来",
     None, (302, 403, 200, 403, 404, 200)),
    ("makeup form", "GET", P, "/attendance/{a}/makeup", None, (302, 403, 200, 403, 404, 200)),
    ("makeup", "POST", P, "/attendance/{a}/makeup",
     {"makeup_on": "2026-03-27", "makeup_note": "补学"}, (302, 403, 302, 403, 404, 302)),
    # a draft is hidden from members and leaders
    ("draft page", "GET", D, "/sessions/{s}/attendance", None, (302, 404, 200, 404, 404, 200)),
    ("draft makeup form", "GET", D, "/attendance/{a}/makeup", None,
     (302, 404, 200, 404, 404, 200)),
    # a closed record is locked, except for make-up study
    ("closed page", "GET", C, "/sessions/{s}/attendance", None, (302, 403, 403, 403, 404, 403)),
    ("closed save", "POST", C, "/sessions/{s}/attendance", {}, (302, 403, 403, 403, 404, 403)),
    ("closed mark present", "POST", C, "/sessions/{s}/attendance/mark-present", {},
     (302, 403, 403, 403, 404, 403)),
    ("closed add missing members", "POST", C, "/sessions/{s}/attendance/members", {},
     (302, 403, 403, 403, 404, 403)),
    ("closed add observer", "POST", C, "/sessions/{s}/attendance/observers",
     {"guest_name": "来宾"}, (302, 403, 403, 403, 404, 403)),
    ("closed search observers", "GET", C,
     "/sessions/{s}/attendance/observers/search?user_id-search=来", None,
     (302, 403, 403, 403, 404, 403)),
    ("closed remove observer", "POST", C, "/attendance/{o}/remove", {},
     (302, 403, 403, 403, 404, 403)),
    ("closed makeup form", "GET", C, "/attendance/{a}/makeup", None,
     (302, 403, 200, 403, 404, 200)),
    ("closed makeup", "POST", C, "/attendance/{a}/makeup",
     {"makeup_on": "2026-03-27", "makeup_note": "补学"}, (302, 403, 302, 403, 404, 302)),
]


@pytest.mark.parametrize(
    ("name", "method", "status", "path", "data", "role", "expected"),
    [
        pytest.param(name, method, status, path, data, role, expected[i], id=f"{name}-{role}")
        for name, method, status, path, data, expected in MATRIX
        for i, role in enumerate(ROLES)
    ],
)
def test_permission_matrix(world, as_role, on_leave, name, method, status, path, data, role,
                           expected):
    guest = Attendance(session=world.session, guest_name="列席来宾", status=OBSERVER,
                       sort_order=100_000)
    db.session.add(guest)
    world.session.status = status
    db.session.commit()
    client = as_role(role)
    url = path.format(s=world.session.id, a=on_leave.id, o=guest.id)
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if role == "anonymous":
        assert "/auth/login" in response.headers["Location"]
    if expected in (403, 404):
        db.session.expire_all()
        assert db.session.get(Attendance, guest.id) is not None
        assert events("attendance.add_observer") == []
        assert events("attendance.makeup") == []
        assert events("attendance.mark_all_present") == []


def test_nonexistent_rows_answer_404(world, secretary_client):
    assert secretary_client.get("/attendance/999999/makeup").status_code == 404
    assert secretary_client.post("/attendance/999999/remove").status_code == 404
    assert secretary_client.get("/sessions/999999/attendance").status_code == 404


# --- the list is made when the session is created and published, never by opening a page ---


def writes(statements):
    return [statement for statement in statements
            if statement.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def join_group(world, username, name):
    newcomer = make_person(username, name)
    admin_services.add_member(world.group, newcomer)
    db.session.commit()
    return newcomer


def test_opening_the_attendance_page_writes_nothing(world, secretary_client, count_queries):
    # Nobody is on the list yet: the page says so and offers the action, but adds no one.
    url = f"/sessions/{world.session.id}/attendance"
    with count_queries() as counter:
        response = secretary_client.get(url)
    assert response.status_code == 200
    assert counter.statements and writes(counter.statements) == []
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 0
    assert events("attendance.create") == []
    html = response.get_data(as_text=True)
    assert "Add the 4 members not on the list" in html
    assert f'action="/sessions/{world.session.id}/attendance/members"' in html


def test_creating_a_session_puts_the_groups_members_on_its_list(world, secretary_client):
    response = secretary_client.post(f"/groups/{world.group.id}/sessions/new", data={
        "kind": "collective", "topic": "新的学习", "starts_at": "2026-04-02T14:00",
        "min_reflection_chars": "0",
    })
    assert response.status_code == 302
    session_id = int(response.headers["Location"].rsplit("/", 1)[1])
    rows = member_rows(SimpleNamespace(id=session_id))
    assert [row.user_id for row in rows] == [world.ping.id, world.chen.id, world.zhang.id,
                                             world.luo.id]
    assert all(row.status is None for row in rows)
    [event] = events("attendance.create")
    assert event.details["session_id"] == session_id
    html = secretary_client.get(f"/sessions/{session_id}/attendance").get_data(as_text=True)
    assert "not on the list" not in html


def test_publishing_adds_the_members_who_joined_since(world, secretary_client, create_session):
    draft = create_session(world.group, status=SessionStatus.DRAFT, topic="草稿")
    fill_roster(draft)
    newcomer = join_group(world, "newcomer", "新成员")
    response = secretary_client.post(f"/sessions/{draft.id}/publish")
    assert response.status_code == 302
    rows = {row.user_id: row for row in member_rows(draft)}
    assert len(rows) == 5 and rows[newcomer.id].status is None
    assert [event.details["people"] for event in events("attendance.create")][-1] == ["新成员"]


def test_the_action_adds_members_who_joined_later(world, secretary_client):
    fill_roster(world.session)
    marked = member_rows(world.session)[0]
    marked.status = PRESENT
    db.session.commit()
    first = join_group(world, "newcomer1", "新成员甲")
    second = join_group(world, "newcomer2", "新成员乙")
    url = f"/sessions/{world.session.id}/attendance"
    html = secretary_client.get(url).get_data(as_text=True)
    assert "Add the 2 members not on the list" in html

    response = secretary_client.post(f"{url}/members", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.request.path == url
    assert "2 members of the group have been added to the list." in html
    assert "not on the list" not in html.replace("have been added to the list", "")
    rows = {row.user_id: row for row in member_rows(world.session)}
    assert len(rows) == 6 and rows[first.id].status is None and rows[second.id].status is None
    assert rows[marked.user_id].status == PRESENT  # marks already made stay
    assert sorted(events("attendance.create")[-1].details["people"]) == ["新成员乙", "新成员甲"]

    # Pressed again (an old page): nobody is added twice.
    html = secretary_client.post(f"{url}/members", follow_redirects=True).get_data(as_text=True)
    assert "Everyone in the group was already on the list" in html
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 6
    assert len(events("attendance.create")) == 2


@pytest.mark.postgresql_only
def test_two_secretaries_adding_the_members_at_once_add_each_once(app, world):
    """ensure_roster locks the session's row: the second waits for the first to commit, then
    finds everyone on the list (without the lock its insert would break the unique key)."""
    import threading
    import time

    from studytrack.models import StudySession

    session_id = world.session.id
    first_added = threading.Event()
    added, failures = {}, []

    def fill(name, before=None, after=None):
        try:
            with app.app_context():
                if before:
                    before.wait(10)
                added[name] = len(services.ensure_roster(db.session.get(StudySession, session_id)))
                if after:
                    after.set()
                    time.sleep(0.5)  # the other one is waiting for the lock meanwhile
                db.session.commit()
        except Exception as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=fill, args=("first", None, first_added)),
               threading.Thread(target=fill, args=("second", first_added, None))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert failures == []
    assert added == {"first": 4, "second": 0}
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 4
    assert len(events("attendance.create")) == 1
