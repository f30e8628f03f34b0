"""The loaders every route starts with: the object, if the user may see it at all; else 404.

Another unit's ids, drafts for members and other people's draft reflections answer 404, never
403: the user learns nothing of what they cannot reach. What the route then wants to do with
the object is asked with `require()` (403).
"""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy.orm.interfaces import ORMOption

from studytrack.authz.policy import can
from studytrack.extensions import db
from studytrack.models import (
    Attachment,
    Attendance,
    FollowUpTask,
    Job,
    Material,
    Organization,
    Reflection,
    StudyGroup,
    StudySession,
    Talk,
    User,
)

M = TypeVar("M")

# What "may see it at all" means, by kind of object.
VISIBLE: dict[type, str] = {
    StudyGroup: "group.view",
    StudySession: "session.view",
    Attendance: "session.view",
    Talk: "session.view",
    FollowUpTask: "task.view",
    Reflection: "reflection.view",
    Material: "material.view",
    Attachment: "material.view",
    User: "record.view",
    Job: "job.view",
}


def load_or_404(
    entity: type[M], object_id: int, *options: ORMOption, permission: str | None = None
) -> M:
    """The `entity` of id `object_id` (with the loader `options` a page wants), if the user has
    `permission` on it (by default: may see it at all, VISIBLE); 404 otherwise."""
    obj = db.session.get(entity, object_id, options=options or None)
    if obj is None or not can(permission or VISIBLE[entity], obj):
        abort(404)
    return obj


def unit_or_404(unit_id: int, permission: str, *options: ORMOption) -> Organization:
    """A unit, if the user has `permission` on it (units have no one way of being seen)."""
    return load_or_404(Organization, unit_id, *options, permission=permission)


def group_or_404(group_id: int, *options: ORMOption) -> StudyGroup:
    return load_or_404(StudyGroup, group_id, *options)


def session_or_404(session_id: int, *options: ORMOption) -> StudySession:
    return load_or_404(StudySession, session_id, *options)


def reflection_or_404(reflection_id: int, *options: ORMOption) -> Reflection:
    return load_or_404(Reflection, reflection_id, *options)


def task_or_404(task_id: int, *options: ORMOption) -> FollowUpTask:
    return load_or_404(FollowUpTask, task_id, *options)


def material_or_404(material_id: int, *options: ORMOption) -> Material:
    return load_or_404(Material, material_id, *options)


def person_or_404(user_id: int, *options: ORMOption) -> User:
    return load_or_404(User, user_id, *options)


def job_or_404(job_id: int, *options: ORMOption) -> Job:
    return load_or_404(Job, job_id, *options)
