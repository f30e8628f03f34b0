"""A session report's PDF and a unit's dashboard workbook, built as jobs.

Both are one person's view: the PDF shows the reflections its asker may read, the workbook the
figures of a unit its asker leads. So the job is the asker's (`job.view`: asked_for_it), is
run as the asker (the rules asked again when it runs), and is joined by the asker's second
click while it is on its way.

- The PDF is drawn once per version of the report (reports.documents keeps it): asked for a
  version already drawn, it is sent at once and no job is made.
- The workbook is made from the figures as they are when it runs; a finished one is not
  reused (the figures change with any record below the unit, and making them is quick).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import current_app, request

from studytrack import authz
from studytrack.dashboard import export as dashboard_export
from studytrack.dashboard import queries as dashboard_queries
from studytrack.dashboard.metrics import Period
from studytrack.exports import common
from studytrack.extensions import db
from studytrack.jobs import services
from studytrack.models import Job, JobKind, Organization, StudySession, User
from studytrack.reports.documents import render_pdf
from studytrack.reports.queries import session_report


def ask_for_report_pdf(session: StudySession, user: User, version: str) -> Job:
    """The job drawing `session`'s report as `user` reads it (`version`:
    reports.documents.pdf_version). The worker renders it under this request's address, so its
    links and static files are those the request would give."""
    return services.ask(
        JobKind.REPORT_PDF, f"{JobKind.REPORT_PDF}:{session.id}:{user.id}", version,
        requested_by=user.id,
        params={"session_id": session.id, "topic": session.topic, "url_root": request.url_root},
    )


def ask_for_dashboard_workbook(unit: Organization, period: Period, user: User) -> Job:
    quarter = period.quarter or 0
    return services.ask(
        JobKind.DASHBOARD_WORKBOOK,
        f"{JobKind.DASHBOARD_WORKBOOK}:{unit.id}:{period.year}:{quarter}:{user.id}",
        uuid.uuid4().hex,  # never the same data as a finished one: only one on its way joins
        requested_by=user.id,
        params={"unit_id": unit.id, "unit": unit.name, "year": period.year,
                "quarter": period.quarter},
    )


def _asker(job: Job) -> User:
    if job.requested_by is None or not job.requested_by.is_active:
        raise PermissionError("the person who asked for it has no account any more")
    return job.requested_by


def build_report_pdf(job: Job, progress: Callable[[int, int], None]) -> tuple[str, int, str]:
    reader = _asker(job)
    session = db.session.get(StudySession, int(job.params["session_id"]))
    if session is None:
        raise LookupError(f"session {job.params['session_id']} is gone")
    if not authz.can("report.export", session, user=reader):
        raise PermissionError("the person who asked may no longer export this report")
    progress(0, 1)
    with current_app.test_request_context("/", base_url=str(job.params["url_root"])):
        report = session_report(session, reader=reader)
        data = render_pdf(report)
    name = common.report_file_stem(report.starts_at, report.topic) + ".pdf"
    return (*services.store_file(job, ".pdf", data), name)


def build_dashboard_workbook(job: Job, progress: Callable[[int, int], None]
                             ) -> tuple[str, int, str]:
    reader = _asker(job)
    tree = dashboard_queries.unit_tree(int(job.params["unit_id"]))
    if tree is None or not authz.can("dashboard.view", tree.unit, user=reader):
        raise PermissionError("the person who asked may no longer see this dashboard")
    progress(0, 1)
    quarter = job.params.get("quarter")
    board = dashboard_queries.dashboard(
        tree, Period(int(job.params["year"]), int(quarter) if quarter else None)
    )
    data = dashboard_export.xlsx(board)
    return (*services.store_file(job, ".xlsx", data), dashboard_export.filename(board))


services.BUILDERS[JobKind.REPORT_PDF] = build_report_pdf
services.BUILDERS[JobKind.DASHBOARD_WORKBOOK] = build_dashboard_workbook
