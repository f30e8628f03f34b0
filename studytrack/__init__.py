"""studytrack: records, reflections and dashboards for party theory study groups."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """templates/ and migrations/ sit at the top of the source tree and inside the wheel."""
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / name


def create_app(config: type | Mapping[str, Any] | None = None) -> Flask:
    """Application factory: config -> extensions -> blueprints -> errors -> cli."""
    from studytrack import config as config_module

    app = Flask(
        __name__,
        instance_path=os.environ.get("STUDYTRACK_INSTANCE_PATH") or None,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
    )
    app.config.from_object(config_module.Config)
    if config is None:
        app.config.update(config_module.Config.from_env())
    elif isinstance(config, Mapping):
        app.config.update(config)
    else:
        app.config.from_object(config)
    config_module.finalize(app.config, Path(app.instance_path))

    from studytrack import (
        caching,
        extensions,
        i18n,
        inputs,
        prepared,
        security,
        stats,
        unit_of_work,
        web,
    )
    from studytrack.jobs import queue

    # First: its after_request commit must run after every other after_request function.
    unit_of_work.init_app(app)
    extensions.db.init_app(app)
    prepared.init_app(app)
    stats.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(resource_dir("migrations")),
        render_as_batch=True, compare_type=True,
    )
    extensions.csrf.init_app(app)
    extensions.mail.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    web.init_app(app)
    caching.init_app(app)
    queue.init_app(app)
    inputs.init_app(app)  # before the blueprints: the bounded `<int:…>` converter

    from studytrack import errors
    from studytrack.admin.blueprint import bp as admin
    from studytrack.auth.blueprint import bp as auth
    from studytrack.dashboard.blueprint import bp as dashboard
    from studytrack.followups.blueprint import bp as followups
    from studytrack.groups.blueprint import bp as groups
    from studytrack.home.blueprint import bp as home
    from studytrack.jobs.blueprint import bp as jobs
    from studytrack.materials.blueprint import bp as materials
    from studytrack.notifications.blueprint import bp as notifications
    from studytrack.ops.blueprint import bp as ops
    from studytrack.plans.blueprint import bp as plans
    from studytrack.records.blueprint import bp as records
    from studytrack.reflections.blueprint import bp as reflections
    from studytrack.reminders.blueprint import bp as reminders
    from studytrack.reports.blueprint import bp as reports
    from studytrack.study_sessions.blueprint import bp as study_sessions
    from studytrack.supervision.blueprint import bp as supervision

    for blueprint in (
        auth, home, groups, study_sessions, materials, followups, reflections, reports,
        notifications, reminders, supervision, plans, records, dashboard, admin, jobs, ops,
    ):
        app.register_blueprint(blueprint)
    errors.init_app(app)

    from studytrack.ops import logs

    logs.init_app(app)  # logging, and one log line per request

    from studytrack import cli

    cli.init_app(app)
    return app
