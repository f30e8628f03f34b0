"""Writes to a session's news release (新闻稿): save the secretary's text, mark it final,
discard it. Each checks the version the page was loaded at, writes the audit trail with the
session's id (which also makes the yearly archive's version move on), flushes and never
commits.

A final version edited and saved again is final no more: leaders and the archive get only a
text someone marked final, so the secretary marks it final again once it is ready.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from studytrack import audit
from studytrack.errors import DomainError, StaleVersion
from studytrack.extensions import db
from studytrack.models import StudySession, User
from studytrack.models.base import utcnow
from studytrack.models.study_session import NewsRelease

TEXT_REQUIRED = _l("Enter the text of the news release.")


class Written(StrEnum):
    """What a write did, for the page to say."""

    UNCHANGED = "unchanged"
    SAVED = "saved"
    SAVED_NOT_FINAL = "saved_not_final"  # a final version edited: no longer final
    FINAL = "final"
    DISCARDED = "discarded"


def normalize_text(text: str | None) -> str:
    """Line ends as "\\n", no white space around the whole."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _checked(session: StudySession, expected_version: int | None) -> NewsRelease | None:
    """The saved news release (None: none), unless it changed since the page was loaded: the
    page had `expected_version` (None: nothing was saved then)."""
    release = session.news_release
    if expected_version != (release.version if release is not None else None):
        raise StaleVersion()
    return release


def save_news_release(
    session: StudySession, text: str | None, expected_version: int | None, *,
    final: bool = False, by: User | None = None,
) -> Written:
    """Keep `text` as the session's news release; with `final`, marked final by `by` now."""
    text = normalize_text(text)
    if not text:
        raise DomainError(TEXT_REQUIRED, field="text")
    release = _checked(session, expected_version)
    was_final = release is not None and release.is_final
    if release is not None and release.text == text and (was_final or not final):
        return Written.UNCHANGED
    old = release.text if release is not None else ""
    if release is None:
        release = NewsRelease(session=session, text=text)
        db.session.add(release)
    release.text = text
    if final:
        release.final_at, release.final_by = utcnow(), by
    elif was_final:
        release.final_at, release.final_by = None, None
    db.session.flush()
    audit.record(
        "news_release.finalise" if final else "news_release.save", session,
        organization_id=session.group.organization_id, session_id=session.id,
        characters=[len(old), len(text)],  # [before, after], as the history shows them
    )
    if final:
        return Written.FINAL
    return Written.SAVED_NOT_FINAL if was_final else Written.SAVED


def discard_news_release(session: StudySession, expected_version: int | None) -> Written:
    """Forget the saved text (final or not): the page drafts it from the record again."""
    release = _checked(session, expected_version)
    if release is None:
        return Written.UNCHANGED
    characters = len(release.text)
    session.news_release = None  # deleted as an orphan (its version checked)
    db.session.flush()
    audit.record(
        "news_release.discard", session, organization_id=session.group.organization_id,
        session_id=session.id, characters=[characters, 0],
    )
    return Written.DISCARDED
