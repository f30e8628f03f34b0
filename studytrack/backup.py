"""Backup and restore of an installation: its database and its uploaded files in one archive.

An archive (.tar.gz or .zip) holds

    manifest.json                  what is inside, with every file's size and sha256
    database/studytrack.sqlite     SQLite: a copy made with SQLite's online backup API
    database/studytrack.pgdump     PostgreSQL: `pg_dump --format=custom --no-owner`
    uploads/<path>                 every file of the upload folder, under its path there

The database is copied first and the files afterwards: uploads are stored before their row is
committed and never deleted, so every file the copied database mentions is in the archive.
The copy is consistent while the app runs (SQLite's backup API reads one snapshot; pg_dump runs
in a snapshot exported from the transaction that reads the schema revision).

`restore_backup` checks the whole archive before it changes anything: the manifest, every
listed file present with its size and checksum, nothing else in the archive, and only plain
files under safe relative paths. The checksums find damage, not tampering: whoever can rewrite
an archive can rewrite its manifest too, so keep backups where only operators can write.

The functions take the engine, the upload folder and the migrations folder as arguments and
need no request; `studytrack.cli` wraps them in the `backup` and `restore` commands.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from studytrack.models import Base
from studytrack.storage import LocalStorage, Storage

FORMAT = "studytrack-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/studytrack.sqlite"
POSTGRESQL_MEMBER = "database/studytrack.pgdump"
DATABASE_MEMBERS = {"sqlite": SQLITE_MEMBER, "postgresql": POSTGRESQL_MEMBER}
UPLOADS_PREFIX = "uploads/"
SUFFIXES = {".tar.gz": "tar.gz", ".tgz": "tar.gz", ".zip": "zip"}
CHUNK_SIZE = 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
TOOL_TIMEOUT_SECONDS = 6 * 60 * 60


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why, for the operator."""


# --- the manifest ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileEntry:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    app_version: str
    alembic_revision: str | None
    database: str  # "sqlite" or "postgresql"
    created_at: str  # ISO 8601, UTC
    files: tuple[FileEntry, ...]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def database_file(self) -> str:
        return DATABASE_MEMBERS[self.database]

    @property
    def upload_files(self) -> tuple[FileEntry, ...]:
        return tuple(f for f in self.files if f.path.startswith(UPLOADS_PREFIX))

    def to_json(self) -> bytes:
        data = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": self.app_version,
            "alembic_revision": self.alembic_revision,
            "database": self.database,
            "database_file": self.database_file,
            "created_at": self.created_at,
            **self.extra,
            "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in self.files],
        }
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BackupError(f"The archive's manifest.json is not valid JSON ({error}).") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError("This archive is not a studytrack backup (its manifest.json is not "
                              "a studytrack manifest).")
        version = data.get("format_version")
        if not isinstance(version, int) or version < 1:
            raise BackupError("The manifest has no valid format_version.")
        if version > FORMAT_VERSION:
            raise BackupError(f"The archive uses backup format {version}, newer than this "
                              f"version of studytrack reads ({FORMAT_VERSION}); restore it with "
                              "the version that made it.")
        database = data.get("database")
        if database not in DATABASE_MEMBERS:
            raise BackupError(f"The manifest names an unknown database kind: {database!r}.")
        if data.get("database_file") != DATABASE_MEMBERS[database]:
            raise BackupError("The manifest's database_file does not match its database kind.")
        revision = data.get("alembic_revision")
        if revision is not None and not isinstance(revision, str):
            raise BackupError("The manifest's alembic_revision is not a string.")
        files = data.get("files")
        if not isinstance(files, list):
            raise BackupError("The manifest has no list of files.")
        entries: list[FileEntry] = []
        for item in files:
            if not (
                isinstance(item, dict)
                and isinstance(item.get("path"), str)
                and isinstance(item.get("size"), int) and item["size"] >= 0
                and isinstance(item.get("sha256"), str) and SHA256_HEX.match(item["sha256"])
            ):
                raise BackupError(f"The manifest lists a file without a valid path, size and "
                                  f"sha256: {item!r}.")
            path = item["path"]
            unsafe = unsafe_reason(path)
            if unsafe or not (path == DATABASE_MEMBERS[database]
                              or path.startswith(UPLOADS_PREFIX)):
                raise BackupError(f"The manifest lists a file under an unsafe or unexpected "
                                  f"path: {path!r}.")
            entries.append(FileEntry(path, item["size"], item["sha256"]))
        paths = [entry.path for entry in entries]
        if len(set(paths)) != len(paths):
            raise BackupError("The manifest lists a file twice.")
        if DATABASE_MEMBERS[database] not in paths:
            raise BackupError(f"The manifest does not list the database file "
                              f"{DATABASE_MEMBERS[database]}.")
        known = {"format", "format_version", "app_version", "alembic_revision", "database",
                 "database_file", "created_at", "files"}
        return cls(
            app_version=str(data.get("app_version", "unknown")),
            alembic_revision=revision,
            database=database,
            created_at=str(data.get("created_at", "")),
            files=tuple(entries),
            extra={k: v for k, v in data.items() if k not in known},
        )


def unsafe_reason(name: str) -> str | None:
    """Why a member name may not be used as a relative path, or None when it is safe."""
    if not name:
        return "an empty name"
    if "\x00" in name or "\\" in name:
        return "a NUL or backslash in the name"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    parts = name.split("/")
    if ".." in parts:
        return "'..' in the path"
    if any(part in ("", ".") for part in parts):
        return "an empty or '.' path component"
    return None


def app_version() -> str:
    try:
        return metadata.version("studytrack")
    except metadata.PackageNotFoundError:
        return "unknown"


def utc_now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- databases ---------------------------------------------------------------------------


def database_kind(engine: sa.Engine) -> str:
    backend = engine.url.get_backend_name()
    if backend in DATABASE_MEMBERS:
        return backend
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")


def find_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} was not found on PATH; it is needed to back up and restore PostgreSQL. "
            "Install the PostgreSQL client tools (on Debian: apt-get install postgresql-client) "
            "of the server's major version or newer."
        )
    return path


def libpq_connection(url: sa.URL) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (it would show in the process list) and the environment
    for pg_dump / pg_restore, with the password in PGPASSWORD."""
    libpq_url = url.set(drivername="postgresql", password=None)
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return libpq_url.render_as_string(hide_password=False), env


def _run_tool(command: list[str], env: dict[str, str], secret: str | None) -> str:
    try:
        completed = subprocess.run(
            command, env=env, capture_output=True, text=True, errors="replace",
            timeout=TOOL_TIMEOUT_SECONDS, check=False, stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise BackupError(f"{Path(command[0]).name} could not run: {error}") from None
    if completed.returncode != 0:
        output = (completed.stderr or completed.stdout).strip()
        if secret:
            output = output.replace(secret, "***")
        raise BackupError(f"{Path(command[0]).name} failed (exit code {completed.returncode}): "
                          f"{output}")
    return completed.stdout


def _error_text(error: BaseException, engine: sa.Engine) -> str:
    """The driver's own message (SQLAlchemy's adds the statement), never the password."""
    text = str(getattr(error, "orig", None) or error).strip()
    if engine.url.password:
        text = text.replace(str(engine.url.password), "***")
    return text


def _sqlite_revision(path: Path) -> str | None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:  # no such table: a database that `flask db` never ran on
        return None
    finally:
        connection.close()
    return ",".join(sorted(row[0] for row in rows)) or None


def _dump_sqlite(engine: sa.Engine, target: Path) -> str | None:
    """Copy the live database page by page in one read transaction; returns its revision."""
    raw = engine.raw_connection()
    try:
        destination = sqlite3.connect(target)
        try:
            driver = raw.driver_connection
            assert isinstance(driver, sqlite3.Connection)  # the engine is SQLite's here
            driver.backup(destination)
        finally:
            destination.close()
    finally:
        raw.close()
    return _sqlite_revision(target)


def _dump_postgresql(engine: sa.Engine, target: Path) -> tuple[str | None, str]:
    """pg_dump inside a snapshot exported from our own transaction, in which the schema revision
    is read: the revision and the dump describe the same moment. Returns (revision, version)."""
    pg_dump = find_tool("pg_dump")
    url, env = libpq_connection(engine.url)
    version = _run_tool([pg_dump, "--version"], env, None).strip()
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.scalar(sa.text("SELECT pg_export_snapshot()"))
            revision = None
            if connection.scalar(sa.text("SELECT to_regclass('alembic_version') IS NOT NULL")):
                rows = connection.scalars(sa.text("SELECT version_num FROM alembic_version"))
                revision = ",".join(sorted(rows)) or None
            _run_tool(
                [pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                 f"--file={target}", f"--dbname={url}"],
                env, engine.url.password,
            )
    return revision, version


def _count_rows(engine: sa.Engine) -> dict[str, int]:
    """{table: rows} of the app's tables that exist and are not empty."""
    with engine.connect() as connection:
        existing = set(sa.inspect(connection).get_table_names())
        counts = {}
        for table in Base.metadata.sorted_tables:
            if table.name in existing:
                count = connection.scalar(sa.select(sa.func.count()).select_from(table))
                if count:
                    counts[table.name] = count
    return counts


def _restore_sqlite(engine: sa.Engine, source: Path) -> None:
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        raw = engine.raw_connection()
        try:
            driver = raw.driver_connection
            assert isinstance(driver, sqlite3.Connection)  # the engine is SQLite's here
            backup.backup(driver)
        finally:
            raw.close()
    except sqlite3.Error as error:
        raise BackupError(f"Copying the database into place failed: {error}") from None
    finally:
        backup.close()
    engine.dispose()


_TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )(\S+) (\S+)(?: |$)")


def _restore_postgresql(engine: sa.Engine, source: Path) -> None:
    pg_restore = find_tool("pg_restore")
    url, env = libpq_connection(engine.url)
    listing = _run_tool([pg_restore, "--list", str(source)], env, None)
    dumped = {m.group(2) for line in listing.splitlines() if (m := _TOC_TABLE.match(line))}
    # The app's tables that the backup does not have (the target was upgraded to a newer
    # schema) would survive --clean, and their foreign keys would stop it from dropping the
    # tables they point at: drop them first, so that `flask db upgrade` creates them again.
    # Only the app's own tables: anything else in the database is not ours to touch.
    ours = {table.name for table in Base.metadata.sorted_tables} | {"alembic_version"}
    with engine.begin() as connection:
        existing = set(connection.scalars(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        )))
        for name in sorted((existing & ours) - dumped):
            connection.execute(sa.text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    engine.dispose()
    _run_tool(
        [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
         f"--dbname={url}", str(source)],
        env, engine.url.password,
    )
    engine.dispose()  # pooled connections may hold prepared statements of the old tables


# --- writing archives --------------------------------------------------------------------


def _copy_hashing(source: IO[bytes], out: IO[bytes] | None, expected_size: int | None,
                  name: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(CHUNK_SIZE):
        size += len(chunk)
        digest.update(chunk)
        if out is not None:
            try:
                out.write(chunk)
            except OSError as error:
                raise BackupError(f"Writing {name} failed: {error}") from None
    if expected_size is not None and size != expected_size:
        raise BackupError(f"{name} changed size while it was being read.")
    return size, digest.hexdigest()


class _HashingReader:
    """Passes a file through to tarfile while counting and hashing what was read."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.source.read(n)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


class _ArchiveWriter:
    def __init__(self, fileobj: IO[bytes], kind: str) -> None:
        self.kind = kind
        self.mtime = datetime.now(UTC)
        if kind == "zip":
            self.zip = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_DEFLATED)
        else:
            self.tar = tarfile.open(  # noqa: SIM115 (closed by close())
                fileobj=fileobj, mode="w:gz", format=tarfile.PAX_FORMAT
            )

    def add(self, name: str, source: IO[bytes], size: int) -> FileEntry:
        """Copy `size` bytes of `source` into the archive; a source that turns out shorter or
        longer than `size` (it changed while being read) fails the backup in both formats."""
        if self.kind == "zip":
            return self._add_zip(name, source, size)
        return self._add_tar(name, source, size)

    def _add_zip(self, name: str, source: IO[bytes], size: int) -> FileEntry:
        info = zipfile.ZipInfo(name, self.mtime.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o100600 << 16
        with self.zip.open(info, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as out:
            written, sha256 = _copy_hashing(source, out, size, name)
        return FileEntry(name, written, sha256)

    def _add_tar(self, name: str, source: IO[bytes], size: int) -> FileEntry:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = size, 0o600, int(self.mtime.timestamp())
        reader = _HashingReader(source)
        try:
            self.tar.addfile(info, reader)
        except OSError as error:  # "unexpected end of data": the file shrank
            raise BackupError(f"{name} could not be read completely: {error}") from None
        # tarfile copies exactly `size` bytes: a file that grew would be cut short silently.
        if source.read(1):
            raise BackupError(f"{name} changed size while it was being read.")
        return FileEntry(name, reader.size, reader.digest.hexdigest())

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add(name, io.BytesIO(data), len(data))

    def close(self) -> None:
        if self.kind == "zip":
            self.zip.close()
        else:
            self.tar.close()


def archive_kind(path: Path) -> str:
    for suffix, kind in SUFFIXES.items():
        if path.name.lower().endswith(suffix):
            return kind
    raise BackupError(f"{path}: the archive's name must end with .tar.gz, .tgz or .zip.")


def backup_destination(path: str | os.PathLike[str]) -> Path:
    """PATH itself, or a dated .tar.gz inside PATH when it is a folder."""
    path = Path(path)
    if path.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%SZ")
        return path / f"studytrack-backup-{stamp}.tar.gz"
    archive_kind(path)
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    return path


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def _store_of(uploads: Storage | str | os.PathLike[str]) -> Storage:
    """The uploads' storage: given, or the upload folder named."""
    return LocalStorage(Path(uploads)) if isinstance(uploads, str | os.PathLike) else uploads


def create_backup(
    path: str | os.PathLike[str], engine: sa.Engine,
    uploads: Storage | str | os.PathLike[str],
) -> BackupResult:
    """Write the database and the uploaded files (the uploads' storage: a folder or an
    S3-compatible store) into one archive at `path` (.tar.gz or .zip, or a folder to write a
    dated .tar.gz into). The archive is written under a temporary name beside it and renamed
    at the end, so a failed backup leaves nothing behind."""
    destination = backup_destination(path)
    kind = archive_kind(destination)
    database = database_kind(engine)
    store = _store_of(uploads)
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".part",
                                         dir=destination.parent)  # mode 600: it holds all
    except OSError as error:
        raise BackupError(f"Cannot write into {destination.parent}: {error}") from None
    temp_archive = Path(temp_name)
    out = os.fdopen(fd, "wb")
    try:
        with out, tempfile.TemporaryDirectory(prefix=".studytrack-backup-",
                                              dir=destination.parent) as staging:
            dump = Path(staging) / "database"
            extra: dict[str, Any] = {}
            if database == "sqlite":
                revision = _dump_sqlite(engine, dump)
            else:
                revision, extra["pg_dump_version"] = _dump_postgresql(engine, dump)
            writer = _ArchiveWriter(out, kind)
            entries = []
            with open(dump, "rb") as source:
                entries.append(writer.add(DATABASE_MEMBERS[database], source,
                                          os.fstat(source.fileno()).st_size))
            for key, _changed, size in list(store.listing("")):
                try:
                    upload = store.open(key)
                except OSError as error:
                    raise BackupError(f"The upload {key} cannot be read: {error}") from None
                with contextlib.closing(upload):
                    entries.append(writer.add(UPLOADS_PREFIX + key, upload, size))
            manifest = Manifest(
                app_version=app_version(), alembic_revision=revision, database=database,
                created_at=utc_now_text(), files=tuple(entries), extra=extra,
            )
            writer.add_bytes(MANIFEST, manifest.to_json())
            writer.close()
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_archive, destination)
    except BaseException as error:
        temp_archive.unlink(missing_ok=True)
        if isinstance(error, OSError | sqlite3.Error | sa.exc.SQLAlchemyError):
            raise BackupError("The backup failed, nothing was written: "
                              + _error_text(error, engine)) from None
        raise
    return BackupResult(destination, manifest)


# --- reading archives --------------------------------------------------------------------


@dataclass
class _Member:
    name: str
    regular: bool
    size: int
    open: Callable[[], IO[bytes]]


@contextlib.contextmanager
def _members(path: Path) -> Iterator[Iterator[_Member]]:
    """The archive's members in order, whatever its format; read errors become BackupError."""
    if not path.is_file():
        raise BackupError(f"{path} does not exist or is not a file.")
    with open(path, "rb") as f:
        head = f.read(4)
    try:
        if head.startswith(b"PK"):
            with zipfile.ZipFile(path) as archive:
                yield (_zip_member(archive, info) for info in archive.infolist())
        elif head.startswith(b"\x1f\x8b"):
            with tarfile.open(path, mode="r:gz") as archive:
                yield (_tar_member(archive, info) for info in archive)
        else:
            raise BackupError(f"{path} is not a studytrack backup (neither .tar.gz nor .zip).")
    except (tarfile.TarError, zipfile.BadZipFile, zlib.error, EOFError, OSError,
            UnicodeDecodeError, ValueError) as error:
        raise BackupError(f"The archive {path} is damaged and cannot be read ({error}); "
                          "nothing was changed.") from None


def _zip_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> _Member:
    file_type = (info.external_attr >> 16) & 0o170000
    regular = not info.is_dir() and file_type in (0, 0o100000)
    return _Member(info.filename, regular, info.file_size, lambda: archive.open(info))


def _tar_member(archive: tarfile.TarFile, info: tarfile.TarInfo) -> _Member:
    def open_member() -> IO[bytes]:
        stream = archive.extractfile(info)
        assert stream is not None  # a regular file
        return stream

    return _Member(info.name, info.isreg(), info.size, open_member)


def verify_archive(path: str | os.PathLike[str]) -> Manifest:
    """Check the whole archive; returns its manifest or raises BackupError saying what is
    wrong. Reads everything once, changes nothing."""
    path = Path(path)
    found: dict[str, tuple[int, str]] = {}
    manifest_raw: bytes | None = None
    with _members(path) as members:
        for member in members:
            if reason := unsafe_reason(member.name):
                raise BackupError(f"The archive is refused: the member {member.name!r} has "
                                  f"{reason}. Nothing was changed.")
            if not member.regular:
                raise BackupError(f"The archive is refused: {member.name!r} is not a regular "
                                  "file (links, folders and devices are not allowed). Nothing "
                                  "was changed.")
            if member.name in found or (member.name == MANIFEST and manifest_raw is not None):
                raise BackupError(f"The archive is refused: {member.name!r} is in it twice. "
                                  "Nothing was changed.")
            with member.open() as stream:
                if member.name == MANIFEST:
                    manifest_raw = stream.read(MAX_MANIFEST_BYTES + 1)
                    if len(manifest_raw) > MAX_MANIFEST_BYTES:
                        raise BackupError("The archive's manifest.json is too large.")
                else:
                    found[member.name] = _copy_hashing(stream, None, None, member.name)
    if manifest_raw is None:
        raise BackupError(f"{path} has no manifest.json: it is not a studytrack backup, or it "
                          "is incomplete. Nothing was changed.")
    manifest = Manifest.from_json(manifest_raw)
    listed = {entry.path: entry for entry in manifest.files}
    problems = []
    if missing := sorted(set(listed) - set(found)):
        problems.append("missing from the archive: " + _names(missing))
    if extra := sorted(set(found) - set(listed)):
        problems.append("in the archive but not in its manifest: " + _names(extra))
    if damaged := sorted(name for name, entry in listed.items()
                         if name in found and found[name] != (entry.size, entry.sha256)):
        problems.append("size or sha256 differ from the manifest: " + _names(damaged))
    if problems:
        raise BackupError(f"The archive {path} is damaged: " + "; ".join(problems)
                          + ". Nothing was changed.")
    return manifest


def _names(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# --- restoring ---------------------------------------------------------------------------


CURRENT, OLDER, UNRECORDED = "current", "older", "unrecorded"


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    files: int
    schema: str  # CURRENT; OLDER: run `flask db upgrade` now; UNRECORDED: no alembic_version
    head: str

    @property
    def needs_upgrade(self) -> bool:
        return self.schema == OLDER


def schema_heads(migrations_directory: str | os.PathLike[str]) -> tuple[ScriptDirectory, set[str]]:
    scripts = ScriptDirectory(str(migrations_directory))
    return scripts, set(scripts.get_heads())


def check_revision(revision: str | None, migrations_directory: str | os.PathLike[str]) -> str:
    """CURRENT when the backup's schema is the code's, OLDER when `flask db upgrade` must follow
    the restore, UNRECORDED for a database that `flask db` never managed; raises BackupError
    for a schema that this code does not know (a newer version made the backup)."""
    scripts, heads = schema_heads(migrations_directory)
    if revision is None:
        return UNRECORDED
    revisions = set(revision.split(","))
    if revisions == heads:
        return CURRENT
    unknown = sorted(r for r in revisions if not _known(scripts, r))
    if unknown:
        raise BackupError(
            f"The backup's database schema (revision {', '.join(unknown)}) is newer than this "
            f"version of studytrack knows (head {', '.join(sorted(heads))}). Install the "
            "version that made the backup (or a newer one) and restore there. Nothing was "
            "changed."
        )
    return OLDER


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown or ambiguous id
        return False


def restore_backup(
    path: str | os.PathLike[str], engine: sa.Engine, upload_folder: str | os.PathLike[str],
    migrations_directory: str | os.PathLike[str], *, force: bool = False,
    uploads: Storage | None = None,
) -> RestoreResult:
    """Check the archive, then put its database and files in place of the configured ones:
    the files into `uploads` (by default the upload folder), unpacked first into the upload
    folder (a dot-named staging folder there).

    Refuses, changing nothing, when the archive is damaged, its database kind differs from the
    configured one, its schema is newer than the code's, or (without `force`) the database
    holds rows or the uploads' storage holds files. With `force` both are replaced.
    """
    path = Path(path)
    manifest = verify_archive(path)
    store = uploads or LocalStorage(Path(upload_folder))
    try:
        return _restore(path, manifest, engine, Path(upload_folder), store,
                        migrations_directory, force)
    except (OSError, sqlite3.Error, sa.exc.SQLAlchemyError) as error:
        raise BackupError("The restore failed: " + _error_text(error, engine)) from None


def _restore(
    path: Path, manifest: Manifest, engine: sa.Engine, folder: Path, store: Storage,
    migrations_directory: str | os.PathLike[str], force: bool,
) -> RestoreResult:
    kind = database_kind(engine)
    if manifest.database != kind:
        raise BackupError(f"The backup holds a {manifest.database} database, but the configured "
                          f"database is {kind}. Nothing was changed.")
    schema = check_revision(manifest.alembic_revision, migrations_directory)
    if kind == "postgresql":
        find_tool("pg_restore")
    if not force:
        busy = []
        if rows := _count_rows(engine):
            busy.append(f"the database {engine.url.render_as_string(hide_password=True)} "
                        f"holds data ({_names(sorted(rows))})")
        if files := [key for key, _changed, _size in store.listing("")]:
            where = (f"the upload folder {store.root}" if isinstance(store, LocalStorage)
                     else "the object store of the uploads")
            busy.append(f"{where} is not empty ({len(files)} files)")
        if busy:
            raise BackupError("Refusing to restore: " + " and ".join(busy) + ". Restore into "
                              "an empty installation, or use --force to replace what is there. "
                              "Nothing was changed.")

    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=folder))
    try:
        database_file = _extract(path, manifest, staging)
        if kind == "sqlite":
            _restore_sqlite(engine, database_file)
        else:
            _restore_postgresql(engine, database_file)
        _put_uploads(manifest, staging / "uploads", store)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _, heads = schema_heads(migrations_directory)
    return RestoreResult(manifest, len(manifest.upload_files), schema, ",".join(sorted(heads)))


def _extract(path: Path, manifest: Manifest, staging: Path) -> Path:
    """Unpack every listed file into the staging folder, checking each checksum again (the
    archive could have changed since it was verified). Returns the database file."""
    listed = {entry.path: entry for entry in manifest.files}
    with _members(path) as members:
        for member in members:
            entry = listed.get(member.name)
            if entry is None:
                continue  # manifest.json (verify_archive refused anything else)
            target = staging / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            with member.open() as stream, open(target, "xb") as out:
                found = _copy_hashing(stream, out, None, member.name)
            if found != (entry.size, entry.sha256):
                raise BackupError(f"The archive changed while it was being restored "
                                  f"({member.name}). Nothing was changed.")
    return staging / manifest.database_file


def _put_uploads(manifest: Manifest, staged: Path, store: Storage) -> None:
    """Store the staged files (on a folder of the same file system, a rename each) and
    remove the stored files that the backup does not have."""
    keep = set()
    for entry in manifest.upload_files:
        relative = entry.path[len(UPLOADS_PREFIX):]
        keep.add(relative)
        store.put(relative, staged / relative)
    for key, _changed, _size in list(store.listing("")):
        if key not in keep:
            store.delete(key)
    if isinstance(store, LocalStorage):
        for root, dirs, _files in os.walk(store.root, topdown=False):
            for name in dirs:
                directory = Path(root) / name
                if not name.startswith(".") and not any(directory.iterdir()):
                    directory.rmdir()
