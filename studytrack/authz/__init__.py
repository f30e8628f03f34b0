"""Who may do what: the one policy of the application.

- `reach.py`: what the rules know of a user (their groups, the units and groups they lead),
  read once per request.
- `targets.py`: what a permission is asked about, by id and state; `target_of()` turns a
  model (or a page's row holding a target) into one.
- `rules.py`: the named rules (is_secretary, leads, handed_in…), composable with | & ~.
- `policy.py`: POLICY, each permission "<object>.<verb>" as one composition of rules;
  `can()`, `require()`, `@requires`, and the SQL twins for lists (groups, sessions, the
  libraries of materials).
- `loaders.py`: `load_or_404()` and the loaders built on it: what the user cannot see at all
  answers 404.

Routes load through the loaders, then `require()` what they do (403); templates ask `can()`.
"""

from studytrack.authz.loaders import (
    VISIBLE,
    group_or_404,
    job_or_404,
    load_or_404,
    material_or_404,
    person_or_404,
    reflection_or_404,
    session_or_404,
    task_or_404,
    unit_or_404,
)
from studytrack.authz.policy import (
    POLICY,
    Role,
    can,
    kept_libraries_condition,
    require,
    requires,
    roles_anywhere,
    usable_libraries_condition,
    visible_groups_bound,
    visible_groups_condition,
    visible_sessions_condition,
)
from studytrack.authz.reach import Reach, forget_reach, reach_of
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
    target_of,
)

__all__ = [
    "POLICY",
    "VISIBLE",
    "GroupRef",
    "JobRef",
    "MaterialRef",
    "PersonRef",
    "Reach",
    "ReflectionRef",
    "Role",
    "SessionRef",
    "Target",
    "TaskRef",
    "UnitRef",
    "can",
    "forget_reach",
    "group_or_404",
    "job_or_404",
    "kept_libraries_condition",
    "load_or_404",
    "material_or_404",
    "person_or_404",
    "reach_of",
    "reflection_or_404",
    "require",
    "requires",
    "roles_anywhere",
    "session_or_404",
    "target_of",
    "task_or_404",
    "unit_or_404",
    "usable_libraries_condition",
    "visible_groups_bound",
    "visible_groups_condition",
    "visible_sessions_condition",
]
