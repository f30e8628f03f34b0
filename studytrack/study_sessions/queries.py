"""Reads for the session pages. Each function makes a fixed number of queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import aliased, joinedload, selectinload

from studytrack import inputs, timeutil
from studytrack.extensions import db
from studytrack.labels import label
from studytrack.models import (
    HELD_STATUSES,
    Attendance,
    AttendanceStatus,
    AuditEvent,
    FollowUpTask,
    GroupMembership,
    Material,
    Organization,
    PlanItem,
    ReflectionStatus,
    SessionKind,
    SessionMaterial,
    SessionStatus,
    StudyGroup,
    StudySession,
    Talk,
    TalkKind,
    TaskStatus,
    User,
)
from studytrack.study_sessions.attendance_queries import person_label

SESSIONS_PER_PAGE = 15
EVENTS_PER_PAGE = 50

# --- the list of a group's sessions --------------------------------------------------------


def listed_statuses(include_drafts: bool) -> list[SessionStatus]:
    """The states the list shows (and filters by): every state to those who keep the record,
    what members are shown to the others."""
    if include_drafts:
        return list(SessionStatus)
    return [*HELD_STATUSES, SessionStatus.CANCELLED]


# The list's statements are built once per shape, with the group and the filters as bound
# parameters: the list is asked on every visit, and building a statement costs more than
# running it on a group's sessions.


@cache
def _years_query(include_drafts: bool) -> sa.Select[datetime | None, datetime | None]:
    # min and max are NULL for a group without sessions
    query = sa.select(
        sa.func.min(StudySession.starts_at), sa.func.max(StudySession.starts_at)
    ).where(StudySession.group_id == sa.bindparam("group_id"))
    return query if include_drafts else query.where(StudySession.shown_to_members)


def session_years(group: StudyGroup, include_drafts: bool) -> list[int]:
    """The local calendar years in which the group has sessions, newest first (one query);
    only those of the accepted range (inputs.year_bounds), whatever older data holds."""
    first, last = db.session.execute(_years_query(include_drafts), {"group_id": group.id}).one()
    first_local, last_local = timeutil.utc_to_local(first), timeutil.utc_to_local(last)
    if first_local is None or last_local is None:
        return []
    low, high = inputs.year_bounds()
    return list(range(min(last_local.year, high), max(first_local.year, low) - 1, -1))


def _list_filters(session: Any, include_drafts: bool, by_year: bool, by_kind: bool,
                  by_status: bool) -> list[sa.ColumnElement[bool]]:
    where = [session.group_id == sa.bindparam("group_id")]
    if not include_drafts:
        where.append(session.shown_to_members)
    if by_year:
        where += [session.starts_at >= sa.bindparam("start"),
                  session.starts_at < sa.bindparam("end")]
    if by_kind:
        where.append(session.kind == sa.bindparam("kind"))
    if by_status:
        where.append(session.status == sa.bindparam("status"))
    return where


@cache
def _list_query(include_drafts: bool, by_year: bool, by_kind: bool,
                by_status: bool) -> tuple[sa.Select[*tuple[Any, ...]], sa.Select[int]]:
    """(one page of rows with the total beside each, the bare count for a page past the end).
    The total is an uncorrelated subquery, run once: cheaper than a window count, which sorts
    every row, and than a second statement."""
    shape = (include_drafts, by_year, by_kind, by_status)
    counted = aliased(StudySession)
    count = sa.select(sa.func.count()).select_from(counted).where(*_list_filters(counted, *shape))
    rows = (
        sa.select(
            StudySession.id, StudySession.topic, StudySession.starts_at, StudySession.ends_at,
            StudySession.location, StudySession.kind, StudySession.status,
            User.display_name.label("chair_name"),
            count.scalar_subquery().label("total"),
        )
        .outerjoin(User, StudySession.chair_id == User.id)
        .where(*_list_filters(StudySession, *shape))
        .order_by(StudySession.starts_at.desc(), StudySession.id.desc())
        .limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
    )
    return rows, count


class SessionPage(Pagination):
    """A page of the list as plain rows (id, topic, starts_at, ends_at, location, kind, status,
    chair_name), counted in the same query."""

    _total: int | None = None

    def _query_items(self) -> list[Any]:
        rows, _ = self._query_args["queries"]
        params = {**self._query_args["params"], "limit": self.per_page,
                  "offset": self._query_offset}
        items = list(db.session.execute(rows, params))
        self._total = items[0].total if items else None
        return items

    def _query_count(self) -> int:
        if self._total is not None:
            return int(self._total)
        if self.page == 1:
            return 0
        _, count = self._query_args["queries"]  # a page past the end: count on its own
        return db.session.execute(count, self._query_args["params"]).scalar() or 0


def group_sessions(
    group: StudyGroup,
    *,
    include_drafts: bool,
    year: int | None = None,
    kind: SessionKind | None = None,
    status: SessionStatus | None = None,
    page: int = 1,
    per_page: int = SESSIONS_PER_PAGE,
) -> Pagination:
    """One page of the group's sessions, newest first, with their chairs' names and the total
    (one query; two for a page past the end)."""
    params: dict[str, Any] = {"group_id": group.id}
    if year is not None:
        params["start"], params["end"] = timeutil.local_year_bounds(year)
    if kind is not None:
        params["kind"] = kind
    if status is not None:
        params["status"] = status
    queries = _list_query(include_drafts, year is not None, kind is not None, status is not None)
    return SessionPage(page=page, per_page=per_page, error_out=False, queries=queries,
                       params=params)


# --- choosing people -----------------------------------------------------------------------


def member_choices(group: StudyGroup, keep: tuple[int | None, ...] = ()) -> list[tuple[int, str]]:
    """(user id, name) of the group's current members, leaders first; plus the people in
    `keep` (e.g. a chair who has since left, named on an older record)."""
    rows = db.session.execute(
        sa.select(User.id, User.display_name, User.position)
        .join(GroupMembership, GroupMembership.user_id == User.id)
        .where(GroupMembership.group_id == group.id, GroupMembership.left_on.is_(None))
        .order_by(*GroupMembership.roster_order(), User.display_name)
    ).all()
    people = [(user_id, person_label(name, position)) for user_id, name, position in rows]
    missing = [user_id for user_id in keep if user_id and user_id not in {p[0] for p in people}]
    if missing:
        former = db.session.execute(
            sa.select(User.id, User.display_name, User.position).where(User.id.in_(missing))
        ).all()
        people += [(user_id, person_label(name, position)) for user_id, name, position in former]
    return people


# --- the session page ----------------------------------------------------------------------


# What the session page shows, loaded with the session (the route's loader takes these
# options): a fixed number of queries, whatever the number of rows.
SESSION_PAGE: tuple[Any, ...] = (
    joinedload(StudySession.group).joinedload(StudyGroup.organization),
    joinedload(StudySession.chair),
    joinedload(StudySession.recorder),
    joinedload(StudySession.plan_item).joinedload(PlanItem.plan),
    # A collection in a statement of its own (selectinload), and what each of its rows
    # refers to joined into that statement (joinedload): one statement per list.
    selectinload(StudySession.session_materials)
    .joinedload(SessionMaterial.material)
    .selectinload(Material.attachments),
    selectinload(StudySession.attendances).joinedload(Attendance.user),
    selectinload(StudySession.talks).joinedload(Talk.speaker),
    selectinload(StudySession.tasks).joinedload(FollowUpTask.assignee),
    selectinload(StudySession.tasks).joinedload(FollowUpTask.organization),
)


def cancel_reason(session: StudySession) -> str | None:
    """Why a cancelled session was cancelled (kept in its audit event)."""
    if session.status != SessionStatus.CANCELLED:
        return None
    details = db.session.scalar(
        sa.select(AuditEvent.details)
        .where(
            AuditEvent.object_type == "StudySession",
            AuditEvent.object_id == session.id,
            AuditEvent.action == "session.cancel",
        )
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(1)
    )
    return (details or {}).get("reason")


# --- history -------------------------------------------------------------------------------

ACTION_LABELS: dict[str, Any] = {
    "session.create": _l("Session created"),
    "session.update": _l("Session edited"),
    "session.minutes": _l("Minutes edited"),
    "news_release.save": _l("News release saved"),
    "news_release.finalise": _l("News release marked final"),
    "news_release.discard": _l("News release drafted again"),
    "supervision.assign": _l("Supervisor sent"),
    "supervision.withdraw": _l("Supervisor withdrawn"),
    "supervision.evaluate": _l("Supervisor's evaluation saved"),
    "session.publish": _l("Session published"),
    "session.close": _l("Session closed"),
    "session.reopen": _l("Session reopened"),
    "session.cancel": _l("Session cancelled"),
    "session.link_material": _l("Material linked"),
    "session.unlink_material": _l("Material unlinked"),
    "session.move_material": _l("Material moved"),
    "attendance.create": _l("Attendance list started"),
    "attendance.update": _l("Attendance changed"),
    "attendance.mark_all_present": _l("Everyone unmarked marked present"),
    "attendance.add_observer": _l("Observer added"),
    "attendance.makeup": _l("Make-up study recorded"),
    "attendance.remove": _l("Observer removed"),
    "talk.create": _l("Talk added"),
    "talk.update": _l("Talk edited"),
    "talk.delete": _l("Talk removed"),
    "talk.move": _l("Talk moved"),
    "task.create": _l("Follow-up task added"),
    "task.update": _l("Follow-up task edited"),
    "task.progress": _l("Follow-up task started"),
    "task.complete": _l("Follow-up task done"),
    "task.cancel": _l("Follow-up task cancelled"),
    "task.reopen": _l("Follow-up task reopened"),
    "reflection.create": _l("Reflection started"),
    "reflection.submit": _l("Reflection submitted"),
    "reflection.return": _l("Reflection returned for revision"),
    "reflection.accept": _l("Reflection accepted"),
}

OBJECT_LABELS: dict[str, Any] = {
    "StudySession": _l("Study session"),
    "Attendance": _l("Attendance"),
    "Talk": _l("Talk"),
    "Material": _l("Material"),
    "FollowUpTask": _l("Follow-up task"),
    "Reflection": _l("Reflection"),
}

FIELD_LABELS: dict[str, Any] = {
    "late": _l("Handed in late"),
    "comment": _l("Comment"),
    "author": _l("Author"),
    "author_id": _l("Author"),
    "plan_item_id": _l("Plan item"),
    "kind": _l("Kind"),
    "topic": _l("Topic"),
    "starts_at": _l("Starts"),
    "ends_at": _l("Ends"),
    "location": _l("Location"),
    "chair_id": _l("Chair"),
    "recorder_id": _l("Recorder"),
    "reflection_due_on": _l("Reflections due"),
    "min_reflection_chars": _l("Minimum reflection length"),
    "minutes": _l("Minutes"),
    "status": _l("Status"),
    "reason": _l("Reason"),
    "characters": _l("Characters"),
    "closed_at": _l("Closed before at"),
    "person": _l("Person"),
    "people": _l("People"),
    "count": _l("Number"),
    "title": _l("Title"),
    "speaker": _l("Speaker"),
    "summary": _l("Summary"),
    "direction": _l("Direction"),
    "position": _l("Position"),
    "leave_reason": _l("Leave reason"),
    "makeup_on": _l("Make-up study date"),
    "makeup_note": _l("Make-up study note"),
    "assignee_id": _l("Assignee"),
    "assignee": _l("Assignee"),
    "unit_id": _l("Responsible unit"),
    "organization": _l("Responsible unit"),
    "due_on": _l("Due date"),
    "detail": _l("Detail"),
    "note": _l("Completion note"),
    "supervisor": _l("Supervisor"),
    "sent_by": _l("Sent by"),
    "average": _l("Average rating"),
}

# A detail named otherwise for one kind of object: a talk's or a material's place in its list.
OBJECT_FIELD_LABELS: dict[str, dict[str, Any]] = {
    "Talk": {"position": _l("Order")},
    "StudySession": {"position": _l("Order")},
}

# Which enumeration a detail's values come from, by the kind of object the event is about.
ENUM_DETAILS: dict[str, dict[str, type[StrEnum]]] = {
    "StudySession": {"status": SessionStatus, "kind": SessionKind},
    "Attendance": {"status": AttendanceStatus},
    "Talk": {"kind": TalkKind},
    "FollowUpTask": {"status": TaskStatus, "from": TaskStatus, "to": TaskStatus},
    "Reflection": {"status": ReflectionStatus, "from": ReflectionStatus, "to": ReflectionStatus},
}

# Other details whose stored values are words of the code, not of the user.
VALUE_LABELS: dict[str, dict[str, Any]] = {
    "direction": {"up": _l("Up"), "down": _l("Down")},
}

# Details that name a person or a unit by id (events recorded before the names were kept): the
# page shows today's name.
PERSON_IDS = frozenset({"author_id", "assignee_id", "chair_id", "recorder_id"})
UNIT_IDS = frozenset({"unit_id"})

HIDDEN_DETAILS = frozenset({"session_id", "material_id"})
ISO_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
PAIR_DETAILS = frozenset({"status", "characters", "position"})  # stored as [old, new]


def action_label(action: str) -> Any:
    return ACTION_LABELS.get(action, action)


@dataclass(frozen=True)
class DetailLine:
    name: Any
    old: Any = None
    new: Any = None
    is_change: bool = False


@dataclass(frozen=True)
class HistoryEntry:
    event: AuditEvent
    action: Any
    object_label: Any
    lines: list[DetailLine]


@dataclass(frozen=True)
class Names:
    """The names of the people and units that events name by id."""

    people: dict[int, str]
    units: dict[int, str]


NO_NAMES = Names({}, {})


def names_in(details: list[dict[str, Any] | None]) -> Names:
    """The people and units the details name by id (one statement each, only if any)."""
    people: set[int] = set()
    units: set[int] = set()
    for detail in details:
        for key, value in _values(detail or {}):
            ids = {v for v in (value if isinstance(value, list) else [value])
                   if isinstance(v, int) and not isinstance(v, bool)}
            if key in PERSON_IDS:
                people |= ids
            elif key in UNIT_IDS:
                units |= ids
    return Names(
        _names(User.id, User.display_name, people), _names(Organization.id, Organization.name,
                                                          units),
    )


def _values(details: dict[str, Any]) -> list[tuple[str, Any]]:
    changes = details.get("changes")
    nested = list(changes.items()) if isinstance(changes, dict) else []
    return list(details.items()) + nested


def _names(id_column: Any, name_column: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(sa.select(id_column, name_column).where(id_column.in_(sorted(ids))))
    return {row_id: name for row_id, name in rows}


def detail_lines(object_type: str, details: dict[str, Any] | None,
                 names: Names = NO_NAMES) -> list[DetailLine]:
    """An audit event's details as a user would read them: changes as old -> new, the rest as
    values; statuses and kinds by their labels, people and units by name, empty values left
    out (shown as "(empty)" in a change)."""
    shown = _Shown(object_type, names)
    details = dict(details or {})
    lines: list[DetailLine] = []
    if "from" in details and "to" in details:  # a move between states
        lines.append(DetailLine(
            FIELD_LABELS["status"], shown("from", details.pop("from")),
            shown("to", details.pop("to")), is_change=True,
        ))
    for key, value in details.items():
        if key in HIDDEN_DETAILS:
            continue
        if key == "changes" and isinstance(value, dict):
            lines += [shown.change(name, change) for name, change in value.items()]
        elif key in PAIR_DETAILS and isinstance(value, list):
            lines.append(shown.change(key, value))
        elif value is not None and value != "" and value != []:
            lines.append(DetailLine(shown.title(key), new=shown(key, value)))
    return lines


@dataclass(frozen=True)
class _Shown:
    """How one event's detail values read."""

    object_type: str
    names: Names

    def title(self, name: str) -> Any:
        own = OBJECT_FIELD_LABELS.get(self.object_type, {})
        return own.get(name) or FIELD_LABELS.get(name, name)

    def change(self, name: str, value: Any) -> DetailLine:
        if isinstance(value, list | tuple) and len(value) == 2:
            return DetailLine(self.title(name), self(name, value[0]), self(name, value[1]),
                              is_change=True)
        return DetailLine(self.title(name), new=self(name, value))

    def __call__(self, name: str, value: Any) -> Any:
        enum = ENUM_DETAILS.get(self.object_type, {}).get(name)
        if enum is not None and value in {m.value for m in enum}:
            return label(enum(value))
        if isinstance(value, int) and not isinstance(value, bool):
            if name in PERSON_IDS:
                return self.names.people.get(value, _l("(a person since removed)"))
            if name in UNIT_IDS:
                return self.names.units.get(value, _l("(a unit since removed)"))
        if isinstance(value, str) and value in VALUE_LABELS.get(name, {}):
            return VALUE_LABELS[name][value]
        if isinstance(value, str) and ISO_MINUTE.fullmatch(value):
            return value.replace("T", " ")  # a time as the services log it
        if isinstance(value, list | tuple):
            return "、".join("" if v is None else str(v) for v in value)
        if isinstance(value, bool):
            return _l("yes") if value else _l("no")
        return value


def history_condition(session_id: int) -> sa.ColumnElement[bool]:
    """Events about the session itself, or about its parts (`AuditEvent.session_id`, indexed
    with the time: a page of the history and its count read the session's events only)."""
    return AuditEvent.session_id == session_id


def session_history(session: StudySession, page: int = 1,
                    per_page: int = EVENTS_PER_PAGE) -> tuple[Pagination, list[HistoryEntry]]:
    """The session's audit events, newest first, with who did them (three queries)."""
    pagination = db.paginate(
        sa.select(AuditEvent)
        .where(history_condition(session.id))
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()),
        page=page, per_page=per_page, error_out=False,
    )
    names = names_in([event.details for event in pagination.items])
    entries = [
        HistoryEntry(
            event=event,
            action=action_label(event.action),
            object_label=OBJECT_LABELS.get(event.object_type, event.object_type),
            lines=detail_lines(event.object_type, event.details, names),
        )
        for event in pagination.items
    ]
    return pagination, entries
