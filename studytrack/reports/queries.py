"""Reads for the session report: `session_report(session)` builds the `SessionReport` that the
page, the print layout, the news-release draft and the Word/PDF/archive writers all show.

It makes a fixed number of queries whatever the size of the session (seven when the session has
materials, six without: the session with its group, unit, chair and recorder; its materials and
their files; its attendance rows, talks, tasks and reflections, each with their people), and then
works on plain Python objects only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from studytrack import timeutil
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    AttendanceStatus,
    FollowUpTask,
    Material,
    Reflection,
    ReflectionStatus,
    SessionMaterial,
    StudyGroup,
    StudySession,
    Talk,
    TaskStatus,
    User,
)
from studytrack.reflections.rules import MAKEUP_STATUSES, must_write
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


def load_session(session_id: int) -> StudySession | None:
    """The session with everything the report shows, eagerly loaded (six or seven queries).

    Many-to-one links are joined into the query of their collection, so the number of
    statements never depends on which people are already in the identity map.
    """
    return db.session.scalar(
        sa.select(StudySession)
        .where(StudySession.id == session_id)
        .options(
            joinedload(StudySession.group).joinedload(StudyGroup.organization),
            joinedload(StudySession.chair),
            joinedload(StudySession.recorder),
            selectinload(StudySession.session_materials)
            .joinedload(SessionMaterial.material)
            .selectinload(Material.attachments),
            selectinload(StudySession.attendances).joinedload(Attendance.user),
            selectinload(StudySession.talks).joinedload(Talk.speaker),
            selectinload(StudySession.tasks).options(
                joinedload(FollowUpTask.assignee), joinedload(FollowUpTask.organization)
            ),
            selectinload(StudySession.reflections).joinedload(Reflection.author),
        )
        .execution_options(populate_existing=True)
    )


def session_report(session: StudySession, today: date | None = None) -> SessionReport:
    """The whole record of one session as plain values (see `studytrack.reports.report`).

    `today` is the local date (Asia/Shanghai by default) on which "overdue" is judged; it
    defaults to today where the users are. Access checks are the caller's business.
    """
    today = today or timeutil.today_local()
    loaded = load_session(session.id)
    if loaded is None:  # deleted under our feet
        raise LookupError(f"study session {session.id} does not exist")
    return build_report(loaded, today)


# --- building the report from loaded objects (no database access) ----------------------------


def build_report(session: StudySession, today: date) -> SessionReport:
    """Turn an eagerly loaded session into a SessionReport; pure Python, no queries."""
    roster = sorted(session.attendances, key=roster_key)
    tasks = [_task(task, today) for task in sorted(session.tasks, key=lambda t: t.id)]
    reflections = _reflections(session, roster, today)
    return SessionReport(
        session_id=session.id,
        organization=session.group.organization.name,
        group=session.group.name,
        kind=session.kind,
        status=session.status,
        topic=session.topic,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        location=session.location,
        chair=_name(session.chair),
        recorder=_name(session.recorder),
        minutes=session.minutes,
        reflection_due_on=session.reflection_due_on,
        min_reflection_chars=session.min_reflection_chars,
        materials=tuple(_material(link.material) for link in session.session_materials),
        attendees=tuple(_attendee(row) for row in roster),
        talks=tuple(_talk(talk) for talk in session.talks),
        tasks=tuple(tasks),
        reflections=tuple(reflections),
        figures=figures(roster, tasks, reflections),
        chair_position=session.chair.position if session.chair else None,
        recorder_position=session.recorder.position if session.recorder else None,
        as_of=today,
    )


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def _material(material: Material) -> ReportMaterial:
    return ReportMaterial(
        id=material.id,
        kind=material.kind,
        title=material.title,
        speaker=material.speaker,
        issued_on=material.issued_on,
        source=material.source,
        url=material.url,
        summary=material.body,
        attachments=tuple(
            ReportAttachment(a.id, a.original_name, a.content_type, a.size_bytes)
            for a in material.attachments
            if not a.is_removed
        ),
    )


def _attendee(row: Attendance) -> ReportAttendee:
    return ReportAttendee(
        name=row.name,
        position=row.user.position if row.user is not None else row.guest_position,
        status=row.status,
        leave_reason=row.leave_reason if row.status == AttendanceStatus.ON_LEAVE else None,
        makeup_on=row.makeup_on,
        makeup_note=row.makeup_note,
    )


def _talk(talk: Talk) -> ReportTalk:
    return ReportTalk(
        kind=talk.kind,
        speaker=talk.name,
        position=talk.speaker.position if talk.speaker is not None else None,
        summary=talk.summary,
        title=talk.title,
    )


def _task(task: FollowUpTask, today: date) -> ReportTask:
    return ReportTask(
        title=task.title,
        detail=task.detail,
        assignee=_name(task.assignee),
        organization=task.organization.name if task.organization is not None else None,
        due_on=task.due_on,
        status=task.status,
        is_overdue=task.is_overdue(today),
        completion_note=task.completion_note,
    )


def _reflections(
    session: StudySession, roster: Sequence[Attendance], today: date
) -> list[ReportReflection]:
    """One entry per required author (rules.must_write), in roster order, whether or not they
    have started; then every other reflection that exists (someone not required wrote one),
    in roster order and then by name."""
    by_author = {reflection.author_id: reflection for reflection in session.reflections}
    due_on = session.reflection_due_on
    entries: list[ReportReflection] = []
    for row in roster:
        if must_write(row) and row.user is not None:
            reflection = by_author.pop(row.user.id, None)
            entries.append(_reflection(row.user, reflection, True, due_on, today))
    place = {row.user_id: index for index, row in enumerate(roster) if row.user_id is not None}
    others = sorted(
        by_author.values(),
        key=lambda r: (place.get(r.author_id, len(place)), r.author.display_name, r.id),
    )
    entries += [_reflection(r.author, r, False, due_on, today) for r in others]
    return entries


def _reflection(
    author: User,
    reflection: Reflection | None,
    required: bool,
    due_on: date | None,
    today: date,
) -> ReportReflection:
    status = reflection.status if reflection is not None else None
    accepted = status == ReflectionStatus.ACCEPTED
    handed_in = status in SUBMITTED_STATUSES
    return ReportReflection(
        author=author.display_name,
        position=author.position,
        status=status,
        # Only an accepted reflection is shown in full; the others are their author's work in
        # progress (a draft, or a text under review or being revised).
        title=reflection.title if reflection is not None and accepted else None,
        body=reflection.body if reflection is not None and accepted else None,
        char_count=reflection.char_count if reflection is not None else 0,
        submitted_at=reflection.submitted_at if reflection is not None and handed_in else None,
        is_late=bool(reflection is not None and handed_in and reflection.is_late),
        is_required=required,
        is_overdue=required and not handed_in and due_on is not None and due_on < today,
    )


def figures(
    roster: Iterable[Attendance],
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
