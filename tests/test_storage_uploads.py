"""Uploaded attachments in the storage (studytrack/storage.py, area "uploads"): kept in an
S3-compatible store, checked as before, downloaded through the app or by a signed URL; and
the periodic clean-up of the files whose request never committed (orphans), on either store."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from urllib.request import urlopen

import pytest
import sqlalchemy as sa
from flask import Flask

from studytrack.extensions import db
from studytrack.materials.services import remove_orphan_files
from studytrack.materials.uploads import upload_key
from studytrack.models import Attachment
from studytrack.storage import storage
from tests.fixtures.services import s3_client
from tests.test_uploads import PDF, upload
from tests.test_uploads import secretary_client as secretary_client
from tests.test_uploads import world as world


@pytest.mark.usefixtures("on_s3")
def test_an_upload_kept_in_s3_downloads_through_the_app_and_by_signed_url(
    app: Flask, secretary_client: Any, world: Any, s3_endpoint: str, bucket: str
) -> None:
    assert upload(secretary_client, world.material, "学习材料.pdf", PDF,
                  "application/pdf").status_code == 302
    attachment = db.session.scalar(sa.select(Attachment))
    key = f"installation-1/uploads/{upload_key(attachment.stored_name)}"
    objects = s3_client(s3_endpoint).list_objects_v2(Bucket=bucket)["Contents"]
    assert [item["Key"] for item in objects] == [key]
    assert not list(Path(app.config["UPLOAD_FOLDER"]).rglob("*.pdf"))  # not on this host

    url = f"/attachments/{attachment.id}/download"
    streamed = secretary_client.get(url, buffered=True)
    assert streamed.status_code == 200 and streamed.data == PDF
    assert streamed.headers["X-Content-Type-Options"] == "nosniff"
    assert streamed.headers["Content-Security-Policy"].startswith("default-src 'none'")

    app.config["S3_SIGNED_URLS"] = True
    signed = secretary_client.get(url)
    assert signed.status_code == 302 and signed.headers["Location"].startswith(s3_endpoint)
    with urlopen(signed.headers["Location"]) as fetched:
        assert fetched.read() == PDF
        assert fetched.headers["Content-Type"] == "application/pdf"
        assert "学习材料.pdf" in unquote(fetched.headers["Content-Disposition"])


@pytest.mark.parametrize("where", ["local", "s3"])
def test_files_no_attachment_names_are_removed_once_an_hour_old(
    request: pytest.FixtureRequest, app: Flask, secretary_client: Any, world: Any, where: str
) -> None:
    if where == "s3":
        request.getfixturevalue("on_s3")
    assert upload(secretary_client, world.material, "a.pdf", PDF,
                  "application/pdf").status_code == 302
    store = storage("uploads")
    store.put_bytes("cd/cd12ab34cd12ab34cd12ab34cd12ab34.pdf", PDF)  # its commit failed
    store.put_bytes("notes/readme.txt", b"not the app's")  # not a name the app makes
    kept = {key for key, _c, _s in store.listing("")}
    assert len(kept) == 3

    assert remove_orphan_files() == 0  # younger than an hour: perhaps a request under way
    if where == "local":
        old = time.time() - 2 * 3600
        for key in kept:
            os.utime(Path(app.config["UPLOAD_FOLDER"]) / key, (old, old))
        removed = remove_orphan_files()
    else:  # an object's time is when it was written
        from datetime import timedelta
        removed = remove_orphan_files(older_than=timedelta(0))
    assert removed == 1
    left = {key for key, _c, _s in store.listing("")}
    stored_name = db.session.scalar(sa.select(Attachment.stored_name))
    assert left == {upload_key(stored_name), "notes/readme.txt"}
