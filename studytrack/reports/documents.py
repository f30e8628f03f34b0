"""The session report as a printed document: the PDF, for a download and for the archive.

A report's PDF is made once per version of the report and kept (under `report-pdfs/` of the
storage, studytrack/storage.py, which every app host and worker share). Its key is the print
HTML itself, which holds everything the PDF shows its reader (a reader who may see other
reflections gets another HTML), with the stylesheets and the fonts setting: a changed session
gives another HTML, so a new PDF; an unchanged one is sent as kept (a PDF takes about a
second to draw). Those not used for JOBS_KEEP_HOURS are removed by the worker's clean-up
(jobs.services.remove_expired).

A PDF not kept yet is drawn by a job (studytrack.jobs.exports; the archive's by its own job),
which renders the template in a request context of its own: the print template builds its
static URLs with url_for.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

from flask import current_app, render_template, request, url_for

from studytrack.exports import common, pdf
from studytrack.models import AttendanceStatus
from studytrack.reports.report import SessionReport
from studytrack.storage import storage

ATTENDANCE_ORDER = (
    AttendanceStatus.PRESENT, AttendanceStatus.ON_LEAVE, AttendanceStatus.ABSENT,
    AttendanceStatus.OBSERVER,
)
CACHE_PREFIX = "report-pdfs/"


def pdf_html(report: SessionReport) -> str:
    """The print template for one report."""
    return render_template(
        "reports/session_report_pdf.html",
        report=report, zh=common.zh, ZH=common.ZH, fmt=common,
        attendance_statuses=ATTENDANCE_ORDER,
    )


def pdf_arguments(report: SessionReport) -> dict[str, Any]:
    """What `exports.pdf.report_pdf` needs for `report`: its HTML and where static files are
    (plain values, so that another process may render it)."""
    return {
        "html": pdf_html(report),
        "base_url": request.url_root,
        "static_folder": current_app.static_folder,
        "static_url": url_for("static", filename=""),
        "system_fonts": current_app.config["PDF_SYSTEM_FONTS"],
    }


def render_pdf(report: SessionReport) -> bytes:
    """The report's PDF, from the kept file when this version of it was drawn before (in a
    job: drawing takes about a second)."""
    arguments = pdf_arguments(report)
    kept = cached_pdf(arguments)
    if kept is not None:
        return kept
    return keep_pdf(arguments, pdf.report_pdf(**arguments))


def pdf_version(arguments: dict[str, Any]) -> str:
    """The version of the report these arguments draw (a sha256, hex): its print HTML, with
    the stylesheets and the fonts setting."""
    key = hashlib.sha256()
    for part in (_stylesheets_digest(), arguments["system_fonts"], arguments["html"]):
        key.update(part.encode())
        key.update(b"\0")
    return key.hexdigest()


def pdf_key(arguments: dict[str, Any]) -> str:
    """Where the PDF of these arguments is kept: one key per version of the report."""
    return f"{CACHE_PREFIX}{pdf_version(arguments)}.pdf"


@functools.cache
def _stylesheets_digest() -> str:
    """The print stylesheets and the fonts' declarations: a new release that changes them
    draws the kept reports again."""
    digest = hashlib.sha256()
    for name in ("pdf_fonts.css", "report_pdf.css"):
        digest.update((pdf.STATIC_FOLDER / "css" / name).read_bytes())
    return digest.hexdigest()


def cached_pdf(arguments: dict[str, Any]) -> bytes | None:
    """The kept PDF of these arguments (noted as used now), or None."""
    key = pdf_key(arguments)
    data = storage().get_bytes(key)
    if data is not None:
        storage().touch(key)
    return data


def keep_pdf(arguments: dict[str, Any], data: bytes) -> bytes:
    """Keep `data` as the PDF of these arguments (stored whole: a reader never sees half a
    file); returns it."""
    storage().put_bytes(pdf_key(arguments), data)
    return data
