"""Backup and restore: real data round-trips through an archive into a fresh database, table by
table and file by file; damaged archives are refused and change nothing.

Each test builds its own installations (create_app with a database of its own: SQLite files in
tmp_path, or PostgreSQL databases named after the run's database with a suffix, created and
dropped here), since the suite's `app` shares one in-memory SQLite database.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import stamp, upgrade

from studytrack import backup, create_app
from studytrack.admin import services as admin_services
from studytrack.config import TestConfig
from studytrack.extensions import db
from studytrack.materials import services as material_services
from studytrack.models import (
    AttendanceStatus,
    Base,
    GroupRole,
    GroupTitle,
    MaterialKind,
    OrganizationKind,
    SessionKind,
    SessionStatus,
    StudySession,
    User,
)
from studytrack.study_sessions import attendance_services

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
TEXT = "学习贯彻党的二十大精神，心得体会。\n".encode()


# --- databases and installations of our own ----------------------------------------------


def require_postgresql_tools() -> None:
    """pg_dump and pg_restore, not older than the server: missing fails in CI, skips locally."""
    problem = next((f"{tool} is not installed (apt-get install postgresql-client)"
                    for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None), None)
    if problem is None:
        version = subprocess.run(["pg_dump", "--version"], capture_output=True, text=True,
                                 check=True).stdout
        match = re.search(r"(\d+)(?:\.\d+)?", version)
        server = _server_major()
        if match is None or int(match.group(1)) < server:
            problem = f"{version.strip()} is older than the PostgreSQL {server} server"
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem, pytrace=False)
        pytest.skip(problem)


def _server_major() -> int:
    engine = sa.create_engine(os.environ["STUDYTRACK_TEST_DATABASE_URL"].replace(
        "postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as connection:
            return int(connection.scalar(sa.text("SHOW server_version_num"))) // 10000
    finally:
        engine.dispose()


class Databases:
    """Fresh, empty databases on the suite's backend; all dropped by close()."""

    def __init__(self, database_url: str, folder: Path) -> None:
        self.url = sa.make_url(database_url)
        self.folder = folder
        self.names: list[str] = []

    @property
    def postgresql(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def new(self, suffix: str) -> str:
        if not self.postgresql:
            path = self.folder / f"{suffix}.sqlite"
            path.unlink(missing_ok=True)
            return f"sqlite:///{path}"
        name = f"{self.url.database}_{suffix}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                    f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
                    "LC_CTYPE 'C.UTF-8' TEMPLATE template0")
        self.names.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        if self.names:
            self._admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
                          for name in self.names))

    def _admin(self, *statements: str) -> None:
        engine = sa.create_engine(self.url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                for statement in statements:
                    connection.execute(sa.text(statement))
        finally:
            engine.dispose()


@contextmanager
def databases_for(database_url: str, folder: Path) -> Iterator[Databases]:
    if database_url.startswith("postgresql"):
        require_postgresql_tools()
    databases = Databases(database_url, folder)
    try:
        yield databases
    finally:
        databases.close()


@contextmanager
def installation(url: str, uploads: Path) -> Iterator[Flask]:
    config = type("Config", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": url, "UPLOAD_FOLDER": str(uploads),
    })
    app = create_app(config)
    with app.app_context():
        if db.engine.url.get_backend_name() == "sqlite":  # test files need not survive a crash
            sa.event.listen(db.engine, "connect", _no_fsync)
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _no_fsync(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.execute("PRAGMA synchronous = OFF")


def populate() -> None:
    """Organisations, users, a group, a session with attendance, a material with two files."""
    university = admin_services.create_organization("某某大学党委")
    college = admin_services.create_organization(
        "马克思主义学院党委", kind=OrganizationKind.COMMITTEE, parent=university
    )
    people = [
        admin_services.create_user(username=f"user{i}", display_name=name, password="pw-12345678",
                                   is_admin=i == 0, must_change_password=False)
        for i, name in enumerate(["管理员", "李秘书", "张瑜", "王书记"])
    ]
    group = admin_services.create_group(college, "学院理论学习中心组")
    admin_services.add_member(group, people[1], GroupRole.SECRETARY, GroupTitle.MEMBER)
    admin_services.add_member(group, people[2], GroupRole.MEMBER, GroupTitle.MEMBER)
    admin_services.add_member(group, people[3], GroupRole.MEMBER, GroupTitle.LEADER)
    starts_at = datetime(2026, 3, 26, 6, 0, tzinfo=UTC)
    session = StudySession(
        group=group, topic="学习贯彻习近平总书记重要讲话精神", kind=SessionKind.COLLECTIVE,
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), location="518会议室",
        status=SessionStatus.PUBLISHED,
    )
    db.session.add(session)
    db.session.flush()
    rows = attendance_services.ensure_roster(session)
    for row in rows:
        row.status = AttendanceStatus.PRESENT
    rows[0].status, rows[0].leave_reason = AttendanceStatus.ON_LEAVE, "出差"
    material = material_services.create_material(
        university,
        material_services.MaterialData(kind=MaterialKind.SPEECH, title="重要讲话全文"),
        link_to=session,
    )
    material_services.upload_attachment(material, io.BytesIO(PDF), "讲话全文.pdf",
                                        uploaded_by=people[1])
    material_services.upload_attachment(material, io.BytesIO(TEXT), "学习心得.txt")
    db.session.commit()


def table_rows(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table, every row, ordered by primary key; alembic_version too."""
    with engine.connect() as connection:
        rows = {
            table.name: [tuple(row) for row in connection.execute(
                sa.select(table).order_by(*table.primary_key.columns)
            )]
            for table in Base.metadata.sorted_tables
        }
        if sa.inspect(connection).has_table("alembic_version"):
            rows["alembic_version"] = [tuple(row) for row in connection.execute(
                sa.text("SELECT version_num FROM alembic_version ORDER BY version_num")
            )]
    return rows


def files_in(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def state(app: Flask) -> tuple[dict[str, list[tuple[Any, ...]]], dict[str, bytes]]:
    """What a restore may change: the rows of every table and the upload folder's files."""
    with app.app_context():
        rows = table_rows(db.engine) if sa.inspect(db.engine).get_table_names() else {}
    return rows, files_in(Path(app.config["UPLOAD_FOLDER"]))


def restore(app: Flask, archive: Path, *, force: bool = False) -> backup.RestoreResult:
    with app.app_context():
        return backup.restore_backup(
            archive, db.engine, app.config["UPLOAD_FOLDER"],
            app.extensions["migrate"].directory, force=force,
        )


def head_revision(app: Flask) -> str:
    return ScriptDirectory(app.extensions["migrate"].directory).get_current_head()


# --- fixtures ----------------------------------------------------------------------------


@dataclass
class Source:
    app: Flask
    tar: Path
    zip: Path
    rows: dict[str, list[tuple[Any, ...]]]
    files: dict[str, bytes]


@pytest.fixture(scope="module")
def source(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """An installation made by `flask db upgrade`, with real data, backed up both ways."""
    folder = tmp_path_factory.mktemp("backup-source")
    with pytest.MonkeyPatch.context() as monkeypatch, ExitStack() as stack:
        monkeypatch.setenv("STUDYTRACK_INSTANCE_PATH", str(folder / "instance"))
        databases = stack.enter_context(databases_for(database_url, folder))
        app = stack.enter_context(installation(databases.new("bk_src"), folder / "uploads"))
        with app.app_context():
            upgrade()
            populate()
            archives = [
                backup.create_backup(folder / name, db.engine, app.config["UPLOAD_FOLDER"])
                for name in ("studytrack.tar.gz", "studytrack.zip")
            ]
        rows, files = state(app)
        yield Source(app, archives[0].path, archives[1].path, rows, files)


@pytest.fixture
def make_target(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Flask]]:
    """make_target(schema="none"|"migrated"|"create_all"): an empty installation to restore
    into, with its own database and upload folder. "create_all" stamps the head revision, as
    `flask db upgrade` would leave it (quicker than running every migration)."""
    monkeypatch.setenv("STUDYTRACK_INSTANCE_PATH", str(tmp_path / "instance"))
    with ExitStack() as stack:
        databases = stack.enter_context(databases_for(database_url, tmp_path))
        counter = iter(range(1, 100))

        def make(schema: str = "none") -> Flask:
            n = next(counter)
            app = stack.enter_context(
                installation(databases.new(f"bk_dst{n}"), tmp_path / f"uploads{n}")
            )
            with app.app_context():
                if schema == "migrated":
                    upgrade()
                elif schema == "create_all":
                    db.create_all()
                    stamp()
            return app

        yield make


def add_data(app: Flask) -> None:
    """A user and an uploaded file: an installation in use."""
    with app.app_context():
        admin_services.create_user(username="existing", display_name="已有用户",
                                   password="pw-12345678", must_change_password=False)
        db.session.commit()
    stray = Path(app.config["UPLOAD_FOLDER"]) / "ff" / ("f" * 32 + ".txt")
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"an upload of the existing installation\n")


# --- round trips -------------------------------------------------------------------------


def test_the_source_holds_real_data(source: Source) -> None:
    for table in ("organizations", "users", "study_groups", "group_memberships",
                  "study_sessions", "attendances", "materials", "attachments",
                  "session_materials", "audit_events", "alembic_version"):
        assert source.rows[table], f"no rows in {table}"
    assert len(source.files) == 2
    assert PDF in source.files.values() and TEXT in source.files.values()


@pytest.mark.parametrize(("archive", "schema"), [("tar", "none"), ("zip", "migrated")])
def test_round_trip_restores_every_row_and_every_file(
    source: Source, make_target: Callable[..., Flask], archive: str, schema: str
) -> None:
    path = getattr(source, archive)
    target = make_target(schema)

    result = restore(target, path)

    rows, files = state(target)
    assert set(rows) == set(source.rows)
    for table, expected in source.rows.items():
        assert rows[table] == expected, f"table {table} differs after the restore"
    assert files == source.files
    assert result.schema == backup.CURRENT and not result.needs_upgrade
    assert result.files == 2
    # the restored installation works: the ORM reads it and writes to it
    with target.app_context():
        assert db.session.scalar(sa.select(User).filter_by(username="user2")).display_name == "张瑜"
        admin_services.create_user(username="after", display_name="恢复后", password="pw-12345678")
        db.session.commit()


def test_manifest_describes_the_archive(source: Source) -> None:
    with tarfile.open(source.tar) as archive:
        names = archive.getnames()
        manifest = json.loads(archive.extractfile("manifest.json").read())  # type: ignore[union-attr]
    kind = "postgresql" if source.app.config["SQLALCHEMY_DATABASE_URI"].startswith(
        "postgresql") else "sqlite"
    assert manifest["format"] == "studytrack-backup"
    assert manifest["database"] == kind
    assert manifest["alembic_revision"] == head_revision(source.app)
    assert manifest["app_version"] == backup.app_version() != "unknown"
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert sorted(f["path"] for f in manifest["files"]) == sorted(
        n for n in names if n != "manifest.json"
    )
    uploads = {f["path"][len("uploads/"):]: f for f in manifest["files"]
               if f["path"].startswith("uploads/")}
    assert {name: (f["size"], f["sha256"]) for name, f in uploads.items()} == {
        name: (len(data), __import__("hashlib").sha256(data).hexdigest())
        for name, data in source.files.items()
    }
    assert source.tar.stat().st_mode & 0o077 == 0  # it holds password hashes
    assert not [p for p in source.tar.parent.iterdir() if p.name.startswith(".")]


# --- guards ------------------------------------------------------------------------------


def test_restore_into_an_installation_in_use_needs_force(
    source: Source, make_target: Callable[..., Flask]
) -> None:
    target = make_target("create_all")
    add_data(target)
    before = state(target)

    with pytest.raises(backup.BackupError, match="--force") as refused:
        restore(target, source.tar)

    assert re.search(r"holds data \(.*users", str(refused.value))
    assert "is not empty (1 files)" in str(refused.value)
    assert state(target) == before

    restore(target, source.tar, force=True)

    rows, files = state(target)
    assert rows == source.rows
    assert files == source.files  # the stray upload is gone


# --- damaged archives --------------------------------------------------------------------


Members = list[tuple[tarfile.TarInfo, bytes]]


def read_tar(path: Path) -> Members:
    with tarfile.open(path) as archive:
        return [(info, archive.extractfile(info).read() if info.isreg() else b"")  # type: ignore[union-attr]
                for info in archive.getmembers()]


def write_tar(path: Path, members: Members) -> Path:
    with tarfile.open(path, "w:gz", format=tarfile.PAX_FORMAT) as archive:
        for info, data in members:
            info.size = len(data) if info.isreg() else 0
            archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def flip(data: bytes, at: int | None = None) -> bytes:
    at = len(data) // 2 if at is None else at
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]


def regular(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode = 0o600
    return info


def flip_database(members: Members) -> Members:
    return [(i, flip(d) if i.name.startswith("database/") else d) for i, d in members]


def flip_upload(members: Members) -> Members:
    return [(i, flip(d) if i.name.endswith(".pdf") else d) for i, d in members]


def drop_manifest(members: Members) -> Members:
    return [(i, d) for i, d in members if i.name != "manifest.json"]


def drop_upload(members: Members) -> Members:
    return [(i, d) for i, d in members if not i.name.endswith(".txt")]


def extra_file(members: Members) -> Members:
    return [*members, (regular("uploads/zz/" + "a" * 32 + ".txt"), b"not from the backup")]


def dot_dot(members: Members) -> Members:
    return [*members, (regular("uploads/../../escaped.txt"), b"escape")]


def absolute(members: Members) -> Members:
    return [*members, (regular("/tmp/studytrack-absolute.txt"), b"absolute")]


def symlink(members: Members) -> Members:
    link = tarfile.TarInfo("uploads/ab/link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    return [*members, (link, b"")]


def newer_schema(members: Members) -> Members:
    def rewrite(info: tarfile.TarInfo, data: bytes) -> bytes:
        if info.name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["alembic_revision"] = "f00dfacef00d"
        return json.dumps(manifest).encode()

    return [(i, rewrite(i, d)) for i, d in members]


DAMAGES: dict[str, tuple[Callable[[Members], Members], str]] = {
    "flipped byte in the database": (flip_database, r"sha256 differ.*database/"),
    "flipped byte in an upload": (flip_upload, r"sha256 differ.*uploads/.*\.pdf"),
    "manifest removed": (drop_manifest, "has no manifest.json"),
    "listed file missing": (drop_upload, r"missing from the archive: uploads/.*\.txt"),
    "extra file": (extra_file, "in the archive but not in its manifest: uploads/zz/"),
    "path with ..": (dot_dot, r"'\.\.' in the path"),
    "absolute path": (absolute, "an absolute path"),
    "symbolic link": (symlink, "not a regular file"),
    "newer schema": (newer_schema, "newer than this version of studytrack knows"),
}


@pytest.fixture(scope="module")
def target_in_use(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An installation with data, shared by the tests in which nothing may change it."""
    folder = tmp_path_factory.mktemp("backup-in-use")
    with pytest.MonkeyPatch.context() as monkeypatch, ExitStack() as stack:
        monkeypatch.setenv("STUDYTRACK_INSTANCE_PATH", str(folder / "instance"))
        databases = stack.enter_context(databases_for(database_url, folder))
        target = stack.enter_context(installation(databases.new("bk_used"), folder / "uploads"))
        with target.app_context():
            db.create_all()
        add_data(target)
        yield target


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_archive_is_refused_and_changes_nothing(
    source: Source, target_in_use: Flask, tmp_path: Path, damage: str
) -> None:
    mutate, message = DAMAGES[damage]
    damaged = write_tar(tmp_path / "damaged.tar.gz", mutate(read_tar(source.tar)))
    before = state(target_in_use)

    if damage != "newer schema":  # the archive itself is intact; restore checks the schema
        with pytest.raises(backup.BackupError, match=message):
            backup.verify_archive(damaged)
    with pytest.raises(backup.BackupError, match=message):
        restore(target_in_use, damaged, force=True)
    refused = target_in_use.test_cli_runner().invoke(
        args=["restore", "--verify-only", str(damaged)]
    )
    assert refused.exit_code == 1
    assert re.search(message, refused.output.replace("\n", " ")), refused.output

    assert state(target_in_use) == before
    assert not Path("/tmp/studytrack-absolute.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()


def test_corrupted_compressed_files_are_refused(
    source: Source, target_in_use: Flask, tmp_path: Path
) -> None:
    before = state(target_in_use)
    for original in (source.tar, source.zip):
        damaged = tmp_path / ("damaged-" + original.name)
        data = original.read_bytes()
        damaged.write_bytes(flip(data, len(data) // 3))
        with pytest.raises(backup.BackupError, match="damaged"):
            restore(target_in_use, damaged, force=True)
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(source.tar.read_bytes()[:2000])
    with pytest.raises(backup.BackupError, match="damaged"):
        restore(target_in_use, truncated, force=True)
    not_an_archive = tmp_path / "notes.zip"
    not_an_archive.write_text("hello")
    with pytest.raises(backup.BackupError, match="not a studytrack backup"):
        backup.verify_archive(not_an_archive)
    assert state(target_in_use) == before


def test_zip_members_must_be_listed_files(source: Source, tmp_path: Path) -> None:
    damaged = tmp_path / "extra.zip"
    shutil.copy(source.zip, damaged)
    with zipfile.ZipFile(damaged, "a") as archive:
        archive.writestr("uploads/../evil.txt", b"x")
    with pytest.raises(backup.BackupError, match=r"'\.\.' in the path"):
        backup.verify_archive(damaged)


# --- schema revisions --------------------------------------------------------------------


def test_an_older_backup_is_restored_and_upgraded(
    make_target: Callable[..., Flask], tmp_path: Path
) -> None:
    old = make_target()
    with old.app_context():
        scripts = ScriptDirectory(old.extensions["migrate"].directory)
        previous = scripts.get_revision(scripts.get_current_head()).down_revision
        upgrade(revision=previous)
        db.session.execute(sa.text(
            "INSERT INTO organizations (name, kind, path, sort_order, is_active, "
            "created_at, updated_at) VALUES ('旧单位', 'committee', '', 0, true, "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        ))
        db.session.commit()
        archive = backup.create_backup(tmp_path / "old.tar.gz", db.engine,
                                       old.config["UPLOAD_FOLDER"]).path
    target = make_target("create_all")  # as if `flask db upgrade` had run before restoring

    result = target.test_cli_runner().invoke(args=["restore", str(archive)])

    assert result.exit_code == 0, result.output
    assert f"revision {previous}) is older" in result.output
    assert "flask --app studytrack db upgrade" in result.output
    with target.app_context():
        revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        assert revision == previous
        upgrade()
        db.session.remove()
        assert db.session.scalar(sa.text("SELECT version_num FROM alembic_version")) == (
            head_revision(target))
        assert db.session.scalars(sa.text("SELECT name FROM organizations")).all() == ["旧单位"]


# --- the commands ------------------------------------------------------------------------


def test_backup_and_restore_commands(
    source: Source, make_target: Callable[..., Flask], tmp_path: Path
) -> None:
    runner = source.app.test_cli_runner()
    path = tmp_path / "cli.zip"

    made = runner.invoke(args=["backup", str(path)])

    assert made.exit_code == 0, made.output
    assert f"Backup written to {path}" in made.output
    assert "2 uploaded files" in made.output
    dated = runner.invoke(args=["backup", str(tmp_path)])
    assert dated.exit_code == 0, dated.output
    assert len(list(tmp_path.glob("studytrack-backup-*.tar.gz"))) == 1
    wrong = runner.invoke(args=["backup", str(tmp_path / "backup.txt")])
    assert wrong.exit_code == 1
    assert "must end with .tar.gz, .tgz or .zip" in wrong.output

    target = make_target()
    target_runner = target.test_cli_runner()
    checked = target_runner.invoke(args=["restore", "--verify-only", str(path)])
    assert checked.exit_code == 0, checked.output
    assert "is intact" in checked.output
    assert state(target) == ({}, {})

    note = Path(target.config["UPLOAD_FOLDER"]) / "note.txt"  # the database alone is empty
    note.parent.mkdir(parents=True)
    note.write_text("keep me")
    busy = target_runner.invoke(args=["restore", str(path)])
    assert busy.exit_code == 1
    assert re.search(r"upload folder .* is not empty \(1 files\)", busy.output)
    assert state(target) == ({}, {"note.txt": b"keep me"})
    note.unlink()

    restored = target_runner.invoke(args=["restore", str(path)])
    assert restored.exit_code == 0, restored.output
    assert "Restored the backup" in restored.output
    assert "db upgrade" not in restored.output
    assert state(target) == (source.rows, source.files)

    again = target_runner.invoke(args=["restore", str(path)])
    assert again.exit_code == 1
    assert "Refusing to restore" in again.output and "--force" in again.output

    damaged = write_tar(tmp_path / "damaged.tar.gz", flip_upload(read_tar(source.tar)))
    refused = target_runner.invoke(args=["restore", "--force", str(damaged)])
    assert refused.exit_code == 1
    assert "is damaged" in refused.output and "Nothing was changed" in refused.output

    forced = target_runner.invoke(args=["restore", "--force", str(source.tar)])
    assert forced.exit_code == 0, forced.output
    assert state(target) == (source.rows, source.files)


def test_a_failed_backup_leaves_no_archive(source: Source, tmp_path: Path) -> None:
    uploads = tmp_path / "uploads"
    (uploads / "ab").mkdir(parents=True)
    (uploads / "ab" / "gone.pdf").symlink_to(tmp_path / "missing.pdf")
    out = tmp_path / "out"
    out.mkdir()

    with source.app.app_context(), pytest.raises(backup.BackupError, match=r"gone\.pdf"):
        backup.create_backup(out / "backup.tar.gz", db.engine, uploads)

    assert list(out.iterdir()) == []


@pytest.mark.postgresql_only
def test_postgresql_errors_are_clear_and_keep_the_password(
    source: Source, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = sa.make_url(source.app.config["SQLALCHEMY_DATABASE_URI"])
    secret = "s3cret-Pa55word"
    engine = sa.create_engine(url.set(password=secret, database=f"{url.database}_missing"))
    try:
        with pytest.raises(backup.BackupError) as failed:
            backup.create_backup(tmp_path / "a.tar.gz", engine, tmp_path)
        assert secret not in str(failed.value)
        assert "does not exist" in str(failed.value)
    finally:
        engine.dispose()

    monkeypatch.setenv("PATH", str(tmp_path))
    with source.app.app_context(), pytest.raises(backup.BackupError,
                                                 match="pg_dump was not found on PATH"):
        backup.create_backup(tmp_path / "b.tar.gz", db.engine, tmp_path)
    assert not list(tmp_path.glob("*.tar.gz"))


@pytest.mark.parametrize("kind", ["tar", "zip"])
@pytest.mark.parametrize(("data", "stated"), [(b"12345678", 4), (b"1234", 8)],
                         ids=["grew", "shrank"])
def test_a_file_that_changes_size_while_read_fails_in_both_formats(
    kind: str, data: bytes, stated: int
) -> None:
    """The size is taken before the copy; a file that grew or shrank since is not kept (the tar
    writer used to cut a grown file short silently, with a manifest that matched the cut)."""
    writer = backup._ArchiveWriter(io.BytesIO(), kind)
    with pytest.raises(backup.BackupError, match=r"uploads/a\.pdf"):
        writer.add("uploads/a.pdf", io.BytesIO(data), stated)


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_the_archive_writer_keeps_what_it_read(kind: str) -> None:
    out = io.BytesIO()
    writer = backup._ArchiveWriter(out, kind)
    entry = writer.add("uploads/a.pdf", io.BytesIO(PDF), len(PDF))
    writer.close()
    assert (entry.size, entry.path) == (len(PDF), "uploads/a.pdf")
    out.seek(0)
    if kind == "zip":
        with zipfile.ZipFile(out) as archive:
            assert archive.read("uploads/a.pdf") == PDF
    else:
        with tarfile.open(fileobj=out, mode="r:gz") as archive:
            member = archive.extractfile("uploads/a.pdf")
            assert member is not None and member.read() == PDF


def test_a_backup_and_restore_of_uploads_in_an_s3_store(
    source: Source, make_target: Callable[..., Flask], s3_endpoint: str, bucket: str,
    tmp_path: Path,
) -> None:
    """Uploads in an S3-compatible store are backed up from it and restored into it (the
    bucket of another installation, emptied of what the backup does not hold)."""
    from studytrack.storage import S3Storage
    from tests.fixtures.services import s3_client

    client = s3_client(s3_endpoint)
    source_store = S3Storage(client, bucket, "source/uploads/")
    for key, data in source.files.items():
        source_store.put_bytes(key, data)
    with source.app.app_context():
        made = backup.create_backup(tmp_path / "s3.tar.gz", db.engine, source_store)
    assert {entry.path for entry in made.manifest.upload_files} == {
        f"uploads/{key}" for key in source.files}

    target = make_target("create_all")
    target_store = S3Storage(client, bucket, "target/uploads/")
    target_store.put_bytes("zz/stale.pdf", b"not in the backup")
    with target.app_context():
        result = backup.restore_backup(
            made.path, db.engine, target.config["UPLOAD_FOLDER"],
            target.extensions["migrate"].directory, force=True, uploads=target_store)
    assert result.files == len(source.files)
    restored = {key: target_store.get_bytes(key) for key, _c, _s in target_store.listing("")}
    assert restored == source.files  # the stale object removed, every file as it was
    assert not list(Path(target.config["UPLOAD_FOLDER"]).rglob("*.pdf"))  # nothing left here
