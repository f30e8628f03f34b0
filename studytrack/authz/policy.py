"""The policy: every permission, named "<object>.<verb>", as one composition of named rules.

Routes `require()` a permission of the object they loaded (403 otherwise) or declare it with
`@requires`; templates ask the same `can()`. Nothing else decides who may do what.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from functools import cache, wraps
from typing import Any, ParamSpec, TypeVar

import sqlalchemy as sa
from flask import abort
from flask_login import current_user
from werkzeug.wrappers import Response

from studytrack.authz.reach import Reach, reach_of
from studytrack.authz.rules import (
    Rule,
    about_a_group,
    asked_for_it,
    handed_in,
    in_group,
    in_unit_group,
    is_admin,
    is_assignee,
    is_author,
    is_member,
    is_secretary,
    is_self,
    keeps_library,
    leads,
    leads_persons_group,
    must_write,
    not_handed_in,
    open_for_reflections,
    reads_library,
    secretary_of_persons_group,
    session_closed,
    session_editable,
    shared_with_members,
    shown_to_members,
    supervises,
    written,
)
from studytrack.authz.targets import target_of
from studytrack.models import (
    GroupRole,
    Organization,
    SessionStatus,
    StudyGroup,
    StudySession,
    in_subtree,
)

keeps_the_record = is_admin | is_secretary  # the study secretaries (and administrators)
reads_the_group = is_admin | in_group | leads  # everyone of the group, and leaders above it
# The secretaries see their sessions from the draft on; members and leaders once published.
reads_the_session = keeps_the_record | ((is_member | leads) & shown_to_members)

POLICY: dict[str, Rule] = {
    "admin.manage": is_admin,
    "unit.view": is_admin | leads | in_unit_group,
    "group.view": reads_the_group,
    "group.view_records": keeps_the_record | leads,
    "group.settings": keeps_the_record,
    # The group chat's robots the group's reminders are posted to (their webhook and secret).
    "robot.manage": keeps_the_record,
    # A supervisor sent from a unit above reads the session attended, not the group's others.
    "session.view": reads_the_session | supervises,
    "session.view_draft": keeps_the_record,
    "session.create": keeps_the_record,
    "session.edit": keeps_the_record & session_editable,
    "session.reopen": keeps_the_record & session_closed,
    # Supervision by attending (列席旁听): leaders above send a supervisor, who evaluates the
    # session; the group's secretaries and the leaders above read the evaluations.
    "supervision.assign": is_admin | leads,
    "supervision.view": keeps_the_record | leads | supervises,
    "supervision.evaluate": supervises,
    # The session as a calendar invitation (.ics) the secretary sends out.
    "session.invite": keeps_the_record,
    # Make-up study usually follows the session, often after it is closed.
    "attendance.makeup": keeps_the_record & (session_editable | session_closed),
    "material.view": is_admin | reads_library,
    "material.edit": is_admin | keeps_library,
    # A task is seen with its session, and always by its assignee.
    "task.view": reads_the_session | is_assignee,
    "task.manage": keeps_the_record,
    "task.progress": keeps_the_record | is_assignee,
    # Nobody but the author sees a draft; the author opens theirs once written, or while the
    # roster asks one of them. Fellow members read each other's accepted ones only where the
    # group shares them. Every page and file that shows a reflection's text asks this rule.
    "reflection.view": (is_author & (written | must_write))
    | ((keeps_the_record | leads) & handed_in)
    | (in_group & shared_with_members),
    "reflection.write": is_author & must_write & open_for_reflections & not_handed_in,
    "reflection.review": keeps_the_record,
    "report.view": reads_the_group,
    "report.export": reads_the_group,
    # The news release: the secretaries edit it and mark it final (also once the record is
    # closed); leaders of the group's unit or above read it.
    "report.write_news": keeps_the_record,
    "report.read_news": keeps_the_record | leads,
    "archive.export": keeps_the_record | leads,
    "audit.view": keeps_the_record,
    "dashboard.view": is_admin | leads,
    "plan.view": reads_the_group,
    "plan.edit": keeps_the_record,
    "target.edit": is_admin | leads,
    "record.view": is_admin | is_self | secretary_of_persons_group | leads_persons_group,
    # A job's page and file: of a group's records (its archive), for whoever may export them
    # now; any other, for the person who asked. The administrator sees every job.
    "job.view": keeps_the_record | leads | (asked_for_it & ~about_a_group),
}


def can(permission: str, obj: Any = None, user: Any = None) -> bool:
    """Whether `user` (the current user by default) has `permission` on `obj`: a model, a
    target (targets.py), or None for a permission held anywhere."""
    reach = reach_of(current_user if user is None else user)
    rule = POLICY.get(permission)
    return reach is not None and rule is not None and rule(reach, target_of(obj))


def require(permission: str, obj: Any = None) -> None:
    """Abort with 403 unless the current user has `permission` on `obj`."""
    if not can(permission, obj):
        abort(403)


P = ParamSpec("P")
R = TypeVar("R")


def requires(permission: str) -> Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Decorator for routes whose permission does not depend on a loaded object."""

    def decorator(view: Callable[P, R]) -> Callable[P, R | Response]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            if not current_user.is_authenticated:
                from studytrack.extensions import login_manager

                to_login: Response = login_manager.unauthorized()
                return to_login
            require(permission)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- where the user stands anywhere: the menu and the landing page ----------------------------


class Role(StrEnum):
    ADMIN = "admin"
    SECRETARY = "secretary"
    MEMBER = "member"
    LEADER = "leader"


def roles_anywhere(user: Any = None) -> frozenset[Role]:
    """The roles `user` (the current user by default) holds in some group or unit."""
    reach = reach_of(current_user if user is None else user)
    if reach is None:
        return frozenset()
    roles = {Role(role.value) for role in reach.group_roles.values()}
    if reach.is_admin:
        roles.add(Role.ADMIN)
    if reach.leads_anywhere:
        roles.add(Role.LEADER)
    return frozenset(roles)


# --- lists: the groups a user may open, as SQL ----------------------------------------------


def visible_sessions_condition(user: Any = None) -> sa.ColumnElement[bool]:
    """The sessions `user` may open ("session.view"), as a condition on StudySession and its
    group's unit (the statement joins StudyGroup and Organization): drafts only for the group's
    secretaries; otherwise their groups' and, for leaders, those below the units they lead;
    and the sessions they attend as a supervisor."""
    reach = reach_of(current_user if user is None else user)
    if reach is None:
        return sa.false()
    if reach.is_admin:
        return sa.true()
    keeps = [group for group, role in reach.group_roles.items() if role == GroupRole.SECRETARY]
    supervised = [StudySession.id.in_(reach.supervised_sessions)] if reach.supervised_sessions \
        else []
    return sa.or_(
        StudySession.group_id.in_(keeps),
        *supervised,
        sa.and_(
            StudySession.status != SessionStatus.DRAFT,
            sa.or_(StudySession.status != SessionStatus.CANCELLED,
                   StudySession.published_at.is_not(None)),
            visible_groups_condition(user),
        ),
    )


def visible_groups_condition(user: Any = None) -> sa.ColumnElement[bool]:
    """The groups `user` may open ("group.view"): their own, those below the units they lead,
    all for an administrator; a condition on StudyGroup and its unit (the statement joins
    Organization)."""
    return _of_reach(user, lambda reach: _groups_of(list(reach.group_roles), reach.led_paths))


def visible_groups_bound(user: Any = None) -> tuple[sa.ColumnElement[bool], dict[str, Any]]:
    """`visible_groups_condition` with bound parameters, and their values: the condition is
    one object per number of units led, so that a statement using it is built once (the home
    page of every user asks), not on every request."""
    reach = reach_of(current_user if user is None else user)
    if reach is None:
        return sa.false(), {}
    if reach.is_admin:
        return sa.true(), {}
    values: dict[str, Any] = {"visible_group_ids": list(reach.group_roles)}
    values.update((f"led_path_{i}", path) for i, path in enumerate(reach.led_paths))
    return _bound_visible_groups(len(reach.led_paths)), values


def _groups_of(ids: Any, unit_paths: Iterable[Any]) -> sa.ColumnElement[bool]:
    """The groups of `ids`, and every group below the units at `unit_paths`."""
    return sa.or_(
        StudyGroup.id.in_(ids), *(in_subtree(Organization.path, path) for path in unit_paths)
    )


@cache
def _bound_visible_groups(units_led: int) -> sa.ColumnElement[bool]:
    return _groups_of(
        sa.bindparam("visible_group_ids", expanding=True),
        [sa.bindparam(f"led_path_{i}") for i in range(units_led)],
    )


# --- lists: the libraries of materials a user may use or keep, as SQL ------------------------


def _of_reach(user: Any, condition: Callable[[Reach], sa.ColumnElement[bool]]
              ) -> sa.ColumnElement[bool]:
    """`condition` built from the user's reach: nothing for the anonymous, all for an
    administrator."""
    reach = reach_of(current_user if user is None else user)
    if reach is None:
        return sa.false()
    return sa.true() if reach.is_admin else condition(reach)


def usable_libraries_condition(user: Any = None) -> sa.ColumnElement[bool]:
    """The units whose library `user` may use ("material.view", the rule reads_library): those
    at or above the units of their groups, and at, above or below the units they lead; all for
    an administrator. A condition on Organization, the library's unit."""
    return _of_reach(user, lambda reach: sa.or_(
        Organization.id.in_(sorted(reach.member_lineage | reach.leader_lineage)),
        *(in_subtree(Organization.path, path) for path in reach.led_paths),
    ))


def kept_libraries_condition(user: Any = None) -> sa.ColumnElement[bool]:
    """The units whose library `user` keeps ("material.edit", the rule keeps_library): the
    units of the groups they are a secretary of; all for an administrator. A condition on
    Organization, the library's unit."""
    return _of_reach(user, lambda reach: Organization.id.in_(sorted({
        reach.group_units[group_id]
        for group_id, role in reach.group_roles.items() if role == GroupRole.SECRETARY
    })))


__all__ = ["POLICY", "Role", "can", "kept_libraries_condition", "require", "requires",
           "roles_anywhere", "usable_libraries_condition", "visible_groups_bound",
           "visible_groups_condition",
           "visible_sessions_condition"]
