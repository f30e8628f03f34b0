"""Flask commands: `flask --app studytrack create-admin`, `seed-demo`, …"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
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


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Back up the database and the uploaded files into one archive, while the app runs.

    PATH is the archive to write (.tar.gz, .tgz or .zip), or an existing folder in which a
    dated .tar.gz is written.
    """
    from studytrack import backup
    from studytrack.storage import storage

    db.session.remove()
    try:
        result = backup.create_backup(path, db.engine, storage("uploads"))
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    manifest = result.manifest
    click.echo(
        f"Backup written to {result.path} ({result.size / 1024 / 1024:.1f} MB): "
        f"{manifest.database} database at schema revision "
        f"{manifest.alembic_revision or '(none recorded)'}, "
        f"{len(manifest.upload_files)} uploaded files."
    )


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Replace a database that holds data and an upload folder that holds files.")
@click.option("--verify-only", is_flag=True,
              help="Only check the archive (manifest, checksums, paths); change nothing.")
@with_appcontext
def restore_command(path: Path, force: bool, verify_only: bool) -> None:
    """Restore a backup made by `backup` into the configured database and upload folder.

    The archive is checked completely before anything changes; a damaged one is refused.
    Stop the app while restoring.
    """
    from studytrack import backup
    from studytrack.storage import storage

    db.session.remove()
    try:
        if verify_only:
            manifest = backup.verify_archive(path)
            schema = backup.check_revision(
                manifest.alembic_revision, current_app.extensions["migrate"].directory
            )
            click.echo(
                f"{path} is intact: {manifest.database} database at schema revision "
                f"{manifest.alembic_revision or '(none recorded)'}, "
                f"{len(manifest.upload_files)} uploaded files, made {manifest.created_at} "
                f"by studytrack {manifest.app_version}."
            )
            if schema == backup.OLDER:
                click.echo("Its schema is older than this version's: after restoring it, run "
                           "`flask --app studytrack db upgrade`.")
            return
        result = backup.restore_backup(
            path, db.engine, current_app.config["UPLOAD_FOLDER"],
            current_app.extensions["migrate"].directory, force=force,
            uploads=storage("uploads"),
        )
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    manifest = result.manifest
    click.echo(
        f"Restored the backup of {manifest.created_at} (studytrack {manifest.app_version}): "
        f"the {manifest.database} database and {result.files} uploaded files."
    )
    if result.schema == backup.OLDER:
        click.echo(
            f"The backup's schema (revision {manifest.alembic_revision}) is older than this "
            f"version's ({result.head}): run `flask --app studytrack db upgrade` now."
        )
    elif result.schema == backup.UNRECORDED:
        click.echo(
            "The backup records no schema revision (its database was not created by "
            "`flask db upgrade`); check the schema before serving it."
        )


@click.group("jobs")
def jobs_group() -> None:
    """Background jobs: the worker that runs them."""


@jobs_group.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time.")
@with_appcontext
def jobs_worker(workers: int) -> None:
    """Run the jobs of the queue until stopped (Ctrl+C or SIGTERM finishes the running ones).
    Also removes the files whose time is up, every quarter of an hour."""
    import logging

    from studytrack.jobs.queue import queue

    logging.getLogger("huey").setLevel(logging.INFO)
    huey = queue().huey
    if huey.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is set: jobs run where they are queued.")
    click.echo(f"studytrack: running jobs of {type(huey).__name__} '{huey.name}' "
               f"with {workers} worker threads")
    # An idle worker looks at the queue at least every second (Huey's default backs off to
    # ten): a report's PDF is asked for by someone waiting on its page.
    huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                         max_delay=1.0).run()


@click.group("reminders")
def reminders_group() -> None:
    """Reminders (studytrack.reminders): the worker runs them by itself; these run them now."""


@reminders_group.command("scan")
@with_appcontext
def reminders_scan() -> None:
    """Record and notify the reminders due now (never one twice); their mails and robot posts
    go out with the worker."""
    from studytrack.reminders import services

    made = services.scan()
    click.echo(f"studytrack: {made} new reminders")


@reminders_group.command("send")
@with_appcontext
def reminders_send() -> None:
    """Send the reminders' mails and robot posts whose time has come, here and now."""
    from studytrack.reminders import services

    click.echo(f"studytrack: {services.send_due()} sent")


@click.group("storage")
def storage_group() -> None:
    """The storage of files (uploads, what jobs make): a folder or an S3-compatible store."""


@storage_group.command("migrate")
@click.option("--to", "direction", type=click.Choice(["s3", "local"]), required=True,
              help="s3: from the folders to the S3 store; local: back from S3 to the folders.")
@with_appcontext
def storage_migrate(direction: str) -> None:
    """Copy every stored file between the folders and the S3-compatible store of the
    STUDYTRACK_S3_* settings, checking each copy's sha256. Files already there with the same
    checksum are skipped, so an interrupted run is resumed by running it again. Then set
    STUDYTRACK_STORAGE to the new place and restart the app and its workers."""
    from studytrack import storage

    try:
        stores = storage.object_stores()
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    folders = storage.folders()
    copied = skipped = 0
    for area in storage.AREAS:
        source, target = ((folders[area], stores[area]) if direction == "s3"
                          else (stores[area], folders[area]))
        try:
            for key, was_copied in storage.migrate(source, target):
                copied, skipped = copied + was_copied, skipped + (not was_copied)
                click.echo(f"{'copied ' if was_copied else 'already there '}{area}/{key}")
        except OSError as error:
            raise click.ClickException(
                f"Stopped ({copied} copied, {skipped} already there): {error}. Run the "
                "command again to go on.") from error
    click.echo(f"{copied} files copied, {skipped} already there, every copy checked by sha256.")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(jobs_group)
    app.cli.add_command(storage_group)
    app.cli.add_command(reminders_group)


def main() -> None:
    """The `studytrack` console script: the same commands as `flask --app studytrack`."""
    from studytrack import create_app

    FlaskGroup(create_app=create_app)(prog_name="studytrack")
