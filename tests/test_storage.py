"""Files behind one interface (studytrack/storage.py): a folder, or an S3-compatible store
(moto's server, a real one over HTTP); the archive job and the reports' kept PDFs on either."""

from __future__ import annotations

import contextlib
import io
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from urllib.request import urlopen

import pytest
import sqlalchemy as sa
from flask import Flask

from studytrack.extensions import db
from studytrack.models import Job, JobStatus
from studytrack.storage import LocalStorage, S3Storage, storage
from tests.test_export_routes import ask_for_archive
from tests.test_export_routes import world as world

S3_SETTINGS = {"S3_ACCESS_KEY": "studytrack-test", "S3_SECRET_KEY": "studytrack-test-secret",
               "S3_REGION": "us-east-1", "S3_PREFIX": "installation-1/"}


def _client(endpoint: str) -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="studytrack-test",
                        aws_secret_access_key="studytrack-test-secret")


@pytest.fixture
def bucket(s3_endpoint: str) -> Iterator[str]:
    name = f"studytrack-{uuid.uuid4().hex[:12]}"
    client = _client(s3_endpoint)
    client.create_bucket(Bucket=name)
    yield name
    for item in client.list_objects_v2(Bucket=name).get("Contents", ()):
        client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


@pytest.fixture
def on_s3(app: Flask, s3_endpoint: str, bucket: str) -> Iterator[Flask]:
    """The app storing its files in `bucket` (the app fixture restores its configuration)."""
    app.config.update(STORAGE="s3", S3_ENDPOINT_URL=s3_endpoint, S3_BUCKET=bucket,
                      **S3_SETTINGS)
    yield app


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(_client(endpoint), request.getfixturevalue("bucket"), "installation-1/")


def test_a_store_keeps_reads_lists_and_removes_files(store: Any, tmp_path: Path) -> None:
    source = tmp_path / "学习档案.zip"
    source.write_bytes(b"PK archive")
    store.put("jobs/job-1-1.zip", source)
    store.put_bytes("report-pdfs/abc.pdf", b"%PDF-1.7 kept")

    assert not source.exists()  # moved into the store
    assert store.exists("jobs/job-1-1.zip") and not store.exists("jobs/job-2-1.zip")
    assert store.get_bytes("jobs/job-1-1.zip") == b"PK archive"
    with contextlib.closing(store.open("report-pdfs/abc.pdf")) as opened:
        assert opened.read() == b"%PDF-1.7 kept"
    assert store.get_bytes("report-pdfs/none.pdf") is None
    with pytest.raises(FileNotFoundError):
        store.open("report-pdfs/none.pdf")
    assert [key for key, _ in store.listing("report-pdfs/")] == ["report-pdfs/abc.pdf"]
    store.touch("report-pdfs/abc.pdf")
    store.delete("report-pdfs/abc.pdf")
    store.delete("report-pdfs/abc.pdf")  # twice: nothing to do
    assert not store.exists("report-pdfs/abc.pdf")
    for bad in ("", "/etc/passwd", "jobs/../secret_key", "jobs//x"):
        with pytest.raises(ValueError):
            store.exists(bad)


def test_an_s3_store_keeps_its_files_under_the_installations_prefix(
    s3_endpoint: str, bucket: str
) -> None:
    store = S3Storage(_client(s3_endpoint), bucket, "installation-1/")
    store.put_bytes("jobs/a.zip", b"x")
    listed = _client(s3_endpoint).list_objects_v2(Bucket=bucket)["Contents"]
    assert [item["Key"] for item in listed] == ["installation-1/jobs/a.zip"]


def _archive_job(client: Any, world: Any) -> tuple[str, Job]:
    job_url = ask_for_archive(client, world.group.id, 2026)
    job = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    assert job is not None and job.status == JobStatus.DONE, job and job.error
    return job_url, job


@pytest.mark.usefixtures("on_s3")
def test_an_archive_built_into_s3_downloads_through_the_app(
    client: Any, login: Any, world: Any, s3_endpoint: str, bucket: str
) -> None:
    login(world.secretary)
    job_url, job = _archive_job(client, world)

    assert job.file_path == f"jobs/job-{job.id}-1.zip"
    objects = {item["Key"] for item in
               _client(s3_endpoint).list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"installation-1/{job.file_path}" in objects
    assert any(key.startswith("installation-1/report-pdfs/") for key in objects)
    response = client.get(f"{job_url}/download", buffered=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "校党委理论学习中心组" in unquote(response.headers["Content-Disposition"])
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert any(name.endswith("学习记录.pdf") for name in archive.namelist())


@pytest.mark.usefixtures("on_s3")
def test_with_signed_urls_the_browser_downloads_from_the_store(
    app: Flask, client: Any, login: Any, world: Any, s3_endpoint: str
) -> None:
    app.config["S3_SIGNED_URLS"] = True
    login(world.secretary)
    job_url, job = _archive_job(client, world)

    response = client.get(f"{job_url}/download")
    assert response.status_code == 302
    signed = response.headers["Location"]
    assert signed.startswith(s3_endpoint) and "X-Amz-Signature=" in signed
    with urlopen(signed) as fetched:
        data = fetched.read()
        disposition = fetched.headers["Content-Disposition"]
    assert data == storage().get_bytes(str(job.file_path))
    assert "UTF-8''" in disposition and "校党委" in unquote(disposition)
    client.post("/auth/logout")
    login(world.member)  # the policy still decides who gets a link
    assert client.get(f"{job_url}/download").status_code == 404
