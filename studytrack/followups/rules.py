"""The rules of a task's fields and what they say when broken: shared by the forms (which check
them as the user types) and the services (which defend them whatever the caller).

Which statuses are still to be done and what is overdue is the model's (models/followup.py);
who may manage or progress a task is the policy's (authz).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Required, TypedDict

from flask_babel import lazy_gettext as _l

if TYPE_CHECKING:
    from studytrack.models import Organization, User

TITLE_MAX = 200
NOTE_MAX = 4000  # the detail, the completion note and the reasons

NEEDS_TITLE = _l("Enter a title.")
NEEDS_OWNER = _l("Choose an assignee or a responsible unit (or both).")
NEEDS_NOTE = _l("Write a completion note: what was done.")
NEEDS_REASON = _l("Give the reason for cancelling the task.")


def due_before_session_message(session_date: date) -> Any:
    return _l(
        "The due date cannot be before the session (%(date)s).", date=session_date.isoformat()
    )


class TaskFields(TypedDict, total=False):
    """What a task is, who owns it and when it is due: what adding and editing it set (the
    form's fields, as the services take them)."""

    title: Required[str]
    detail: str | None
    assignee: User | None
    organization: Organization | None  # the responsible unit
    due_on: date | None
