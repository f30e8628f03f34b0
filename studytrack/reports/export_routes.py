"""Downloads of the session report (Word, PDF) and the group's yearly archive (学习档案).

The documents are official Chinese records: their content is Chinese whatever the UI language;
only the messages on screen are translated. File names keep their Chinese and go out as RFC 5987
`filename*` (Werkzeug's send_file adds an ASCII `filename` fallback itself).
"""

from __future__ import annotations

import tempfile
from collections import Counter
from io import BytesIO
from typing import Any

import sqlalchemy as sa
from flask import (
    current_app,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studytrack import authz, inputs, timeutil
from studytrack.exports import archive, common, pdf
from studytrack.exports import docx as docx_writer
from studytrack.extensions import db
from studytrack.models import AttendanceStatus, StudyGroup, StudySession
from studytrack.reports.blueprint import bp
from studytrack.reports.queries import REPORTED, session_report
from studytrack.reports.report import SessionReport
from studytrack.reports.routes import reported_session_or_404

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ATTENDANCE_ORDER = (
    AttendanceStatus.PRESENT, AttendanceStatus.ON_LEAVE, AttendanceStatus.ABSENT,
    AttendanceStatus.OBSERVER,
)


def _exportable_session_or_404(session_id: int) -> StudySession:
    """Same reach as the report page (drafts only for their secretaries, no cancelled
    sessions), then the export permission."""
    session = reported_session_or_404(session_id)
    authz.require("report.export", session)
    return session


def _download(data: bytes | Any, mimetype: str, name: str, size: int | None = None) -> Any:
    body = BytesIO(data) if isinstance(data, bytes) else data
    response = send_file(body, mimetype=mimetype, as_attachment=True, download_name=name)
    if size is not None:
        response.content_length = size
    # Records name people: keep them out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def pdf_html(report: SessionReport) -> str:
    """The print template for one report (also used by the archive)."""
    return render_template(
        "reports/session_report_pdf.html",
        report=report, zh=common.zh, ZH=common.ZH, fmt=common,
        attendance_statuses=ATTENDANCE_ORDER,
    )


def render_pdf(report: SessionReport) -> bytes:
    return pdf.report_pdf(
        pdf_html(report),
        base_url=request.url_root,
        static_folder=current_app.static_folder,
        static_url=url_for("static", filename=""),
        system_fonts=current_app.config["PDF_SYSTEM_FONTS"],
    )


@bp.get("/sessions/<int:session_id>/report.docx")
@login_required
def session_docx(session_id: int) -> Any:
    session = _exportable_session_or_404(session_id)
    report = session_report(session, reader=current_user)
    name = common.report_file_stem(report.starts_at, report.topic) + ".docx"
    return _download(docx_writer.report_docx(report), DOCX_MIMETYPE, name)


@bp.get("/sessions/<int:session_id>/report.pdf")
@login_required
def session_pdf(session_id: int) -> Any:
    session = _exportable_session_or_404(session_id)
    report = session_report(session, reader=current_user)
    data = render_pdf(report)
    name = common.report_file_stem(report.starts_at, report.topic) + ".pdf"
    return _download(data, "application/pdf", name)


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


@bp.get("/groups/<int:group_id>/archive")
@login_required
def group_archive(group_id: int) -> Any:
    group = authz.group_or_404(group_id)
    authz.require("archive.export", group)
    years = archive_years(group)
    if "year" not in request.args:
        return render_template("reports/archive.html", group=group, years=years)
    year = inputs.query_year()
    if year is None:
        return render_template(
            "reports/archive.html", group=group, years=years, error=_("Please choose a year."),
        ), 400

    reports = [session_report(session, reader=current_user)
               for session in archived_sessions(group, year)]
    # Written to a temporary file entry by entry, then streamed from disk: the archive is
    # never held in memory. The file has no name on disk and goes when the response closes.
    # The response closes it (send_file wraps it), so no context manager here.
    target = tempfile.TemporaryFile(prefix="studytrack-archive-")  # noqa: SIM115
    try:
        archive.write_archive(
            target, group=group.name, organization=group.organization.name, year=year,
            reports=reports, pdf=render_pdf,
        )
        size = target.seek(0, 2)
        target.seek(0)
    except BaseException:
        target.close()
        raise
    name = archive.archive_folder_name(group.name, year) + ".zip"
    return _download(target, "application/zip", name, size=size)
