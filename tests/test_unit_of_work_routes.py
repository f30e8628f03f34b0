"""The request's unit of work as the session routes use it: nothing after the commit touches
the database (issue 16, §2).

The defect: a handler committed, then `flash(_(…))` asked for the user's locale, which the
commit had expired, so it read the user again. With the connection lost right after the commit
(seen on PostgreSQL with pg_terminate_backend during a burst) that read failed: the user was
shown an error page for a change that was saved, and a retry saved it twice. Here every SQL
statement after the commit fails, as on a lost connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from studytrack.extensions import db
from studytrack.models import AuditEvent, StudySession, Talk


@pytest.fixture
def world(world, create_session):
    """The shared world with a published session of its group."""
    world.session = create_session(world.group)
    return world


@contextmanager
def connection_lost_after_commit() -> Iterator[list[str]]:
    """Every SQL statement after a commit fails as on a lost connection; yields the statements
    that were refused."""
    committed = False
    refused: list[str] = []

    def after_commit(session: Session) -> None:
        nonlocal committed
        committed = True

    def before_cursor_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if committed:
            refused.append(statement)
            raise sa.exc.OperationalError(
                statement, None, Exception("server closed the connection unexpectedly")
            )

    sa.event.listen(Session, "after_commit", after_commit)
    sa.event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield refused
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_cursor_execute)
        sa.event.remove(Session, "after_commit", after_commit)


def flashes(client: Any) -> list[tuple[str, str]]:
    with client.session_transaction() as cookie_session:
        return [tuple(flash) for flash in cookie_session.get("_flashes", [])]


def events(action: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == action)
    ) or 0


def test_saving_the_minutes_as_the_connection_is_lost_after_the_commit(world, client, login):
    login(world.secretary)
    url = f"/sessions/{world.session.id}/minutes"
    with connection_lost_after_commit() as refused:
        response = client.post(url, data={"minutes": "会议纪要全文", "version": "1"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"] == f"/sessions/{world.session.id}#minutes"
    assert ("success", "The minutes have been saved.") in flashes(client)
    assert refused == []  # nothing after the commit even tried

    db.session.expire_all()
    assert db.session.get(StudySession, world.session.id).minutes == "会议纪要全文"
    assert events("session.minutes") == 1


def test_adding_a_talk_as_the_connection_is_lost_after_the_commit(world, client, login):
    login(world.secretary)
    with connection_lost_after_commit() as refused:
        response = client.post(f"/sessions/{world.session.id}/talks", data={
            "kind": "exchange", "speaker_id": "", "speaker_name": "张教授（市委党校）",
            "title": "", "summary": "交流发言要点",
        })
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert response.headers["Location"] == f"/sessions/{world.session.id}#talks"
    assert ("success", "Talk 1 has been added.") in flashes(client)
    assert refused == []

    db.session.expire_all()
    talks = db.session.scalars(sa.select(Talk).where(Talk.session_id == world.session.id)).all()
    assert [(talk.speaker_name, talk.summary) for talk in talks] == [
        ("张教授（市委党校）", "交流发言要点")
    ]
    assert events("talk.create") == 1
