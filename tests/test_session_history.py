"""A session's history (办理记录) reads as a user would say it (issue 19, section 3): field names
and values in the page's language, statuses by their labels, people and units by name, no
empty values, no ids, nothing of the code's own words."""

from __future__ import annotations

import re

import pytest

from studytrack import audit
from studytrack.extensions import db
from studytrack.study_sessions.queries import ACTION_LABELS
from tests.fixtures.demo import demo_login


@pytest.fixture
def history(world, create_session):
    """One event of every kind the history shows, about one session, with the details its
    service records (and, for the people and units of older events, their ids)."""
    session = create_session(world.group)
    s = {"session_id": session.id}
    events = {
        "session.create": {"changes": {
            "kind": [None, "seminar"], "topic": [None, "学习贯彻"], "chair_id": [None, "平杰"],
            "recorder_id": [None, "李婧"], "starts_at": [None, "2026-03-26T14:00"],
            "plan_item_id": [None, "一月：党纪学习"], "min_reflection_chars": [None, 600]}},
        "session.update": {"changes": {"location": ["518会议室", "报告厅"],
                                       "reflection_due_on": [None, "2026-04-02"]}},
        "session.minutes": {"characters": [0, 1200]},
        "news_release.save": {"characters": [0, 900]},
        "news_release.finalise": {"characters": [900, 950]},
        "news_release.discard": {"characters": [950, 0]},
        "supervision.assign": {"supervisor": "寇新建", "sent_by": "市教卫党委"},
        "supervision.withdraw": {"supervisor": "寇新建"},
        "supervision.evaluate": {"supervisor": "寇新建", "average": 4.5},
        "session.publish": {"status": ["draft", "published"]},
        "session.close": {"status": ["published", "closed"]},
        "session.reopen": {"status": ["closed", "published"], "closed_at": "2026-04-03T09:00"},
        "session.cancel": {"status": ["published", "cancelled"], "reason": "改期"},
        "session.link_material": {"material_id": 1, "title": "重要讲话", "position": 2},
        "session.unlink_material": {"material_id": 1, "title": "重要讲话"},
        "session.move_material": {"material_id": 1, "title": "重要讲话", "direction": "up",
                                  "position": 1},
        "attendance.create": {"people": ["平杰", "张瑜"]},
        "attendance.update": {"person": "张瑜", "changes": {
            "status": [None, "on_leave"], "leave_reason": [None, "出差"]}},
        "attendance.mark_all_present": {"count": 2, "people": ["平杰", "罗宁"]},
        "attendance.add_observer": {"person": "寇新建", "position": None},
        "attendance.remove": {"person": "寇新建"},
        "attendance.makeup": {"person": "张瑜", "changes": {
            "makeup_on": [None, "2026-03-30"], "makeup_note": [None, "自学"]}},
        "talk.create": {"speaker": "平杰", "kind": "chair_address", "title": None,
                        "position": 1},
        "talk.update": {"speaker": "平杰", "changes": {"kind": ["keynote", "exchange"]}},
        "talk.delete": {"speaker": "平杰", "kind": "exchange", "title": "", "position": 2},
        "talk.move": {"speaker": "平杰", "direction": "down", "position": [1, 2]},
        "task.create": {"title": "报送心得", "assignee_id": world.member.id,
                        "unit_id": world.branch.id, "due_on": "2026-04-10"},
        "task.update": {"changes": {"assignee_id": [None, world.member.id],
                                    "unit_id": [world.branch.id, None],
                                    "assignee": ["罗宁", "张瑜"]}},
        "task.progress": {"from": "open", "to": "in_progress"},
        "task.complete": {"from": "in_progress", "to": "done", "note": "已报送"},
        "task.cancel": {"from": "open", "to": "cancelled", "reason": "合并"},
        "task.reopen": {"from": "done", "to": "in_progress", "reason": "补充"},
        "reflection.create": {"characters": 0},
        "reflection.submit": {"from": "draft", "to": "submitted", "characters": 800,
                              "late": False},
        "reflection.return": {"from": "submitted", "to": "returned",
                              "author_id": world.member.id, "comment": None},
        "reflection.accept": {"from": "submitted", "to": "accepted", "author": "张瑜",
                              "comment": "很好"},
    }
    # The events name their object by type and id, as the services' objects do.
    objects = {"session": session, "news_release": session, "supervision": session, **{
        kind: type(name, (), {"id": 1})()
        for kind, name in (("attendance", "Attendance"), ("talk", "Talk"),
                           ("task", "FollowUpTask"), ("reflection", "Reflection"))}}
    for action, details in events.items():
        audit.record(action, objects[action.split(".")[0]], actor=world.secretary, **s,
                     **details)
    db.session.commit()
    return session, events


def test_every_kind_of_event_is_in_the_fixture(history):
    _, events = history
    assert set(events) == set(ACTION_LABELS)


@pytest.mark.parametrize("locale", ["en", "zh"])
def test_the_history_shows_no_field_name_id_or_code_value(world, login, history, locale):
    session, _ = history
    world.secretary.locale = locale
    db.session.commit()
    client = login(world.secretary)
    shown = ""
    for page in (1, 2):  # every event, on however many pages
        html = client.get(f"/sessions/{session.id}/history?page={page}").get_data(as_text=True)
        if "<tbody>" not in html:
            break
        shown += re.sub(r"<[^>]+>", " ", html[html.index("<tbody>"):html.index("</tbody>")])
    # no field name or value of the code's own (snake_case names and values, None, True …)
    assert re.findall(r"\b[a-z]+_[a-z_]+\b|\b(?:None|True|False)\b", shown) == [], shown
    assert not re.search(r"#\d+", shown)  # no object ids
    # people and units by name, today's for older events that kept only their ids
    assert world.member.display_name in shown and world.branch.name in shown
    if locale == "zh":
        assert "顺序" in shown and "逾期提交" in shown and "退回修改" in shown
        assert "（空）" in shown and "职务" not in shown
        assert not re.search(r"[A-Za-z]{3,}", shown)  # nothing English


def test_the_demo_sessions_histories_read_in_chinese(demo_site, client):
    demo_login(client, "secretary")
    html = client.get(f"/sessions/{demo_site['session_id']}/history").get_data(as_text=True)
    table = html[html.index("<tbody>"):html.index("</tbody>")]
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"<[^>]+>", " ", table))
