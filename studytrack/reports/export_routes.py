"""Downloads of the session report (Word, PDF), and asking for the group's yearly archive
(学习档案), which a job prepares (studytrack.jobs.archive). A PDF not drawn yet is drawn by a
job too (studytrack.jobs.exports): about a second for a long report.

The documents are official Chinese records: their content is Chinese whatever the UI language;
only the messages on screen are translated. File names keep their Chinese and go out as RFC 5987
`filename*` (Werkzeug's send_file adds an ASCII `filename` fallback itself).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from studytrack import authz
from studytrack.exports import common
from studytrack.exports import docx as docx_writer
from studytrack.jobs.archive import ask_for_archive
from studytrack.jobs.exports import ask_for_report_pdf
from studytrack.jobs.queries import recent_archives_of
from studytrack.models import StudySession
from studytrack.reports.blueprint import bp
from studytrack.reports.documents import cached_pdf, pdf_arguments, pdf_version
from studytrack.reports.forms import ArchiveForm
from studytrack.reports.queries import archive_years, session_report
from studytrack.reports.report import SessionReport
from studytrack.reports.routes import reported_session_or_404

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


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
    """The PDF of this version of the report, if drawn; else back to the report, whose button
    has it drawn (drawing takes a job: ask_pdf)."""
    session = _exportable_session_or_404(session_id)
    report = session_report(session, reader=current_user)
    data = cached_pdf(pdf_arguments(report))
    if data is None:
        flash(_("The PDF of this version of the report is not made yet. Press “Download PDF” "
                "to have it made."), "info")
        return redirect(url_for(".session_report", session_id=session.id))
    return _pdf_download(report, data)


@bp.post("/sessions/<int:session_id>/report.pdf")
@login_required
def ask_pdf(session_id: int) -> Any:
    """The report's button: the PDF at once when this version was drawn before, else a job
    draws it (its page shows the progress, then the download)."""
    session = _exportable_session_or_404(session_id)
    report = session_report(session, reader=current_user)
    arguments = pdf_arguments(report)
    data = cached_pdf(arguments)
    if data is not None:
        return _pdf_download(report, data)
    job = ask_for_report_pdf(session, current_user, pdf_version(arguments))
    return redirect(url_for("jobs.detail", job_id=job.id))


def _pdf_download(report: SessionReport, data: bytes) -> Any:
    name = common.report_file_stem(report.starts_at, report.topic) + ".pdf"
    return _download(data, "application/pdf", name)


# --- the yearly archive ---------------------------------------------------------------------


def _archive_form(years: list[tuple[int, int]]) -> ArchiveForm:
    form = ArchiveForm()
    form.offer(years, lambda year, count: ngettext(
        "%(year)s (%(num)d session)", "%(year)s (%(num)d sessions)", count, year=year))
    return form


@bp.route("/groups/<int:group_id>/archive", methods=["GET", "POST"])
@login_required
def group_archive(group_id: int) -> Any:
    """Ask for a year's archive: it is prepared by a job (its page shows the progress and then
    the download); the same archive asked again, with nothing changed, is the one made."""
    group = authz.group_or_404(group_id)
    authz.require("archive.export", group)
    years = archive_years(group)
    form = _archive_form(years)
    if form.validate_on_submit():
        job = ask_for_archive(group, form.year.data, current_user.id)
        return redirect(url_for("jobs.detail", job_id=job.id))
    return render_template(
        "reports/archive.html", group=group, years=years, form=form,
        jobs=recent_archives_of(group),
    ), 400 if form.errors else 200
