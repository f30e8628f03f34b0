"""Files the app makes, behind one interface: a local folder (the default) or an S3-compatible
object store (MinIO, Ceph, the S3-compatible stores of Chinese clouds), chosen by
configuration (STUDYTRACK_STORAGE=s3 and the STUDYTRACK_S3_* settings, docs/deployment.md).

Two areas: "files", what jobs make (archives: `jobs/…`) and the reports' kept PDFs
(`report-pdfs/…`), in JOBS_FILE_FOLDER; "uploads", the uploaded attachments (`ab/ab12….pdf`),
in UPLOAD_FOLDER. On S3 both are in one bucket, under "files/" and "uploads/". So a file stored
through one app host or worker is read through any other. Keys are paths with "/" between
parts; a key never starts with "/" nor holds "..".
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import quote

from flask import current_app


class Storage(Protocol):
    def put(self, key: str, source: Path) -> None:
        """Store the file at `source` under `key` (it is moved or copied; gone afterwards)."""

    def put_bytes(self, key: str, data: bytes) -> None: ...

    def get_bytes(self, key: str) -> bytes | None:
        """The file's bytes; None when there is none."""

    def open(self, key: str) -> IO[bytes]:
        """The file to read; FileNotFoundError when there is none."""

    def exists(self, key: str) -> bool: ...

    def checksum(self, key: str) -> str:
        """The file's sha256 (hex); FileNotFoundError when there is none."""

    def delete(self, key: str) -> None:
        """Remove the file (nothing when there is none)."""

    def touch(self, key: str) -> None:
        """Note the file as used now (for a clean-up by last use; a no-op where the store
        cannot say so)."""

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime, int]]:
        """(key, last written or used, size) of every file whose key starts with `prefix`, in
        key order. Names starting with a dot (files being written) are left out."""

    def local_path(self, key: str) -> Path | None:
        """The file on this host's disk, when the store is a folder (sent by the web server
        as a file); None otherwise."""

    def signed_url(self, key: str, *, filename: str, mimetype: str,
                   inline: bool = False) -> str | None:
        """A short-lived URL the browser downloads the file from directly (shown in the
        browser when `inline`), when the store gives them and the configuration asks for
        them; None otherwise."""


def _sha256(source: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := source.read(1024 * 1024):
        digest.update(chunk)
    return digest.hexdigest()


def _checked(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class LocalStorage:
    """A folder of this host (or a shared file system mounted at the same path everywhere)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, source: Path) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        shutil.move(source, partial)  # a rename on the same file system, else a copy
        os.replace(partial, path)  # whole or not at all, for a reader on another host

    def put_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.part")
        partial.write_bytes(data)
        os.replace(partial, path)

    def get_bytes(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def open(self, key: str) -> IO[bytes]:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def checksum(self, key: str) -> str:
        with self._path(key).open("rb") as source:
            return _sha256(source)

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def touch(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.utime(self._path(key))

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime, int]]:
        if not self.root.is_dir():
            return
        for root, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith(".") or name.endswith(".part"):
                    continue
                path = Path(root) / name
                key = path.relative_to(self.root).as_posix()
                if not key.startswith(prefix):
                    continue
                try:
                    found = path.stat()
                except FileNotFoundError:
                    if not path.is_symlink():
                        continue  # removed meanwhile by another host's clean-up
                    found = path.lstat()  # a broken link: listed, so that reading it fails
                yield key, datetime.fromtimestamp(found.st_mtime, UTC), found.st_size

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def signed_url(self, key: str, *, filename: str, mimetype: str,
                   inline: bool = False) -> str | None:
        return None


class S3Storage:
    """A bucket of an S3-compatible store, under a key prefix of this installation's own."""

    def __init__(self, client: Any, bucket: str, prefix: str = "", signed_urls: bool = False,
                 signed_seconds: int = 300) -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.signed_urls, self.signed_seconds = signed_urls, signed_seconds

    def _key(self, key: str) -> str:
        return self.prefix + _checked(key)

    def put(self, key: str, source: Path) -> None:
        with source.open("rb") as data:
            digest = _sha256(data)
        self.client.upload_file(str(source), self.bucket, self._key(key),
                                ExtraArgs={"Metadata": {"sha256": digest}})
        source.unlink()

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data,
                               Metadata={"sha256": hashlib.sha256(data).hexdigest()})

    def checksum(self, key: str) -> str:
        """Kept with the object when it was stored; computed from its bytes otherwise."""
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            raise FileNotFoundError(key) from error
        kept: str | None = head.get("Metadata", {}).get("sha256")
        if kept:
            return kept
        with contextlib.closing(self.open(key)) as source:
            return _sha256(source)

    def get_bytes(self, key: str) -> bytes | None:
        try:
            return bytes(self.open(key).read())
        except FileNotFoundError:
            return None

    def open(self, key: str) -> IO[bytes]:
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None
        body: IO[bytes] = found["Body"]
        return body

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def touch(self, key: str) -> None:
        pass  # an object's time is when it was written: kept PDFs live that long on S3

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime, int]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(self.prefix):], item["LastModified"], int(item["Size"])

    def local_path(self, key: str) -> Path | None:
        return None

    def signed_url(self, key: str, *, filename: str, mimetype: str,
                   inline: bool = False) -> str | None:
        if not self.signed_urls:
            return None
        disposition = "inline" if inline else "attachment"
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket, "Key": self._key(key),
                "ResponseContentType": mimetype,
                "ResponseContentDisposition":
                    f"{disposition}; filename*=UTF-8''{quote(filename)}",
            },
            ExpiresIn=self.signed_seconds,
        )
        return url


def _s3(config: Any, area_prefix: str) -> S3Storage:
    import boto3
    from botocore.config import Config as BotoConfig

    client = boto3.client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region_name=config.get("S3_REGION") or None,
        aws_access_key_id=config.get("S3_ACCESS_KEY") or None,
        aws_secret_access_key=config.get("S3_SECRET_KEY") or None,
        config=BotoConfig(signature_version="s3v4", retries={"max_attempts": 3},
                          s3={"addressing_style": config["S3_ADDRESSING_STYLE"]}),
    )
    prefix = str(config.get("S3_PREFIX") or "") + area_prefix
    return S3Storage(client, str(config["S3_BUCKET"]), prefix,
                     bool(config["S3_SIGNED_URLS"]), int(config["S3_SIGNED_URL_SECONDS"]))


S3_SETTINGS = ("S3_ENDPOINT_URL", "S3_BUCKET", "S3_PREFIX", "S3_REGION", "S3_ACCESS_KEY",
               "S3_SECRET_KEY", "S3_ADDRESSING_STYLE", "S3_SIGNED_URLS", "S3_SIGNED_URL_SECONDS")


AREAS = ("files", "uploads")  # what jobs make and the kept PDFs; uploaded attachments


def storage(area: str = "files") -> Storage:
    """The app's storage of `area` (config.finalize has checked its settings): on a folder,
    JOBS_FILE_FOLDER or UPLOAD_FOLDER as the configuration names them now; on S3, the same
    bucket with the area ("files/", "uploads/") after the prefix. One S3 client per app and
    settings."""
    if area not in AREAS:
        raise ValueError(f"no storage area {area!r}")
    config = current_app.config
    if config["STORAGE"] == "local":
        folder = config["UPLOAD_FOLDER"] if area == "uploads" else config["JOBS_FILE_FOLDER"]
        return LocalStorage(Path(folder))
    made: dict[tuple[Any, ...], S3Storage] = current_app.extensions.setdefault(
        "studytrack.storage", {})
    key = (area, *(config.get(name) for name in S3_SETTINGS))
    if key not in made:
        made[key] = _s3(config, f"{area}/")
    return made[key]


def folders() -> dict[str, LocalStorage]:
    """Each area's folder (whatever STUDYTRACK_STORAGE says): what `storage migrate` copies
    from or to."""
    config = current_app.config
    return {"files": LocalStorage(Path(config["JOBS_FILE_FOLDER"])),
            "uploads": LocalStorage(Path(config["UPLOAD_FOLDER"]))}


def object_stores() -> dict[str, S3Storage]:
    """Each area in the configured S3-compatible store (whatever STUDYTRACK_STORAGE says)."""
    config = current_app.config
    if not config.get("S3_BUCKET"):
        raise ValueError("STUDYTRACK_S3_BUCKET is not set")
    return {area: _s3(config, f"{area}/") for area in AREAS}


def migrate(source: Storage, target: Storage) -> Iterator[tuple[str, bool]]:
    """Copy every file of `source` into `target`, each checked by its sha256 once stored;
    yields (key, copied) per file. A file already in `target` with the same checksum is
    left (copied False), so a run that was interrupted goes on where it stopped."""
    for key, _changed, _size in list(source.listing("")):
        digest = source.checksum(key)
        if target.exists(key) and target.checksum(key) == digest:
            yield key, False
            continue
        handle, name = tempfile.mkstemp(prefix=".studytrack-migrate-")
        try:
            with os.fdopen(handle, "wb") as out, contextlib.closing(source.open(key)) as data:
                shutil.copyfileobj(data, out)
            target.put(key, Path(name))
        finally:
            Path(name).unlink(missing_ok=True)
        if target.checksum(key) != digest:
            raise OSError(f"{key}: the copy's checksum differs from the original's")
        yield key, True
