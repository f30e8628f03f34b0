"""Whether a delivery is still worth sending when its turn comes.

A reminder is computed when found due and may wait (a quiet window, a retry): by then the
reflection may be handed in, the task done, the session closed or cancelled, the account
deactivated, or the person may have turned that kind of mail off. Each kind asks again what
made it due, from the data as it is now.
"""

from __future__ import annotations

import sqlalchemy as sa

from studytrack.dashboard.figures import OWES_MAKEUP
from studytrack.extensions import db
from studytrack.models import (
    ACTIVE_TASK_STATUSES,
    HANDED_IN_STATUSES,
    HELD_STATUSES,
    Attendance,
    Delivery,
    DeliveryChannel,
    FollowUpTask,
    PlanItem,
    Reflection,
    ReflectionStatus,
    Reminder,
    ReminderChannel,
    ReminderKind,
    SessionStatus,
    StudySession,
)
from studytrack.reminders import preferences

REFLECTION_KINDS = (ReminderKind.REFLECTION_REQUESTED, ReminderKind.REFLECTION_DUE,
                    ReminderKind.REFLECTION_OVERDUE)
TASK_KINDS = (ReminderKind.TASK_ASSIGNED, ReminderKind.TASK_DUE, ReminderKind.TASK_OVERDUE)


def still_due(delivery: Delivery) -> bool:
    if delivery.channel == DeliveryChannel.ROBOT:
        robot = delivery.robot
        if robot is None or not robot.is_active:
            return False
    reminder = delivery.reminder
    if reminder is None:
        return delivery.channel == DeliveryChannel.ROBOT  # a robot's test message
    if delivery.channel == DeliveryChannel.MAIL:
        user = delivery.user
        if user is None or not user.active or not user.email:
            return False
        chosen = preferences.choices_of([user.id])[user.id][reminder.kind]
        if chosen != ReminderChannel.MAIL:
            return False
    return _subject_still_due(reminder)


def _subject_still_due(reminder: Reminder) -> bool:
    kind = reminder.kind
    if kind in REFLECTION_KINDS:
        return _reflection_owed(reminder)
    if kind == ReminderKind.REFLECTION_RETURNED:
        reflection = db.session.get(Reflection, reminder.reflection_id)
        return reflection is not None and reflection.status == ReflectionStatus.RETURNED
    if kind == ReminderKind.MAKEUP_OWED:
        return _makeup_owed(reminder)
    if kind in TASK_KINDS:
        task = db.session.get(FollowUpTask, reminder.task_id)
        return task is not None and task.status in ACTIVE_TASK_STATUSES
    if kind == ReminderKind.PLAN_ITEM_DUE:
        item_id = int(reminder.subject.split(":")[1])
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(StudySession)
            .where(StudySession.plan_item_id == item_id,
                   StudySession.status != SessionStatus.CANCELLED)
        ) == 0 and db.session.get(PlanItem, item_id) is not None
    return True  # the digests: a summary of their day


def _reflection_owed(reminder: Reminder) -> bool:
    session = db.session.get(StudySession, reminder.session_id)
    if session is None or session.status != SessionStatus.PUBLISHED:
        return False
    if reminder.user_id is None:
        return True  # the group's robots: the session is still open for reflections
    handed_in = db.session.scalar(
        sa.select(sa.func.count()).select_from(Reflection)
        .where(Reflection.session_id == session.id, Reflection.author_id == reminder.user_id,
               Reflection.status.in_(HANDED_IN_STATUSES))
    )
    return not handed_in


def _makeup_owed(reminder: Reminder) -> bool:
    session = db.session.get(StudySession, reminder.session_id)
    if session is None or session.status not in HELD_STATUSES:
        return False
    owing = sa.select(sa.func.count()).select_from(Attendance).where(
        Attendance.session_id == session.id, OWES_MAKEUP,
    )
    if reminder.subject.startswith("attendance:"):
        owing = owing.where(Attendance.id == int(reminder.subject.split(":")[1]))
    return bool(db.session.scalar(owing))
