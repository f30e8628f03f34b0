"""Sending a supervisor, taking one back, and the evaluation (flush, never commit)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from studytrack import audit
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.models import Organization, StudySession, Supervision, User
from studytrack.models.base import utcnow

NOT_OF_UNIT = _l("Choose a person of your unit.")


def assign(session: StudySession, unit: Organization, supervisor: User | None,
           points: list[str], actor: User) -> Supervision:
    """Send `supervisor` (a person of `unit` or below) to `session`; `points` become the
    unit's points to rate."""
    if supervisor is None or not supervisor.active or supervisor.organization is None or \
            not _below(supervisor.organization, unit):
        raise DomainError(NOT_OF_UNIT, field="user_id")
    if db.session.scalar(db.select(Supervision.id).where(
            Supervision.session_id == session.id, Supervision.supervisor_id == supervisor.id)):
        raise DomainError(_l("%(name)s is already supervising this session.",
                             name=supervisor.display_name), field="user_id")
    unit.supervision_points = "\n".join(points)
    supervision = Supervision(session=session, supervisor=supervisor, organization=unit,
                              assigned_by=actor, points=points, ratings={})
    db.session.add(supervision)
    db.session.flush()
    audit.record("supervision.assign", session, actor=actor,
                 organization_id=session.group.organization_id,
                 supervisor=supervisor.display_name, sent_by=unit.name)
    return supervision


def withdraw(supervision: Supervision, actor: User) -> None:
    session = supervision.session
    audit.record("supervision.withdraw", session, actor=actor,
                 organization_id=session.group.organization_id,
                 supervisor=supervision.supervisor.display_name)
    db.session.delete(supervision)
    db.session.flush()


def evaluate(supervision: Supervision, ratings: dict[str, int], comments: str | None) -> None:
    supervision.ratings = {point: ratings[point] for point in supervision.points
                           if point in ratings}
    supervision.comments = comments or None
    supervision.evaluated_at = utcnow()
    db.session.flush()
    session = supervision.session
    audit.record("supervision.evaluate", session, actor=supervision.supervisor,
                 organization_id=session.group.organization_id,
                 supervisor=supervision.supervisor.display_name,
                 average=round(sum(supervision.ratings.values())
                               / max(1, len(supervision.ratings)), 1))


def _below(unit: Organization, top: Organization) -> bool:
    return unit.path.startswith(top.path)

