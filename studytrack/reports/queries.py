"""Reads for the session report: `session_report(session)` builds the `SessionReport` that the
page, the print layout, the news-release draft and the Word/PDF/archive writers all show.

One statement per list whatever the size of the session: its talks; its tasks; its attendance
rows; its reflections. The session itself, with its group, unit, chair, recorder, its kept news
release and its few materials with their files, is the one the route loaded (with `REPORTED`)
to check access.
The lists select the columns the report shows, not ORM entities: a report of sixty people
would otherwise build and track hundreds of objects it only reads once. They run on the
session's connection (after a flush): the ORM's way of executing a statement
(`Session.execute`) costs more than the statement on SQLite, for rows that are no objects.
Everything after the statements works on plain values, and the figures are counted from the
rows with the definitions of `dashboard/figures.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from studytrack import authz, timeutil
from studytrack.authz.targets import ReflectionRef, SessionRef
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
from studytrack.models.study_session import NewsRelease, owes_reflection
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

# Whether the report's reader may read a reflection's text, by its author and status.
Readable = Callable[[int, ReflectionStatus | None], bool]


def session_report(
    session: StudySession, today: date | None = None, *, reader: User | None = None
) -> SessionReport:
    """The whole record of one session as plain values (see `studytrack.reports.report`).

    The session's own fields are `session`'s (load it with the options `REPORTED`, else its
    group, unit, chair and recorder are read one by one); its lists are read from the database
    (pending changes are flushed first). `today` is the local date (Asia/Shanghai by default)
    on which "overdue" is judged; it defaults to today where the users are. Access to the
    report is the caller's business; the text of each accepted reflection is given only where
    the policy lets `reader` read it ("reflection.view": the author, the secretaries and
    leaders, fellow members where the group shares them). `reader` None gives every text.
    """
    today = today or timeutil.today_local()
    params = {"session_id": session.id}
    chair, recorder = session.chair, session.recorder
    db.session.flush()
    read = db.session.connection().execute  # plain rows: see the module's docstring
    roster = sorted(read(ROSTER, params), key=roster_key)
    talks = tuple(ReportTalk(*row) for row in read(TALKS, params))
    tasks = read(TASKS, params).all()
    reflections, states = _reflections(
        read(REFLECTIONS, params), roster, session.reflection_due_on, today,
        _readable_by(reader, session),
    )
    figures = (
        count_attendance(roster) + count_reflections(states) + count_tasks(tasks, today)
        + Figures(talks=len(talks))
    )
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
        chair=chair.display_name if chair else None,
        recorder=recorder.display_name if recorder else None,
        minutes=session.minutes,
        reflection_due_on=session.reflection_due_on,
        min_reflection_chars=session.min_reflection_chars,
        materials=_materials(session),
        attendees=tuple(_attendee(row) for row in roster),
        talks=talks,
        tasks=tuple(_task(row, today) for row in tasks),
        reflections=tuple(reflections),
        figures=figures,
        reflections_accepted=sum(
            r.is_required and r.status == ReflectionStatus.ACCEPTED for r in reflections
        ),
        chair_position=chair.position if chair else None,
        recorder_position=recorder.position if recorder else None,
        as_of=today,
        news_release=final_news_release(session),
    )


# --- the statements ------------------------------------------------------------------------
# Built once at import: the report asks them on every request, and composing a select costs
# more than running it.

SESSION_ID: sa.BindParameter[int] = sa.bindparam("session_id")
_talk_speaker = aliased(User, name="talk_speaker")
_assignee = aliased(User, name="assignee")
_task_unit = aliased(Organization, name="task_unit")

# What the report shows of the session beyond its own columns, loaded with it.
REPORTED = (
    joinedload(StudySession.group, innerjoin=True)
    .joinedload(StudyGroup.organization, innerjoin=True),
    joinedload(StudySession.chair),
    joinedload(StudySession.recorder),
    joinedload(StudySession.news_release),
    joinedload(StudySession.session_materials)
    .joinedload(SessionMaterial.material)
    .joinedload(Material.attachments),
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


def _materials(session: StudySession) -> tuple[ReportMaterial, ...]:
    """The session's materials in their order, each with its files that are not removed."""
    return tuple(
        ReportMaterial(
            id=m.id, kind=m.kind, title=m.title, speaker=m.speaker, issued_on=m.issued_on,
            source=m.source, url=m.url, summary=m.body, short_name=m.short_name,
            attachments=tuple(
                ReportAttachment(a.id, a.original_name, a.content_type, a.size_bytes)
                for a in m.attachments if not a.is_removed
            ),
        )
        for m in (link.material for link in session.session_materials)
    )


def final_news_release(session: StudySession) -> str | None:
    """The text of the session's news release if it was marked final (else None: a draft is
    not kept anywhere but on its page)."""
    release = session.news_release
    return release.text if release is not None and release.is_final else None


def news_release_version(session_id: int) -> int | None:
    """The version of the session's saved news release as the database has it now (None:
    none saved), for a page whose save was refused as changed meanwhile."""
    return db.session.scalar(
        sa.select(NewsRelease.version).where(NewsRelease.session_id == session_id)
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


def _readable_by(reader: User | None, session: StudySession) -> Readable:
    """Whether `reader` may read the text of a reflection of `session` (author, status).

    The policy is asked once per kind of row, not once per row: within one session its answer
    depends on the author only through whether it is the reader (`is_author`), and a report
    lists sixty reflections."""
    if reader is None:
        return lambda author_id, status: True
    session_ref = authz.target_of(session)
    assert isinstance(session_ref, SessionRef)
    shared = session.group.members_read_reflections
    answers: dict[tuple[bool, ReflectionStatus | None], bool] = {}

    def readable(author_id: int, status: ReflectionStatus | None) -> bool:
        key = (author_id == reader.id, status)
        if key not in answers:
            answers[key] = authz.can("reflection.view", ReflectionRef(
                session_ref, author_id, status, shared_with_members=shared
            ), user=reader)
        return answers[key]

    return readable


def _reflections(
    rows: Iterable[sa.Row[Any]],
    roster: Sequence[sa.Row[Any]],
    due_on: date | None,
    today: date,
    readable: Readable,
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
            entry, state = _reflection(member, reflection, True, due_on, today, readable)
            entries.append(entry)
            states.append(state)
    place = {row.user_id: index for index, row in enumerate(roster) if row.user_id is not None}
    others = sorted(
        by_author.values(),
        key=lambda r: (place.get(r.author_id, len(place)), r.author, r.id),
    )
    entries += [_reflection(None, r, False, due_on, today, readable)[0] for r in others]
    return entries, states


def _reflection(
    member: sa.Row[Any] | None,
    reflection: sa.Row[Any] | None,
    required: bool,
    due_on: date | None,
    today: date,
    readable: Readable,
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
    text = (reflection if reflection is not None and reflection.body is not None
            and readable(reflection.author_id, status) else None)
    return ReportReflection(
        author=author,
        position=position,
        status=status,
        # Only an accepted reflection is shown in full (the statement reads no other text).
        title=text.title if text is not None else None,
        body=text.body if text is not None else None,
        char_count=reflection.char_count if reflection is not None else 0,
        submitted_at=reflection.submitted_at if reflection is not None and handed_in else None,
        is_late=state == ReflectionState.LATE,
        is_required=required,
        is_overdue=required and state == ReflectionState.OVERDUE,
    ), state


# --- the yearly archive ---------------------------------------------------------------------


def archive_years(group: StudyGroup) -> list[tuple[int, int]]:
    """(local year, number of held sessions), newest first (one query)."""
    starts = db.session.scalars(
        sa.select(StudySession.starts_at).where(
            StudySession.group_id == group.id, StudySession.is_held
        )
    )
    counts = Counter(timeutil.utc_to_local(value).year for value in starts)
    return sorted(counts.items(), reverse=True)


def archived_sessions(group: StudyGroup, year: int) -> list[StudySession]:
    """The group's held sessions of a local calendar year, oldest first."""
    start, end = timeutil.local_year_bounds(year)
    return list(db.session.scalars(
        sa.select(StudySession)
        .where(
            StudySession.group_id == group.id,
            StudySession.is_held,
            StudySession.starts_at >= start,
            StudySession.starts_at < end,
        )
        .order_by(StudySession.starts_at, StudySession.id)
        .options(*REPORTED)
    ).unique())
