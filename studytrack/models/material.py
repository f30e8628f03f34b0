"""Study materials (学习材料), reused across sessions, and their files."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, TimestampMixin, enum_column

if TYPE_CHECKING:
    from studytrack.models.organization import Organization
    from studytrack.models.study_session import SessionMaterial
    from studytrack.models.user import User


class MaterialKind(StrEnum):
    SPEECH = "speech"  # 重要讲话
    DOCUMENT = "document"  # 文件
    ARTICLE = "article"  # 文章
    BOOK = "book"  # 书籍章节
    VIDEO = "video"
    OTHER = "other"


class Material(TimestampMixin, Base):
    """Belongs to one organisation's library; its groups and those below may use it."""

    __tablename__ = "materials"
    __table_args__ = (sa.Index("ix_materials_organization_id_title", "organization_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[MaterialKind] = mapped_column(
        enum_column(MaterialKind, "material_kind"), default=MaterialKind.DOCUMENT
    )
    title: Mapped[str] = mapped_column(sa.String(255))
    # How the press names it, e.g. “2·23”重要讲话 (简称): the news release uses it.
    short_name: Mapped[str | None] = mapped_column(sa.String(60))
    speaker: Mapped[str | None] = mapped_column(sa.String(120))  # speaker or author
    issued_on: Mapped[date | None]
    source: Mapped[str | None] = mapped_column(sa.String(255))
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    body: Mapped[str | None] = mapped_column(sa.Text)  # summary or full text
    is_archived: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="material", order_by="Attachment.id"
    )
    session_links: Mapped[list[SessionMaterial]] = relationship(back_populates="material")

    def __repr__(self) -> str:
        return f"<Material {self.id} {self.title}>"


class Attachment(TimestampMixin, Base):
    """A file stored under a generated name; the original (Chinese) name is kept for download."""

    __tablename__ = "attachments"
    __table_args__ = (sa.CheckConstraint("size_bytes >= 0", name="size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(
        sa.ForeignKey("materials.id", ondelete="RESTRICT"), index=True
    )
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    is_removed: Mapped[bool] = mapped_column(default=False)

    material: Mapped[Material] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship()
