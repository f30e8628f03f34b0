"""A request that only read ends with COMMIT (which keeps psycopg's prepared statements); any
other is rolled back as before (studytrack.prepared)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from studytrack import prepared
from studytrack.extensions import db
from studytrack.models import User


@pytest.fixture
def commits(app):
    """The commits of the request's session, counted."""
    seen: list[bool] = []

    def count(session):
        seen.append(True)

    sa.event.listen(Session, "after_commit", count)
    yield seen
    sa.event.remove(Session, "after_commit", count)


def test_a_request_that_only_read_commits(commits, create_user):
    create_user()
    db.session.commit()
    commits.clear()
    db.session.execute(sa.select(User.id).where(User.id > 0)).all()
    db.session.execute(sa.select(User.id).cte("ids").select()).all()  # WITH … SELECT reads too
    db.session.execute(sa.text("SELECT 1")).all()
    prepared._end_request(None)
    assert commits == [True]


def test_a_flushed_change_is_rolled_back(commits, create_user):
    user = create_user()
    db.session.commit()
    user_id = user.id
    commits.clear()
    user.position = "党委书记"
    db.session.flush()  # an UPDATE ran
    prepared._end_request(None)
    assert commits == []
    db.session.remove()
    assert db.session.get(User, user_id).position != "党委书记"


def test_an_unflushed_change_is_rolled_back(commits, create_user):
    user = create_user()
    db.session.commit()
    user_id = user.id
    commits.clear()
    user.position = "党委书记"
    db.session.execute(sa.select(User.id).execution_options(autoflush=False)).all()
    prepared._end_request(None)
    assert commits == []
    db.session.remove()
    assert db.session.get(User, user_id).position != "党委书记"


def test_a_textual_write_is_rolled_back(commits, create_user):
    user = create_user()
    db.session.commit()
    user_id = user.id
    commits.clear()
    db.session.execute(sa.text("UPDATE users SET position = 'x' WHERE id = :id"), {"id": user.id})
    prepared._end_request(None)
    assert commits == []
    db.session.remove()
    assert db.session.get(User, user_id).position != "x"


def test_a_failed_request_is_rolled_back(commits, create_user):
    db.session.execute(sa.select(User.id)).all()
    prepared._end_request(RuntimeError("the view failed"))
    assert commits == []


@pytest.mark.postgresql_only
def test_a_statement_can_opt_out_of_being_prepared(app):
    """psycopg prepares what a connection runs a fifth time, unless the statement says
    `prepare=False` (for statements whose generic plan is slower than planning each run)."""
    kept = sa.select(User.id).where(User.id == sa.bindparam("id"))
    planned_each_time = (
        sa.select(User.username).where(User.id == sa.bindparam("id"))
        .execution_options(prepare=False)
    )
    with db.engine.connect() as connection:
        for _ in range(6):
            connection.execute(kept, {"id": 1}).all()
            connection.execute(planned_each_time, {"id": 1}).all()
        statements = connection.scalars(sa.text("SELECT statement FROM pg_prepared_statements"))
        prepared_texts = " ".join(statements)
    assert "SELECT users.id" in prepared_texts
    assert "SELECT users.username" not in prepared_texts
