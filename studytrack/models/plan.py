"""The annual study plan (年度学习计划) of a group, and the targets leadership holds units to."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, TimestampMixin, enum_column
from studytrack.models.study_session import SessionKind

if TYPE_CHECKING:
    from studytrack.models.organization import Organization
    from studytrack.models.study_group import StudyGroup
    from studytrack.models.study_session import StudySession
    from studytrack.models.user import User


class StudyPlan(TimestampMixin, Base):
    """One group's plan for one year."""

    __tablename__ = "study_plans"
    __table_args__ = (
        sa.UniqueConstraint("group_id", "year"),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name="year_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_groups.id", ondelete="RESTRICT"), index=True
    )
    year: Mapped[int]
    title: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    group: Mapped[StudyGroup] = relationship()
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan",
        order_by="(PlanItem.month, PlanItem.quarter, PlanItem.position, PlanItem.id)",
    )


class PlanItem(TimestampMixin, Base):
    """A planned session: when (a month, or only a quarter), topic, kind, the materials
    planned and who is responsible. A held session points to the item it fulfils."""

    __tablename__ = "plan_items"
    __table_args__ = (
        sa.CheckConstraint("month IS NULL OR month BETWEEN 1 AND 12", name="month_in_range"),
        sa.CheckConstraint(
            "quarter IS NULL OR quarter BETWEEN 1 AND 4", name="quarter_in_range"
        ),
        sa.CheckConstraint("month IS NOT NULL OR quarter IS NOT NULL", name="has_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_plans.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[int | None]
    quarter: Mapped[int | None]
    topic: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[SessionKind] = mapped_column(
        enum_column(SessionKind, "plan_item_kind"), default=SessionKind.COLLECTIVE
    )
    planned_materials: Mapped[str | None] = mapped_column(sa.Text)
    responsible_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    plan: Mapped[StudyPlan] = relationship(back_populates="items")
    responsible: Mapped[User | None] = relationship()
    sessions: Mapped[list[StudySession]] = relationship(back_populates="plan_item")


class TargetMetric(StrEnum):
    """What a target sets. Counts are per group and year; rates are fractions 0..1."""

    SESSIONS_PER_YEAR = "sessions_per_year"
    SEMINARS_PER_YEAR = "seminars_per_year"
    ATTENDANCE_RATE = "attendance_rate"
    TALKS_PER_MEMBER = "talks_per_member"
    REFLECTION_COMPLETION_RATE = "reflection_completion_rate"
    REFLECTION_ON_TIME_RATE = "reflection_on_time_rate"
    TASK_COMPLETION_RATE = "task_completion_rate"


class Target(TimestampMixin, Base):
    """A target set on a unit; it holds for the units below unless they set their own.
    A row with organization_id NULL is the installation's default (an editable setting)."""

    __tablename__ = "targets"
    __table_args__ = (
        sa.UniqueConstraint("organization_id", "metric"),
        sa.CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    metric: Mapped[TargetMetric] = mapped_column(enum_column(TargetMetric, "target_metric"))
    value: Mapped[Decimal] = mapped_column(sa.Numeric(8, 3))

    organization: Mapped[Organization | None] = relationship()
