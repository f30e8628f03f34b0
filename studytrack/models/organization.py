"""The organisation tree: a committee above general branches above branches."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, TimestampMixin, enum_column

if TYPE_CHECKING:
    from studytrack.models.study_group import StudyGroup
    from studytrack.models.user import LeadershipRole


class OrganizationKind(StrEnum):
    COMMITTEE = "committee"  # 党委
    GENERAL_BRANCH = "general_branch"  # 党总支
    BRANCH = "branch"  # 党支部
    OTHER = "other"  # 党组、工作委员会…


class Organization(TimestampMixin, Base):
    """A unit of the tree. `path` ("/1/4/9/") makes "this unit and all below it" one LIKE."""

    __tablename__ = "organizations"
    __table_args__ = (sa.UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    short_name: Mapped[str | None] = mapped_column(sa.String(40))
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind"), default=OrganizationKind.COMMITTEE
    )
    path: Mapped[str] = mapped_column(sa.String(255), default="", index=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Organization | None] = relationship(
        back_populates="children", remote_side="Organization.id"
    )
    children: Mapped[list[Organization]] = relationship(
        back_populates="parent", order_by="(Organization.sort_order, Organization.id)"
    )
    study_groups: Mapped[list[StudyGroup]] = relationship(back_populates="organization")
    leadership_roles: Mapped[list[LeadershipRole]] = relationship(back_populates="organization")

    @property
    def depth(self) -> int:
        return self.depth_of(self.path)

    @staticmethod
    def depth_of(path: str) -> int:
        """How far below a top unit the unit of `path` ("/1/4/9/": 2) lies."""
        return path.count("/") - 2 if path else 0

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this unit, itself included."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name}>"
