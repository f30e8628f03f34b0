"""The people and objects of a generated database that the benchmarks ask about, picked by
query the same way on every database and scale (benchmarks.pages, .crawl and .load)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask


@dataclass(frozen=True)
class Chosen:
    """The people and objects of a generated database that the pages are asked about."""

    usernames: dict[str, str | None]  # role -> login name (None: not logged in)
    ids: dict[str, int]  # URL argument -> id


def choose_ids(app: Flask) -> Chosen:
    """Picked by query, the same way on every database and scale: the top unit and its first
    leader, the group with the most current members, its secretary and a plain member, its
    latest held session and what that session has (a reflection, a talk, a task, a material,
    an absentee's attendance), the group's plan, the second-level unit with the most units."""
    from studytrack.extensions import db
    from studytrack.models import (
        Attachment,
        Attendance,
        AttendanceStatus,
        FollowUpTask,
        GroupMembership,
        GroupRole,
        GroupTitle,
        Job,
        LeadershipRole,
        Organization,
        PlanItem,
        Reflection,
        SessionMaterial,
        StudyPlan,
        StudySession,
        Talk,
        User,
    )

    held = ("published", "closed")
    with app.app_context():
        s = db.session
        root = s.scalars(sa.select(Organization).where(Organization.parent_id.is_(None))
                         .order_by(Organization.id)).first()
        if root is None:
            raise SystemExit("the database holds no units: generate it first")
        leader = s.scalar(sa.select(User.username).join(LeadershipRole)
                          .where(LeadershipRole.organization_id == root.id)
                          .order_by(User.id).limit(1))
        admin = s.scalar(sa.select(User.username).where(User.is_admin).order_by(User.id))
        current = sa.and_(GroupMembership.left_on.is_(None),
                          GroupMembership.role == GroupRole.MEMBER)
        group_id = s.scalar(
            sa.select(GroupMembership.group_id).where(current)
            .group_by(GroupMembership.group_id)
            .order_by(sa.func.count().desc(), GroupMembership.group_id).limit(1)
        )
        secretary = s.scalar(
            sa.select(User.username).join(GroupMembership)
            .where(GroupMembership.group_id == group_id,
                   GroupMembership.role == GroupRole.SECRETARY).order_by(User.id).limit(1)
        )
        membership_id, member_id, member = s.execute(
            sa.select(GroupMembership.id, User.id, User.username).join(GroupMembership)
            .where(GroupMembership.group_id == group_id, current,
                   GroupMembership.title == GroupTitle.MEMBER)
            .order_by(GroupMembership.sort_order, User.id).limit(1)
        ).one()
        # held and still open to edits (a closed record is locked), else the latest held
        session_id, starts_at = s.execute(
            sa.select(StudySession.id, StudySession.starts_at)
            .where(StudySession.group_id == group_id, StudySession.status.in_(held))
            .order_by(StudySession.status != "published", StudySession.starts_at.desc(),
                      StudySession.id.desc()).limit(1)
        ).one()
        child = sa.orm.aliased(Organization)
        unit_id = s.scalar(
            sa.select(child.id)
            .join(Organization, Organization.path.startswith(child.path))
            .where(child.parent_id == root.id)
            .group_by(child.id, child.sort_order)
            .order_by(sa.func.count().desc(), child.sort_order, child.id).limit(1)
        )

        def first(column: Any, *where: Any) -> int | None:
            return s.scalar(sa.select(column).where(*where).order_by(column).limit(1))

        ids = {
            "group_id": group_id, "session_id": session_id, "user_id": member_id,
            "org_id": root.id, "organization_id": root.id, "unit_id": unit_id,
            "membership_id": membership_id, "year": starts_at.year,
            "reflection_id": first(Reflection.id, Reflection.session_id == session_id,
                                   Reflection.author_id == member_id)
            or first(Reflection.id, Reflection.session_id == session_id),
            "talk_id": first(Talk.id, Talk.session_id == session_id),
            "task_id": first(FollowUpTask.id, FollowUpTask.session_id == session_id),
            "material_id": first(SessionMaterial.material_id,
                                 SessionMaterial.session_id == session_id),
            "attachment_id": first(Attachment.id),
            "job_id": first(Job.id, Job.group_id == group_id),
            "attendance_id": first(Attendance.id, Attendance.session_id == session_id,
                                   Attendance.status.in_([AttendanceStatus.ABSENT,
                                                          AttendanceStatus.ON_LEAVE])),
            "item_id": s.scalar(sa.select(PlanItem.id).join(StudyPlan)
                                .where(StudyPlan.group_id == group_id,
                                       StudyPlan.year == starts_at.year)
                                .order_by(PlanItem.id).limit(1)),
        }
        db.session.remove()
    usernames = {"secretary": secretary, "member": member, "leader": leader, "admin": admin,
                 "anonymous": None}
    return Chosen(usernames, {name: value for name, value in ids.items() if value is not None})
