"""Whether members read each other's accepted reflections: a setting of the group (issue 17,
item 11), asked by one policy rule wherever a reflection's text is shown."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import docx
import pytest

from studytrack.extensions import db
from studytrack.models import (
    AttendanceStatus,
    Reflection,
    ReflectionStatus,
    StudyGroup,
)
from studytrack.models.study_session import Attendance

MINE = "我的心得：学思用贯通。"
THEIRS = "同事的心得：知信行统一。"
WAITING = "尚在审阅的心得不应给同事看。"


@pytest.fixture
def shared_world(world, person, create_session):
    """world.session, held, with world.member and a colleague present; the colleague's
    reflection accepted, a third member's only submitted; world.member's own accepted."""
    world.colleague, world.third = person("member"), person("member")
    world.session = create_session(world.group)
    for user in (world.member, world.colleague, world.third):
        db.session.add(Attendance(session=world.session, user=user,
                                  status=AttendanceStatus.PRESENT))
    handed_in = datetime(2026, 3, 30, 2, 0, tzinfo=UTC)
    world.theirs = Reflection(session=world.session, author=world.colleague, body=THEIRS,
                              char_count=len(THEIRS), status=ReflectionStatus.ACCEPTED,
                              submitted_at=handed_in)
    world.waiting = Reflection(session=world.session, author=world.third, body=WAITING,
                               char_count=len(WAITING), status=ReflectionStatus.SUBMITTED,
                               submitted_at=handed_in)
    world.mine = Reflection(session=world.session, author=world.member, body=MINE,
                            char_count=len(MINE), status=ReflectionStatus.ACCEPTED,
                            submitted_at=handed_in)
    db.session.add_all([world.theirs, world.waiting, world.mine])
    db.session.commit()
    return world


def share(group: StudyGroup, shared: bool = True) -> None:
    group.members_read_reflections = shared
    db.session.commit()


def report_text(client, session_id: int) -> str:
    response = client.get(f"/sessions/{session_id}/report")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def word_text(client, session_id: int) -> str:
    response = client.get(f"/sessions/{session_id}/report.docx")
    assert response.status_code == 200
    return "\n".join(p.text for p in docx.Document(io.BytesIO(response.data)).paragraphs)


def test_by_default_a_member_reads_only_their_own(client, login, shared_world):
    w = shared_world
    login(w.member)
    assert client.get(f"/reflections/{w.theirs.id}").status_code == 404
    page = report_text(client, w.session.id)
    assert MINE in page and THEIRS not in page and WAITING not in page
    assert w.colleague.display_name in page  # listed by name and status, without the text
    document = word_text(client, w.session.id)
    assert MINE in document and THEIRS not in document


def test_in_a_sharing_group_members_read_accepted_ones(client, login, shared_world):
    w = shared_world
    share(w.group)
    login(w.member)
    response = client.get(f"/reflections/{w.theirs.id}")
    assert response.status_code == 200 and THEIRS in response.get_data(as_text=True)
    assert client.get(f"/reflections/{w.waiting.id}").status_code == 404  # not accepted
    page = report_text(client, w.session.id)
    assert MINE in page and THEIRS in page and WAITING not in page
    assert THEIRS in word_text(client, w.session.id)


def test_another_groups_member_reads_none_even_where_shared(client, login, shared_world):
    w = shared_world
    share(w.group)
    login(w.outsider)
    assert client.get(f"/reflections/{w.theirs.id}").status_code == 404


@pytest.mark.parametrize("role", ["secretary", "leader"])
def test_secretaries_and_leaders_read_them_whatever_the_setting(client, login, shared_world,
                                                                role):
    w = shared_world
    login(getattr(w, role))
    assert THEIRS in report_text(client, w.session.id)
    assert THEIRS in word_text(client, w.session.id)
    assert client.get(f"/reflections/{w.theirs.id}").status_code == 200


def test_the_group_page_shows_the_setting_and_the_secretary_changes_it(
    client, login, shared_world
):
    w = shared_world
    login(w.secretary)
    page = client.get(f"/groups/{w.group.id}").get_data(as_text=True)
    assert "Reflections are read only by their authors, the secretaries and leaders." in page

    response = client.post(f"/groups/{w.group.id}/reflection-sharing", data={"shared": "1"},
                           follow_redirects=True)

    assert "Members now read each other&#39;s accepted reflections." in (
        response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(StudyGroup, w.group.id).members_read_reflections is True
    client.post(f"/groups/{w.group.id}/reflection-sharing", data={"shared": "0"})
    db.session.expire_all()
    assert db.session.get(StudyGroup, w.group.id).members_read_reflections is False


@pytest.mark.parametrize("role", ["member", "leader", "outsider"])
def test_only_the_secretary_changes_the_setting(client, login, shared_world, role):
    w = shared_world
    login(getattr(w, role))
    response = client.post(f"/groups/{w.group.id}/reflection-sharing", data={"shared": "1"})
    assert response.status_code in (403, 404)
    db.session.expire_all()
    assert db.session.get(StudyGroup, w.group.id).members_read_reflections is False
    if role == "member":
        page = client.get(f"/groups/{w.group.id}").get_data(as_text=True)
        assert "reflection-sharing" in page and "Let members read them" not in page
