"""The session report page and the news-release draft.

The Word and PDF downloads live in `export_routes.py`; this page links to them.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, url_for
from flask_login import current_user, login_required

from studytrack import authz
from studytrack.models import HELD_STATUSES, SessionStatus, StudySession
from studytrack.reports import news, queries
from studytrack.reports.blueprint import bp


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


@bp.get("/sessions/<int:session_id>/news-release")
@login_required
def news_release(session_id: int) -> Any:
    session = reported_session_or_404(session_id)
    authz.require("report.write_news", session)
    report = queries.session_report(session, reader=current_user)
    return render_template(
        "reports/news_release.html",
        session=session,
        report=report,
        draft=news.news_release(report),
    )
