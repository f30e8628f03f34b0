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

    from studytrack import extensions, i18n, prepared, security, web

    extensions.db.init_app(app)
    prepared.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(resource_dir("migrations")),
        render_as_batch=True, compare_type=True,
    )
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    web.init_app(app)

    from studytrack import (
        admin,
        auth,
        dashboard,
        errors,
        followups,
        groups,
        home,
        materials,
        notifications,
        ops,
        plans,
        records,
        reflections,
        reports,
        study_sessions,
    )

    for blueprint in (
        auth.bp, home.bp, groups.bp, study_sessions.bp, materials.bp, followups.bp,
        reflections.bp, reports.bp, notifications.bp, plans.bp, records.bp, dashboard.bp,
        admin.bp, ops.bp,
    ):
        app.register_blueprint(blueprint)
    errors.init_app(app)

    from studytrack import cli

    cli.init_app(app)
    return app
