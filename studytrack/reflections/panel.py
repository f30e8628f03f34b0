"""The reflections panel of the session page (templates/reflections/_session_panel.html):
what the current user sees there about the session's reflections. The session page's view
passes it to the template as `reflection_panel=reflection_panel(session)`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_login import current_user

from studytrack import authz
from studytrack.models import MAKEUP_STATUSES, AttendanceStatus, Reflection, StudySession
from studytrack.reflections.queries import Counts, State, counts, my_reflection


@dataclass(frozen=True)
class Panel:
    must_write: bool  # the user must write for this session
    on_roster_status: AttendanceStatus | None  # the user's attendance, if on the roster
    reflection: Reflection | None  # the user's own reflection
    counts: Counts | None  # for those who may read the group's reflections
    may_review: bool
    may_write: bool  # "reflection.write": the editor takes their text now

    @property
    def state(self) -> State:
        return State.NOT_STARTED if self.reflection is None else State(self.reflection.status.value)

    @property
    def missed(self) -> bool:
        """On leave or absent: the panel offers to record make-up study."""
        return self.on_roster_status in MAKEUP_STATUSES

    @property
    def visible(self) -> bool:
        return self.must_write or self.reflection is not None or self.counts is not None


HIDDEN = Panel(False, None, None, None, False, False)


def reflection_panel(session: StudySession, user: Any = None) -> Panel:
    """The panel for `user` (the current user by default) on `session`, whose attendance roster
    is loaded: their own status (one query) and, for secretaries and leaders, the figures (one
    query). Nothing before the session is held."""
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False) or not session.is_held:
        return HIDDEN
    mine = next((a for a in session.attendances if a.user_id == user.id), None)
    must = mine is not None and mine.owes_reflection
    reflection = my_reflection(session, user) if mine is not None else None
    session_ref = authz.target_of(session)
    assert isinstance(session_ref, authz.SessionRef)  # a StudySession's target
    target = authz.ReflectionRef(
        session_ref, user.id, reflection.status if reflection else None, author_must_write=must,
    )
    return Panel(
        must_write=must,
        on_roster_status=mine.status if mine is not None else None,
        reflection=reflection,
        counts=counts(session) if authz.can("reflection.view", session, user) else None,
        may_review=authz.can("reflection.review", session, user),
        may_write=authz.can("reflection.write", target, user),
    )
