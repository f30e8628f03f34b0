"""Reading supervisions: a session's, and whom a leader may send."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from studytrack.authz.reach import lineage, reach_of
from studytrack.extensions import db
from studytrack.models import (
    DEFAULT_SUPERVISION_POINTS,
    Organization,
    StudySession,
    Supervision,
    User,
    in_subtree,
)
from studytrack.pickers import People


def of_session(session: StudySession) -> list[Supervision]:
    """The session's supervisors and their evaluations, in the order they were sent."""
    return list(db.session.scalars(
        sa.select(Supervision).where(Supervision.session_id == session.id)
        .options(joinedload(Supervision.supervisor), joinedload(Supervision.organization),
                 joinedload(Supervision.assigned_by))
        .order_by(Supervision.created_at, Supervision.id)
    ))


def sending_unit(user: Any, session: StudySession) -> Organization | None:
    """The unit above that sends a supervisor to `session`: the highest unit on the path of
    the session's group's unit that `user` leads (for an administrator, the top unit)."""
    reach = reach_of(user)
    if reach is None:
        return None
    path = lineage(session.group.organization.path)
    chosen = next((unit_id for unit_id in path if reach.is_admin or reach.leads_unit(unit_id)),
                  None)
    return db.session.get(Organization, chosen) if chosen is not None else None


def candidates(unit: Organization) -> People:
    """Whom the picker offers: the people of the sending unit and the units below it."""
    units = sa.select(Organization.id).where(in_subtree(Organization.path, unit.path))
    return People(listed_if=(User.organization_id.in_(units),))


def points_of(unit: Organization) -> list[str]:
    """The points the unit's supervisors rate (its own, or the default ones)."""
    own = [line.strip() for line in (unit.supervision_points or "").splitlines() if line.strip()]
    return own or list(DEFAULT_SUPERVISION_POINTS)
