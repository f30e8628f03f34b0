"""The study secretary's to-do list, at the top of her home page: for each group she keeps, what
she must do next, each item counted and linked to the place to act (issue 19)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from studytrack.dashboard.figures import OWES_MAKEUP
from studytrack.extensions import db
from studytrack.models import (
    Attendance,
    FollowUpTask,
    GroupMembership,
    GroupRole,
    PlanItem,
    Reflection,
    ReflectionStatus,
    SessionStats,
    SessionStatus,
    StudyGroup,
    StudyPlan,
    StudySession,
)
from studytrack.models.base import utcnow


@dataclass(frozen=True)
class GroupDesk:
    """What one group's secretary has to do (all counts; zero: nothing of that kind)."""

    group_id: int
    group_name: str
    to_review: int  # reflections handed in and waiting for review
    waiting_since: datetime | None  # when the oldest of them was handed in
    to_publish: int  # sessions that have begun and are still drafts
    to_complete: int  # published sessions without minutes, or with attendance unmarked
    makeups: int  # people on leave or absent whose make-up study is not recorded
    tasks_overdue: int
    plan_items_due: int  # items planned for this month with no session yet
    reflections_overdue: int  # owed at sessions whose due date has passed, not handed in

    @property
    def is_clear(self) -> bool:
        return not (self.to_review or self.to_publish or self.to_complete or self.makeups
                    or self.tasks_overdue or self.plan_items_due or self.reflections_overdue)


def secretary_desk(user: Any, today: date) -> list[GroupDesk]:
    """Each active group `user` keeps as a secretary, with what is to do (one statement)."""
    of_group = StudySession.group_id == StudyGroup.id
    held = StudySession.status.in_([SessionStatus.PUBLISHED, SessionStatus.CLOSED])

    def count(*where: Any, model: Any = StudySession) -> sa.ScalarSelect[int]:
        query = sa.select(sa.func.count()).select_from(model)
        if model is not StudySession:
            query = query.join(StudySession, model.session_id == StudySession.id)
        return query.where(of_group, *where).scalar_subquery()

    waiting = Reflection.status == ReflectionStatus.SUBMITTED
    has_session = (
        sa.select(StudySession.id)
        .where(StudySession.plan_item_id == PlanItem.id,
               StudySession.status != SessionStatus.CANCELLED)
        .exists()
    )
    stats = SessionStats.session_id == StudySession.id
    rows = db.session.execute(
        sa.select(
            StudyGroup.id, StudyGroup.name,
            count(waiting, model=Reflection),
            sa.select(sa.func.min(Reflection.submitted_at))
            .join(StudySession, Reflection.session_id == StudySession.id)
            .where(of_group, waiting).scalar_subquery(),
            count(StudySession.status == SessionStatus.DRAFT, StudySession.starts_at <= utcnow()),
            sa.select(sa.func.count()).select_from(StudySession)
            .outerjoin(SessionStats, stats)
            .where(of_group, StudySession.status == SessionStatus.PUBLISHED, sa.or_(
                sa.func.coalesce(StudySession.minutes, "") == "",
                sa.func.coalesce(SessionStats.attendance_unmarked, 0) > 0,
            )).scalar_subquery(),
            count(held, OWES_MAKEUP, model=Attendance),
            count(FollowUpTask.is_overdue(today), model=FollowUpTask),
            sa.select(sa.func.count()).select_from(PlanItem)
            .join(StudyPlan, PlanItem.plan_id == StudyPlan.id)
            .where(StudyPlan.group_id == StudyGroup.id, StudyPlan.year == today.year,
                   PlanItem.month == today.month, ~has_session).scalar_subquery(),
            sa.select(sa.func.coalesce(sa.func.sum(
                SessionStats.reflections_required - SessionStats.reflections_submitted), 0))
            .join(StudySession, stats)
            .where(of_group, held, StudySession.reflection_due_on < today).scalar_subquery(),
        )
        .join(GroupMembership, GroupMembership.group_id == StudyGroup.id)
        .where(
            GroupMembership.user_id == user.id, GroupMembership.role == GroupRole.SECRETARY,
            GroupMembership.left_on.is_(None), StudyGroup.is_active,
        )
        .order_by(StudyGroup.name, StudyGroup.id)
    ).all()
    return [GroupDesk(*row) for row in rows]
