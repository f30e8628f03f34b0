"""Reads for follow-up tasks. Each function makes a fixed number of queries, whatever the data.

"Overdue" and "still to be done" are the model's (FollowUpTask.is_overdue(today),
ACTIVE_TASK_STATUSES), in Python and in SQL alike.
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
    ACTIVE_TASK_STATUSES,
    CLOSED_TASK_STATUSES,
    Attendance,
    AuditEvent,
    FollowUpTask,
    GroupMembership,
    Organization,
    StudyGroup,
    StudySession,
    User,
    in_subtree,
)

CLOSED_PER_PAGE = 20

# What a task row shows: its session (enough for the policy too), its owners. All many-to-one,
# so joined into the task query itself.
TASK_ROW = (
    joinedload(FollowUpTask.session, innerjoin=True),
    joinedload(FollowUpTask.assignee),
    joinedload(FollowUpTask.organization),
)
# The task page: the row, and who created and completed it.
TASK_PAGE = (
    *TASK_ROW,
    joinedload(FollowUpTask.completed_by),
    joinedload(FollowUpTask.created_by),
)

# The task form: its unit choices start from the group's unit (unit_options).
SESSION_FOR_FORM = (
    joinedload(StudySession.group, innerjoin=True).joinedload(StudyGroup.organization,
                                                             innerjoin=True),
)
TASK_FOR_FORM = (
    joinedload(FollowUpTask.session, innerjoin=True)
    .joinedload(StudySession.group, innerjoin=True)
    .joinedload(StudyGroup.organization, innerjoin=True),
)



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
        .where(mine, FollowUpTask.status.in_(ACTIVE_TASK_STATUSES))
        .options(*TASK_ROW)
        .order_by(FollowUpTask.due_on.is_(None), FollowUpTask.due_on, FollowUpTask.id)
    ).all()
    closed = db.paginate(
        sa.select(FollowUpTask)
        .where(mine, FollowUpTask.status.in_(CLOSED_TASK_STATUSES))
        .options(*TASK_ROW)
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
        .where(FollowUpTask.assignee_id == user.id,
               FollowUpTask.status.in_(ACTIVE_TASK_STATUSES))
    ) or 0


def overdue_task_count(user: Any, today: date) -> int:
    """Overdue tasks assigned to `user`."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(FollowUpTask)
        .where(FollowUpTask.assignee_id == user.id, FollowUpTask.is_overdue(today))
    ) or 0


# --- one task ----------------------------------------------------------------------------------


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


def assignee_options(session: StudySession, include_ids: Iterable[int | None] = ()) -> list[User]:
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


def unit_options(
    session: StudySession, include_ids: Iterable[int | None] = ()
) -> list[UnitOption]:
    """The group's unit and the active units below it, in tree order (siblings by sort order,
    then id), with their depth; `include_ids` keeps a current choice."""
    root = session.group.organization
    conditions = [sa.and_(in_subtree(Organization.path, root.path), Organization.is_active)]
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
