"""The session report as a printed document: the PDF, for a download and for the archive.

Used by the download routes and by the archive job (studytrack.jobs), which runs it in a
request context of its own: the print template builds its static URLs with url_for.
"""

from __future__ import annotations

from flask import current_app, render_template, request, url_for

from studytrack.exports import common, pdf
from studytrack.models import AttendanceStatus
from studytrack.reports.report import SessionReport

ATTENDANCE_ORDER = (
    AttendanceStatus.PRESENT, AttendanceStatus.ON_LEAVE, AttendanceStatus.ABSENT,
    AttendanceStatus.OBSERVER,
)


def pdf_html(report: SessionReport) -> str:
    """The print template for one report."""
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
