"""The scheduler (`scan`) and the sender (`send_due`) of reminders, both run by the worker.

`scan` works from the data: what is due (events, digests) and not yet recorded is recorded
as a `Reminder`, whose unique key (recipient, kind, subject) is what makes it never sent
twice, even when two workers scan at once (the second insert fails and is skipped), a job is
retried, or a backup is restored. Each new reminder is shown in-app at once (unless the person
turned its kind off) and gets a `Delivery` per mail or robot post, to send after the person's
quiet window.

`send_due` sends the deliveries whose time has come. A worker claims each with an UPDATE
(pending -> sending) so two workers never send one twice; one that is no longer due when its
turn comes (the reflection handed in meanwhile, the session closed, the account deactivated,
the kind unsubscribed) is dropped; a failure is tried again later, DELIVERY_RETRIES times,
then marked failed with its error for the administrator.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from studytrack.extensions import db
from studytrack.models import (
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    GroupRobot,
    NotificationKind,
    Reminder,
    ReminderChannel,
    ReminderKind,
    User,
)
from studytrack.models.base import utcnow
from studytrack.notifications.services import notify
from studytrack.reminders import checks, events, preferences
from studytrack.reminders.digests import digests_due
from studytrack.timeutil import utc_to_local
from studytrack.unit_of_work import after_commit

# Kinds the app already notifies in-app when they happen (the return, the assignment): the
# reminder adds only the mail and the robot post.
NOTIFIED_ELSEWHERE = frozenset({ReminderKind.REFLECTION_RETURNED, ReminderKind.TASK_ASSIGNED})
# Reminders of time passing (due soon, overdue, make-ups, plans, digests) wait for the morning.
MORNING_HOUR = 8
ERROR_LIMIT = 2000
SEND_BATCH = 200
STALE_SENDING = timedelta(minutes=30)


def scan(now: datetime | None = None) -> int:
    """Record and notify every reminder due at `now` and not yet recorded; how many new.
    Commits; the deliveries are sent by `send_due` (queued at once)."""
    now = now or utcnow()
    local = utc_to_local(now)
    today, timely = local.date(), local.hour >= MORNING_HOUR
    days_before = int(current_app.config["REMINDER_DAYS_BEFORE"])
    due = list(events.due_now(today, days_before, timely=timely))
    if timely:
        due.extend(digests_due(today))
    new = _not_recorded(due)
    choices = preferences.choices_of(d.user_id for d in new if d.user_id is not None)
    people = _people({d.user_id for d in new if d.user_id is not None})
    robots = _robots({d.group_id for d in new if d.user_id is None and d.group_id})
    made = 0
    for item in new:
        reminder = _record(item, now)
        if reminder is None:
            continue  # recorded meanwhile by another worker
        made += 1
        if item.user_id is not None:
            _for_person(reminder, people[item.user_id], choices[item.user_id][item.kind], now)
        else:
            for robot in robots.get(int(item.group_id or 0), []):
                db.session.add(Delivery(reminder_id=reminder.id, channel=DeliveryChannel.ROBOT,
                                        robot_id=robot.id, not_before=now))
    db.session.commit()
    if made:
        send_soon()
    return made


def _not_recorded(due: Iterable[events.Due]) -> list[events.Due]:
    """The due reminders not recorded yet (each once, in their order)."""
    unique = list(dict.fromkeys(due))
    subjects = sorted({d.subject for d in unique})
    known: set[tuple[str, str, str]] = set()
    for start in range(0, len(subjects), 500):
        known.update((recipient, kind, subject) for recipient, kind, subject in db.session.execute(
            sa.select(Reminder.recipient, Reminder.kind, Reminder.subject)
            .where(Reminder.subject.in_(subjects[start:start + 500]))
        ))
    return [d for d in unique if (d.recipient, d.kind, d.subject) not in known]


def _record(item: events.Due, now: datetime) -> Reminder | None:
    reminder = Reminder(
        kind=item.kind, recipient=item.recipient, subject=item.subject, user_id=item.user_id,
        group_id=item.group_id, session_id=item.session_id, reflection_id=item.reflection_id,
        task_id=item.task_id, details=item.details, created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(reminder)
    except IntegrityError:
        return None
    return reminder


def _for_person(reminder: Reminder, user: User, channel: ReminderChannel,
                now: datetime) -> None:
    if channel == ReminderChannel.OFF:
        return
    if reminder.kind not in NOTIFIED_ELSEWHERE:
        notify([user.id], NotificationKind(reminder.kind.value),
               session_id=reminder.session_id, reflection_id=reminder.reflection_id,
               task_id=reminder.task_id, **reminder.details)
    if channel == ReminderChannel.MAIL and user.email:
        db.session.add(Delivery(reminder_id=reminder.id, channel=DeliveryChannel.MAIL,
                                user_id=user.id, not_before=preferences.after_quiet(user, now)))


def _people(ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}


def _robots(group_ids: set[int | None]) -> dict[int, list[GroupRobot]]:
    ids = {group_id for group_id in group_ids if group_id}
    if not ids:
        return {}
    found: dict[int, list[GroupRobot]] = {}
    for robot in db.session.scalars(
        sa.select(GroupRobot).where(GroupRobot.group_id.in_(ids), GroupRobot.is_active)
        .order_by(GroupRobot.id)
    ):
        found.setdefault(robot.group_id, []).append(robot)
    return found


# --- sending --------------------------------------------------------------------------------


def queue_robot_test(robot: GroupRobot) -> Delivery:
    """A test message to `robot`, sent by the worker once the request commits (its result is
    on the robot's page and the administrator's list of deliveries)."""
    delivery = Delivery(channel=DeliveryChannel.ROBOT, robot_id=robot.id)
    db.session.add(delivery)
    db.session.flush()
    after_commit(send_soon)
    return delivery


def retry(delivery: Delivery) -> None:
    """Send a failed delivery again (the administrator's "retry"), once the request commits."""
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.error = None
    delivery.not_before = utcnow()
    db.session.flush()
    after_commit(send_soon)


def send_soon() -> None:
    """Have the worker send what is due now (in the tests, at once)."""
    from studytrack.jobs.queue import queue

    try:
        queue().send_reminders()
    except Exception:  # the queue cannot be reached: the worker's next minute sends them
        current_app.logger.exception("Sending reminders could not be queued")


def send_due(now: datetime | None = None) -> int:
    """Send the deliveries whose time has come; how many were sent."""
    from studytrack.reminders.sending import send

    now = now or utcnow()
    ids = list(db.session.scalars(
        sa.select(Delivery.id)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.not_before <= now)
        .order_by(Delivery.not_before, Delivery.id).limit(SEND_BATCH)
    ))
    sent = 0
    for delivery_id in ids:
        if not _claim(delivery_id, now):
            continue  # another worker has it
        delivery = db.session.get(Delivery, delivery_id)
        assert delivery is not None
        if not checks.still_due(delivery):
            _finish(delivery, DeliveryStatus.DROPPED)
            continue
        try:
            send(delivery)
        except Exception as error:
            db.session.rollback()
            _failed(delivery_id, error, now)
            continue
        _finish(delivery, DeliveryStatus.SENT)
        sent += 1
    return sent


def _claim(delivery_id: int, now: datetime) -> bool:
    result = cast(sa.CursorResult[Any], db.session.execute(
        sa.update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.SENDING, attempts=Delivery.attempts + 1, claimed_at=now)
        .execution_options(synchronize_session=False)
    ))
    db.session.commit()
    return bool(result.rowcount)


def _finish(delivery: Delivery, status: DeliveryStatus) -> None:
    delivery.status = status
    if status == DeliveryStatus.SENT:
        delivery.sent_at = utcnow()
        delivery.error = None
    db.session.commit()


def _failed(delivery_id: int, error: BaseException, now: datetime) -> None:
    message = "".join(traceback.format_exception_only(error)).strip()[:ERROR_LIMIT]
    current_app.logger.warning("Delivery %s failed: %s", delivery_id, message)
    delivery = db.session.get(Delivery, delivery_id)
    assert delivery is not None
    config = current_app.config
    delivery.error = message
    if delivery.attempts > int(config["DELIVERY_RETRIES"]):
        delivery.status = DeliveryStatus.FAILED
    else:
        delay = int(config["DELIVERY_RETRY_MINUTES"]) * 2 ** (delivery.attempts - 1)
        delivery.status = DeliveryStatus.PENDING
        delivery.not_before = now + timedelta(minutes=delay)
    db.session.commit()


def fail_stalled(now: datetime | None = None) -> int:
    """Deliveries left "sending" by a worker that stopped: failed, for the administrator to
    retry (sent once at most: it may have gone out before the worker stopped)."""
    now = now or utcnow()
    result = cast(sa.CursorResult[Any], db.session.execute(
        sa.update(Delivery)
        .where(Delivery.status == DeliveryStatus.SENDING,
               Delivery.claimed_at < now - STALE_SENDING)
        .values(status=DeliveryStatus.FAILED,
                error="Interrupted: its worker stopped while sending it.")
        .execution_options(synchronize_session=False)
    ))
    db.session.commit()
    return int(result.rowcount or 0)
