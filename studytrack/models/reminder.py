"""Reminders (提醒): what the system chases people for, what it sent, and how.

A `Reminder` is one reminder of one kind about one thing to one recipient (a person, or a
group's chat robots), recorded when the scheduler (studytrack.reminders) first finds it due:
its unique key is what makes a reminder never sent twice, by two workers, a retried job or
after a restore. Each is delivered in-app at once and, as the person chose, by mail; each mail
or robot post is a `Delivery`, sent by the worker, retried, and kept with its error.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, TimestampMixin, enum_column, utcnow

if TYPE_CHECKING:
    from studytrack.models.study_group import StudyGroup
    from studytrack.models.user import User


class ReminderKind(StrEnum):
    REFLECTION_REQUESTED = "reflection_requested"  # a session published: write a reflection
    REFLECTION_DUE = "reflection_due"  # due in REMINDER_DAYS_BEFORE days
    REFLECTION_OVERDUE = "reflection_overdue"
    REFLECTION_RETURNED = "reflection_returned"  # with the secretary's comment
    MAKEUP_OWED = "makeup_owed"  # missed a session, no make-up study recorded: member, secretary
    TASK_ASSIGNED = "task_assigned"
    TASK_DUE = "task_due"
    TASK_OVERDUE = "task_overdue"
    PLAN_ITEM_DUE = "plan_item_due"  # planned for this month, no session linked: secretaries
    SECRETARY_DIGEST = "secretary_digest"  # weekly: the secretary's to-do
    LEADER_DIGEST = "leader_digest"  # monthly: the unit's figures against targets


DIGEST_KINDS = (ReminderKind.SECRETARY_DIGEST, ReminderKind.LEADER_DIGEST)


class ReminderChannel(StrEnum):
    """How a person wants a kind of reminder: in the app only, also by mail, or not at all."""

    IN_APP = "in_app"
    MAIL = "mail"
    OFF = "off"


class DeliveryChannel(StrEnum):
    MAIL = "mail"
    ROBOT = "robot"  # a group chat robot's webhook (WeCom, DingTalk)


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # to send at `not_before` (after a quiet window, or a failed attempt)
    SENDING = "sending"  # claimed by a worker
    SENT = "sent"
    FAILED = "failed"  # every attempt failed; `error` says why (the administrator retries)
    DROPPED = "dropped"  # no longer due when its turn came (handed in, closed, unsubscribed)


class RobotProvider(StrEnum):
    WECOM = "wecom"  # 企业微信群机器人
    DINGTALK = "dingtalk"  # 钉钉群机器人


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        sa.UniqueConstraint("recipient", "kind", "subject"),
        sa.Index("ix_reminders_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind, "reminder_kind"))
    # "user:7" or "group:3" (its robots): the key's part that says who.
    recipient: Mapped[str] = mapped_column(sa.String(40))
    # What it is about, in the key: "reflection:12", "task:5:2026-12-10", "week:2026-W49".
    subject: Mapped[str] = mapped_column(sa.String(80))
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("study_groups.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("study_sessions.id", ondelete="CASCADE"), index=True
    )
    reflection_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reflections.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("follow_up_tasks.id", ondelete="CASCADE"), index=True
    )
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship()
    group: Mapped[StudyGroup | None] = relationship()

    def __repr__(self) -> str:
        return f"<Reminder {self.id} {self.kind} {self.recipient} {self.subject}>"


class Delivery(Base):
    """One mail or robot post of a reminder (or a robot's test message: no reminder)."""

    __tablename__ = "deliveries"
    __table_args__ = (sa.Index("ix_deliveries_status_not_before", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reminders.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[DeliveryChannel] = mapped_column(
        enum_column(DeliveryChannel, "delivery_channel")
    )
    user_id: Mapped[int | None] = mapped_column(  # a mail's recipient
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    robot_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("group_robots.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]  # by the worker sending it (its last attempt)
    sent_at: Mapped[datetime | None]

    reminder: Mapped[Reminder | None] = relationship()
    user: Mapped[User | None] = relationship()
    robot: Mapped[GroupRobot | None] = relationship()

    def __repr__(self) -> str:
        return f"<Delivery {self.id} {self.channel} {self.status}>"


class ReminderPreference(Base):
    """A person's choice for one kind of reminder (none stored: the default, defaults.py)."""

    __tablename__ = "reminder_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind, "reminder_kind"))
    channel: Mapped[ReminderChannel] = mapped_column(
        enum_column(ReminderChannel, "reminder_channel")
    )


class GroupRobot(TimestampMixin, Base):
    """A group chat's robot (群机器人) the group's reminders are posted to."""

    __tablename__ = "group_robots"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_groups.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[RobotProvider] = mapped_column(enum_column(RobotProvider, "robot_provider"))
    name: Mapped[str] = mapped_column(sa.String(64))
    webhook_url: Mapped[str] = mapped_column(sa.String(500))
    # DingTalk's 加签 secret ("SEC…"): every post is signed with it. None: not signed.
    secret: Mapped[str | None] = mapped_column(sa.String(128))
    is_active: Mapped[bool] = mapped_column(default=True)

    group: Mapped[StudyGroup] = relationship()

    def __repr__(self) -> str:
        return f"<GroupRobot {self.id} {self.provider} {self.name}>"
