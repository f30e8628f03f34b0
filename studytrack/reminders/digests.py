"""The digests: each secretary's week (Mondays) and each leader's month (the 1st).

The secretary's digest is her home page's to-do (home.desk.secretary_desk), for the groups
with something to do; none is sent when all is done. The leader's is the first unit they
lead: its figures for the year against their targets, and the units below furthest behind
(those missing most targets), as the dashboard shows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from typing import Any

import sqlalchemy as sa

from studytrack.dashboard import queries as dashboard_queries
from studytrack.dashboard.measures import HEADLINES
from studytrack.dashboard.metrics import Period
from studytrack.extensions import db
from studytrack.home.desk import GroupDesk, secretary_desk
from studytrack.models import (
    GroupMembership,
    GroupRole,
    LeadershipRole,
    Reminder,
    StudyGroup,
    User,
)
from studytrack.models import ReminderKind as Kind
from studytrack.reminders.events import Due

BEHIND_SHOWN = 5  # units furthest behind named in a leader's digest


def digests_due(today: date) -> Iterator[Due]:
    if today.isoweekday() == 1:
        yield from secretary_digests(today)
    if today.day == 1:
        yield from leader_digests(today)


def _not_sent(kind: Kind, subject: str) -> sa.ColumnElement[bool]:
    """The person has not had this digest yet (the scheduler runs every few minutes: each
    digest is worked out once)."""
    return ~sa.select(Reminder.id).where(
        Reminder.user_id == User.id, Reminder.kind == kind,
        Reminder.subject == subject,
    ).exists()


def secretary_digests(today: date) -> Iterator[Due]:
    week = f"{today.isocalendar().year}-W{today.isocalendar().week:02d}"
    secretaries = db.session.scalars(
        sa.select(User)
        .where(User.active, _not_sent(Kind.SECRETARY_DIGEST, f"week:{week}"),
               sa.select(GroupMembership.id)
               .join(StudyGroup, StudyGroup.id == GroupMembership.group_id)
               .where(GroupMembership.user_id == User.id,
                      GroupMembership.role == GroupRole.SECRETARY,
                      GroupMembership.left_on.is_(None), StudyGroup.is_active)
               .exists())
        .order_by(User.id)
    )
    for user in secretaries:
        groups = [_desk_details(desk) for desk in secretary_desk(user, today)
                  if not desk.is_clear]
        if groups:
            yield Due(Kind.SECRETARY_DIGEST, f"week:{week}", user_id=user.id,
                      details={"groups": groups})


def _desk_details(desk: GroupDesk) -> dict[str, Any]:
    """The desk as plain values (kept with the reminder, read when the mail is written)."""
    waiting = desk.waiting_since.isoformat() if desk.waiting_since else None
    return {**asdict(desk), "waiting_since": waiting}


def leader_digests(today: date) -> Iterator[Due]:
    """The year so far (on 1 January, the year just ended)."""
    year = today.year if today.month > 1 else today.year - 1
    leaders = db.session.scalars(
        sa.select(User)
        .where(User.active, _not_sent(Kind.LEADER_DIGEST, f"month:{today:%Y-%m}"),
               sa.select(LeadershipRole.id)
               .where(LeadershipRole.user_id == User.id).exists())
        .order_by(User.id)
    )
    for user in leaders:
        units, trees = dashboard_queries.top_units(user)
        if not units:
            continue
        board = dashboard_queries.dashboard(trees[units[0].id], Period(year, None))
        yield Due(Kind.LEADER_DIGEST, f"month:{today:%Y-%m}", user_id=user.id,
                  details=_board_details(board))


def _board_details(board: dashboard_queries.Dashboard) -> dict[str, Any]:
    """The figures as plain values: the mail names them in its reader's language."""
    headline = [
        {"key": key, "value": cell.value, "target": cell.held_against, "met": cell.verdict}
        for key in HEADLINES for cell in (board.headline[key],)
    ]
    missed = [
        (sum(1 for cell in row.cells.values() if cell.verdict is False), row.unit.name)
        for row in board.rows
    ]
    behind = [{"name": name, "missed": count}
              for count, name in sorted(missed, key=lambda pair: (-pair[0], pair[1]))
              if count][:BEHIND_SHOWN]
    return {"unit_id": board.unit.id, "unit": board.unit.name, "year": board.period.year,
            "headline": headline, "behind": behind}
