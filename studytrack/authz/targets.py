"""What a permission is asked about, by id and state: the targets of the policy.

A target is the few values the rules read — a group's id, a session's group and status, a
reflection's author and status — so that the policy answers the same for an ORM object, a row
of a page's query or an id the route was given. Each target names its protection parent
(reflection -> session -> group), as Indico's objects do. `target_of(obj)` turns what a route or
template holds into one; ORM objects delegate to it through the registrations below.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch
from typing import Any

from studytrack.models import (
    Attachment,
    Attendance,
    FollowUpTask,
    Job,
    Material,
    Organization,
    Reflection,
    ReflectionStatus,
    SessionStatus,
    StudyGroup,
    StudySession,
    Talk,
    User,
)


@dataclass(frozen=True, slots=True)
class UnitRef:
    """An organisation unit (its library, dashboard and targets)."""

    id: int


@dataclass(frozen=True, slots=True)
class GroupRef:
    id: int


@dataclass(frozen=True, slots=True)
class SessionRef:
    id: int
    group_id: int
    status: SessionStatus
    was_published: bool  # published at some time (a cancelled session keeps its record)

    @property
    def group(self) -> GroupRef:
        return GroupRef(self.group_id)


@dataclass(frozen=True, slots=True)
class ReflectionRef:
    """A member's reflection for a session: an existing one, or the one they would write
    (status None). `author_must_write` is the roster's answer (Attendance.owes_reflection);
    None when the asker did not read it, and the rule reads it then."""

    session: SessionRef
    author_id: int
    status: ReflectionStatus | None
    author_must_write: bool | None = None
    shared_with_members: bool = False  # the group's `members_read_reflections`


@dataclass(frozen=True, slots=True)
class TaskRef:
    session: SessionRef
    assignee_id: int | None


@dataclass(frozen=True, slots=True)
class MaterialRef:
    """A material, in the library of its unit."""

    unit_id: int


@dataclass(frozen=True, slots=True)
class PersonRef:
    """A person's yearly record: their own, and of the groups they are or were in."""

    id: int
    group_ids: frozenset[int] | None = None  # None: read when a rule needs it


@dataclass(frozen=True, slots=True)
class JobRef:
    """A background job: of its group, when it is about one (a group's archive)."""

    id: int
    group_id: int | None
    requested_by_id: int | None


Target = (UnitRef | GroupRef | SessionRef | ReflectionRef | TaskRef | MaterialRef | PersonRef
          | JobRef)
TARGET_TYPES = (UnitRef, GroupRef, SessionRef, ReflectionRef, TaskRef, MaterialRef, PersonRef,
                JobRef)


@singledispatch
def target_of(obj: Any) -> Target | None:
    """The target an object stands for: itself if it is one, its registration if it is a
    model, None for a permission asked without an object."""
    if obj is None or isinstance(obj, TARGET_TYPES):
        return obj
    raise TypeError(f"authz has no target for {type(obj).__name__}")


@target_of.register
def _unit(unit: Organization) -> UnitRef:
    return UnitRef(unit.id)


@target_of.register
def _group(group: StudyGroup) -> GroupRef:
    return GroupRef(group.id)


@target_of.register
def _session(session: StudySession) -> SessionRef:
    return SessionRef(session.id, session.group_id, session.status,
                      session.published_at is not None)


@target_of.register
def _reflection(reflection: Reflection) -> ReflectionRef:
    session = reflection.session
    return ReflectionRef(_session(session), reflection.author_id, reflection.status,
                         shared_with_members=session.group.members_read_reflections)


@target_of.register
def _task(task: FollowUpTask) -> TaskRef:
    return TaskRef(_session(task.session), task.assignee_id)


@target_of.register
def _talk(talk: Talk) -> SessionRef:
    return _session(talk.session)


@target_of.register
def _attendance(attendance: Attendance) -> SessionRef:
    return _session(attendance.session)


@target_of.register
def _material(material: Material) -> MaterialRef:
    return MaterialRef(material.organization_id)


@target_of.register
def _attachment(attachment: Attachment) -> MaterialRef:
    return _material(attachment.material)


@target_of.register
def _person(person: User) -> PersonRef:
    return PersonRef(person.id)


@target_of.register
def _job(job: Job) -> JobRef:
    return JobRef(job.id, job.group_id, job.requested_by_id)
