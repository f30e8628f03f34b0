"""Files behind one interface (studytrack/storage.py): a folder, or an S3-compatible store
(moto's server, a real one over HTTP); the archive job and the reports' kept PDFs on either."""

from __future__ import annotations

import contextlib
import io
import zipfile
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
from tests.fixtures.services import s3_client
from tests.test_export_routes import ask_for_archive
from tests.test_export_routes import world as world


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "local":
        return LocalStorage(tmp_path / "files")
    endpoint = request.getfixturevalue("s3_endpoint")
    return S3Storage(s3_client(endpoint), request.getfixturevalue("bucket"), "installation-1/")


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
    assert [(key, size) for key, _, size in store.listing("report-pdfs/")] == [
        ("report-pdfs/abc.pdf", 13)]
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
    store = S3Storage(s3_client(s3_endpoint), bucket, "installation-1/")
    store.put_bytes("jobs/a.zip", b"x")
    listed = s3_client(s3_endpoint).list_objects_v2(Bucket=bucket)["Contents"]
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
               s3_client(s3_endpoint).list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"installation-1/files/{job.file_path}" in objects
    assert any(key.startswith("installation-1/files/report-pdfs/") for key in objects)
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


def test_storage_migrate_copies_every_file_there_and_back_checked_and_resumable(
    app: Flask, s3_endpoint: str, bucket: str, tmp_path: Path
) -> None:
    """`flask storage migrate --to s3` copies both areas' folders into the bucket (checked by
    sha256); run again it copies nothing; `--to local` brings them back."""
    from tests.fixtures.services import S3_SETTINGS

    app.config.update(S3_ENDPOINT_URL=s3_endpoint, S3_BUCKET=bucket, **S3_SETTINGS)
    uploads = Path(app.config["UPLOAD_FOLDER"])
    (uploads / "ab").mkdir(parents=True)
    (uploads / "ab" / "ab12.pdf").write_bytes(b"%PDF-1.4 an upload")
    (uploads / "ab" / ".upload-x.part").write_bytes(b"being received")  # not a file yet
    LocalStorage(Path(app.config["JOBS_FILE_FOLDER"])).put_bytes("jobs/job-1-1.zip", b"PK")
    runner = app.test_cli_runner()

    first = runner.invoke(args=["storage", "migrate", "--to", "s3"])
    assert first.exit_code == 0, first.output
    assert "2 files copied, 0 already there" in first.output
    keys = {item["Key"] for item in
            s3_client(s3_endpoint).list_objects_v2(Bucket=bucket)["Contents"]}
    assert keys == {"installation-1/uploads/ab/ab12.pdf",
                    "installation-1/files/jobs/job-1-1.zip"}
    again = runner.invoke(args=["storage", "migrate", "--to", "s3"])
    assert "0 files copied, 2 already there" in again.output

    (uploads / "ab" / "ab12.pdf").unlink()
    back = runner.invoke(args=["storage", "migrate", "--to", "local"])
    assert back.exit_code == 0, back.output
    assert "1 files copied, 1 already there" in back.output
    assert (uploads / "ab" / "ab12.pdf").read_bytes() == b"%PDF-1.4 an upload"


def test_storage_migrate_needs_the_s3_settings(app: Flask) -> None:
    app.config["S3_BUCKET"] = None
    result = app.test_cli_runner().invoke(args=["storage", "migrate", "--to", "s3"])
    assert result.exit_code == 1 and "STUDYTRACK_S3_BUCKET" in result.output
