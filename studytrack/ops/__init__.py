"""The operator's side: the health check and one structured log line per request."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ops", __name__)

from studytrack.ops import logs, routes  # noqa: E402, F401  (routes register on bp)

# Registering the blueprint also sets up logging and the request log for the whole app.
bp.record_once(lambda state: logs.init_app(state.app))
