"""GET /healthz: is this process alive and can it reach its database?

For load balancers, systemd watchdogs and monitoring. No login, no CSRF (GET only), no rate
limit, no HTTPS redirect (a checker often talks to gunicorn directly over plain HTTP), no
session cookie. The answer never says why the database failed; the log does.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import jsonify

from studytrack.extensions import db, limiter, talisman
from studytrack.ops.blueprint import bp

log = logging.getLogger(__name__)


@bp.get("/healthz")
@limiter.exempt
@talisman(force_https=False)
def healthz() -> Any:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        # The driver's first line ("connection refused", "password authentication failed for
        # user …") helps the operator; SQLAlchemy's parameters and URL stay out of the log.
        cause = getattr(error, "orig", None) or error
        reason = (str(cause).strip().splitlines() or [""])[0][:300]
        log.warning("health check: database unreachable: %s: %s", type(cause).__name__, reason)
        response = jsonify(status="error", database="unreachable")
        response.status_code = 503
    else:
        response = jsonify(status="ok", database="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
