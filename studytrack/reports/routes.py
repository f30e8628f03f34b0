"""The session report page and the news release (read by leaders, edited by the secretary).

The Word and PDF downloads live in `export_routes.py`; this page links to them.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from studytrack import authz
from studytrack.models import HELD_STATUSES, SessionStatus, StudySession
from studytrack.reports import news, news_services, queries
from studytrack.reports.blueprint import bp
from studytrack.reports.news_forms import FINALISE, REGENERATE, NewsReleaseForm
from studytrack.unit_of_work import attempt


def reported_session_or_404(session_id: int) -> StudySession:
    """The session, if the current user may read its report (404 otherwise: other groups,
    drafts for members, cancelled sessions); 403 when visible but the report is not.
    A held session has a report; a draft's is shown to those who may see the draft (its
    secretaries), marked as a draft; a cancelled session has none. With what the report shows
    of it (queries.REPORTED)."""
    session = authz.session_or_404(session_id, *queries.REPORTED)
    if session.status not in HELD_STATUSES and session.status != SessionStatus.DRAFT:
        abort(404)
    authz.require("report.view", session)
    return session


@bp.get("/sessions/<int:session_id>/report")
@login_required
def session_report(session_id: int) -> Any:
    session = reported_session_or_404(session_id)
    return render_template(
        "reports/session_report.html",
        session=session,
        report=queries.session_report(session, reader=current_user),
        docx_url=url_for("reports.session_docx", session_id=session.id),
        pdf_url=url_for("reports.session_pdf", session_id=session.id),
    )


@bp.route("/sessions/<int:session_id>/news-release", methods=["GET", "POST"])
@login_required
def news_release(session_id: int) -> Any:
    """Leaders of the unit read the news release (the final version if there is one); the
    secretary edits it, marks it final or drafts it from the record again."""
    session = reported_session_or_404(session_id)
    authz.require("report.read_news", session)
    if not authz.can("report.write_news", session):
        if request.method == "POST":
            abort(403)
        return _news_page(session, None)
    release = session.news_release
    form = NewsReleaseForm(data={
        "text": release.text if release is not None else None,
        "version": release.version if release is not None else "",
    } if request.method == "GET" else None)
    if form.validate_on_submit():
        with attempt(form) as outcome:
            done = _write_news(session, form)
        if outcome.ok:
            message, category = NEWS_MESSAGES[done]
            flash(str(message), category)
            return redirect(url_for(".news_release", session_id=session.id))
        if outcome.conflict:  # the next save is made knowingly against the text as it is now
            version = queries.news_release_version(session_id)
            form.version.data = "" if version is None else str(version)
            form.version.raw_data = [form.version.data]
    return _news_page(session, form)


def _write_news(session: StudySession, form: NewsReleaseForm) -> news_services.Written:
    if form.action.data == REGENERATE:
        return news_services.discard_news_release(session, form.expected_version)
    return news_services.save_news_release(
        session, form.text.data, form.expected_version,
        final=form.action.data == FINALISE, by=current_user,
    )


NEWS_MESSAGES = {
    news_services.Written.UNCHANGED: (_l("Nothing was changed."), "info"),
    news_services.Written.SAVED: (_l("The news release has been saved."), "success"),
    news_services.Written.SAVED_NOT_FINAL: (
        _l("The news release has been saved. It is no longer final: mark it final again when "
           "it is ready."), "warning"),
    news_services.Written.FINAL: (
        _l("The news release has been marked final. Leaders read this version, and it goes "
           "into the yearly archive."), "success"),
    news_services.Written.DISCARDED: (
        _l("The saved text has been discarded: the draft is written from the record again."),
        "success"),
}


def _news_page(session: StudySession, form: NewsReleaseForm | None) -> Any:
    """The page: the secretary's form (the saved text, else the draft written from the record,
    in the text box), or the text read-only (`form` None)."""
    report = queries.session_report(session, reader=current_user)
    draft = news.news_release(report)
    release = session.news_release
    if form is not None and not form.text.data and not form.is_submitted():
        form.text.data = draft
    return render_template(
        "reports/news_release.html",
        session=session,
        report=report,
        form=form,
        release=release,
        text=release.text if release is not None else draft,
    )
