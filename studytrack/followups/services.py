"""Writes for follow-up tasks. Services add and flush, raise DomainError, write the audit trail
and never commit.

The status flow::

    open ──start──▶ in progress ──complete (note)──▶ done
      │                  │                             │
      └──────cancel (reason, secretary)────▶ cancelled │
                         ▲                             │
                         └──reopen (secretary)─────────┘ (from done or cancelled)
"""

from __future__ import annotations

from typing import Any, Unpack

from flask_babel import lazy_gettext as _l

from studytrack import audit
from studytrack.errors import DomainError, StaleVersion
from studytrack.extensions import db
from studytrack.followups import queries
from studytrack.followups.rules import (
    NEEDS_NOTE,
    NEEDS_OWNER,
    NEEDS_REASON,
    NEEDS_TITLE,
    TITLE_MAX,
    TaskFields,
    due_before_session_message,
)
from studytrack.models import (
    ACTIVE_TASK_STATUSES,
    CLOSED_TASK_STATUSES,
    EDITABLE_SESSION_STATUSES,
    FollowUpTask,
    NotificationKind,
    StudySession,
    TaskStatus,
    User,
)
from studytrack.models.base import utcnow
from studytrack.notifications.services import notify
from studytrack.timeutil import local_date_of


class VersionConflict(StaleVersion):
    """Someone else saved the task since the form was opened."""

    def __init__(self, task: FollowUpTask) -> None:
        super().__init__(
            _l(
                "Someone else changed this task while you were editing it. Your input is kept "
                "below; compare it with the saved version and save again to keep yours."
            )
        )
        self.task = task


# --- creating and editing --------------------------------------------------------------------


def create_task(
    session: StudySession, *, actor: User | None = None, **fields: Unpack[TaskFields]
) -> FollowUpTask:
    """A new open task of `session`, for a person and/or a responsible unit."""
    if session.status not in EDITABLE_SESSION_STATUSES:
        raise DomainError(_l("This session is locked; reopen it before adding tasks."))
    task = FollowUpTask(
        session=session,
        status=TaskStatus.OPEN,
        created_by_id=getattr(actor, "id", None),
        **_checked(session, fields),
    )
    db.session.add(task)
    db.session.flush()
    audit.record(
        "task.create", task, actor=actor, organization_id=session.group.organization_id,
        session_id=session.id, title=task.title, **_named(task), due_on=task.due_on,
    )
    _notify_assignee(task, actor)
    return task


def update_task(
    task: FollowUpTask,
    *,
    expected_version: int | None,
    actor: User | None = None,
    **fields: Unpack[TaskFields],
) -> FollowUpTask:
    """Change what the task is, who owns it and when it is due (not its status); a field not
    given is emptied.

    `expected_version` is the version the editor saw; a stale one raises VersionConflict and
    nothing is changed.
    """
    if expected_version is None or expected_version != task.version:
        raise VersionConflict(task)
    values = _checked(task.session, fields, keep_assignee_id=task.assignee_id,
                      keep_unit_id=task.organization_id)
    before, names_before = _snapshot(task), _named(task)
    for name, value in values.items():
        setattr(task, name, value)
    after, names_after = _snapshot(task), _named(task)
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        # the log names the people and units, as they were then (the ids only compare)
        logged = {key: change for key, change in changes.items() if key not in NAMED}
        logged |= {NAMED[key]: [names_before[NAMED[key]], names_after[NAMED[key]]]
                   for key in changes if key in NAMED}
        audit.record(
            "task.update", task, actor=actor, organization_id=_org_id(task),
            session_id=task.session_id, changes=logged,
        )
    if "assignee_id" in changes:
        _notify_assignee(task, actor)
    return task


def _notify_assignee(task: FollowUpTask, actor: User | None) -> None:
    """Tell the (new) assignee about the task, unless they gave it to themselves."""
    if task.assignee is None or task.assignee.id == getattr(actor, "id", None):
        return
    notify(
        [task.assignee], NotificationKind.TASK_ASSIGNED,
        task_id=task.id, session_id=task.session_id,
        title=task.title, due_on=task.due_on.isoformat() if task.due_on else None,
    )


def _checked(
    session: StudySession,
    fields: TaskFields,
    *,
    keep_assignee_id: int | None = None,
    keep_unit_id: int | None = None,
) -> dict[str, Any]:
    """The rules of a task's fields: their values, cleaned (the title stripped, a blank detail
    None), or a DomainError beside the field that breaks one. A kept assignee or unit (an
    edit's current ones) stays allowed."""
    if unknown := fields.keys() - TaskFields.__required_keys__ - TaskFields.__optional_keys__:
        raise TypeError(f"not a field of a task: {', '.join(sorted(unknown))}")
    title = (fields.get("title") or "").strip()
    assignee = fields.get("assignee")
    organization = fields.get("organization")
    due_on = fields.get("due_on")
    if not title:
        raise DomainError(NEEDS_TITLE, field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(
            _l("At most %(n)d characters.", n=TITLE_MAX), field="title"
        )
    if assignee is None and organization is None:
        raise DomainError(NEEDS_OWNER, field="assignee_id")
    if assignee is not None and assignee.id != keep_assignee_id:
        allowed = {user.id for user in queries.assignee_options(session)}
        if assignee.id not in allowed:
            raise DomainError(
                _l("Choose a member of the group or a participant of the session."),
                field="assignee_id",
            )
    if organization is not None and organization.id != keep_unit_id:
        group_unit = session.group.organization
        if not organization.path.startswith(group_unit.path):
            raise DomainError(
                _l("Choose the group's unit or a unit below it."), field="organization_id"
            )
        if not organization.is_active:
            raise DomainError(_l("This unit is no longer active."), field="organization_id")
    session_date = local_date_of(session.starts_at)
    if due_on is not None and session_date is not None and due_on < session_date:
        raise DomainError(due_before_session_message(session_date), field="due_on")
    return {"title": title, "detail": _blank_to_none(fields.get("detail")),
            "assignee": assignee, "organization": organization, "due_on": due_on}


NAMED = {"assignee_id": "assignee", "unit_id": "organization"}  # snapshot key -> logged name


def _named(task: FollowUpTask) -> dict[str, str | None]:
    """The task's assignee and responsible unit by name, for its history."""
    return {
        "assignee": task.assignee.display_name if task.assignee else None,
        "organization": task.organization.name if task.organization else None,
    }


def _snapshot(task: FollowUpTask) -> dict[str, Any]:
    return {
        "title": task.title,
        "detail": task.detail,
        "assignee_id": task.assignee.id if task.assignee else None,
        "unit_id": task.organization.id if task.organization else None,
        "due_on": task.due_on.isoformat() if task.due_on else None,
    }


# --- the status flow ---------------------------------------------------------------------------

# Where the assignee (or a secretary) may move a task forward from each status.
FORWARD: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.OPEN: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.DONE}),
    TaskStatus.IN_PROGRESS: frozenset({TaskStatus.DONE}),
    TaskStatus.DONE: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}


def progress_task(
    task: FollowUpTask,
    target: TaskStatus | str,
    *,
    note: str | None = None,
    actor: User | None = None,
) -> FollowUpTask:
    """Move a task forward: open → in progress → done (done needs a completion note)."""
    try:
        target = TaskStatus(target)
    except ValueError:
        raise DomainError(_l("Unknown task status.")) from None
    if target not in FORWARD[task.status]:
        raise DomainError(_illegal_move_message(task.status, target))
    if target == TaskStatus.IN_PROGRESS:
        _move(task, target, "task.progress", actor)
        return task
    note = (note or "").strip()
    if not note:
        raise DomainError(NEEDS_NOTE, field="completion_note")
    task.completion_note = note
    task.completed_at = utcnow()
    task.completed_by_id = getattr(actor, "id", None)
    _move(task, TaskStatus.DONE, "task.complete", actor, note=note)
    return task


def start_task(task: FollowUpTask, *, actor: User | None = None) -> FollowUpTask:
    return progress_task(task, TaskStatus.IN_PROGRESS, actor=actor)


def complete_task(task: FollowUpTask, note: str, *, actor: User | None = None) -> FollowUpTask:
    return progress_task(task, TaskStatus.DONE, note=note, actor=actor)


def cancel_task(task: FollowUpTask, reason: str, *, actor: User | None = None) -> FollowUpTask:
    """A secretary cancels an open or in-progress task, with a reason."""
    if task.status not in ACTIVE_TASK_STATUSES:
        raise DomainError(_l("Only open or in-progress tasks can be cancelled."))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(NEEDS_REASON, field="reason")
    task.cancel_reason = reason
    _move(task, TaskStatus.CANCELLED, "task.cancel", actor, reason=reason)
    return task


def reopen_task(
    task: FollowUpTask, *, reason: str | None = None, actor: User | None = None
) -> FollowUpTask:
    """A secretary takes a done or cancelled task back to in progress.

    The completion note and the cancel reason are cleared from the task (they stay in the audit
    trail, which the task page shows as its history).
    """
    if task.status not in CLOSED_TASK_STATUSES:
        raise DomainError(_l("Only done or cancelled tasks can be reopened."))
    task.completed_at = None
    task.completed_by_id = None
    task.completion_note = None
    task.cancel_reason = None
    _move(task, TaskStatus.IN_PROGRESS, "task.reopen", actor, reason=_blank_to_none(reason))
    return task


def _move(
    task: FollowUpTask, target: TaskStatus, action: str, actor: User | None, **details: Any
) -> None:
    source = task.status
    task.status = target
    audit.record(
        action, task, actor=actor, organization_id=_org_id(task), session_id=task.session_id,
        **{"from": source.value, "to": target.value}, **details,
    )


def _illegal_move_message(source: TaskStatus, target: TaskStatus) -> Any:
    if source == TaskStatus.CANCELLED:
        return _l("This task was cancelled; a study secretary can reopen it.")
    if source == TaskStatus.DONE:
        return _l("This task is already done; a study secretary can reopen it.")
    if target == source:
        return _l("The task already has this status.")
    if target == TaskStatus.CANCELLED:
        return _l("Only a study secretary can cancel a task, with a reason.")
    return _l("A task cannot be moved back to open.")


def _org_id(task: FollowUpTask) -> int | None:
    return task.session.group.organization_id


def _blank_to_none(value: str | None) -> str | None:
    return (value or "").strip() or None
