"""Reads for the session report: `session_report(session)` builds the `SessionReport` that the
page, the print layout, the news-release draft and the Word/PDF/archive writers all show.

It makes three queries whatever the size of the session: the session (with its group, unit,
chair and recorder) with its materials and their files, its talks and its tasks; its attendance
rows; its reflections; each with their people. They select the columns the report shows, not ORM
entities: a report of sixty people would otherwise build and track hundreds of objects it
only reads once. Everything after the queries works on plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from studytrack import reads, timeutil
from studytrack.extensions import db
from studytrack.models import (
    Attachment,
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    Material,
    Organization,
    Reflection,
    ReflectionStatus,
    SessionMaterial,
    StudyGroup,
    StudySession,
    Talk,
    TaskStatus,
    User,
)
from studytrack.models.followup import task_overdue
from studytrack.models.study_session import MAKEUP_STATUSES, owes_reflection
from studytrack.reports.report import (
    ReportAttachment,
    ReportAttendee,
    ReportFigures,
    ReportMaterial,
    ReportReflection,
    ReportTalk,
    ReportTask,
    SessionReport,
)
from studytrack.study_sessions.attendance_queries import roster_key

# A reflection in one of these states has been handed in (a returned one was handed in once and
# waits for its revision; it counts as submitted, as in ReportFigures).
SUBMITTED_STATUSES = frozenset(
    {ReflectionStatus.SUBMITTED, ReflectionStatus.RETURNED, ReflectionStatus.ACCEPTED}
)
REPORTED_STATUSES = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS, TaskStatus.DONE)

# Result rows (sqlalchemy Row objects). Attendance rows carry the attributes that
# `roster_key` and `owes_reflection` read from an Attendance (id, user_id, name, status,
# sort_order, makeup_on), so the one definition of the roster order and of who must write
# applies to them unchanged.
RosterRow = sa.Row[Any]


def session_report(session: StudySession, today: date | None = None) -> SessionReport:
    """The whole record of one session as plain values (see `studytrack.reports.report`).

    Read afresh from the database (pending changes are flushed first), whatever `session`
    holds. `today` is the local date (Asia/Shanghai by default) on which "overdue" is judged;
    it defaults to today where the users are. Access checks are the caller's business.
    """
    today = today or timeutil.today_local()
    rows = _Reader(session.id)
    lists: dict[int, list[sa.Row[Any]]] = {_SESSION: [], _MATERIAL: [], _TALK: [], _TASK: []}
    for row in rows(SESSION_AND_LISTS):
        lists[row.row_kind].append(row)
    if not lists[_SESSION]:  # deleted under our feet
        raise LookupError(f"study session {session.id} does not exist")
    head = lists[_SESSION][0]
    roster = sorted(rows(ROSTER).all(), key=roster_key)
    tasks = [_task(row, today) for row in lists[_TASK]]
    reflections = _reflections(rows(REFLECTIONS).all(), roster, head.reflection_due_on, today)
    return SessionReport(
        session_id=head.session_id,
        organization=head.organization,
        group=head.group_name,
        kind=head.session_kind,
        status=head.session_status,
        topic=head.topic,
        starts_at=head.starts_at,
        ends_at=head.ends_at,
        location=head.location,
        chair=head.chair,
        recorder=head.recorder,
        minutes=head.minutes,
        reflection_due_on=head.reflection_due_on,
        min_reflection_chars=head.min_reflection_chars,
        materials=_materials(lists[_MATERIAL]),
        attendees=tuple(_attendee(row) for row in roster),
        talks=tuple(_talk(row) for row in lists[_TALK]),
        tasks=tuple(tasks),
        reflections=tuple(reflections),
        figures=figures(roster, tasks, reflections),
        chair_position=head.chair_position,
        recorder_position=head.recorder_position,
        as_of=today,
    )


# --- the queries ---------------------------------------------------------------------------
# Built once at import: composing a select costs more Python than running it on SQLite.

SESSION_ID = sa.bindparam("session_id")
_SESSION, _MATERIAL, _TALK, _TASK = 0, 1, 2, 3  # rows of SESSION_AND_LISTS
_chair, _recorder = aliased(User, name="chair"), aliased(User, name="recorder")
_talk_speaker = aliased(User, name="talk_speaker")
_assignee = aliased(User, name="assignee")
_task_unit = aliased(Organization, name="task_unit")

# The session and its short lists in one statement: a UNION ALL of four SELECTs whose rows say
# what they are in `row_kind` and are ordered within their kind by `sort_1..3`. Every SELECT has
# the columns of every kind, its own filled and NULL in the others' (`reads.union_columns`).
# A statement apiece cost a round trip each on PostgreSQL (≈ 0.4 ms there, more than the few
# rows). The attendance rows and reflections stay statements of their own: sixty rows each,
# as wide as all the kinds, cost more to read than the round trip saved.
_SESSION_COLUMNS: dict[int, list[sa.ColumnElement[Any]]] = {  # labels unique across kinds
    # The session's own fields with the names of its group, unit, chair and recorder.
    _SESSION: [
        StudySession.id.label("session_id"),
        StudySession.kind.label("session_kind"),
        StudySession.status.label("session_status"),
        StudySession.topic.label("topic"),
        StudySession.starts_at.label("starts_at"),
        StudySession.ends_at.label("ends_at"),
        StudySession.location.label("location"),
        StudySession.minutes.label("minutes"),
        StudySession.reflection_due_on.label("reflection_due_on"),
        StudySession.min_reflection_chars.label("min_reflection_chars"),
        StudyGroup.name.label("group_name"),
        Organization.name.label("organization"),
        _chair.display_name.label("chair"),
        _chair.position.label("chair_position"),
        _recorder.display_name.label("recorder"),
        _recorder.position.label("recorder_position"),
    ],
    # A material, one row per file that is not removed (or one without a file).
    _MATERIAL: [
        Material.id.label("material_id"),
        Material.kind.label("material_kind"),
        Material.title.label("material_title"),
        Material.speaker.label("speaker"),
        Material.issued_on.label("issued_on"),
        Material.source.label("source"),
        Material.url.label("url"),
        Material.body.label("material_body"),
        Attachment.id.label("attachment_id"),
        Attachment.original_name.label("original_name"),
        Attachment.content_type.label("content_type"),
        Attachment.size_bytes.label("size_bytes"),
    ],
    _TALK: [
        Talk.kind.label("talk_kind"),
        sa.func.coalesce(_talk_speaker.display_name, Talk.speaker_name, "").label("talk_speaker"),
        _talk_speaker.position.label("talk_position"),
        Talk.summary.label("talk_summary"),
        Talk.title.label("talk_title"),
    ],
    _TASK: [  # `due_on` and `status` as FollowUpTask.is_overdue reads them
        FollowUpTask.title.label("task_title"),
        FollowUpTask.detail.label("task_detail"),
        _assignee.display_name.label("assignee"),
        _task_unit.name.label("task_unit"),
        FollowUpTask.due_on.label("due_on"),
        FollowUpTask.status.label("status"),
        FollowUpTask.completion_note.label("completion_note"),
    ],
}


def _session_rows(kind: int, *order: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """The columns of SESSION_AND_LISTS for one kind, with up to three keys to sort it by."""
    padded = [*order, *[sa.literal(0, sa.Integer)] * (3 - len(order))]
    return sa.select(
        sa.literal(kind, sa.Integer).label("row_kind"),
        *(column.label(f"sort_{i}") for i, column in enumerate(padded, 1)),
        *reads.union_columns(_SESSION_COLUMNS, kind),
    )


# The session, then its materials in their order with their files, its talks in order, its
# tasks in the order they were added.
_session_and_lists = sa.union_all(
    _session_rows(_SESSION)
    .select_from(StudySession)
    .join(StudyGroup, StudyGroup.id == StudySession.group_id)
    .join(Organization, Organization.id == StudyGroup.organization_id)
    .outerjoin(_chair, _chair.id == StudySession.chair_id)
    .outerjoin(_recorder, _recorder.id == StudySession.recorder_id)
    .where(StudySession.id == SESSION_ID),
    _session_rows(_MATERIAL, SessionMaterial.position, SessionMaterial.material_id,
                  Attachment.id)
    .select_from(SessionMaterial)
    .join(Material, Material.id == SessionMaterial.material_id)
    .outerjoin(
        Attachment,
        sa.and_(Attachment.material_id == Material.id, Attachment.is_removed.is_(False)),
    )
    .where(SessionMaterial.session_id == SESSION_ID),
    _session_rows(_TALK, Talk.position, Talk.id)
    .select_from(Talk)
    .outerjoin(_talk_speaker, _talk_speaker.id == Talk.speaker_id)
    .where(Talk.session_id == SESSION_ID),
    _session_rows(_TASK, FollowUpTask.id)
    .select_from(FollowUpTask)
    .outerjoin(_assignee, _assignee.id == FollowUpTask.assignee_id)
    .outerjoin(_task_unit, _task_unit.id == FollowUpTask.organization_id)
    .where(FollowUpTask.session_id == SESSION_ID),
)
_sort = _session_and_lists.selected_columns
SESSION_AND_LISTS = _session_and_lists.order_by(
    _sort.row_kind, _sort.sort_1, _sort.sort_2, _sort.sort_3
)

# The attendance rows, unsorted; `name` and `position` as Attendance and its user give them
# (a member's own, or the guest's).
ROSTER = (
    sa.select(
        Attendance.id,
        Attendance.user_id,
        sa.func.coalesce(User.display_name, Attendance.guest_name, "").label("name"),
        sa.case(
            (Attendance.user_id.is_not(None), User.position), else_=Attendance.guest_position
        ).label("position"),
        Attendance.status,
        Attendance.sort_order,
        Attendance.leave_reason,
        Attendance.makeup_on,
        Attendance.makeup_note,
    )
    .outerjoin(User, User.id == Attendance.user_id)
    .where(Attendance.session_id == SESSION_ID)
)

# Every reflection of the session with its author. Only an accepted reflection's text is read:
# the others are their author's work in progress, which the report does not show.
# `_reflection` unpacks these columns in this order.
_accepted = Reflection.status == ReflectionStatus.ACCEPTED
REFLECTIONS = (
    sa.select(
        Reflection.id,
        Reflection.author_id,
        User.display_name.label("author"),
        User.position,
        Reflection.status,
        sa.case((_accepted, Reflection.title)).label("title"),
        sa.case((_accepted, Reflection.body)).label("body"),
        Reflection.char_count,
        Reflection.submitted_at,
        Reflection.is_late,
    )
    .join(User, User.id == Reflection.author_id)
    .where(Reflection.session_id == SESSION_ID)
)


class _Reader:
    """Runs the statements above for one session on the session's connection.

    They select plain columns, so the ORM's execution layer (which costs more than the
    queries themselves on SQLite) has nothing to add; what it would do for us is the
    autoflush, done here once so that pending changes are read as before.
    """

    def __init__(self, session_id: int) -> None:
        db.session.flush()
        self.connection = db.session.connection()
        self.params = {"session_id": session_id}

    def __call__(self, statement: sa.Executable) -> sa.CursorResult[Any]:
        return self.connection.execute(statement, self.params)


def _materials(rows: Iterable[sa.Row[Any]]) -> tuple[ReportMaterial, ...]:
    """Group the material rows of SESSION_AND_LISTS (one per file) back into materials with
    their files."""
    files: dict[int, list[ReportAttachment]] = {}
    materials: dict[int, sa.Row[Any]] = {}
    for row in rows:
        materials.setdefault(row.material_id, row)
        attachments = files.setdefault(row.material_id, [])
        if row.attachment_id is not None:
            attachments.append(ReportAttachment(
                row.attachment_id, row.original_name, row.content_type, row.size_bytes
            ))
    return tuple(
        ReportMaterial(
            id=row.material_id,
            kind=row.material_kind,
            title=row.material_title,
            speaker=row.speaker,
            issued_on=row.issued_on,
            source=row.source,
            url=row.url,
            summary=row.material_body,
            attachments=tuple(files[row.material_id]),
        )
        for row in materials.values()
    )


# --- building the report from the rows (no database access) ----------------------------------


def _attendee(row: RosterRow) -> ReportAttendee:
    status = row.status
    return ReportAttendee(
        name=row.name,
        position=row.position,
        status=status,
        leave_reason=row.leave_reason if status == AttendanceStatus.ON_LEAVE else None,
        makeup_on=row.makeup_on,
        makeup_note=row.makeup_note,
    )


def _talk(row: sa.Row[Any]) -> ReportTalk:
    return ReportTalk(
        kind=row.talk_kind, speaker=row.talk_speaker, position=row.talk_position,
        summary=row.talk_summary, title=row.talk_title,
    )


def _task(row: sa.Row[Any], today: date) -> ReportTask:
    return ReportTask(
        title=row.task_title,
        detail=row.task_detail,
        assignee=row.assignee,
        organization=row.task_unit,
        due_on=row.due_on,
        status=row.status,
        # The task's own rule, applied to the row (it reads only due_on and status).
        is_overdue=task_overdue(row.due_on, row.status, today),
        completion_note=row.completion_note,
    )


def _reflections(
    rows: Iterable[sa.Row[Any]],
    roster: Sequence[RosterRow],
    due_on: date | None,
    today: date,
) -> list[ReportReflection]:
    """One entry per required author (Attendance.owes_reflection), in roster order, whether or
    not they have started; then every other reflection that exists (someone not required wrote one),
    in roster order and then by name."""
    by_author = {row.author_id: row for row in rows}
    entries: list[ReportReflection] = []
    for member in roster:
        if owes_reflection(member.user_id, member.status, member.makeup_on):
            reflection = by_author.pop(member.user_id, None)
            entries.append(_reflection(member, reflection, True, due_on, today))
    place = {row.user_id: index for index, row in enumerate(roster) if row.user_id is not None}
    others = sorted(
        by_author.values(),
        key=lambda r: (place.get(r.author_id, len(place)), r.author, r.id),
    )
    entries += [_reflection(None, r, False, due_on, today) for r in others]
    return entries


def _reflection(
    member: RosterRow | None,
    reflection: sa.Row[Any] | None,
    required: bool,
    due_on: date | None,
    today: date,
) -> ReportReflection:
    """`member` is the author's roster row (None for an author not required); the author's
    name and position are the member's, as on the roster."""
    if reflection is None:  # required, not started
        assert member is not None
        return ReportReflection(
            author=member.name, position=member.position, status=None, title=None, body=None,
            char_count=0, submitted_at=None, is_late=False, is_required=required,
            is_overdue=required and due_on is not None and due_on < today,
        )
    # Each field read once: a named read on a result row costs a call.
    (_, _, author, position, status, title, body, char_count, submitted_at,
     is_late) = reflection
    if member is not None:
        author, position = member.name, member.position
    handed_in = status in SUBMITTED_STATUSES
    return ReportReflection(
        author=author,
        position=position,
        status=status,
        # Only an accepted reflection is shown in full (the query reads no other text).
        title=title,
        body=body,
        char_count=char_count,
        submitted_at=submitted_at if handed_in else None,
        is_late=bool(handed_in and is_late),
        is_required=required,
        is_overdue=required and not handed_in and due_on is not None and due_on < today,
    )


def figures(
    roster: Iterable[RosterRow],
    tasks: Iterable[ReportTask],
    reflections: Iterable[ReportReflection],
) -> ReportFigures:
    """The completion figures of a session, from rows already loaded.

    Attendance (over every row of the attendance list, guests included):
      roster       rows that are not observers: present, on leave, absent or not yet marked
      present / on_leave / absent / observers / unmarked   rows with that status
      made_up      rows on leave or absent with a make-up study date recorded
      attendance_rate   present / roster, a float in [0, 1]; None when the roster is empty
                   (observers never count, on either side of the division)

    Reflections (required authors only, as `reflections.rules` defines them: present, or on
    leave/absent with make-up study recorded; observers never). A reflection written by someone
    who is not required is listed in the report but not counted here, so that the completion
    rate submitted / required never passes 100%:
      reflections_required    required authors
      reflections_submitted   of those, reflections submitted, returned or accepted
      reflections_accepted    of those, accepted
      reflections_late        of those handed in, the ones flagged late (after the due date)
      reflections_overdue     required authors with nothing handed in after the due date

    Tasks (cancelled tasks excluded from every figure, though the report lists them):
      tasks_total    open, in progress or done
      tasks_done     done
      tasks_overdue  due before today (local date) and still open or in progress
    """
    rows = list(roster)
    counts = dict.fromkeys([*AttendanceStatus, None], 0)
    for row in rows:
        counts[row.status] += 1
    members = len(rows) - counts[AttendanceStatus.OBSERVER]
    required = [r for r in reflections if r.is_required]
    counted_tasks = [t for t in tasks if t.status in REPORTED_STATUSES]
    return ReportFigures(
        roster=members,
        present=counts[AttendanceStatus.PRESENT],
        on_leave=counts[AttendanceStatus.ON_LEAVE],
        absent=counts[AttendanceStatus.ABSENT],
        observers=counts[AttendanceStatus.OBSERVER],
        made_up=sum(1 for row in rows if row.status in MAKEUP_STATUSES and row.makeup_on),
        attendance_rate=counts[AttendanceStatus.PRESENT] / members if members else None,
        reflections_required=len(required),
        reflections_submitted=sum(1 for r in required if r.status in SUBMITTED_STATUSES),
        reflections_accepted=sum(1 for r in required if r.status == ReflectionStatus.ACCEPTED),
        reflections_late=sum(1 for r in required if r.is_late),
        tasks_total=len(counted_tasks),
        tasks_done=sum(1 for t in counted_tasks if t.status == TaskStatus.DONE),
        tasks_overdue=sum(1 for t in counted_tasks if t.is_overdue),
        unmarked=counts[None],
        reflections_overdue=sum(1 for r in required if r.is_overdue),
    )


def percent(value: float | None) -> str:
    """A rate as people read it: "83.3%", "100%", "—" for None."""
    if value is None:
        return "—"
    rounded = round(value * 100, 1)
    return f"{rounded:.0f}%" if rounded == int(rounded) else f"{rounded:.1f}%"
