"""The session report page and the news-release draft.

The Word and PDF downloads live in `export_routes.py`; this page links to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from flask import abort, current_app, render_template, request, url_for
from flask_login import login_required

from studytrack import authz
from studytrack.models import ReflectionStatus, SessionStatus, StudySession
from studytrack.reflections.texts import LineTexts
from studytrack.reports import news, queries
from studytrack.reports.blueprint import bp
from studytrack.reports.report import ReportReflection

# Sessions that have a report: a published or closed record. A draft's report is shown to those
# who may see the draft (its secretaries), marked as a draft; a cancelled session has none.
REPORTED_STATUSES = frozenset({SessionStatus.PUBLISHED, SessionStatus.CLOSED})


def _reported_session_or_404(session_id: int) -> StudySession:
    """The session, if the current user may read its report (404 otherwise: other groups,
    drafts for members, cancelled sessions); 403 when visible but the report is not."""
    session = authz.session_or_404(session_id)  # drafts reach only their secretaries
    if session.status not in REPORTED_STATUSES and session.status != SessionStatus.DRAFT:
        abort(404)
    authz.require("report.view", session)
    return session


def may_write_news(session: StudySession) -> bool:
    """The news-release draft is the secretaries' (and administrators') tool. Asked of the
    group so that it stays available once the record is closed (session.edit on the session
    itself is refused for a closed record)."""
    return authz.can("session.edit", session.group)


def _download_url(endpoint: str, session_id: int, suffix: str) -> str:
    """The export's URL; its route may not be registered yet, so fall back to its path."""
    if endpoint in current_app.view_functions:
        return url_for(endpoint, session_id=session_id)
    return f"{request.script_root}/sessions/{session_id}/report.{suffix}"


class ReflectionLine(NamedTuple):
    """A reflection as the report page lists it, its texts formatted for the page. The template
    unpacks it: Jinja reads each attribute of an object through a call, on sixty lines."""

    author: str
    position: str | None
    badge: tuple[ReflectionStatus | None, bool, bool, bool]  # lines with one key share a badge
    characters: str | None  # once handed in (and not empty)
    handed_in: str | None
    title: str | None
    body: str | None  # accepted reflections only, shown in full
    reflection: ReportReflection


def reflection_lines(reflections: Sequence[ReportReflection]) -> list[ReflectionLine]:
    texts = LineTexts()
    return [
        ReflectionLine(
            r.author,
            r.position,
            (r.status, r.is_late, r.is_overdue, r.is_required),
            texts.characters(r.char_count) if r.submitted_at and r.char_count else None,
            texts.handed_in(r.submitted_at) if r.submitted_at else None,
            r.title,
            r.body,
            r,
        )
        for r in reflections
    ]


@bp.app_template_filter("percent")
def _percent_filter(value: float | None) -> str:
    return queries.percent(value)


@bp.get("/sessions/<int:session_id>/report")
@login_required
def session_report(session_id: int) -> Any:
    session = _reported_session_or_404(session_id)
    report = queries.session_report(session)
    return render_template(
        "reports/session_report.html",
        session=session,
        report=report,
        reflection_lines=reflection_lines(report.reflections),
        docx_url=_download_url("reports.session_docx", session.id, "docx"),
        pdf_url=_download_url("reports.session_pdf", session.id, "pdf"),
        may_export=authz.can("report.export", session),
        may_write_news=may_write_news(session),
    )


@bp.get("/sessions/<int:session_id>/news-release")
@login_required
def news_release(session_id: int) -> Any:
    session = _reported_session_or_404(session_id)
    if not may_write_news(session):
        abort(403)
    report = queries.session_report(session)
    return render_template(
        "reports/news_release.html",
        session=session,
        report=report,
        draft=news.news_release(report),
    )
