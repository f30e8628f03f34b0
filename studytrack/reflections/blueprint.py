"""The reflections blueprint: create_app imports this module, and it imports the views."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("reflections", __name__)


def reflection_panel(session: Any) -> Any:
    """For templates/reflections/_session_panel.html: what the current user sees about the
    session's reflections (their own status; the figures for secretaries and leaders)."""
    from flask_login import current_user

    from studytrack.reflections.queries import session_panel

    return session_panel(session, current_user)


@bp.record_once
def _register_template_globals(state: BlueprintSetupState) -> None:
    from studytrack.reflections.forms import BLANK_PREFIX, blank_comment_field, review_prefix

    # Real globals (not a context processor), so included templates and macros see them too.
    state.app.jinja_env.globals["reflection_panel"] = reflection_panel
    state.app.jinja_env.globals["review_prefix"] = review_prefix
    state.app.jinja_env.globals["blank_review_prefix"] = BLANK_PREFIX + "-"
    state.app.jinja_env.globals["blank_comment_field"] = blank_comment_field


from studytrack.reflections import routes  # noqa: E402,F401
