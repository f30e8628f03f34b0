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

from studytrack.extensions import db
from studytrack.models import FollowUpTask, Notification, Reflection, StudySession, User

PER_PAGE = 20
RECENT = 5


@dataclass(frozen=True)
class NotificationItem:
    notification: Notification
    session: StudySession | None
    reflection: Reflection | None
    task: FollowUpTask | None

    @classmethod
    def of(cls, notification: Notification) -> NotificationItem:
        """The notification with what it is about (loaded with it by the reads below)."""
        return cls(notification, notification.session, notification.reflection,
                   notification.task)

    @property
    def id(self) -> int:
        return self.notification.id

    @property
    def is_unread(self) -> bool:
        return self.notification.read_at is None


def _mine(user: User) -> sa.ColumnElement[bool]:
    return Notification.user_id == user.id


@cache
def _unread_statement() -> sa.Select[int]:
    # Built once: every page's navigation bar asks.
    return (
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == sa.bindparam("user_id"), Notification.read_at.is_(None))
    )


def unread_count(user: Any) -> int:
    """The number of unread notifications of `user`: one count on (user_id, read_at)."""
    return db.session.scalar(_unread_statement(), {"user_id": user.id}) or 0


def _items(where: sa.ColumnElement[bool]) -> sa.Select[Notification]:
    """Notifications with their session, reflection (and its author) and task, newest first
    (all many-to-one: joined into the one query)."""
    return (
        sa.select(Notification)
        .options(
            joinedload(Notification.session),
            joinedload(Notification.reflection).joinedload(Reflection.author),
            joinedload(Notification.task),
        )
        .where(where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def recent(user: Any, limit: int = RECENT) -> list[NotificationItem]:
    """The newest notifications of `user`, read or not (one query)."""
    return [NotificationItem.of(n) for n in db.session.scalars(_items(_mine(user)).limit(limit))]


def page_of(user: Any, page: int = 1, per_page: int = PER_PAGE) -> Pagination:
    """A page of the user's notifications, newest first (two queries: the page and the total);
    its items are Notifications, NotificationItem.of() each."""
    return db.paginate(_items(_mine(user)), page=page, per_page=per_page, error_out=False)


def item_of(user: Any, notification_id: int) -> NotificationItem | None:
    """The user's own notification with this id (None for anyone else's or a missing one)."""
    notification = db.session.scalar(
        _items(sa.and_(Notification.id == notification_id, _mine(user)))
    )
    return NotificationItem.of(notification) if notification is not None else None
