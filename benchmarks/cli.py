"""`flask --app studytrack bench-generate --scale 0.1 [--seed N] [--today YYYY-MM-DD]`.

Fills the app's (empty) database with the benchmark data set of `benchmarks.generate`. When
the database has no tables yet, the schema is created from the migrations first. Registered
by studytrack/cli.py when the `benchmarks` package is importable (a source checkout).
"""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import with_appcontext

from benchmarks.generate import DEFAULT_SEED, GenerateError, create_schema_if_missing, generate


@click.command("bench-generate")
@click.option("--scale", type=float, default=0.1, show_default=True,
              help="1 = a province: 300 units, 12,000 users, 15,000 sessions.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day the data set ends around (default: today in Asia/Shanghai).")
@with_appcontext
def bench_generate(scale: float, seed: int, today: object | None) -> None:
    """Fill an empty database with the deterministic benchmark data set."""
    from studytrack.extensions import db

    create_schema_if_missing(current_app._get_current_object())  # type: ignore[attr-defined]
    day = today.date() if today is not None else None  # type: ignore[attr-defined]
    try:
        generate(db.engine, scale, seed, day if isinstance(day, date) else None)
    except GenerateError as error:
        raise click.ClickException(str(error)) from error
