"""Each person's choice per kind of reminder, and their quiet window.

Nothing stored means the default: the digests come by mail; the other reminders by mail too,
except for leaders, who get them in the app only (they read dashboards, and their inboxes
are full). A person without a mail address gets everything in the app.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa

from studytrack.extensions import db
from studytrack.models import (
    DIGEST_KINDS,
    LeadershipRole,
    ReminderChannel,
    ReminderKind,
    ReminderPreference,
    User,
)
from studytrack.timeutil import local_to_utc, utc_to_local

Choices = dict[ReminderKind, ReminderChannel]


def default_channel(kind: ReminderKind, leads: bool) -> ReminderChannel:
    if kind in DIGEST_KINDS or not leads:
        return ReminderChannel.MAIL
    return ReminderChannel.IN_APP


def choices_of(user_ids: Iterable[int]) -> dict[int, Choices]:
    """Every kind's channel for each of these people (two statements, however many)."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    leading = set(db.session.scalars(
        sa.select(LeadershipRole.user_id).where(LeadershipRole.user_id.in_(ids)).distinct()
    ))
    found = {user_id: {kind: default_channel(kind, user_id in leading) for kind in ReminderKind}
             for user_id in ids}
    for user_id, kind, channel in db.session.execute(
        sa.select(ReminderPreference.user_id, ReminderPreference.kind, ReminderPreference.channel)
        .where(ReminderPreference.user_id.in_(ids))
    ):
        found[user_id][kind] = channel
    return found


def choose(user: User, kind: ReminderKind, channel: ReminderChannel) -> None:
    """Store `user`'s choice for `kind` (flushed, not committed)."""
    found = db.session.scalar(
        sa.select(ReminderPreference)
        .where(ReminderPreference.user_id == user.id, ReminderPreference.kind == kind)
    )
    if found is None:
        db.session.add(ReminderPreference(user_id=user.id, kind=kind, channel=channel))
    else:
        found.channel = channel
    db.session.flush()


def after_quiet(user: User, now: datetime) -> datetime:
    """`now`, or the end of `user`'s quiet window when `now` falls in it (local times; the
    window may pass midnight: 22:00–07:00)."""
    start, end = user.quiet_start, user.quiet_end
    if start is None or end is None or start == end:
        return now
    local = utc_to_local(now)
    moment = local.time().replace(tzinfo=None)
    inside = start <= moment < end if start < end else (moment >= start or moment < end)
    if not inside:
        return now
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return local_to_utc(ends.replace(tzinfo=None))
