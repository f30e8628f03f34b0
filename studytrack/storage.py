"""Files the app makes, behind one interface: a local folder (the default) or an S3-compatible
object store (MinIO, Ceph, the S3-compatible stores of Chinese clouds), chosen by
configuration (STUDYTRACK_STORAGE=s3 and the STUDYTRACK_S3_* settings, docs/deployment.md).

It keeps what jobs make (archives: `jobs/…`) and the reports' kept PDFs (`report-pdfs/…`), so
that with S3 a file made by a worker on one host downloads through any other. Keys are paths
with "/" between parts; a key never starts with "/" nor holds "..". Uploaded attachments are
still in UPLOAD_FOLDER (the move, with backups of either store, is issue 20's next step).
"""

from __future__ import annotations

import contextlib
import os
import shutil
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

    def delete(self, key: str) -> None:
        """Remove the file (nothing when there is none)."""

    def touch(self, key: str) -> None:
        """Note the file as used now (for a clean-up by last use; a no-op where the store
        cannot say so)."""

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        """(key, last written or used) of every file whose key starts with `prefix`."""

    def local_path(self, key: str) -> Path | None:
        """The file on this host's disk, when the store is a folder (sent by the web server
        as a file); None otherwise."""

    def signed_url(self, key: str, *, filename: str, mimetype: str) -> str | None:
        """A short-lived URL the browser downloads the file from directly, when the store
        gives them and the configuration asks for them; None otherwise."""


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

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def touch(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.utime(self._path(key))

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        folder = self.root / prefix.rstrip("/") if prefix else self.root
        if not folder.is_dir():
            return
        for path in folder.rglob("*"):
            if path.is_file() and not path.name.endswith(".part"):
                try:
                    changed = datetime.fromtimestamp(path.stat().st_mtime, UTC)
                except FileNotFoundError:  # removed meanwhile by another host's clean-up
                    continue
                yield path.relative_to(self.root).as_posix(), changed

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def signed_url(self, key: str, *, filename: str, mimetype: str) -> str | None:
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
        self.client.upload_file(str(source), self.bucket, self._key(key))
        source.unlink()

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

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

    def listing(self, prefix: str) -> Iterator[tuple[str, datetime]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(self.prefix):], item["LastModified"]

    def local_path(self, key: str) -> Path | None:
        return None

    def signed_url(self, key: str, *, filename: str, mimetype: str) -> str | None:
        if not self.signed_urls:
            return None
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket, "Key": self._key(key),
                "ResponseContentType": mimetype,
                "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            },
            ExpiresIn=self.signed_seconds,
        )
        return url


def _s3(config: Any) -> S3Storage:
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
    return S3Storage(client, str(config["S3_BUCKET"]), str(config.get("S3_PREFIX") or ""),
                     bool(config["S3_SIGNED_URLS"]), int(config["S3_SIGNED_URL_SECONDS"]))


S3_SETTINGS = ("S3_ENDPOINT_URL", "S3_BUCKET", "S3_PREFIX", "S3_REGION", "S3_ACCESS_KEY",
               "S3_SECRET_KEY", "S3_ADDRESSING_STYLE", "S3_SIGNED_URLS", "S3_SIGNED_URL_SECONDS")


def storage() -> Storage:
    """The app's storage (config.finalize has checked its settings). A folder is named by the
    configuration as it is now; an S3 client is made once per app and settings."""
    config = current_app.config
    if config["STORAGE"] == "local":
        return LocalStorage(Path(config["JOBS_FILE_FOLDER"]))
    made: dict[tuple[Any, ...], S3Storage] = current_app.extensions.setdefault(
        "studytrack.storage", {})
    key = tuple(config.get(name) for name in S3_SETTINGS)
    if key not in made:
        made[key] = _s3(config)
    return made[key]
