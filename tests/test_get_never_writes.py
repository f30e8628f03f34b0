"""A GET never writes (issue 16): every GET route of the app, asked with real ids of the demo's
data by each kind of user, runs no INSERT, UPDATE or DELETE and answers without a server error."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from studytrack import demo
from studytrack.demo.people import ADMIN_USERNAME, GROUPS, LEADERSHIP
from studytrack.extensions import db
from studytrack.materials.services import upload_attachment
from studytrack.models import (
    Attendance,
    FollowUpTask,
    GroupMembership,
    Material,
    PlanItem,
    Reflection,
    SessionMaterial,
    StudyGroup,
    StudySession,
    Talk,
)

WRITES = ("INSERT", "UPDATE", "DELETE")
SKIPPED = {"static"}  # files, not the app's code
# Pages each role is shown (200, or a redirect such as a download): a floor, so that a broken
# id (a 404 everywhere) cannot pass for "nothing written".
MOST_SHOWN = {"admin": 60, "secretary": 40, "member": 15, "leader": 25}


def ids_of_one_session() -> dict[str, Any]:
    """Ids for every URL argument, all about one held session of the demo and its group, so
    that each page finds what it shows."""
    session = db.session.scalars(
        sa.select(StudySession)
        .where(StudySession.is_held)
        .join(Reflection, Reflection.session_id == StudySession.id)
        .join(Talk, Talk.session_id == StudySession.id)
        .join(FollowUpTask, FollowUpTask.session_id == StudySession.id)
        .join(SessionMaterial, SessionMaterial.session_id == StudySession.id)
        .order_by(StudySession.starts_at.desc())
        .limit(1)
    ).one()
    group: StudyGroup = session.group

    def first(column: Any, *where: Any) -> Any:
        return db.session.scalar(sa.select(column).where(*where).order_by(column).limit(1))

    material_id = first(SessionMaterial.material_id, SessionMaterial.session_id == session.id)
    return {
        "session_id": session.id,
        "group_id": group.id,
        "org_id": group.organization_id,
        "organization_id": group.organization_id,
        "reflection_id": first(Reflection.id, Reflection.session_id == session.id),
        "attendance_id": first(Attendance.id, Attendance.session_id == session.id),
        "talk_id": first(Talk.id, Talk.session_id == session.id),
        "task_id": first(FollowUpTask.id, FollowUpTask.session_id == session.id),
        "material_id": material_id,
        "membership_id": first(GroupMembership.id, GroupMembership.group_id == group.id),
        "user_id": first(GroupMembership.user_id, GroupMembership.group_id == group.id),
        "item_id": first(PlanItem.id),
        "year": session.starts_at.year,
    }


@pytest.fixture
def demo_site(app: Flask) -> Iterator[dict[str, Any]]:
    demo.seed(today=date(2026, 11, 23))
    ids = ids_of_one_session()
    # The demo has no files: give the session's material one, as a secretary would.
    with app.test_request_context():
        material = db.session.get(Material, ids["material_id"])
        assert material is not None
        ids["attachment_id"] = upload_attachment(
            material, io.BytesIO(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
            "学习材料.pdf",
        ).id
    db.session.commit()
    db.session.remove()
    yield ids


@pytest.mark.parametrize("role", ["admin", "secretary", "member", "leader"])
def test_no_get_route_writes(app: Flask, demo_site: dict[str, Any], role: str) -> None:
    username = {
        "admin": ADMIN_USERNAME,
        "secretary": GROUPS[0].secretary,
        "member": GROUPS[0].members[-1][0],
        "leader": LEADERSHIP[0][0],
    }[role]
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"username": username, "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 302  # the login writes (last login): before the listener
    rules = [
        rule for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and rule.endpoint not in SKIPPED
    ]
    assert len(rules) > 50
    writes: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(WRITES):
            writes.append(statement)

    answered: dict[str, int] = {}
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        for rule in rules:
            path = rule.build({k: demo_site[k] for k in rule.arguments}, append_unknown=False)[1]
            response = client.get(path)
            answered[path] = response.status_code
            assert response.status_code < 500, path
            assert not writes, (path, writes)
            response.close()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    # the ids are real: most pages are shown (the rest refused as the role's rights say)
    shown = sum(status in (200, 302) for status in answered.values())
    assert shown >= MOST_SHOWN[role], sorted(answered.items())
