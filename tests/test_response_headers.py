"""Issue 17, item 10: what the headers of a response promise. Pages for a logged-in user are
kept by no browser or proxy (`Cache-Control: private, no-store`, as the exports always were),
and a text attachment names its charset once."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa

from studytrack.extensions import db
from studytrack.materials import services as material_services
from studytrack.models import Attachment, Attendance, AttendanceStatus, MaterialKind

NO_STORE = "private, no-store"


@pytest.fixture
def world(world, create_session):
    """The shared world with a published session that its member attended, and a material in
    the library of the group's unit."""
    world.session = create_session(world.group, reflection_due_on=date(2030, 1, 1))
    db.session.add(Attendance(session=world.session, user=world.member,
                              status=AttendanceStatus.PRESENT))
    world.material = material_services.create_material(
        world.unit, material_services.MaterialData(kind=MaterialKind.SPEECH, title="重要讲话精神")
    )
    db.session.commit()
    return world


@pytest.mark.parametrize(("role", "method", "path"), [
    ("member", "GET", "/"),
    ("member", "GET", "/groups/{g}/sessions"),
    ("member", "GET", "/sessions/{s}"),
    ("member", "GET", "/sessions/{s}/reflection"),
    ("member", "GET", "/notifications"),
    ("member", "GET", "/tasks/mine"),
    ("member", "GET", "/people/{m}/record"),
    ("member", "POST", "/sessions/{s}/reflection/autosave"),  # JSON with the saved text's count
    ("member", "POST", "/sessions/{s}/reflection"),  # a redirect after saving
    ("member", "GET", "/sessions/999999"),  # an error page
    ("secretary", "GET", "/groups/{g}/figures"),
    ("secretary", "GET", "/sessions/{s}/reflections"),
    ("admin", "GET", "/admin/users"),
    ("leader", "GET", "/dashboard"),
])
def test_responses_for_a_logged_in_user_are_not_stored(world, login, client, role, method,
                                                       path):
    login(getattr(world, role))
    url = path.format(g=world.group.id, s=world.session.id, m=world.member.id)
    data = {"title": "", "body": "学习体会", "version": ""} if method == "POST" else None
    response = client.open(url, method=method, data=data)
    assert response.status_code < 500
    assert response.headers["Cache-Control"] == NO_STORE


def test_the_login_form_and_static_files_keep_their_caching(world, login, client):
    assert "no-store" not in client.get("/auth/login").headers.get("Cache-Control", "")
    login(world.member)
    response = client.get("/static/css/app.css")
    response.close()
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_a_logged_in_request_to_the_health_check_keeps_its_own_caching(world, login, client):
    login(world.member)
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"


def upload_text(client, world, name, data):
    response = client.post(f"/materials/{world.material.id}/attachments",
                           data={"file": (io.BytesIO(data), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return db.session.scalar(sa.select(Attachment).order_by(Attachment.id.desc()))


TEXT = "学习笔记：深入学习贯彻重要讲话精神。\n"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_a_text_attachment_names_its_charset_once(world, login, client, encoding):
    login(world.secretary)
    attachment = upload_text(client, world, "笔记.txt", TEXT.encode(encoding))
    response = client.get(f"/attachments/{attachment.id}/download")
    body = response.get_data()
    response.close()
    assert response.headers["Content-Type"] == f"text/plain; charset={encoding}"
    assert body.decode(encoding) == TEXT
    # the download sets its own caching (revalidated with its ETag), which the default keeps
    assert response.cache_control.private and response.cache_control.no_cache
    assert not response.cache_control.no_store
