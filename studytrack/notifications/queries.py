"""Reads for notifications. Each function makes a fixed number of queries, whatever the data.

A notification is loaded together with what its text and link need (its session, reflection
and task, by outer joins in the same query), as a `NotificationItem`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload

from studytrack import reads
from studytrack.extensions import db
from studytrack.models import FollowUpTask, Notification, Reflection, StudySession

PER_PAGE = 20
RECENT = 5


@dataclass(frozen=True)
class NotificationItem:
    notification: Notification
    session: StudySession | None
    reflection: Reflection | None
    task: FollowUpTask | None

    @property
    def id(self) -> int:
        return self.notification.id

    @property
    def is_unread(self) -> bool:
        return self.notification.read_at is None


def _mine(user: Any) -> sa.ColumnElement[bool]:
    return Notification.user_id == user.id


@cache
def _unread_statement() -> sa.Select[tuple[int]]:
    # Built once: every page's navigation bar asks.
    return (
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None))
    )


def unread_count(user: Any) -> int:
    """The number of unread notifications of `user`: one count on (user_id, read_at)."""
    return reads.columns(_unread_statement(), {"user_id": user.id}).scalar() or 0


def _items(where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    """Notifications with their session, reflection (and its author) and task, newest first."""
    return (
        sa.select(Notification, StudySession, Reflection, FollowUpTask)
        .outerjoin(StudySession, StudySession.id == Notification.session_id)
        .outerjoin(Reflection, Reflection.id == Notification.reflection_id)
        .outerjoin(FollowUpTask, FollowUpTask.id == Notification.task_id)
        .options(joinedload(Reflection.author))
        .where(where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def _to_items(rows: Any) -> list[NotificationItem]:
    return [NotificationItem(*row) for row in rows]


def recent(user: Any, limit: int = RECENT) -> list[NotificationItem]:
    """The newest notifications of `user`, read or not (one query)."""
    return _to_items(db.session.execute(_items(_mine(user)).limit(limit)).unique())


class ItemPagination(Pagination):
    """A page of NotificationItems (flask_sqlalchemy's select pagination keeps only the first
    entity of each row)."""

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return _to_items(db.session.execute(select).unique())

    def _query_count(self) -> int:
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Notification).where(self._query_args["where"])
        ) or 0


def page_of(user: Any, page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    """A page of the user's notifications, newest first (two queries: the page and the total)."""
    return ItemPagination(
        page=page, per_page=per_page, error_out=False,
        select=_items(_mine(user)), where=_mine(user),
    )


def item_of(user: Any, notification_id: int) -> NotificationItem | None:
    """The user's own notification with this id (None for anyone else's or a missing one)."""
    row = db.session.execute(
        _items(sa.and_(Notification.id == notification_id, _mine(user)))
    ).unique().first()
    return NotificationItem(*row) if row else None
