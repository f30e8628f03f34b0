"""Flask commands: `flask --app studytrack create-admin`, `seed-demo`, …"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from studytrack.extensions import db


@click.command("create-admin")
@click.option("--username", prompt=True, help="Login name of the new administrator.")
@click.option("--name", "display_name", prompt="Display name", help="Name shown in the app.")
@click.password_option(help="Initial password (asked twice when not given).")
@with_appcontext
def create_admin(username: str, display_name: str, password: str) -> None:
    """Create an administrator account (the first one, or another)."""
    from studytrack.admin.services import create_user
    from studytrack.errors import DomainError

    try:
        user = create_user(
            username=username, display_name=display_name, password=password,
            is_admin=True, must_change_password=False,
        )
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    db.session.commit()
    click.echo(f"Administrator '{user.username}' created.")


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Load the demo data into an empty database (never into one that holds real data)."""
    from studytrack import demo

    outcome = demo.seed()
    db.session.commit()
    click.echo(outcome.message)
    if outcome.accounts:
        click.echo(demo.format_accounts(outcome.accounts))


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)


def main() -> None:
    """The `studytrack` console script: the same commands as `flask --app studytrack`."""
    from studytrack import create_app

    FlaskGroup(create_app=create_app)(prog_name="studytrack")
