"""One unit of work per request (studytrack.unit_of_work): committed once after the response is
built, rolled back on an error response, refusals and stale versions answered in one place."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import Response, get_flashed_messages, session
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import HiddenField, StringField

from studytrack.errors import CHANGED_MEANWHILE, DomainError, StaleVersion
from studytrack.extensions import db
from studytrack.models import StudySession, User
from studytrack.unit_of_work import attempt, commit_request


class NameForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()
    version = HiddenField()


@pytest.fixture
def commits() -> Iterator[list[bool]]:
    """The commits of ORM sessions while the test runs, counted."""
    seen: list[bool] = []

    def count(_session: Session) -> None:
        seen.append(True)

    sa.event.listen(Session, "after_commit", count)
    yield seen
    sa.event.remove(Session, "after_commit", count)


@contextmanager
def database_gone_after_commit() -> Iterator[list[str]]:
    """Every statement after a commit fails, as on a connection lost right after it."""
    after: list[str] = []
    committed = False

    def on_commit(_session: Session) -> None:
        nonlocal committed
        committed = True

    def before_execute(conn, cursor, statement, parameters, context, executemany) -> None:
        if committed:
            after.append(statement)
            raise sa.exc.OperationalError(statement, parameters, Exception("connection lost"))

    sa.event.listen(Session, "after_commit", on_commit)
    sa.event.listen(db.engine, "before_cursor_execute", before_execute)
    try:
        yield after
    finally:
        sa.event.remove(Session, "after_commit", on_commit)
        sa.event.remove(db.engine, "before_cursor_execute", before_execute)


# --- the request's commit ----------------------------------------------------------------------


def test_a_request_that_only_read_commits_once(client, login, create_user, commits):
    login(create_user())
    commits.clear()
    assert client.get("/").status_code == 200
    assert commits == [True]  # a read commits: PostgreSQL keeps its prepared statements


def test_nothing_after_the_commit_touches_the_database(client, login, create_user):
    login(create_user())
    with database_gone_after_commit() as after:
        response = client.get("/")
    assert response.status_code == 200 and after == []


def test_an_error_response_is_rolled_back(app, create_user):
    user = create_user(position="党委委员")
    user_id = user.id
    with app.test_request_context("/"):
        user.position = "党委书记"
        db.session.flush()
        response = commit_request(Response("gone", 404))
    assert response.status_code == 404
    db.session.remove()
    assert db.session.get(User, user_id).position == "党委委员"


def test_a_successful_response_is_committed_and_nothing_is_expired(app, create_user):
    user = create_user(position="党委委员")
    user_id = user.id
    with app.test_request_context("/"):
        user.position = "党委书记"
        assert commit_request(Response("ok")).status_code == 200
        # read after the commit without a statement: the object was not expired
        with database_gone_after_commit() as after:
            assert user.position == "党委书记"
        assert after == []
    db.session.remove()
    assert db.session.get(User, user_id).position == "党委书记"


def test_a_failed_commit_answers_that_the_change_may_not_be_saved(app, create_user):
    user = create_user(position="党委委员")
    user_id = user.id

    def fail(_session: Session) -> None:
        raise sa.exc.OperationalError("COMMIT", {}, Exception("connection lost"))

    sa.event.listen(Session, "before_commit", fail)
    try:
        with app.test_request_context("/"):
            user.position = "党委书记"
            db.session.flush()
            from flask import flash

            flash("Saved.", "success")
            response = commit_request(Response("ok"))
            flashes = session.get("_flashes")
    finally:
        sa.event.remove(Session, "before_commit", fail)
    assert response.status_code == 503
    assert "数据库未响应" in response.get_data(as_text=True)
    assert not flashes  # "Saved." is not shown: it may not be true
    db.session.remove()
    assert db.session.get(User, user_id).position == "党委委员"


# --- attempt(): refusals and stale versions ------------------------------------------------------


def test_a_refusal_goes_beside_its_field_and_nothing_is_kept(app, create_user):
    user = create_user(position="党委委员")
    with app.test_request_context("/", method="POST", data={"name": "张瑜"}):
        form = NameForm()
        with attempt(form) as outcome:
            user.position = "党委书记"
            db.session.flush()
            raise DomainError("这个名字已被使用", field="name")
        assert not outcome.ok and not outcome.conflict
        assert form.name.errors == ["这个名字已被使用"]
        assert form.name.data == "张瑜"  # what the user typed is kept
        assert db.session.get(User, user.id).position == "党委委员"


def test_a_refusal_without_a_field_goes_above_the_form_or_into_a_message(app):
    with app.test_request_context("/", method="POST"):
        form = NameForm()
        with attempt(form) as outcome:
            raise DomainError("会议已关闭")
        assert form.form_errors == ["会议已关闭"] and not outcome.ok
        assert get_flashed_messages() == []
    with app.test_request_context("/", method="POST"):
        with attempt() as outcome:
            raise DomainError("会议已关闭")
        assert get_flashed_messages(with_categories=True) == [("danger", "会议已关闭")]
    with app.test_request_context("/", method="POST"):
        with attempt(show=False) as outcome:
            raise DomainError("会议已关闭")
        assert str(outcome.error.message) == "会议已关闭"
        assert get_flashed_messages() == []


def test_success_is_flushed_and_kept(app, create_user):
    user = create_user(position="党委委员")
    with app.test_request_context("/", method="POST"):
        with attempt() as outcome:
            user.position = "党委书记"
        assert outcome.ok and not db.session.dirty


def test_a_stale_version_is_the_one_changed_meanwhile_answer(app, create_group, create_session):
    """Someone saved the session after this user loaded it: the flush finds it, the input is
    kept and the form's version moves on to the record's, so the next save is deliberate."""
    session = create_session(create_group())
    session_id = session.id
    with app.test_request_context("/", method="POST", data={"name": "新的主题", "version": "1"}):
        form = NameForm()
        loaded = db.session.get(StudySession, session.id)
        assert loaded.version == 1
        with Session(db.engine) as other:  # another request's save, committed meanwhile
            other.execute(
                sa.update(StudySession.__table__)
                .where(StudySession.__table__.c.id == session.id)
                .values(version=2, topic="别人改过的主题")
            )
            other.commit()
        with attempt(form, record=loaded) as outcome:
            loaded.topic = form.name.data
        assert outcome.conflict and not outcome.ok
        assert form.form_errors == [CHANGED_MEANWHILE]
        assert form.name.data == "新的主题" and form.version.data == 2
    db.session.remove()
    assert db.session.get(StudySession, session_id).topic == "别人改过的主题"


def test_a_concurrent_insert_of_a_unique_row_reads_as_changed_meanwhile(app, create_user):
    taken = create_user("zhangyu")
    with app.test_request_context("/", method="POST"):
        with attempt() as outcome:
            db.session.add(User(username=taken.username, display_name="张瑜"))
        assert outcome.conflict
        assert get_flashed_messages(with_categories=True) == [("warning", str(CHANGED_MEANWHILE))]


def test_a_service_stale_class_is_a_stale_version(app):
    class StaleThing(StaleVersion):
        pass

    with app.test_request_context("/", method="POST"):
        with attempt(show=False) as outcome:
            raise StaleThing("这份计划已被他人修改")
        assert outcome.conflict and str(outcome.error.message) == "这份计划已被他人修改"
