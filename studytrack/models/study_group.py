"""Study groups (理论学习中心组) and who belongs to them."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, TimestampMixin, enum_column

if TYPE_CHECKING:
    from studytrack.models.organization import Organization
    from studytrack.models.study_session import StudySession
    from studytrack.models.user import User


class GroupRole(StrEnum):
    """What a person may do in the group."""

    MEMBER = "member"  # 中心组成员
    SECRETARY = "secretary"  # 学习秘书


class GroupTitle(StrEnum):
    """The person's standing in the group, shown on records (组长 / 副组长 / 成员)."""

    LEADER = "leader"
    DEPUTY = "deputy"
    MEMBER = "member"


class StudyGroup(TimestampMixin, Base):
    __tablename__ = "study_groups"
    __table_args__ = (sa.UniqueConstraint("organization_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    description: Mapped[str | None] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Whether members read each other's accepted reflections (many units share them for
    # exchange; others keep them to the secretaries and leaders). Asked by the policy's
    # "reflection.view" wherever a reflection's text is shown: page, report, Word, PDF, archive.
    members_read_reflections: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    organization: Mapped[Organization] = relationship(back_populates="study_groups")
    memberships: Mapped[list[GroupMembership]] = relationship(
        back_populates="group", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[StudySession]] = relationship(back_populates="group")

    def __repr__(self) -> str:
        return f"<StudyGroup {self.id} {self.name}>"


class GroupMembership(TimestampMixin, Base):
    """One person in one group. Leaving sets `left_on`; the row stays for the archive."""

    __tablename__ = "group_memberships"
    __table_args__ = (sa.UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_groups.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[GroupRole] = mapped_column(
        enum_column(GroupRole, "group_role"), default=GroupRole.MEMBER
    )
    title: Mapped[GroupTitle] = mapped_column(
        enum_column(GroupTitle, "group_title"), default=GroupTitle.MEMBER
    )
    sort_order: Mapped[int] = mapped_column(default=0)
    joined_on: Mapped[date | None]
    left_on: Mapped[date | None]

    group: Mapped[StudyGroup] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")

    @property
    def is_current(self) -> bool:
        return self.left_on is None

    @classmethod
    def roster_order(cls, membership: Any = None) -> tuple[sa.ColumnExpressionArgument[Any], ...]:
        """The order a group lists its people in: the leader, the deputies, then the group's own
        order (a query adds the name after it, to settle ties). `membership`: an alias of this
        class to order by instead."""
        of = cls if membership is None else membership
        rank = sa.case({GroupTitle.LEADER: 0, GroupTitle.DEPUTY: 1}, value=of.title, else_=2)
        return (rank, of.sort_order)
