"""The reflections blueprint: create_app imports this module, and it imports the views."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, before_render_template
from flask.blueprints import BlueprintSetupState
from jinja2 import Template

bp = Blueprint("reflections", __name__)


def _session_page_panel(sender: Flask, template: Template, context: dict[str, Any],
                        **extra: Any) -> None:
    """Until study_sessions.routes passes `reflection_panel=reflection_panel(session)` to the
    session page, give it the panel here, once, before the page renders (then remove this)."""
    if template.name == "study_sessions/detail.html" and "reflection_panel" not in context:
        from studytrack.reflections.panel import reflection_panel

        context["reflection_panel"] = reflection_panel(context["session"])


@bp.record_once
def _connect(state: BlueprintSetupState) -> None:
    before_render_template.connect(_session_page_panel, state.app)


from studytrack.reflections import routes  # noqa: E402,F401
