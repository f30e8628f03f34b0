"""Keeps `session_stats` (models/session_stats.py) exact: the one place that writes it.

- `refresh_session_stats(connection, ids)` recomputes the rows of the given sessions (or of
  every session, with ids None) from the raw tables: INSERT … SELECT … GROUP BY … ON CONFLICT
  (session_id) DO UPDATE (SQLite and PostgreSQL; DELETE then INSERT elsewhere), and deletes
  the rows of sessions that no longer exist.
- `install()` registers mapper events and an `after_flush` listener on every ORM Session: the
  ids of the sessions whose StudySession, Attendance, Reflection, Talk or FollowUpTask rows
  the flush inserted or deleted, or updated in a column the counts depend on (`_COUNTED`),
  are refreshed in the same transaction, before the flush returns. A GroupMembership written
  in a column that decides "current member" (`_MEMBERSHIP`) refreshes the sessions of its
  group at which its user spoke (talks_by_members counts current members). A commit
  therefore never leaves a stale row, and a rollback undoes the refresh with the write.
- Writes that bypass the ORM unit of work (Core INSERTs or UPDATEs of a bulk loader,
  restores) must call `refresh_session_stats(connection, None)` when they are done
  (benchmarks/generate.py does).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from studytrack.dashboard.figures import (
    ATTENDANCE,
    reflection_conditions,
    talk_by_member,
    task_conditions,
)
from studytrack.models import (
    ACTIVE_TASK_STATUSES,
    Attendance,
    FollowUpTask,
    GroupMembership,
    Reflection,
    SessionStats,
    StudySession,
    Talk,
)
from studytrack.models.reflection import reflection_of_attendance
from studytrack.models.session_stats import COUNT_COLUMNS

CHUNK = 500  # ids per statement (well under SQLite's and PostgreSQL's parameter limits)


def _count_if(condition: sa.SQLColumnExpression[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _count_of(model: Any, *where: sa.SQLColumnExpression[bool]) -> sa.ScalarSelect[int]:
    """The session's rows of `model` that satisfy `where` (a correlated count: talks and
    tasks must not multiply the attendance rows the outer query groups)."""
    return (
        sa.select(sa.func.count())
        .select_from(model)
        .where(model.session_id == StudySession.id, *where)
        .scalar_subquery()
    )


def stats_select(where: sa.ColumnElement[bool] | None = None) -> sa.Select[int, *tuple[int, ...]]:
    """(session_id, *COUNT_COLUMNS) computed from the raw rows, one row per study session
    (sessions without attendance, talks or tasks get zeros), each count by the figure's
    definition (dashboard/figures.py). Also the from-scratch check of the tests."""
    row = Attendance.id.is_not(None)  # the outer join pads sessions without attendance
    tasks = task_conditions()
    counts = {
        **{
            name: _count_if(sa.and_(row, condition))
            for name, condition in {**ATTENDANCE, **reflection_conditions()}.items()
        },
        "talks": _count_of(Talk),
        "talks_by_members": _count_of(Talk, talk_by_member()),
        "tasks_total": _count_of(FollowUpTask, tasks["tasks_total"]),
        "tasks_done": _count_of(FollowUpTask, tasks["tasks_done"]),
        # Overdue depends on the day, so it is not stored: metrics subtracts the tasks not yet
        # due from these when it reads them.
        "tasks_open_dated": _count_of(
            FollowUpTask,
            FollowUpTask.status.in_(ACTIVE_TASK_STATUSES),
            FollowUpTask.due_on.is_not(None),
        ),
    }
    assert tuple(counts) == COUNT_COLUMNS
    query = (
        sa.select(
            StudySession.id.label("session_id"),
            *(count.label(name) for name, count in counts.items()),
        )
        .select_from(StudySession)
        .outerjoin(Attendance, Attendance.session_id == StudySession.id)
        .outerjoin(Reflection, reflection_of_attendance())
        .group_by(StudySession.id)
    )
    return query if where is None else query.where(where)


@functools.cache
def _upsert_statement(dialect: str) -> sa.Executable:
    """INSERT … SELECT … ON CONFLICT (session_id) DO UPDATE for the sessions in the expanding
    parameter `ids`: one statement on SQLite (3.24+) and PostgreSQL. Built once (and so
    compiled once per dialect by SQLAlchemy's cache): it runs on many flushes."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    table = SessionStats.__table__
    select = stats_select(StudySession.id.in_(sa.bindparam("ids", expanding=True)))
    statement = insert(table).from_select(["session_id", *COUNT_COLUMNS], select)
    return statement.on_conflict_do_update(
        index_elements=[table.c.session_id],
        set_={name: statement.excluded[name] for name in COUNT_COLUMNS},
    )


def _upsert(connection: sa.Connection, chunk: list[int]) -> None:
    """Recompute the rows of the sessions in `chunk` (they exist); DELETE then INSERT on a
    database without ON CONFLICT."""
    dialect = connection.dialect.name
    if dialect in ("sqlite", "postgresql"):
        connection.execute(_upsert_statement(dialect), {"ids": chunk})
        return
    table = SessionStats.__table__
    connection.execute(table.delete().where(table.c.session_id.in_(chunk)))
    connection.execute(table.insert().from_select(
        ["session_id", *COUNT_COLUMNS], stats_select(StudySession.id.in_(chunk))
    ))


def _chunks(ids: Iterable[int | None]) -> Iterable[list[int]]:
    ordered = sorted({int(i) for i in ids if i is not None})
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start:start + CHUNK]


def refresh_session_stats(
    connection: sa.Connection | Any, session_ids: Iterable[int] | None
) -> None:
    """Recompute the session_stats rows of `session_ids` (every session when None) from the
    raw tables, in the caller's transaction. Ids of sessions that no longer exist lose
    their row."""
    if not isinstance(connection, sa.Connection):  # a Session (or Flask-SQLAlchemy's scoped one)
        connection = connection.connection()
    table = SessionStats.__table__
    if session_ids is None:
        connection.execute(table.delete())
        connection.execute(
            table.insert().from_select(["session_id", *COUNT_COLUMNS], stats_select())
        )
        return
    for chunk in _chunks(session_ids):
        _upsert(connection, chunk)
        gone = ~sa.exists().where(StudySession.id == table.c.session_id)
        connection.execute(table.delete().where(table.c.session_id.in_(chunk), gone))


# The columns the counts depend on: an update that changes none of them (a reflection's text,
# a roster's order, a session's topic or status) leaves the counts as they are.
_COUNTED: dict[type, tuple[str, ...]] = {
    Attendance: ("session_id", "user_id", "status", "makeup_on"),
    Reflection: ("session_id", "author_id", "status", "is_late"),
    Talk: ("session_id", "speaker_id"),
    FollowUpTask: ("session_id", "status", "due_on"),
    StudySession: ("reflection_due_on", "group_id"),
}
# What makes a membership count as "current member" for talks_by_members.
_MEMBERSHIP = ("group_id", "user_id", "role", "left_on")
_PENDING, _GONE = "session_stats_pending", "session_stats_gone"
_SPEAKERS = "session_stats_speakers"  # (group_id, user_id) of memberships written


def _note(target: Any, key: str, ids: Iterable[Any]) -> None:
    session = object_session(target)
    if session is not None:
        session.info.setdefault(key, set()).update(i for i in ids if i is not None)


def _session_ids(target: Any) -> set[int | None]:
    """The session of a row and, when this flush moved it, its former session."""
    if isinstance(target, StudySession):
        return {target.id}
    history = sa.inspect(target).attrs.session_id.history
    return {target.session_id, *history.deleted}


def _after_insert(_mapper: Any, _connection: Any, target: Any) -> None:
    _note(target, _PENDING, _session_ids(target))


def _after_update(_mapper: Any, _connection: Any, target: Any) -> None:
    attrs = sa.inspect(target).attrs
    if any(attrs[name].history.has_changes() for name in _COUNTED[type(target)]):
        _note(target, _PENDING, _session_ids(target))


def _after_delete(_mapper: Any, _connection: Any, target: Any) -> None:
    key = _GONE if isinstance(target, StudySession) else _PENDING
    _note(target, key, _session_ids(target))


def _note_speakers(target: GroupMembership) -> None:
    """Note the (group, user) pairs of a membership, before and after this flush's change."""
    attrs = sa.inspect(target).attrs
    groups = {target.group_id, *attrs.group_id.history.deleted}
    users = {target.user_id, *attrs.user_id.history.deleted}
    _note(target, _SPEAKERS, (
        (g, u) for g in groups for u in users if g is not None and u is not None
    ))


def _membership_added_or_deleted(_mapper: Any, _connection: Any, target: Any) -> None:
    _note_speakers(target)


def _membership_updated(_mapper: Any, _connection: Any, target: Any) -> None:
    """Only a change of a column in `_MEMBERSHIP` can change a count (not title, order)."""
    attrs = sa.inspect(target).attrs
    if any(attrs[name].history.has_changes() for name in _MEMBERSHIP):
        _note_speakers(target)


def _sessions_spoken_at(connection: sa.Connection, pairs: set[tuple[int, int]]) -> set[int]:
    """Ids of the sessions of group g at which user u gave a talk, for (g, u) in `pairs`."""
    found: set[int] = set()
    ordered = sorted(pairs)
    for start in range(0, len(ordered), CHUNK // 2):  # two parameters per pair
        chunk = ordered[start:start + CHUNK // 2]
        found.update(connection.scalars(
            sa.select(Talk.session_id)
            .join(StudySession, Talk.session_id == StudySession.id)
            .where(sa.tuple_(StudySession.group_id, Talk.speaker_id).in_(chunk))
            .distinct()
        ))
    return found


def _after_flush(session: Session, _context: Any) -> None:
    pending = session.info.pop(_PENDING, set())
    gone = session.info.pop(_GONE, set())
    speakers = session.info.pop(_SPEAKERS, set())
    if not (pending or gone or speakers):
        return
    connection = session.connection()
    if speakers:
        pending |= _sessions_spoken_at(connection, speakers)
    for chunk in _chunks(pending - gone):
        _upsert(connection, chunk)
    table = SessionStats.__table__
    for chunk in _chunks(gone):  # (PostgreSQL's ON DELETE CASCADE did it already)
        connection.execute(table.delete().where(table.c.session_id.in_(chunk)))


def _after_rollback(session: Session) -> None:
    for key in (_PENDING, _GONE, _SPEAKERS):
        session.info.pop(key, None)


def init_app(app: Any) -> None:
    """session_stats follows every ORM write of the application (listeners installed once per
    process: they are the ORM's, not the app's)."""
    install()


def install() -> None:
    """Register the listeners (idempotent): mapper events note the sessions whose rows a flush
    writes (only the rows written: no scan of the identity map), and the Session's
    after_flush recomputes them before the flush returns."""
    if sa.event.contains(Session, "after_flush", _after_flush):
        return
    for model in _COUNTED:
        sa.event.listen(model, "after_insert", _after_insert)
        sa.event.listen(model, "after_update", _after_update)
        sa.event.listen(model, "after_delete", _after_delete)
    sa.event.listen(GroupMembership, "after_insert", _membership_added_or_deleted)
    sa.event.listen(GroupMembership, "after_update", _membership_updated)
    sa.event.listen(GroupMembership, "after_delete", _membership_added_or_deleted)
    sa.event.listen(Session, "after_flush", _after_flush)
    sa.event.listen(Session, "after_soft_rollback", lambda session, _tx: _after_rollback(session))
