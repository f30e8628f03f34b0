"""What the viewer of a member's record may open from it, asked of `authz` once per group.

Every link on the record concerns one of the person's sessions, or their reflection or task at
it. `authz` answers those from the roles the viewer holds in the session's group (and, for
writing a reflection, from the session's status), so the page asks once per group — or per
group and status — with one of the page's own objects, instead of once per row. The rules stay
in `authz`; this only chooses how often to ask.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from studytrack import authz
from studytrack.models import ReflectionStatus
from studytrack.records.queries import PersonRecord


@dataclass(frozen=True)
class RecordLinks:
    reports: frozenset[int]  # group ids whose session reports the viewer may open
    reflections: frozenset[int]  # group ids where the person's handed-in reflections open
    reviews: frozenset[int]  # group ids whose sessions' reflection pages the viewer may open
    writable: frozenset[int]  # session ids where the viewer may write their own reflection
    tasks: frozenset[int]  # group ids where the person's tasks open for the viewer


def _allowed(permission: str, items: Iterable[tuple[Hashable, int, Any]]) -> frozenset[int]:
    """The ids of the items on which the viewer has `permission`. `items` yields
    (key, id, object); objects with the same key get the same answer, so `authz.can` is asked
    once per key, with the first of them."""
    answers: dict[Hashable, bool] = {}
    allowed: set[int] = set()
    for key, item_id, obj in items:
        answer = answers.get(key)
        if answer is None:
            answer = answers[key] = authz.can(permission, obj)
        if answer:
            allowed.add(item_id)
    return frozenset(allowed)


def record_links(record: PersonRecord, is_self: bool) -> RecordLinks:
    sessions = [
        *(row.session for row in record.sessions),
        *(row.session for row in record.talks),
        *(task.session for task in record.tasks),
    ]
    owed = record.reflections
    handed_in = [
        row for row in owed
        if row.reflection is not None and row.reflection.status != ReflectionStatus.DRAFT
    ]
    return RecordLinks(
        reports=_allowed("report.view", ((s.group_id, s.group_id, s) for s in sessions)),
        # All the reflections and tasks here are the person's: only the group varies.
        reflections=_allowed(
            "reflection.view",
            ((row.session.group_id, row.session.group_id, row.reflection)
             for row in handed_in),
        ),
        reviews=_allowed(
            "reflection.view",
            ((row.session.group_id, row.session.group_id, row.session) for row in owed),
        ),
        writable=_allowed(
            "reflection.write",
            (((row.session.group_id, row.session.status), row.session.id, row.session)
             for row in owed),
        ) if is_self else frozenset(),
        tasks=_allowed(
            "task.view",
            ((task.session.group_id, task.session.group_id, task) for task in record.tasks),
        ),
    )
