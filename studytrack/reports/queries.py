"""Reads for the session report: `session_report(session)` builds the `SessionReport` that the
page, the print layout, the news-release draft and the Word/PDF/archive writers all show.

One statement per list whatever the size of the session: the session with the names of its
group, unit, chair and recorder; its materials with their files; its talks; its tasks; its
attendance rows; its reflections. They select the columns the report shows, not ORM entities:
a report of sixty people would otherwise build and track hundreds of objects it only reads
once. Everything after the statements works on plain values, and the figures are counted from
the rows with the definitions of `dashboard/figures.py`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from studytrack import timeutil
from studytrack.dashboard.figures import (
    Figures,
    ReflectionState,
    count_attendance,
    count_reflections,
    count_tasks,
    reflection_state,
)
from studytrack.extensions import db
from studytrack.models import (
    HANDED_IN_STATUSES,
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
    User,
)
from studytrack.models.followup import task_overdue
from studytrack.models.study_session import owes_reflection
from studytrack.reports.report import (
    ReportAttachment,
    ReportAttendee,
    ReportMaterial,
    ReportReflection,
    ReportTalk,
    ReportTask,
    SessionReport,
)
from studytrack.study_sessions.attendance_queries import roster_key


def session_report(session: StudySession, today: date | None = None) -> SessionReport:
    """The whole record of one session as plain values (see `studytrack.reports.report`).

    Read afresh from the database (pending changes are flushed first), whatever `session`
    holds. `today` is the local date (Asia/Shanghai by default) on which "overdue" is judged;
    it defaults to today where the users are. Access checks are the caller's business.
    """
    today = today or timeutil.today_local()
    params = {"session_id": session.id}
    head = db.session.execute(SESSION, params).first()
    if head is None:  # deleted under our feet
        raise LookupError(f"study session {session.id} does not exist")
    roster = sorted(db.session.execute(ROSTER, params), key=roster_key)
    talks = tuple(ReportTalk(*row) for row in db.session.execute(TALKS, params))
    tasks = db.session.execute(TASKS, params).all()
    reflections, states = _reflections(
        db.session.execute(REFLECTIONS, params), roster, head.reflection_due_on, today
    )
    figures = (
        count_attendance(roster) + count_reflections(states) + count_tasks(tasks, today)
        + Figures(talks=len(talks))
    )
    return SessionReport(
        session_id=head.id,
        organization=head.organization,
        group=head.group_name,
        kind=head.kind,
        status=head.status,
        topic=head.topic,
        starts_at=head.starts_at,
        ends_at=head.ends_at,
        location=head.location,
        chair=head.chair,
        recorder=head.recorder,
        minutes=head.minutes,
        reflection_due_on=head.reflection_due_on,
        min_reflection_chars=head.min_reflection_chars,
        materials=_materials(db.session.execute(MATERIALS, params)),
        attendees=tuple(_attendee(row) for row in roster),
        talks=talks,
        tasks=tuple(_task(row, today) for row in tasks),
        reflections=tuple(reflections),
        figures=figures,
        reflections_accepted=sum(
            r.is_required and r.status == ReflectionStatus.ACCEPTED for r in reflections
        ),
        chair_position=head.chair_position,
        recorder_position=head.recorder_position,
        as_of=today,
    )


# --- the statements ------------------------------------------------------------------------
# Built once at import: the report asks them on every request, and composing a select costs
# more than running it.

SESSION_ID: sa.BindParameter[int] = sa.bindparam("session_id")
_chair, _recorder = aliased(User, name="chair"), aliased(User, name="recorder")
_talk_speaker = aliased(User, name="talk_speaker")
_assignee = aliased(User, name="assignee")
_task_unit = aliased(Organization, name="task_unit")

# The session's own fields with the names of its group, unit, chair and recorder.
SESSION = (
    sa.select(
        StudySession.id, StudySession.kind, StudySession.status, StudySession.topic,
        StudySession.starts_at, StudySession.ends_at, StudySession.location,
        StudySession.minutes, StudySession.reflection_due_on, StudySession.min_reflection_chars,
        StudyGroup.name.label("group_name"),
        Organization.name.label("organization"),
        _chair.display_name.label("chair"), _chair.position.label("chair_position"),
        _recorder.display_name.label("recorder"), _recorder.position.label("recorder_position"),
    )
    .join(StudyGroup, StudyGroup.id == StudySession.group_id)
    .join(Organization, Organization.id == StudyGroup.organization_id)
    .outerjoin(_chair, _chair.id == StudySession.chair_id)
    .outerjoin(_recorder, _recorder.id == StudySession.recorder_id)
    .where(StudySession.id == SESSION_ID)
)

# The materials in their order, one row per file that is not removed (or one without a file).
MATERIALS = (
    sa.select(
        Material.id, Material.kind, Material.title, Material.speaker, Material.issued_on,
        Material.source, Material.url, Material.body,
        Attachment.id.label("attachment_id"), Attachment.original_name,
        Attachment.content_type, Attachment.size_bytes,
    )
    .select_from(SessionMaterial)
    .join(Material, Material.id == SessionMaterial.material_id)
    .outerjoin(
        Attachment,
        sa.and_(Attachment.material_id == Material.id, Attachment.is_removed.is_(False)),
    )
    .where(SessionMaterial.session_id == SESSION_ID)
    .order_by(SessionMaterial.position, SessionMaterial.material_id, Attachment.id)
)

# The talks in their order, in ReportTalk's fields.
TALKS = (
    sa.select(
        Talk.kind,
        sa.func.coalesce(_talk_speaker.display_name, Talk.speaker_name, "").label("speaker"),
        _talk_speaker.position, Talk.summary, Talk.title,
    )
    .outerjoin(_talk_speaker, _talk_speaker.id == Talk.speaker_id)
    .where(Talk.session_id == SESSION_ID)
    .order_by(Talk.position, Talk.id)
)

# The tasks in the order they were added; `due_on` and `status` as the task figures read them.
TASKS = (
    sa.select(
        FollowUpTask.title, FollowUpTask.detail,
        _assignee.display_name.label("assignee"), _task_unit.name.label("organization"),
        FollowUpTask.due_on, FollowUpTask.status, FollowUpTask.completion_note,
    )
    .outerjoin(_assignee, _assignee.id == FollowUpTask.assignee_id)
    .outerjoin(_task_unit, _task_unit.id == FollowUpTask.organization_id)
    .where(FollowUpTask.session_id == SESSION_ID)
    .order_by(FollowUpTask.id)
)

# The attendance rows, unsorted, with the attributes that `roster_key`, `owes_reflection` and
# the attendance figures read of an Attendance; `name` and `position` as Attendance and its
# user give them (a member's own, or the guest's).
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


# --- building the report from the rows (no database access) ----------------------------------


def _materials(rows: Iterable[sa.Row[Any]]) -> tuple[ReportMaterial, ...]:
    """Group the material rows (one per file) back into materials with their files."""
    files: dict[int, list[ReportAttachment]] = {}
    materials: dict[int, sa.Row[Any]] = {}
    for row in rows:
        materials.setdefault(row.id, row)
        attachments = files.setdefault(row.id, [])
        if row.attachment_id is not None:
            attachments.append(ReportAttachment(
                row.attachment_id, row.original_name, row.content_type, row.size_bytes
            ))
    return tuple(
        ReportMaterial(
            id=row.id, kind=row.kind, title=row.title, speaker=row.speaker,
            issued_on=row.issued_on, source=row.source, url=row.url, summary=row.body,
            attachments=tuple(files[row.id]),
        )
        for row in materials.values()
    )


def _attendee(row: sa.Row[Any]) -> ReportAttendee:
    return ReportAttendee(
        name=row.name,
        position=row.position,
        status=row.status,
        leave_reason=row.leave_reason if row.status == AttendanceStatus.ON_LEAVE else None,
        makeup_on=row.makeup_on,
        makeup_note=row.makeup_note,
    )


def _task(row: sa.Row[*tuple[Any, ...]], today: date) -> ReportTask:
    return ReportTask(
        title=row.title,
        detail=row.detail,
        assignee=row.assignee,
        organization=row.organization,
        due_on=row.due_on,
        status=row.status,
        is_overdue=task_overdue(row.due_on, row.status, today),
        completion_note=row.completion_note,
    )


def _reflections(
    rows: Iterable[sa.Row[Any]],
    roster: Sequence[sa.Row[Any]],
    due_on: date | None,
    today: date,
) -> tuple[list[ReportReflection], list[ReflectionState]]:
    """One entry per required author (Attendance.owes_reflection), in roster order, whether or
    not they have started; then every other reflection that exists (someone not required wrote
    one), in roster order and then by name. Also the states of the required ones, which the
    figures count: a reflection written by someone not required is listed but not counted, so
    that the completion rate never passes 100%."""
    by_author = {row.author_id: row for row in rows}
    entries: list[ReportReflection] = []
    states: list[ReflectionState] = []
    for member in roster:
        if owes_reflection(member.user_id, member.status, member.makeup_on):
            reflection = by_author.pop(member.user_id, None)
            entry, state = _reflection(member, reflection, True, due_on, today)
            entries.append(entry)
            states.append(state)
    place = {row.user_id: index for index, row in enumerate(roster) if row.user_id is not None}
    others = sorted(
        by_author.values(),
        key=lambda r: (place.get(r.author_id, len(place)), r.author, r.id),
    )
    entries += [_reflection(None, r, False, due_on, today)[0] for r in others]
    return entries, states


def _reflection(
    member: sa.Row[Any] | None,
    reflection: sa.Row[Any] | None,
    required: bool,
    due_on: date | None,
    today: date,
) -> tuple[ReportReflection, ReflectionState]:
    """`member` is the author's roster row (None for an author not required); the author's
    name and position are the member's, as on the roster."""
    status = reflection.status if reflection is not None else None
    state = reflection_state(status, bool(reflection and reflection.is_late), due_on, today)
    if reflection is None:  # required, not started
        assert member is not None
        author, position = member.name, member.position
    else:
        author, position = (
            (member.name, member.position) if member is not None
            else (reflection.author, reflection.position)
        )
    handed_in = status in HANDED_IN_STATUSES
    return ReportReflection(
        author=author,
        position=position,
        status=status,
        # Only an accepted reflection is shown in full (the statement reads no other text).
        title=reflection.title if reflection is not None else None,
        body=reflection.body if reflection is not None else None,
        char_count=reflection.char_count if reflection is not None else 0,
        submitted_at=reflection.submitted_at if reflection is not None and handed_in else None,
        is_late=state == ReflectionState.LATE,
        is_required=required,
        is_overdue=required and state == ReflectionState.OVERDUE,
    ), state
