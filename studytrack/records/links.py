"""Where the rows of a member's record link to, for the viewer: asked of `authz` once per group.

Every link on the record concerns one of the person's sessions, or their reflection or task at
it. `authz` answers those from the roles the viewer holds in the session's group (and, for
writing a reflection, from the session's status), so the page asks once per group — or per
group and status — with one real object of that group (loaded for the purpose, in one query
whatever the rows), instead of once per row. The rules stay in `authz`; this only chooses how
often to ask. The URLs are built with one `url_for` per endpoint, the row's id put in.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask_login import current_user

from studytrack import authz
from studytrack.models import ReflectionStatus
from studytrack.records import person_queries
from studytrack.records.person_queries import PersonRecord, SessionInfo
from studytrack.web import IdUrl

T = TypeVar("T")


@dataclass(frozen=True)
class RecordLinks:
    """The viewer's links, by row; a row without one shows its text unlinked."""

    reports: dict[int, str]  # session id -> its report
    # session id -> the person's reflection there: to read it, to write it, or the session's
    # reflections to review
    reflections: dict[int, str]
    tasks: dict[int, str]  # task id -> the task


def _first_by(items: Iterable[T], key: Callable[[T], Hashable]) -> dict[Hashable, T]:
    """The first item of each key."""
    first: dict[Hashable, T] = {}
    for item in items:
        first.setdefault(key(item), item)
    return first


def _allowed(permission: str, objects: dict[Hashable, Any], viewer: Any) -> set[Hashable]:
    """The keys whose object the viewer has `permission` on."""
    return {key for key, obj in objects.items() if authz.can(permission, obj, viewer)}


@dataclass(frozen=True)
class _Answers:
    """What `authz` said, by the key it depends on."""

    reports: set[Hashable]  # group ids whose session reports the viewer may open
    readable: set[Hashable]  # group ids where the person's handed-in reflections open
    reviewable: set[Hashable]  # group ids whose sessions' reflections the viewer may open
    writable: set[Hashable]  # (group id, session status) where the viewer writes their own
    tasks: set[Hashable]  # group ids where the person's tasks open for the viewer


def record_links(record: PersonRecord, is_self: bool) -> RecordLinks:
    answers = _ask(record, is_self)
    report_url = IdUrl.of("reports.session_report", "session_id")
    return RecordLinks(
        reports={
            s.id: report_url(s.id) for s in _sessions(record) if s.group_id in answers.reports
        },
        reflections=_reflection_links(record, is_self, answers),
        tasks=_task_links(record, is_self, answers),
    )


def _sessions(record: PersonRecord) -> list[SessionInfo]:
    return [
        *(row.session for row in record.sessions),
        *(row.session for row in record.talks),
        *(task.session for task in record.tasks),
    ]


def _ask(record: PersonRecord, is_self: bool) -> _Answers:
    """Ask `authz` once per key, with the real object of the first row of that key."""
    owed = record.reflections
    handed_in = [
        row for row in owed
        if row.reflection is not None and row.reflection.status != ReflectionStatus.DRAFT
    ]
    by_group = _first_by(_sessions(record), lambda s: s.group_id)
    owed_by_group = _first_by((row.session for row in owed), lambda s: s.group_id)
    # Writing depends on the session's status too.
    owed_by_status = _first_by(
        (row.session for row in owed), lambda s: (s.group_id, s.status)
    ) if is_self else {}
    # All the reflections and tasks here are the person's: only the group varies.
    handed_in_by_group = {
        group_id: (row.session, row.reflection.id)
        for group_id, row in _first_by(handed_in, lambda row: row.session.group_id).items()
        if row.reflection is not None
    }
    tasks_by_group = _first_by(record.tasks, lambda task: task.session.group_id)

    objects = person_queries.permission_objects(
        sessions=[*by_group.values(), *owed_by_group.values(), *owed_by_status.values()],
        reflections=handed_in_by_group.values(),
        tasks=tasks_by_group.values(),
    )

    def session_of(first: dict[Hashable, SessionInfo]) -> dict[Hashable, Any]:
        return {key: objects.sessions[s.id] for key, s in first.items()}

    viewer = current_user._get_current_object()  # resolved once, not per question
    return _Answers(
        reports=_allowed("report.view", session_of(by_group), viewer),
        readable=_allowed("reflection.view", {
            group_id: objects.reflections[reflection_id]
            for group_id, (_, reflection_id) in handed_in_by_group.items()
        }, viewer),
        reviewable=_allowed("reflection.view", session_of(owed_by_group), viewer),
        writable=_allowed("reflection.write", session_of(owed_by_status), viewer),
        tasks=_allowed("task.view", {
            group_id: objects.tasks[task.id] for group_id, task in tasks_by_group.items()
        }, viewer),
    )


def _reflection_links(record: PersonRecord, is_self: bool, answers: _Answers) -> dict[int, str]:
    """Per owed reflection, the first that applies: the handed-in reflection, the editor for
    the person themself, the session's reflections for a reviewer."""
    reflection_url = IdUrl.of("reflections.detail", "reflection_id")
    edit_url = IdUrl.of("reflections.edit", "session_id")
    review_url = IdUrl.of("reflections.session_review", "session_id")
    links: dict[int, str] = {}
    for row in record.reflections:
        s, r = row.session, row.reflection
        if (r is not None and r.status != ReflectionStatus.DRAFT
                and s.group_id in answers.readable):
            links[s.id] = reflection_url(r.id)
        elif is_self and (s.group_id, s.status) in answers.writable:
            links[s.id] = edit_url(s.id)
        elif s.group_id in answers.reviewable:
            links[s.id] = review_url(s.id)
    return links


def _task_links(record: PersonRecord, is_self: bool, answers: _Answers) -> dict[int, str]:
    """The person themself opens all their tasks; others where `authz` says so."""
    task_url = IdUrl.of("followups.detail", "task_id")
    return {
        task.id: task_url(task.id)
        for task in record.tasks
        if is_self or task.session.group_id in answers.tasks
    }
