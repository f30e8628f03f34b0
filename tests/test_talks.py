"""Talks of a session: add, edit, delete, reorder, the section on the session page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from studytrack.admin import services as admin_services
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    AuditEvent,
    GroupRole,
    GroupTitle,
    SessionStatus,
    Talk,
    TalkKind,
)
from studytrack.study_sessions import talk_services as services
from studytrack.study_sessions.attendance_queries import speaker_choices
from tests.fixtures.users import make_person
from tests.fixtures.world import ROLES


@pytest.fixture
def world(world, create_session):
    """The shared world; the group's leader (平杰, who chairs) and two more members (陈晓斌,
    寇新建), none of whom logs in; a published session on 26 March 2026."""
    world.chen = make_person("chen", "陈晓斌", position="校长")
    world.kou = make_person("kou", "寇新建", position="常务副校长")
    admin_services.add_member(world.group, world.chen)
    admin_services.add_member(world.group, world.kou)
    world.ping = make_person("ping", "平杰", position="党委书记")
    admin_services.add_member(world.group, world.ping, GroupRole.MEMBER, GroupTitle.LEADER)
    db.session.commit()
    world.session = create_session(world.group, starts_at=datetime(2026, 3, 26, 6, 0, tzinfo=UTC),
                                   chair=world.ping)
    return world


@pytest.fixture
def secretary_client(client, login, world):
    return login(world.secretary)


def talks_of(session):
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(Talk).where(Talk.session_id == session.id).order_by(Talk.position)
    ))


def events(action):
    return list(db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ))


def field_errors(html, field_id):
    match = re.search(rf'<div class="invalid-feedback" id="{re.escape(field_id)}-feedback">'
                      rf'(.*?)</div>\s*</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def talk_form(**overrides):
    data = {"kind": "exchange", "speaker_id": "", "speaker_name": "", "title": "",
            "summary": ""}
    data.update({key: str(value) for key, value in overrides.items()})
    return data


def add(session, speaker=None, name=None, kind=TalkKind.EXCHANGE, **fields):
    return services.add_talk(session, services.TalkData(
        kind=kind, speaker_id=speaker.id if speaker else None, speaker_name=name, **fields))


# --- services ------------------------------------------------------------------------------


def test_talks_are_appended_in_order(world, request_context):
    first = add(world.session, world.ping, kind=TalkKind.CHAIR_ADDRESS, summary="要点一")
    second = add(world.session, world.chen, kind=TalkKind.KEYNOTE)
    third = add(world.session, name="张教授（市委党校）", title="辅导报告")
    db.session.commit()
    talks = talks_of(world.session)
    assert [t.id for t in talks] == [first.id, second.id, third.id]
    assert [t.position for t in talks] == [0, 1, 2]
    assert talks[2].speaker_id is None and talks[2].name == "张教授（市委党校）"
    created = events("talk.create")
    assert len(created) == 3
    assert all(e.details["session_id"] == world.session.id for e in created)
    assert created[0].details["speaker"] == "平杰"


@pytest.mark.parametrize(
    ("speaker", "name", "field"),
    [(None, None, "speaker_id"), ("chen", "张教授", "speaker_name"), (None, "  ", "speaker_id")],
)
def test_exactly_one_speaker(world, request_context, speaker, name, field):
    with pytest.raises(DomainError) as raised:
        add(world.session, getattr(world, speaker) if speaker else None, name)
    assert raised.value.field == field


def test_speaker_must_be_from_the_group_or_the_attendance_list(world, request_context):
    stranger = make_person("stranger", "外人")
    with pytest.raises(DomainError) as raised:
        add(world.session, stranger)
    assert raised.value.field == "speaker_id"
    # once on the attendance list (an observer), they may speak
    db.session.add(Attendance(session=world.session, user=stranger,
                              status=AttendanceStatus.OBSERVER, sort_order=100_000))
    db.session.commit()
    assert add(world.session, stranger).speaker_id == stranger.id


def test_speaker_choices_put_leaders_first_then_observers(world, request_context):
    observer = make_person("observer", "列席者")
    db.session.add(Attendance(session=world.session, user=observer,
                              status=AttendanceStatus.OBSERVER, sort_order=100_000))
    db.session.commit()
    ids = [user_id for user_id, _ in speaker_choices(world.session)]
    assert ids[0] == world.ping.id
    assert ids[-1] == observer.id
    assert set(ids) == {world.ping.id, world.chen.id, world.kou.id, world.member.id,
                        world.secretary.id, observer.id}
    names = dict(speaker_choices(world.session))
    assert names[world.ping.id] == "平杰（党委书记）"


def test_update_logs_changes(world, request_context):
    talk = add(world.session, world.chen, title="旧题目")
    db.session.commit()
    changes = services.update_talk(talk, services.TalkData(
        kind=TalkKind.KEYNOTE, speaker_name="张教授", title="新题目", summary="要点"))
    db.session.commit()
    assert changes["title"] == ["旧题目", "新题目"]
    assert changes["speaker"] == ["陈晓斌", "张教授"]
    assert changes["kind"] == ["exchange", "keynote"]
    talk = talks_of(world.session)[0]
    assert (talk.speaker_id, talk.speaker_name, talk.kind) == (None, "张教授", TalkKind.KEYNOTE)
    [event] = events("talk.update")
    assert event.details["session_id"] == world.session.id
    # saving the same again changes nothing and logs nothing
    assert services.update_talk(talk, services.TalkData(
        kind=TalkKind.KEYNOTE, speaker_name="张教授", title="新题目", summary="要点")) == {}
    assert len(events("talk.update")) == 1


def test_a_speaker_who_left_stays_on_an_edited_talk(world, request_context):
    talk = add(world.session, world.kou)
    db.session.commit()
    for membership in world.kou.memberships:
        membership.left_on = datetime(2026, 4, 1).date()
    db.session.commit()
    services.update_talk(talk, services.TalkData(
        kind=TalkKind.EXCHANGE, speaker_id=world.kou.id, summary="补充要点"))
    db.session.commit()
    assert talks_of(world.session)[0].summary == "补充要点"


def test_delete_keeps_positions_contiguous(world, request_context):
    talks = [add(world.session, world.ping), add(world.session, world.chen),
             add(world.session, world.kou)]
    db.session.commit()
    services.delete_talk(talks[1])
    db.session.commit()
    remaining = talks_of(world.session)
    assert [(t.speaker_id, t.position) for t in remaining] == [(world.ping.id, 0),
                                                               (world.kou.id, 1)]
    [event] = events("talk.delete")
    assert event.details["session_id"] == world.session.id
    assert event.details["speaker"] == "陈晓斌"


def test_move_swaps_with_the_neighbour(world, request_context):
    a, b, c = (add(world.session, world.ping), add(world.session, world.chen),
               add(world.session, world.kou))
    db.session.commit()
    assert services.move_talk(c, "up") is True
    db.session.commit()
    assert [t.id for t in talks_of(world.session)] == [a.id, c.id, b.id]
    assert services.move_talk(a, "up") is False  # already first
    assert services.move_talk(b, "down") is False  # already last
    assert services.move_talk(a, "down") is True
    db.session.commit()
    assert [t.id for t in talks_of(world.session)] == [c.id, a.id, b.id]
    assert [t.position for t in talks_of(world.session)] == [0, 1, 2]
    moves = events("talk.move")
    assert len(moves) == 2
    assert moves[0].details["position"] == [3, 2]
    assert all(e.details["session_id"] == world.session.id for e in moves)
    with pytest.raises(DomainError):
        services.move_talk(a, "sideways")


def test_move_repairs_gaps_in_positions(world, request_context):
    a, b = add(world.session, world.ping), add(world.session, world.chen)
    a.position, b.position = 5, 9
    db.session.commit()
    services.move_talk(b, "up")
    db.session.commit()
    assert [(t.id, t.position) for t in talks_of(world.session)] == [(b.id, 0), (a.id, 1)]


# --- routes --------------------------------------------------------------------------------


def test_new_talk_form_suggests_the_chairs_address(world, secretary_client):
    html = secretary_client.get(f"/sessions/{world.session.id}/talks/new").get_data(as_text=True)
    assert '<option selected value="chair_address">' in html
    assert f'<option selected value="{world.ping.id}">' in html


def test_add_edit_delete_through_the_browser(world, secretary_client):
    url = f"/sessions/{world.session.id}/talks"
    response = secretary_client.post(url, data=talk_form(
        kind="chair_address", speaker_id=world.ping.id, summary="第一点\n\n第二点"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessions/{world.session.id}#talks")
    response = secretary_client.post(url, data=talk_form(
        speaker_name="张教授（市委党校）", add_another="1"))
    assert response.headers["Location"].endswith(f"/sessions/{world.session.id}/talks/new")
    first, second = talks_of(world.session)
    assert first.summary == "第一点\n\n第二点"
    response = secretary_client.post(f"/talks/{second.id}/edit", data=talk_form(
        kind="keynote", speaker_id=world.chen.id, title="交流"))
    assert response.status_code == 302
    second = talks_of(world.session)[1]
    assert (second.speaker_id, second.speaker_name, second.kind) == (
        world.chen.id, None, TalkKind.KEYNOTE)
    assert secretary_client.post(f"/talks/{first.id}/move",
                                 data={"direction": "down"}).status_code == 302
    assert [t.id for t in talks_of(world.session)] == [second.id, first.id]
    assert secretary_client.post(f"/talks/{second.id}/delete").status_code == 302
    assert [t.id for t in talks_of(world.session)] == [first.id]
    assert talks_of(world.session)[0].position == 0
    assert [len(events(a)) for a in ("talk.create", "talk.update", "talk.move",
                                     "talk.delete")] == [2, 1, 1, 1]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "speaker_id", "Choose the speaker"),
        ({"speaker_id": "{chen}", "speaker_name": "张教授"}, "speaker_name", "not both"),
        ({"speaker_id": "999999"}, "speaker_id", "Choose a member of the group"),
        ({"speaker_name": "张" * 65}, "speaker_name", "64"),
        ({"speaker_name": "张教授", "kind": "sermon"}, "kind", "Not a valid choice"),
    ],
)
def test_bad_talk_input_is_shown_beside_the_field(world, secretary_client, data, field,
                                                  message):
    data = talk_form(summary="要点保留", **{
        key: value.replace("{chen}", str(world.chen.id)) for key, value in data.items()})
    response = secretary_client.post(f"/sessions/{world.session.id}/talks", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in field_errors(html, field)
    assert "要点保留" in html  # what was typed is kept
    assert talks_of(world.session) == []


def test_edit_refuses_bad_input_and_keeps_it(world, secretary_client, request_context):
    talk = add(world.session, world.chen, summary="原要点")
    db.session.commit()
    response = secretary_client.post(f"/talks/{talk.id}/edit", data=talk_form(
        summary="改过的要点"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Choose the speaker" in field_errors(html, "speaker_id")
    assert "改过的要点" in html
    assert talks_of(world.session)[0].summary == "原要点"


def test_talks_section_on_the_session_page(world, client, login, person, request_context):
    add(world.session, world.ping, kind=TalkKind.CHAIR_ADDRESS,
        summary="统筹推进疫情防控\n\n<script>alert(1)</script>")
    add(world.session, name="张教授（市委党校）", kind=TalkKind.KEYNOTE, title="辅导报告")
    db.session.commit()
    login(person("member"))
    html = client.get(f"/sessions/{world.session.id}").get_data(as_text=True)
    section = html[html.index('id="talks"'):]
    section = section[:section.index("</section>")]
    assert "1." in section and "2." in section
    assert section.index("平杰") < section.index("张教授")
    assert "Chair&#39;s address" in section or "Chair's address" in section
    assert "Keynote talk" in section
    assert "党委书记" in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "<script>alert" not in section
    assert "text-prewrap" in section
    assert "辅导报告" in section
    # a member reads, but has no buttons
    assert "Add a talk" not in section
    assert "/move" not in section and "/delete" not in section


def test_talks_section_for_the_secretary(world, secretary_client, request_context):
    html = secretary_client.get(f"/sessions/{world.session.id}").get_data(as_text=True)
    section = html[html.index('id="talks"'):]
    assert "No talks recorded yet." in section
    assert f"/sessions/{world.session.id}/talks/new" in section
    first, second = add(world.session, world.ping), add(world.session, world.chen)
    db.session.commit()
    html = secretary_client.get(f"/sessions/{world.session.id}").get_data(as_text=True)
    assert f"/talks/{first.id}/move" in html and f"/talks/{second.id}/move" in html
    assert f"/talks/{first.id}/edit" in html
    assert f"/talks/{first.id}/delete" in html
    # the first cannot move up, the last cannot move down
    first_item = html[html.index(f'id="talk-{first.id}"'):html.index(f'id="talk-{second.id}"')]
    assert 'value="up"' not in first_item and 'value="down"' in first_item


# --- the permission matrix -----------------------------------------------------------------

P, D, C = SessionStatus.PUBLISHED, SessionStatus.DRAFT, SessionStatus.CLOSED
VALID = {"kind": "keynote", "speaker_id": "", "speaker_name": "张教授", "summary": "要点"}
MATRIX = [
    ("new form", "GET", P, "/sessions/{s}/talks/new", None, (302, 403, 200, 403, 404, 200)),
    ("add", "POST", P, "/sessions/{s}/talks", VALID, (302, 403, 302, 403, 404, 302)),
    ("edit form", "GET", P, "/talks/{t}/edit", None, (302, 403, 200, 403, 404, 200)),
    ("edit", "POST", P, "/talks/{t}/edit", VALID, (302, 403, 302, 403, 404, 302)),
    ("move", "POST", P, "/talks/{t}/move", {"direction": "down"},
     (302, 403, 302, 403, 404, 302)),
    ("delete", "POST", P, "/talks/{t}/delete", {}, (302, 403, 302, 403, 404, 302)),
    ("draft new form", "GET", D, "/sessions/{s}/talks/new", None,
     (302, 404, 200, 404, 404, 200)),
    ("draft edit", "POST", D, "/talks/{t}/edit", VALID, (302, 404, 302, 404, 404, 302)),
    ("closed new form", "GET", C, "/sessions/{s}/talks/new", None,
     (302, 403, 403, 403, 404, 403)),
    ("closed add", "POST", C, "/sessions/{s}/talks", VALID, (302, 403, 403, 403, 404, 403)),
    ("closed edit", "POST", C, "/talks/{t}/edit", VALID, (302, 403, 403, 403, 404, 403)),
    ("closed move", "POST", C, "/talks/{t}/move", {"direction": "down"},
     (302, 403, 403, 403, 404, 403)),
    ("closed delete", "POST", C, "/talks/{t}/delete", {}, (302, 403, 403, 403, 404, 403)),
]


@pytest.mark.parametrize(
    ("name", "method", "status", "path", "data", "role", "expected"),
    [
        pytest.param(name, method, status, path, data, role, expected[i], id=f"{name}-{role}")
        for name, method, status, path, data, expected in MATRIX
        for i, role in enumerate(ROLES)
    ],
)
def test_permission_matrix(world, as_role, name, method, status, path, data, role, expected):
    first = Talk(session=world.session, speaker=world.ping, kind=TalkKind.CHAIR_ADDRESS,
                 position=0, summary="原要点")
    second = Talk(session=world.session, speaker=world.chen, kind=TalkKind.EXCHANGE,
                  position=1)
    db.session.add_all([first, second])
    world.session.status = status
    db.session.commit()
    client = as_role(role)
    url = path.format(s=world.session.id, t=first.id)
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    assert response.status_code == expected, response.get_data(as_text=True)[:300]
    if role == "anonymous":
        assert "/auth/login" in response.headers["Location"]
    if expected in (403, 404):
        talks = talks_of(world.session)
        assert [(t.id, t.summary) for t in talks] == [(first.id, "原要点"), (second.id, None)]
        assert not events("talk.create") and not events("talk.update")
        assert not events("talk.move") and not events("talk.delete")


def test_unknown_talk_answers_404(world, secretary_client):
    assert secretary_client.get("/talks/999999/edit").status_code == 404
    assert secretary_client.post("/talks/999999/delete").status_code == 404
    assert secretary_client.post("/talks/999999/move", data={"direction": "up"}).status_code \
        == 404
