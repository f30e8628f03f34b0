"""The yearly study archive (学习档案) of a group, built as a job.

Asked for with the state of its data (`version`): the newest audit event of the year's held
and cancelled sessions and their parts, which every change to a session, its attendance,
talks, tasks, materials and reflections records, with the sessions themselves, the year's
plan (its version) and the group's name. The same
version joins the archive already made (or on its way); a change makes a new one.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from studytrack.exports import archive, pdf
from studytrack.extensions import db
from studytrack.jobs import services
from studytrack.models import (
    AuditEvent,
    Job,
    JobKind,
    SessionStatus,
    StudyGroup,
    StudyPlan,
    StudySession,
)
from studytrack.reports.documents import cached_pdf, keep_pdf, pdf_arguments
from studytrack.reports.queries import archived_sessions, session_report
from studytrack.reports.report import SessionReport
from studytrack.reports.year import cancelled_sessions, evaluations, plan_lines, year_summary
from studytrack.timeutil import local_year_bounds, today_local


def archive_key(group_id: int, year: int) -> str:
    return f"{JobKind.GROUP_ARCHIVE}:{group_id}:{year}"


def archive_version(group: StudyGroup, year: int) -> str:
    """The state of what the archive of `group` for `year` is made from (one statement)."""
    start, end = local_year_bounds(year)
    sessions = (
        sa.select(StudySession.id)
        .where(StudySession.group_id == group.id,
               StudySession.is_held | (StudySession.status == SessionStatus.CANCELLED),
               StudySession.starts_at >= start, StudySession.starts_at < end)
        .scalar_subquery()
    )
    newest, count, total, plan, plan_version = db.session.execute(
        sa.select(
            sa.select(sa.func.max(AuditEvent.id))
            .where(AuditEvent.session_id.in_(sessions)).scalar_subquery(),
            sa.select(sa.func.count()).select_from(StudySession)
            .where(StudySession.id.in_(sessions)).scalar_subquery(),
            sa.select(sa.func.coalesce(sa.func.sum(StudySession.id), 0))
            .where(StudySession.id.in_(sessions)).scalar_subquery(),
            # The plan: its version moves with every change of it or of its items.
            *(sa.select(column).where(StudyPlan.group_id == group.id, StudyPlan.year == year)
              .scalar_subquery() for column in (StudyPlan.id, StudyPlan.version)),
        )
    ).one()
    state = (f"{newest}|{count}|{total}|{plan}:{plan_version}|{group.name}|"
             f"{group.organization.name}")
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def ask_for_archive(group: StudyGroup, year: int, user_id: int) -> Job:
    return services.ask(
        JobKind.GROUP_ARCHIVE, archive_key(group.id, year), archive_version(group, year),
        requested_by=user_id, group_id=group.id, params={"year": year},
    )


def build_archive(job: Job, progress: Callable[[int, int], None]) -> tuple[str, int, str]:
    group = db.session.get(StudyGroup, job.group_id)
    if group is None:
        raise LookupError(f"group {job.group_id} is gone")
    year = int(job.params["year"])
    reader = job.requested_by
    sessions = archived_sessions(group, year)
    total = len(sessions) + 1  # the sessions, then the spreadsheets and the index
    progress(0, total)
    reports = [session_report(session, reader=reader) for session in sessions]
    extras = {"plan": plan_lines(group, year, reader, today_local()),
              "cancelled": cancelled_sessions(group, year),
              "evaluations": evaluations(sessions),
              "summary": year_summary(group, year, today_local())}
    name = archive.archive_folder_name(group.name, year) + ".zip"
    organization = group.organization.name
    temporary, stored_as = services.new_file(job, ".zip")
    try:
        _write(temporary, group.name, organization, year, reports,
               lambda done: progress(done, total), extras)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return (*services.finish_file(temporary, stored_as), name)


def _write(target_path: Path, group: str, organization: str, year: int,
           reports: list[SessionReport], progress: Callable[[int], None],
           extras: dict[str, Any]) -> None:
    processes = int(current_app.config["JOBS_PDF_PROCESSES"])
    # The print template builds its static URLs with url_for: a request context of its own.
    with (current_app.test_request_context("/"), target_path.open("wb") as target,
          contextlib.ExitStack() as stack):
        arguments = {report.session_id: pdf_arguments(report) for report in reports}
        kept = {session_id: cached_pdf(value) for session_id, value in arguments.items()}
        to_draw = [session_id for session_id, data in kept.items() if data is None]
        drawn: dict[int, Future[bytes]] = {}
        if processes > 1 and len(to_draw) > 1:
            # The PDFs not kept from before drawn by processes of their own while this one
            # writes the Word files: a busy year's archive in half the time on two cores.
            pool = stack.enter_context(pdf.renderers(processes))
            drawn = {session_id: pool.submit(pdf.report_pdf, **arguments[session_id])
                     for session_id in to_draw}

        def pdf_of(report: SessionReport) -> bytes:
            data = kept[report.session_id]
            if data is not None:
                return data
            future = drawn.get(report.session_id)
            made = (future.result() if future is not None
                    else pdf.report_pdf(**arguments[report.session_id]))
            return keep_pdf(arguments[report.session_id], made)

        archive.write_archive(target, group=group, organization=organization, year=year,
                              reports=reports, pdf=pdf_of, progress=progress, **extras)


services.BUILDERS[JobKind.GROUP_ARCHIVE] = build_archive
