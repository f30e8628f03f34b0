"""A job's page (its progress, then its file) and the administrator's list of jobs (后台任务).

The page polls its progress with htmx (a fragment every two seconds while the job is on its
way, no script of our own); without JavaScript, reloading the page shows the same.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import login_required

from studytrack import authz, inputs
from studytrack.authz import requires
from studytrack.exports.tables import XLSX_MIMETYPE
from studytrack.extensions import db
from studytrack.jobs import queries, services
from studytrack.jobs.blueprint import bp
from studytrack.models import Job, JobKind, JobStatus
from studytrack.storage import storage

MIMETYPES = {
    JobKind.GROUP_ARCHIVE: "application/zip",
    JobKind.REPORT_PDF: "application/pdf",
    JobKind.DASHBOARD_WORKBOOK: XLSX_MIMETYPE,
}


@bp.get("/<int:job_id>")
@login_required
def detail(job_id: int) -> Any:
    job = authz.job_or_404(job_id)
    return render_template("jobs/detail.html", job=job, file=services.file_of(job))


@bp.get("/<int:job_id>/progress")
@login_required
def progress(job_id: int) -> Any:
    """The progress fragment the page polls (htmx); the whole page without htmx."""
    job = authz.job_or_404(job_id)
    if request.headers.get("HX-Request") != "true":
        return redirect(url_for(".detail", job_id=job.id))
    return render_template("jobs/_progress.html", job=job, file=services.file_of(job))


@bp.get("/<int:job_id>/download")
@login_required
def download(job_id: int) -> Any:
    """The job's file: sent by the app, or with STUDYTRACK_S3_SIGNED_URLS from the object
    store by a short-lived link."""
    job = authz.job_or_404(job_id)
    key = services.file_of(job)
    if job.status != JobStatus.DONE or key is None:
        flash(_("This file is no longer kept. Ask for it again."), "warning")
        return redirect(url_for(".detail", job_id=job.id))
    name, mimetype = job.file_name or key.rsplit("/", 1)[-1], MIMETYPES[job.kind]
    kept = storage()
    signed = kept.signed_url(key, filename=name, mimetype=mimetype)
    if signed is not None:
        return redirect(signed)
    path = kept.local_path(key)
    response = send_file(path if path is not None else kept.open(key), mimetype=mimetype,
                         as_attachment=True, download_name=name)
    if path is None and job.file_size:
        response.content_length = job.file_size
    response.headers["Cache-Control"] = "private, no-store"  # records name people
    return response


@bp.get("/")
@requires("admin.manage")
def index() -> Any:
    """Every job, newest first, with what became of it (the administrator's 后台任务)."""
    asked = request.args.get("status")
    status = JobStatus(asked) if asked in set(JobStatus) else None
    page = queries.jobs_page(status, inputs.page_number())
    return render_template("jobs/index.html", pagination=page, status=status,
                           statuses=list(JobStatus))


@bp.post("/<int:job_id>/retry")
@requires("admin.manage")
def retry(job_id: int) -> Any:
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    if job.status != JobStatus.FAILED:
        flash(_("Only a failed job can be tried again."), "warning")
    else:
        services.retry(job)
        flash(_("The job is queued again."), "success")
    return redirect(url_for(".index"))
