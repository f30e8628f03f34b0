"""Supervision by attending (列席旁听, issue 22 §2): a leader above sends one of the unit's
people to a session of a group below; the supervisor reads that session (not the group's
others) and evaluates it; the group's secretaries and the leaders above read the evaluation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from studytrack.extensions import db
from studytrack.models import AuditEvent, Organization, Supervision


@pytest.fixture
def supervised(world, create_user, create_session):
    world.inspector = create_user("inspector", "督导员", organization=world.top, locale="en")
    world.session = create_session(world.group, topic="学习贯彻党的二十届四中全会精神")
    world.other = create_session(world.group, topic="另一次学习",
                                 starts_at=datetime(2026, 4, 20, 6, tzinfo=UTC))
    return world


def page_of(world) -> str:
    return f"/sessions/{world.session.id}/supervision"


def send(client, world, person, points="学习准备\n研讨深度\n联系实际"):
    return client.post(page_of(world), data={"user_id": str(person.id), "points": points})


def test_a_leader_sends_a_supervisor_who_reads_that_session_only_and_evaluates_it(
    client, login, supervised
):
    w = supervised
    login(w.inspector)
    assert client.get(f"/sessions/{w.session.id}").status_code == 404  # not sent yet
    client.post("/auth/logout")

    login(w.leader)
    page = client.get(page_of(w)).get_data(as_text=True)
    assert 'id="assign-form"' in page and "学习准备\n研讨深度" in page  # the default points
    assert send(client, w, w.inspector).status_code == 302
    sent = db.session.scalar(sa.select(Supervision))
    assert (sent.supervisor_id, sent.organization_id, sent.assigned_by_id) == (
        w.inspector.id, w.top.id, w.leader.id)
    assert sent.points == ["学习准备", "研讨深度", "联系实际"]
    unit = db.session.get(Organization, w.top.id)
    assert unit.supervision_points == "学习准备\n研讨深度\n联系实际"
    client.post("/auth/logout")

    login(w.inspector)
    detail = client.get(f"/sessions/{w.session.id}")
    assert detail.status_code == 200 and 'id="supervision-link"' in detail.get_data(as_text=True)
    assert client.get(f"/sessions/{w.other.id}").status_code == 404  # not the group's others
    assert client.get(f"/groups/{w.group.id}/sessions").status_code == 404
    form = client.get(page_of(w)).get_data(as_text=True)
    assert 'id="evaluation-form"' in form and 'id="assign-form"' not in form
    saved = client.post(f"{page_of(w)}/{sent.id}/evaluation",
                        data={"point_0": "4", "point_1": "5", "point_2": "3",
                              "comments": "研讨深入，联系实际还需加强。"})
    assert saved.status_code == 302
    db.session.refresh(sent)
    assert sent.ratings == {"学习准备": 4, "研讨深度": 5, "联系实际": 3}
    assert sent.comments == "研讨深入，联系实际还需加强。" and sent.evaluated_at is not None
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "supervision.evaluate", AuditEvent.session_id == w.session.id)) == 1


@pytest.mark.parametrize(("role", "status"), [
    ("secretary", 200), ("leader", 200), ("admin", 200), ("member", 403), ("outsider", 404)])
def test_who_reads_the_evaluations(client, login, supervised, role, status):
    w = supervised
    db.session.add(Supervision(session_id=w.session.id, supervisor_id=w.inspector.id,
                               organization_id=w.top.id, points=["学习准备"],
                               ratings={"学习准备": 5}, comments="准备充分。",
                               evaluated_at=datetime(2026, 3, 27, tzinfo=UTC)))
    db.session.commit()
    login(getattr(w, role))
    response = client.get(page_of(w))
    assert response.status_code == status
    if status == 200:
        text = response.get_data(as_text=True)
        assert "准备充分。" in text and "督导员" in text
        # Only those above may send one: the secretary reads, and sends nobody.
        assert ('id="assign-form"' in text) is (role in ("leader", "admin"))


def test_only_a_person_of_the_unit_may_be_sent_and_the_input_is_kept(client, login,
                                                                     supervised):
    w = supervised
    login(w.leader)
    response = send(client, w, w.outsider, points="学习准备\n自定要点")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Choose a person of your unit." in text and "自定要点" in text
    assert db.session.scalar(sa.select(sa.func.count(Supervision.id))) == 0
    assert send(client, w, w.inspector, points="").status_code == 400  # points are needed
    assert db.session.scalar(sa.select(sa.func.count(Supervision.id))) == 0


def test_a_supervisor_evaluates_only_for_themselves_and_sends_nobody(client, login,
                                                                    supervised, create_user):
    w = supervised
    colleague = create_user("colleague", "同事", organization=w.top, locale="en")
    theirs = Supervision(session_id=w.session.id, supervisor_id=colleague.id,
                         organization_id=w.top.id, points=["学习准备"])
    db.session.add_all([theirs, Supervision(session_id=w.session.id,
                                            supervisor_id=w.inspector.id,
                                            organization_id=w.top.id, points=["学习准备"])])
    db.session.commit()
    login(w.inspector)
    assert client.post(f"{page_of(w)}/{theirs.id}/evaluation",
                       data={"point_0": "1"}).status_code == 403
    assert send(client, w, w.inspector).status_code == 403
    assert client.post(f"{page_of(w)}/{theirs.id}/withdraw").status_code == 403
    db.session.refresh(theirs)
    assert theirs.ratings == {}


def test_a_withdrawn_supervisor_no_longer_reads_the_session(client, login, supervised):
    w = supervised
    login(w.leader)
    send(client, w, w.inspector)
    sent = db.session.scalar(sa.select(Supervision))
    assert client.post(f"{page_of(w)}/{sent.id}/withdraw").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Supervision.id))) == 0
    client.post("/auth/logout")
    login(w.inspector)
    assert client.get(f"/sessions/{w.session.id}").status_code == 404


def test_the_picker_finds_the_units_people(client, login, supervised):
    w = supervised
    login(w.leader)
    found = client.get(f"{page_of(w)}/search?user_id-search=督导",
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'value="{w.inspector.id}"' in found and "督导员" in found
    nobody = client.get(f"{page_of(w)}/search?user_id-search=外单位",
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'value="{w.outsider.id}"' not in nobody and "Nobody that can be chosen" in nobody


def test_the_evaluations_go_into_the_yearly_archive(client, login, supervised):
    import io

    import openpyxl

    from tests.test_export_routes import ask_for_archive, download_archive, open_archive

    w = supervised
    db.session.add(Supervision(session_id=w.session.id, supervisor_id=w.inspector.id,
                               organization_id=w.top.id, points=["学习准备", "研讨深度"],
                               ratings={"学习准备": 4, "研讨深度": 5}, comments="准备充分。",
                               evaluated_at=datetime(2026, 3, 27, tzinfo=UTC)))
    db.session.commit()
    login(w.secretary)
    root = "校党委理论学习中心组 2026年学习档案"
    with open_archive(download_archive(client, ask_for_archive(client, w.group.id, 2026))
                      ) as zipped:
        rows = list(openpyxl.load_workbook(io.BytesIO(
            zipped.read(f"{root}/列席督导评价.xlsx"))).active.iter_rows(values_only=True))
        index = zipped.read(f"{root}/目录.html").decode("utf-8")
    assert rows[1][1:] == ("学习贯彻党的二十届四中全会精神", "督导员", "市教卫党委",
                           "学习准备 4分；研讨深度 5分", 4.5, "准备充分。")
    assert "列席督导评价（Excel）" in index
