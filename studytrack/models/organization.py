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


# A unit's path: ids and slashes, compared byte by byte. On PostgreSQL the column says so
# ("C"), whatever the database's own collation, so that `in_subtree`'s range holds and uses the
# index; SQLite compares bytes already.
PATH_TYPE = sa.String(255).with_variant(sa.String(255, collation="C"), "postgresql")


def in_subtree(path: sa.SQLColumnExpression[str], top: str | sa.SQLColumnExpression[str]
               ) -> sa.ColumnElement[bool]:
    """SQL: `path` is the path `top` (a value or a column) or one below it: "/1/4/9/" lies in
    "/1/4/". A range of the path index, where a LIKE whose pattern is a column or a parameter
    reads every path: every path ends in "/", which "0" follows in byte order, so the subtree of
    "/1/4/" is the paths from "/1/4/" up to, not including, "/1/40"."""
    if isinstance(top, str):
        return sa.and_(path >= top, path < top[:-1] + "0")
    end = sa.func.substr(top, 1, sa.func.length(top) - 1, type_=sa.String) + "0"
    return sa.and_(path >= top, path < end)


class Organization(TimestampMixin, Base):
    """A unit of the tree. `path` ("/1/4/9/") makes "this unit and all below it" one range of
    an index (`in_subtree`)."""

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
    path: Mapped[str] = mapped_column(PATH_TYPE, default="", index=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)
    # What its supervisors rate at the sessions below (列席旁听), one point per line; None:
    # models.supervision.DEFAULT_SUPERVISION_POINTS.
    supervision_points: Mapped[str | None] = mapped_column(sa.Text)

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
