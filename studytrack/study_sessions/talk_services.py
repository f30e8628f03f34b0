"""Writes to the talks of a session: add, edit, delete and reorder.

Positions stay contiguous (0, 1, 2, …) in the order shown. Every change writes an audit event
with the session's id in its details; nothing here commits.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from studytrack import audit
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import StudySession, Talk, TalkKind, User
from studytrack.study_sessions.attendance_queries import speaker_choices
from studytrack.study_sessions.rules import (
    CHOOSE_DIRECTION,
    SPEAKER,
    UNKNOWN_SPEAKER,
    TalkData,
    blank_to_none,
)


def _clean(data: TalkData) -> TalkData:
    summary = (data.summary or "").replace("\r\n", "\n").strip("\n").rstrip()
    return TalkData(
        kind=TalkKind(data.kind),
        speaker_id=data.speaker_id,
        speaker_name=blank_to_none(data.speaker_name),
        title=blank_to_none(data.title),
        summary=summary or None,
    )


def _check(session: StudySession, data: TalkData, talk: Talk | None = None) -> None:
    SPEAKER.check(data.speaker_id, data.speaker_name)
    if data.speaker_id is None or (talk is not None and talk.speaker_id == data.speaker_id):
        return  # a speaker who has since left the group stays named on the record
    allowed = {user_id for user_id, _ in speaker_choices(session)}
    if data.speaker_id not in allowed:
        raise DomainError(UNKNOWN_SPEAKER, field="speaker_id")


def ordered_talks(session: StudySession) -> list[Talk]:
    return list(
        db.session.scalars(
            sa.select(Talk)
            .where(Talk.session_id == session.id)
            .order_by(Talk.position, Talk.id)
        )
    )


def _renumber(talks: list[Talk]) -> None:
    for position, talk in enumerate(talks):
        if talk.position != position:
            talk.position = position


def _speaker_label(talk: Talk) -> str:
    if talk.speaker is not None:
        return talk.speaker.display_name
    return talk.speaker_name or ""


def _record(action: str, talk: Talk, session: StudySession, **details: Any) -> None:
    audit.record(
        action, talk, organization_id=session.group.organization_id,
        session_id=session.id, speaker=_speaker_label(talk), **details,
    )


def add_talk(session: StudySession, data: TalkData) -> Talk:
    """A new talk at the end of the list."""
    data = _clean(data)
    _check(session, data)
    talks = ordered_talks(session)
    _renumber(talks)
    talk = Talk(
        session_id=session.id, position=len(talks), kind=data.kind,
        speaker_id=data.speaker_id, speaker_name=data.speaker_name,
        title=data.title, summary=data.summary,
    )
    db.session.add(talk)
    db.session.flush()
    _record("talk.create", talk, session, kind=data.kind.value, title=data.title,
            position=talk.position + 1)
    return talk


def update_talk(talk: Talk, data: TalkData) -> dict[str, list[Any]]:
    """Save the edit form; return the changes as {field: [old, new]}."""
    session = talk.session
    data = _clean(data)
    _check(session, data, talk)
    changes: dict[str, list[Any]] = {}
    old_speaker = _speaker_label(talk)
    for name in ("kind", "title", "summary"):
        old, new = getattr(talk, name), getattr(data, name)
        if old != new:
            setattr(talk, name, new)
            changes[name] = [str(old) if old is not None else None,
                             str(new) if new is not None else None]
    if talk.speaker_id != data.speaker_id:
        talk.speaker = db.session.get(User, data.speaker_id) if data.speaker_id else None
    talk.speaker_name = data.speaker_name
    new_speaker = _speaker_label(talk)
    if old_speaker != new_speaker:
        changes["speaker"] = [old_speaker, new_speaker]
    if changes:
        db.session.flush()
        audit.record(
            "talk.update", talk, organization_id=session.group.organization_id,
            session_id=session.id, speaker=new_speaker, changes=changes,
        )
    return changes


def delete_talk(talk: Talk) -> None:
    """Remove the talk; the ones after it move up."""
    session = talk.session
    _record("talk.delete", talk, session, kind=talk.kind.value, title=talk.title,
            summary=talk.summary)
    db.session.delete(talk)
    db.session.flush()
    _renumber(ordered_talks(session))
    db.session.flush()


def move_talk(talk: Talk, direction: str) -> bool:
    """Swap the talk with the one above or below it; False when it is already at that end."""
    if direction not in ("up", "down"):
        raise DomainError(CHOOSE_DIRECTION, field="direction")
    session = talk.session
    talks = ordered_talks(session)
    _renumber(talks)
    index = talks.index(talk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(talks):
        return False
    neighbour = talks[other]
    talk.position, neighbour.position = neighbour.position, talk.position
    db.session.flush()
    _record("talk.move", talk, session, direction=direction,
            position=[index + 1, other + 1])
    return True
