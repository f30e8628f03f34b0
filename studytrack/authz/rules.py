"""The named rules the policy is composed of, after flaskbb's requirements
(`CanEditPost = Or(IsAtleastSuperModerator, And(IsModeratorInForum, …))`).

A rule is a predicate over a user's reach and a target (targets.py). Each says one thing — who
the user is with respect to the target, or what state the target is in — and is combined with
`|`, `&` and `~` into the permissions of policy.py. A rule about the group (is_secretary,
leads…) reads the group of the target's protection parent: a reflection's or task's session's
group. Asked without a target (None), a rule about the user's position answers "anywhere".
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from studytrack.authz.reach import Reach
from studytrack.authz.targets import (
    GroupRef,
    JobRef,
    MaterialRef,
    PersonRef,
    ReflectionRef,
    SessionRef,
    Target,
    TaskRef,
    UnitRef,
)
from studytrack.extensions import db
from studytrack.models import (
    EDITABLE_SESSION_STATUSES,
    HANDED_IN_STATUSES,
    WRITABLE_REFLECTION_STATUSES,
    Attendance,
    GroupMembership,
    GroupRole,
    ReflectionStatus,
    SessionStatus,
)
from studytrack.models.study_session import session_shown_to_members

Test = Callable[[Reach, "Target | None"], bool]


class Rule:
    """A named predicate; `a | b`, `a & b` and `~a` make new ones (evaluated lazily)."""

    __slots__ = ("name", "test")

    def __init__(self, name: str, test: Test) -> None:
        self.name = name
        self.test = test

    def __call__(self, reach: Reach, target: Target | None) -> bool:
        return self.test(reach, target)

    def __or__(self, other: Rule) -> Rule:
        return Rule(f"({self.name} | {other.name})",
                    lambda reach, target: self(reach, target) or other(reach, target))

    def __and__(self, other: Rule) -> Rule:
        return Rule(f"({self.name} & {other.name})",
                    lambda reach, target: self(reach, target) and other(reach, target))

    def __invert__(self) -> Rule:
        return Rule(f"~{self.name}", lambda reach, target: not self(reach, target))

    def __repr__(self) -> str:
        return f"<Rule {self.name}>"


def rule(test: Test) -> Rule:
    """Decorator: a rule named after its function."""
    return Rule(test.__name__, test)


# --- the protection parents ---------------------------------------------------------------


def session_of(target: Target | None) -> SessionRef | None:
    if isinstance(target, SessionRef):
        return target
    if isinstance(target, ReflectionRef | TaskRef):
        return target.session
    return None


def group_id_of(target: Target | None) -> int | None:
    if isinstance(target, GroupRef):
        return target.id
    if isinstance(target, JobRef):
        return target.group_id
    session = session_of(target)
    return session.group_id if session is not None else None


def unit_id_of(target: Target | None) -> int | None:
    if isinstance(target, UnitRef):
        return target.id
    if isinstance(target, MaterialRef):
        return target.unit_id
    return None


def _group_role(reach: Reach, target: Target | None) -> set[GroupRole]:
    """The user's roles in the target's group; anywhere when asked without a target."""
    if target is None:
        return set(reach.group_roles.values())
    group_id = group_id_of(target)
    role = reach.role_in(group_id) if group_id is not None else None
    return {role} if role is not None else set()


# --- who the user is with respect to the target ----------------------------------------------


@rule
def is_admin(reach: Reach, target: Target | None) -> bool:
    return reach.is_admin


@rule
def is_secretary(reach: Reach, target: Target | None) -> bool:
    """A study secretary of the target's group."""
    return GroupRole.SECRETARY in _group_role(reach, target)


@rule
def is_member(reach: Reach, target: Target | None) -> bool:
    """A member (not the secretary) of the target's group."""
    return GroupRole.MEMBER in _group_role(reach, target)


in_group = Rule("in_group", lambda reach, target: bool(_group_role(reach, target)))


@rule
def leads(reach: Reach, target: Target | None) -> bool:
    """A leader of the target's unit or of a unit above it (of its group's unit, for groups,
    sessions, reflections and tasks)."""
    if target is None:
        return reach.leads_anywhere
    unit_id = unit_id_of(target)
    if unit_id is not None:
        return reach.leads_unit(unit_id)
    group_id = group_id_of(target)
    return group_id is not None and reach.leads_group(group_id)


@rule
def is_author(reach: Reach, target: Target | None) -> bool:
    return isinstance(target, ReflectionRef) and target.author_id == reach.user_id


@rule
def is_assignee(reach: Reach, target: Target | None) -> bool:
    return isinstance(target, TaskRef) and target.assignee_id == reach.user_id


@rule
def is_self(reach: Reach, target: Target | None) -> bool:
    return isinstance(target, PersonRef) and target.id == reach.user_id


@rule
def supervises(reach: Reach, target: Target | None) -> bool:
    """Sent by a unit above to attend this session as a supervisor (列席旁听)."""
    return isinstance(target, SessionRef) and target.id in reach.supervised_sessions


@rule
def asked_for_it(reach: Reach, target: Target | None) -> bool:
    """The person who asked for the job."""
    return isinstance(target, JobRef) and target.requested_by_id == reach.user_id


@rule
def about_a_group(reach: Reach, target: Target | None) -> bool:
    """A job about a group (its file shows the group's records)."""
    return isinstance(target, JobRef) and target.group_id is not None


@rule
def in_unit_group(reach: Reach, target: Target | None) -> bool:
    """In a study group of the target unit itself."""
    unit_id = unit_id_of(target)
    return unit_id is not None and unit_id in reach.group_units.values()


# --- the materials library of a unit ---------------------------------------------------------


@rule
def keeps_library(reach: Reach, target: Target | None) -> bool:
    """The secretaries of the unit's own groups keep its library."""
    unit_id = unit_id_of(target)
    return any(
        role == GroupRole.SECRETARY and reach.group_units[group_id] == unit_id
        for group_id, role in reach.group_roles.items()
    )


@rule
def reads_library(reach: Reach, target: Target | None) -> bool:
    """Every group of the unit or below it reads and uses its library, and the leaders at,
    above or below the unit (a college's leader studies the university's materials too)."""
    unit_id = unit_id_of(target)
    return unit_id is not None and (
        unit_id in reach.member_lineage
        or reach.leads_unit(unit_id)
        or unit_id in reach.leader_lineage
    )


# --- a person's record ---------------------------------------------------------------------


def _groups_of_person(person: PersonRef) -> frozenset[int]:
    if person.group_ids is not None:
        return person.group_ids
    return frozenset(db.session.scalars(
        sa.select(GroupMembership.group_id).where(GroupMembership.user_id == person.id)
    ))


@rule
def secretary_of_persons_group(reach: Reach, target: Target | None) -> bool:
    """A secretary of a group the person is or was in."""
    return isinstance(target, PersonRef) and any(
        reach.role_in(group_id) == GroupRole.SECRETARY for group_id in _groups_of_person(target)
    )


@rule
def leads_persons_group(reach: Reach, target: Target | None) -> bool:
    """A leader above a group the person is or was in."""
    return isinstance(target, PersonRef) and any(
        reach.leads_group(group_id) for group_id in _groups_of_person(target)
    )


# --- the state of the target ---------------------------------------------------------------
# A state rule asked of a target without that state (a group, say) does not hold it back.


@rule
def shown_to_members(reach: Reach, target: Target | None) -> bool:
    """Published: a draft (and a session cancelled before it was published) is the
    secretaries' own."""
    session = session_of(target)
    return session is None or session_shown_to_members(session.status, session.was_published)


@rule
def session_editable(reach: Reach, target: Target | None) -> bool:
    """A closed (or cancelled) record is locked until a secretary reopens it."""
    session = session_of(target)
    return session is None or session.status in EDITABLE_SESSION_STATUSES


@rule
def session_closed(reach: Reach, target: Target | None) -> bool:
    session = session_of(target)
    return session is None or session.status == SessionStatus.CLOSED


@rule
def open_for_reflections(reach: Reach, target: Target | None) -> bool:
    """Reflections are written while the session is published."""
    session = session_of(target)
    return session is not None and session.status == SessionStatus.PUBLISHED


@rule
def handed_in(reach: Reach, target: Target | None) -> bool:
    """A reflection handed in (a draft is its author's alone)."""
    return not isinstance(target, ReflectionRef) or target.status in HANDED_IN_STATUSES


@rule
def shared_with_members(reach: Reach, target: Target | None) -> bool:
    """An accepted reflection, in a group whose members read each other's."""
    return (
        isinstance(target, ReflectionRef)
        and target.shared_with_members
        and target.status == ReflectionStatus.ACCEPTED
    )


@rule
def written(reach: Reach, target: Target | None) -> bool:
    """The reflection exists (a draft at least), rather than one its author is yet to write."""
    return isinstance(target, ReflectionRef) and target.status is not None


@rule
def not_handed_in(reach: Reach, target: Target | None) -> bool:
    """Not started, a draft, or returned for revision: its author may still change it."""
    return isinstance(target, ReflectionRef) and (
        target.status is None or target.status in WRITABLE_REFLECTION_STATUSES
    )


@rule
def must_write(reach: Reach, target: Target | None) -> bool:
    """The author owes a reflection for the session (Attendance.owes_reflection)."""
    if not isinstance(target, ReflectionRef):
        return False
    if target.author_must_write is not None:
        return target.author_must_write
    return bool(db.session.scalar(
        sa.select(Attendance.owes_reflection).where(
            Attendance.session_id == target.session.id,
            Attendance.user_id == target.author_id,
        )
    ))
