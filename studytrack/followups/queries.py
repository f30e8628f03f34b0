"""Reads for follow-up tasks. Each function makes a fixed number of queries, whatever the data.

"Overdue" is decided in two places only: FollowUpTask.is_overdue(today) for loaded tasks
(templates), and overdue_clause(today) here for SQL counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload, selectinload

from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AuditEvent,
    FollowUpTask,
    GroupMembership,
    Organization,
    StudyGroup,
    StudySession,
    TaskStatus,
    User,
)

ACTIVE_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
CLOSED_STATUSES = (TaskStatus.DONE, TaskStatus.CANCELLED)
CLOSED_PER_PAGE = 20


def overdue_clause(today: date) -> sa.ColumnElement[bool]:
    """SQL for FollowUpTask.is_overdue(today): due before today and still open or in progress."""
    return sa.and_(
        FollowUpTask.due_on.is_not(None),
        FollowUpTask.due_on < today,
        FollowUpTask.status.in_(ACTIVE_STATUSES),
    )


def _task_loading() -> list[Any]:
    """What a task row shows: its session (and what `can` needs: group and unit), its owners.
    All many-to-one, so joined into the task query itself."""
    return [
        joinedload(FollowUpTask.session, innerjoin=True)
        .joinedload(StudySession.group, innerjoin=True)
        .joinedload(StudyGroup.organization, innerjoin=True),
        joinedload(FollowUpTask.assignee),
        joinedload(FollowUpTask.organization),
    ]


# --- my tasks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyTasks:
    active: list[FollowUpTask]  # open and in progress, by due date (overdue ones come first)
    closed: Pagination  # done and cancelled, most recent first


def my_tasks(user: Any, page: int = 1, per_page: int = CLOSED_PER_PAGE) -> MyTasks:
    """Tasks assigned to `user`, whatever groups they belong to now (tasks stay theirs)."""
    mine = FollowUpTask.assignee_id == user.id
    active = db.session.scalars(
        sa.select(FollowUpTask)
        .where(mine, FollowUpTask.status.in_(ACTIVE_STATUSES))
        .options(*_task_loading())
        .order_by(FollowUpTask.due_on.is_(None), FollowUpTask.due_on, FollowUpTask.id)
    ).all()
    closed = db.paginate(
        sa.select(FollowUpTask)
        .where(mine, FollowUpTask.status.in_(CLOSED_STATUSES))
        .options(*_task_loading())
        .order_by(
            sa.func.coalesce(FollowUpTask.completed_at, FollowUpTask.updated_at).desc(),
            FollowUpTask.id.desc(),
        ),
        page=page, per_page=per_page, error_out=False,
    )
    return MyTasks(list(active), closed)


def open_task_count(user: Any) -> int:
    """Open and in-progress tasks assigned to `user` (for a badge in the navigation)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(FollowUpTask)
        .where(FollowUpTask.assignee_id == user.id, FollowUpTask.status.in_(ACTIVE_STATUSES))
    ) or 0


def overdue_task_count(user: Any, today: date) -> int:
    """Overdue tasks assigned to `user`."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(FollowUpTask)
        .where(FollowUpTask.assignee_id == user.id, overdue_clause(today))
    ) or 0


# --- one task ----------------------------------------------------------------------------------


def task_for_page(task_id: int) -> FollowUpTask | None:
    """A task with everything its page shows, in a fixed number of queries."""
    return db.session.scalar(
        sa.select(FollowUpTask)
        .where(FollowUpTask.id == task_id)
        .options(
            *_task_loading(),
            joinedload(FollowUpTask.completed_by),
            joinedload(FollowUpTask.created_by),
        )
    )


STATUS_ACTIONS = ("task.create", "task.progress", "task.complete", "task.cancel", "task.reopen")


def task_history(task: FollowUpTask) -> list[AuditEvent]:
    """Who created, started, completed, cancelled or reopened the task, oldest first."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(
                AuditEvent.object_type == FollowUpTask.__name__,
                AuditEvent.object_id == task.id,
                AuditEvent.action.in_(STATUS_ACTIONS),
            )
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )


# --- choices for the task form -------------------------------------------------------------


def assignee_options(session: StudySession, include_ids: Iterable[int] = ()) -> list[User]:
    """People a task of `session` can go to: the group's current members and the session's
    participants with an account (observers too); `include_ids` keeps a current choice."""
    members = sa.select(GroupMembership.user_id).where(
        GroupMembership.group_id == session.group_id, GroupMembership.left_on.is_(None)
    )
    participants = sa.select(Attendance.user_id).where(
        Attendance.session_id == session.id, Attendance.user_id.is_not(None)
    )
    conditions = [
        sa.and_(User.active, sa.or_(User.id.in_(members), User.id.in_(participants)))
    ]
    if extra := [i for i in include_ids if i is not None]:
        conditions.append(User.id.in_(extra))
    return list(
        db.session.scalars(
            sa.select(User).where(sa.or_(*conditions)).order_by(User.display_name, User.id)
        )
    )


@dataclass(frozen=True)
class UnitOption:
    id: int
    name: str
    depth: int  # below the group's unit
    is_active: bool


def unit_options(session: StudySession, include_ids: Iterable[int] = ()) -> list[UnitOption]:
    """The group's unit and the active units below it, in tree order (siblings by sort order,
    then id), with their depth; `include_ids` keeps a current choice."""
    root = session.group.organization
    conditions = [sa.and_(Organization.path.startswith(root.path), Organization.is_active)]
    if extra := [i for i in include_ids if i is not None]:
        conditions.append(Organization.id.in_(extra))
    units = db.session.scalars(
        sa.select(Organization).where(sa.or_(*conditions), Organization.id != root.id)
    ).all()
    units = [root, *units]
    by_id = {unit.id: unit for unit in units}

    def tree_key(unit: Organization) -> tuple[tuple[int, int], ...]:
        ids = unit.ancestor_ids[len(root.ancestor_ids) - 1:] or [unit.id]
        return tuple(
            (by_id[i].sort_order, i) if i in by_id else (0, i) for i in ids
        )

    ordered = sorted(units, key=lambda u: (not u.path.startswith(root.path), tree_key(u)))
    return [
        UnitOption(
            unit.id, unit.name,
            max(unit.depth - root.depth, 0) if unit.path.startswith(root.path) else 0,
            unit.is_active,
        )
        for unit in ordered
    ]
