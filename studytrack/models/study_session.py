"""A study session (集体学习, 专题研讨, 辅导报告…) and what happened at it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from studytrack.models.base import Base, TimestampMixin, enum_column

if TYPE_CHECKING:
    from studytrack.models.followup import FollowUpTask
    from studytrack.models.material import Material
    from studytrack.models.plan import PlanItem
    from studytrack.models.reflection import Reflection
    from studytrack.models.study_group import StudyGroup
    from studytrack.models.user import User


class SessionKind(StrEnum):
    COLLECTIVE = "collective"  # 集体学习
    SEMINAR = "seminar"  # 专题研讨
    LECTURE = "lecture"  # 专题辅导 / 辅导报告
    READING_RETREAT = "reading_retreat"  # 读书班
    OTHER = "other"


class SessionStatus(StrEnum):
    DRAFT = "draft"  # being recorded; only secretaries see it
    PUBLISHED = "published"  # visible to members; reflections open
    CLOSED = "closed"  # record locked
    CANCELLED = "cancelled"  # did not take place; kept for the archive


# A session that took place and has a record: what every figure, report and archive counts.
HELD_STATUSES: tuple[SessionStatus, ...] = (SessionStatus.PUBLISHED, SessionStatus.CLOSED)
# A record that can still be changed (a closed one is locked until reopened).
EDITABLE_SESSION_STATUSES: tuple[SessionStatus, ...] = (
    SessionStatus.DRAFT, SessionStatus.PUBLISHED,
)


class StudySession(TimestampMixin, Base):
    __tablename__ = "study_sessions"
    __table_args__ = (
        sa.CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
        sa.CheckConstraint("min_reflection_chars >= 0", name="min_reflection_chars_positive"),
        sa.Index("ix_study_sessions_group_id_starts_at", "group_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_groups.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[SessionKind] = mapped_column(
        enum_column(SessionKind, "session_kind"), default=SessionKind.COLLECTIVE, index=True
    )
    topic: Mapped[str] = mapped_column(sa.String(200))
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime | None]
    location: Mapped[str | None] = mapped_column(sa.String(120))
    chair_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    recorder_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    minutes: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus, "session_status"), default=SessionStatus.DRAFT, index=True
    )
    published_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reflection_due_on: Mapped[date | None]
    min_reflection_chars: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The annual-plan item this session fulfils (年度学习计划), if any.
    plan_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("plan_items.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    group: Mapped[StudyGroup] = relationship(back_populates="sessions")
    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])
    recorder: Mapped[User | None] = relationship(foreign_keys=[recorder_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    plan_item: Mapped[PlanItem | None] = relationship(back_populates="sessions")
    session_materials: Mapped[list[SessionMaterial]] = relationship(
        back_populates="session", order_by="SessionMaterial.position", cascade="all, delete-orphan"
    )
    attendances: Mapped[list[Attendance]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    talks: Mapped[list[Talk]] = relationship(
        back_populates="session", order_by="Talk.position", cascade="all, delete-orphan"
    )
    tasks: Mapped[list[FollowUpTask]] = relationship(back_populates="session")
    reflections: Mapped[list[Reflection]] = relationship(back_populates="session")
    news_release: Mapped[NewsRelease | None] = relationship(
        back_populates="session", cascade="all, delete-orphan", passive_deletes=True
    )

    @hybrid_property
    def is_held(self) -> bool:
        """Took place and has a record (published or closed)."""
        return self.status in HELD_STATUSES

    @is_held.inplace.expression
    @classmethod
    def _is_held_expression(cls) -> sa.ColumnElement[bool]:
        return cls.status.in_(HELD_STATUSES)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_SESSION_STATUSES

    @hybrid_property
    def shown_to_members(self) -> bool:
        """Members see a session once it is published; a draft, and a session cancelled before
        it was ever published, stay with the secretaries."""
        return session_shown_to_members(self.status, self.published_at is not None)

    @shown_to_members.inplace.expression
    @classmethod
    def _shown_to_members_expression(cls) -> sa.ColumnElement[bool]:
        return sa.or_(
            cls.status.in_(HELD_STATUSES),
            sa.and_(cls.status == SessionStatus.CANCELLED, cls.published_at.is_not(None)),
        )

    def __repr__(self) -> str:
        return f"<StudySession {self.id} {self.topic}>"


def session_shown_to_members(status: SessionStatus, was_published: bool) -> bool:
    """StudySession.shown_to_members for a session known by its status alone (page rows)."""
    if status == SessionStatus.DRAFT:
        return False
    return status != SessionStatus.CANCELLED or was_published


class SessionMaterial(Base):
    """The ordered link that lets one material be studied at many sessions."""

    __tablename__ = "session_materials"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    material_id: Mapped[int] = mapped_column(
        sa.ForeignKey("materials.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[StudySession] = relationship(back_populates="session_materials")
    material: Mapped[Material] = relationship(back_populates="session_links")


class NewsRelease(TimestampMixin, Base):
    """The news release (新闻稿) of a session as its secretary edited it, and whether it is
    final: `final_at`/`final_by` are set when it was marked final (定稿), which is the version
    leaders read and the yearly archive keeps; an edit saved afterwards clears them.

    A row of its own rather than columns of the session: editing it neither moves the
    session's version (a secretary editing the record meanwhile is not refused) nor touches a
    closed, locked record. No row: the draft is generated from the record each time."""

    __tablename__ = "news_releases"

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    final_at: Mapped[datetime | None]
    final_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    session: Mapped[StudySession] = relationship(back_populates="news_release")
    final_by: Mapped[User | None] = relationship()

    @property
    def is_final(self) -> bool:
        return self.final_at is not None


class AttendanceStatus(StrEnum):
    PRESENT = "present"  # 出席
    ON_LEAVE = "on_leave"  # 请假
    ABSENT = "absent"  # 缺席
    OBSERVER = "observer"  # 列席


# Who missed the session and owes make-up study (补学).
MAKEUP_STATUSES: tuple[AttendanceStatus, ...] = (AttendanceStatus.ON_LEAVE, AttendanceStatus.ABSENT)


class Attendance(TimestampMixin, Base):
    """One participant of one session. `status` None means not yet marked.

    Participants are usually users; an observer from outside may be named without an account.
    """

    __tablename__ = "attendances"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id"),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR guest_name IS NOT NULL", name="user_or_guest"
        ),
        sa.CheckConstraint(
            "status IS NULL OR status <> 'on_leave' OR leave_reason IS NOT NULL",
            name="leave_needs_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    guest_name: Mapped[str | None] = mapped_column(sa.String(64))
    guest_position: Mapped[str | None] = mapped_column(sa.String(120))
    status: Mapped[AttendanceStatus | None] = mapped_column(
        enum_column(AttendanceStatus, "attendance_status"), index=True
    )
    leave_reason: Mapped[str | None] = mapped_column(sa.String(255))
    makeup_on: Mapped[date | None]  # 补学 date
    makeup_note: Mapped[str | None] = mapped_column(sa.Text)
    sort_order: Mapped[int] = mapped_column(default=0)

    session: Mapped[StudySession] = relationship(back_populates="attendances")
    user: Mapped[User | None] = relationship()

    @property
    def name(self) -> str:
        return self.user.display_name if self.user else (self.guest_name or "")

    @property
    def missed(self) -> bool:
        """On leave or absent: missed the session, so make-up study (补学) may be recorded."""
        return self.status in MAKEUP_STATUSES

    @hybrid_property
    def owes_reflection(self) -> bool:
        """Who must write a reflection for the session (the one definition): a person on the
        roster (not a guest) who was present, or who missed it and has since recorded make-up
        study. Observers (列席) never owe one; a person not yet marked owes none yet."""
        return owes_reflection(self.user_id, self.status, self.makeup_on)

    @owes_reflection.inplace.expression
    @classmethod
    def _owes_reflection_expression(cls) -> sa.ColumnElement[bool]:
        return sa.and_(
            cls.user_id.is_not(None),
            sa.or_(
                cls.status == AttendanceStatus.PRESENT,
                sa.and_(cls.status.in_(MAKEUP_STATUSES), cls.makeup_on.is_not(None)),
            ),
        )


def owes_reflection(
    user_id: int | None, status: AttendanceStatus | None, makeup_on: date | None
) -> bool:
    """Attendance.owes_reflection for a roster row read as plain columns."""
    if user_id is None:
        return False
    if status == AttendanceStatus.PRESENT:
        return True
    return status in MAKEUP_STATUSES and makeup_on is not None


class TalkKind(StrEnum):
    CHAIR_ADDRESS = "chair_address"  # 主持讲话
    KEYNOTE = "keynote"  # 重点发言
    EXCHANGE = "exchange"  # 交流发言


class Talk(TimestampMixin, Base):
    """A talk given at the session, in order, with the summary of its points (发言要点)."""

    __tablename__ = "talks"
    __table_args__ = (
        sa.CheckConstraint(
            "speaker_id IS NOT NULL OR speaker_name IS NOT NULL", name="speaker_named"
        ),
        # The dashboards' talk aggregate per session, answered from the index (issue 7).
        sa.Index("ix_talks_session_id_speaker_id", "session_id", "speaker_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("study_sessions.id", ondelete="CASCADE"), index=True
    )
    speaker_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True
    )
    speaker_name: Mapped[str | None] = mapped_column(sa.String(64))  # a guest lecturer
    kind: Mapped[TalkKind] = mapped_column(
        enum_column(TalkKind, "talk_kind"), default=TalkKind.EXCHANGE
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str | None] = mapped_column(sa.String(200))
    summary: Mapped[str | None] = mapped_column(sa.Text)

    session: Mapped[StudySession] = relationship(back_populates="talks")
    speaker: Mapped[User | None] = relationship()

    @property
    def name(self) -> str:
        return self.speaker.display_name if self.speaker else (self.speaker_name or "")
