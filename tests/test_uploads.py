"""Uploads: recognised by content, size limits, Chinese and hostile names, safe downloads."""

from __future__ import annotations

import hashlib
import html
import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from studytrack import create_app
from studytrack.config import TestConfig
from studytrack.errors import DomainError
from studytrack.extensions import db
from studytrack.materials import services, uploads
from studytrack.models import (
    Attachment,
    AuditEvent,
    Material,
    MaterialKind,
    User,
)
from tests.fixtures.world import World

# --- real minimal files of every allowed type ----------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
GIF += b"\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe"
WEBP += b"\x07\x00"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"
TEXT_UTF8 = "学习笔记：深入学习贯彻重要讲话精神。\n第二段。\n".encode()
TEXT_GB18030 = "学习笔记：深入学习贯彻重要讲话精神。\n".encode("gb18030")
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00>\x00" + b"\x00" * 100
MZ = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 100
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

OOXML = {
    "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "presentationml.presentation.main+xml"),
}


def office_zip(kind: str | None, *, parts: bool = True, macro: bool = False) -> bytes:
    """A minimal OOXML package: [Content_Types].xml naming the main part, and the parts."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        if kind is None:
            package.writestr("readme.txt", "just a zip")
            package.writestr("data/file.bin", b"\x00\x01")
        else:
            part, main = OOXML[kind]
            content_type = (
                "application/vnd.ms-word.document.macroEnabled.main+xml"
                if macro else f"application/vnd.openxmlformats-officedocument.{main}"
            )
            package.writestr(
                "[Content_Types].xml",
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>',
            )
            package.writestr("_rels/.rels", "<Relationships/>")
            if parts:
                package.writestr(part, "<document/>")
    return buffer.getvalue()


def compound_file(stream_name: str) -> bytes:
    """A minimal OLE2 compound file (MS-CFB v3): header, one FAT sector, one directory sector
    with the root entry and one stream named `stream_name`."""
    free, end, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    header = bytearray(512)
    header[0:8] = uploads.OLE2_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 76, 0, *([free] * 108))
    fat = struct.pack("<128I", fat_sector, end, *([free] * 126))

    def entry(name: str, kind: int, child: int = no_stream) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        data = bytearray(128)
        data[0 : len(raw)] = raw
        struct.pack_into("<HBB", data, 64, len(raw), kind, 1)
        struct.pack_into("<III", data, 68, no_stream, no_stream, child)
        struct.pack_into("<II", data, 116, end if kind == 5 else 0, 0)
        return bytes(data)

    directory = entry("Root Entry", 5, child=1) + entry(stream_name, 2) + bytes(256)
    return bytes(header) + fat + directory


ALLOWED = [
    ("讲话.pdf", PDF, "application/pdf"),
    ("通知.docx", office_zip("docx"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("统计.xlsx", office_zip("xlsx"),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("课件.pptx", office_zip("pptx"),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("旧文件.doc", compound_file("WordDocument"), "application/msword"),
    ("旧表格.xls", compound_file("Workbook"), "application/vnd.ms-excel"),
    ("旧课件.ppt", compound_file("PowerPoint Document"), "application/vnd.ms-powerpoint"),
    ("照片.png", PNG, "image/png"),
    ("照片.jpg", JPEG, "image/jpeg"),
    ("照片.JPEG", JPEG, "image/jpeg"),
    ("动图.gif", GIF, "image/gif"),
    ("图片.webp", WEBP, "image/webp"),
    ("笔记.txt", TEXT_UTF8, "text/plain; charset=utf-8"),
    ("笔记GBK.txt", TEXT_GB18030, "text/plain; charset=gb18030"),
    ("视频.mp4", MP4, "video/mp4"),
]

MISMATCH = "The file's content does not match its name"

SPOOFED = [
    ("evil.pdf", HTML, ".pdf"),
    ("evil.pdf", ELF, ".pdf"),
    ("evil.pdf", MZ, ".pdf"),
    ("picture.pdf", PNG, ".pdf"),
    ("archive.docx", office_zip(None), ".docx"),
    ("noparts.docx", office_zip("docx", parts=False), ".docx"),
    ("macro.docx", office_zip("docx", macro=True), ".docx"),
    ("sheet.docx", office_zip("xlsx"), ".docx"),
    ("slides.xlsx", office_zip("pptx"), ".xlsx"),
    ("sheet.doc", compound_file("Workbook"), ".doc"),
    ("installer.doc", compound_file("SummaryInformation"), ".doc"),
    ("photo.png", JPEG, ".png"),
    ("page.jpg", HTML, ".jpg"),
    ("movie.mp4", b"\x00\x00\x00\x18ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 8, ".mp4"),
    ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 50, ".xlsx"),
]



# --- the world -------------------------------------------------------------------------------


@pytest.fixture
def world(world: World) -> World:
    """The shared world with a material (a speech) in the library of the group's unit."""
    world.material = services.create_material(
        world.unit, services.MaterialData(kind=MaterialKind.SPEECH, title="重要讲话精神")
    )
    db.session.commit()
    return world


@pytest.fixture
def secretary_client(world: World, login: Callable[[User], FlaskClient]) -> FlaskClient:
    return login(world.secretary)


def upload(client: FlaskClient, material: Material, name: str, data: bytes,
           content_type: str = "application/octet-stream") -> Any:
    """POST one file as a browser does. The body is built in memory (the test client would
    spool a large one to a temporary file that nobody closes). The test client puts the name
    into the quoted-string as it is; a real client escapes backslashes there (RFC 9110), so
    do the same to send the name unchanged."""
    quoted = name.replace("\\", "\\\\")
    boundary, body = encode_multipart(
        {"file": FileStorage(io.BytesIO(data), filename=quoted, content_type=content_type)}
    )
    return client.post(
        f"/materials/{material.id}/attachments", data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def download(client: FlaskClient, attachment: Attachment) -> Any:
    """GET the download, read it, and close it (send_file keeps the file open until then)."""
    response = client.get(f"/attachments/{attachment.id}/download")
    response.get_data()
    response.close()
    return response


def attachments() -> list[Attachment]:
    return list(db.session.scalars(sa.select(Attachment).order_by(Attachment.id)))


def stored_files(app: Flask) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# --- accepted by content ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "content_type"), ALLOWED, ids=[a[0] for a in ALLOWED])
def test_each_allowed_type_is_accepted(
    app: Flask, world: World, secretary_client: FlaskClient, name: str, data: bytes,
    content_type: str,
) -> None:
    response = upload(secretary_client, world.material, name, data, "text/html")
    assert response.status_code == 302, response.get_data(as_text=True)
    [attachment] = attachments()
    assert attachment.original_name == name
    assert attachment.content_type == content_type  # detected, not the declared text/html
    assert attachment.size_bytes == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    path = uploads.upload_path(app.config["UPLOAD_FOLDER"], attachment.stored_name)
    assert path.read_bytes() == data
    assert stored_files(app) == [path]  # no temporary file left behind
    assert path.parent.name == attachment.stored_name[:2]
    extension = uploads.FILE_TYPES[uploads.EXTENSIONS[Path(name).suffix.lower()]].extension
    assert attachment.stored_name.endswith(extension)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "attachment.upload"))
    assert event is not None and event.object_id == attachment.id
    assert event.details["sha256"] == attachment.sha256


def test_stored_names_are_generated_and_unique(
    app: Flask, world: World, secretary_client: FlaskClient
) -> None:
    for _ in range(2):
        assert upload(secretary_client, world.material, "讲话.pdf", PDF).status_code == 302
    first, second = attachments()
    assert first.stored_name != second.stored_name
    assert uploads.STORED_NAME.match(first.stored_name)
    assert first.sha256 == second.sha256


# --- refused by content ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "data", "extension"), SPOOFED, ids=[s[0] for s in SPOOFED])
def test_disguised_files_are_refused(
    app: Flask, world: World, secretary_client: FlaskClient, name: str, data: bytes,
    extension: str,
) -> None:
    response = upload(secretary_client, world.material, name, data, "application/pdf")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True))
    assert f"{MISMATCH} ({extension})." in page
    assert 'class="form-control is-invalid"' in page  # the message sits beside the field
    assert attachments() == []
    assert stored_files(app) == []


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("binary.txt", ELF, "A text file must be plain text in UTF-8 or GB18030 encoding."),
        ("utf16.txt", "学习".encode("utf-16"), "A text file must be plain text"),
        ("bad.txt", b"abc\xff\xfe\xfd", "A text file must be plain text"),
        ("script.exe", MZ, "Files of this type cannot be uploaded."),
        ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>",
         "Files of this type cannot be uploaded."),
        ("page.html", HTML, "Files of this type cannot be uploaded."),
        ("no-extension", PDF, "Files of this type cannot be uploaded."),
        ("empty.pdf", b"", "The file is empty."),
        ("...", PDF, "The file has no usable name."),
        ("../..", PDF, "The file has no usable name."),
    ],
)
def test_refused_uploads_explain_why(
    app: Flask, world: World, secretary_client: FlaskClient, name: str, data: bytes,
    message: str,
) -> None:
    response = upload(secretary_client, world.material, name, data)
    assert response.status_code == 200
    assert message in html.unescape(response.get_data(as_text=True))
    assert attachments() == []
    assert stored_files(app) == []


def test_missing_file_is_refused_beside_the_field(
    world: World, secretary_client: FlaskClient
) -> None:
    response = secretary_client.post(
        f"/materials/{world.material.id}/attachments", data={},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Choose a file to upload." in response.get_data(as_text=True)


def test_html_declared_as_pdf_is_not_trusted(world: World, secretary_client: FlaskClient) -> None:
    response = upload(secretary_client, world.material, "report.pdf", HTML, "application/pdf")
    assert f"{MISMATCH} (.pdf)." in html.unescape(response.get_data(as_text=True))


# --- size ------------------------------------------------------------------------------------


def test_upload_limit_comes_from_configuration() -> None:
    class SmallConfig(TestConfig):
        MAX_UPLOAD_MB = 1

    app = create_app(SmallConfig)
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    assert create_app(TestConfig).config["MAX_UPLOAD_MB"] == 50


def test_oversized_file_is_refused_with_the_limit(
    app: Flask, world: World, secretary_client: FlaskClient
) -> None:
    app.config.update(MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    data = PDF + b"0" * (1024 * 1024)  # just over 1 MB, under the request limit
    response = upload(secretary_client, world.material, "大文件.pdf", data)
    assert response.status_code == 200
    assert "The file is larger than 1 MB." in response.get_data(as_text=True)
    assert attachments() == []
    assert stored_files(app) == []


def test_file_of_exactly_the_limit_is_accepted(
    app: Flask, world: World, secretary_client: FlaskClient
) -> None:
    app.config.update(MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    data = PDF + b"0" * (1024 * 1024 - len(PDF))
    assert upload(secretary_client, world.material, "刚好.pdf", data).status_code == 302
    assert attachments()[0].size_bytes == 1024 * 1024


def test_request_over_the_content_length_gets_413(
    app: Flask, world: World, secretary_client: FlaskClient
) -> None:
    app.config.update(MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=2 * 1024 * 1024)
    data = PDF + b"0" * (3 * 1024 * 1024)
    response = upload(secretary_client, world.material, "太大.pdf", data)
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)
    assert attachments() == []


def test_default_limit_message_names_50_mb(app: Flask, world: World) -> None:
    assert app.config["MAX_UPLOAD_MB"] == 50
    context = app.test_request_context(headers={"Accept-Language": "en"})
    context.push()
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    with pytest.raises(DomainError) as refused:
        uploads.store_upload(io.BytesIO(PDF + b"0" * 100), "a.pdf", app.config["UPLOAD_FOLDER"],
                             max_bytes=50)
    assert refused.value.field == "file"
    limit = 50 * 1024 * 1024
    with pytest.raises(DomainError) as refused:
        uploads.store_upload(_Endless(limit + 1), "a.pdf", app.config["UPLOAD_FOLDER"], limit)
    assert str(refused.value.message) == "The file is larger than 50 MB."
    assert stored_files(app) == []
    context.pop()


class _Endless(io.RawIOBase):
    """A stream of `size` bytes that starts like a PDF, produced without holding it."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.first = True

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        if self.first and n:
            self.first = False
            return (PDF + b"0" * n)[:n]
        return b"0" * n


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("学习材料（第一期）.pdf", "学习材料（第一期）.pdf"),
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("a/b\\c.pdf", "c.pdf"),
        ("C:\\dir\\文件.pdf", "文件.pdf"),
        ("/absolute/path/讲话.docx", "讲话.docx"),
        ("bell\x07and\x00nul.pdf", "bellandnul.pdf"),
        ("new\nline\tand  tab.pdf", "new line and tab.pdf"),
        ("right\u202eto-left.pdf", "rightto-left.pdf"),
        ("  spaced name .pdf  ", "spaced name .pdf"),
        ("...", ""),
        ("..", ""),
        ("../", ""),
        ("", ""),
        (None, ""),
        ("\x00\x01", ""),
        (".hidden.pdf", "hidden.pdf"),
        ("trailing.pdf...", "trailing.pdf"),
    ],
)
def test_clean_original_name(raw: str | None, clean: str) -> None:
    assert uploads.clean_original_name(raw) == clean


def test_long_names_are_cut_to_255_characters_keeping_the_extension() -> None:
    name = uploads.clean_original_name("学" * 400 + ".pdf")
    assert len(name) == 255
    assert name.endswith("学.pdf")


@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("a/b\\c.pdf", "c.pdf"),
        ("C:\\Users\\张三\\Desktop\\学习材料.pdf", "学习材料.pdf"),
        ("con\x1btrol\x7f.pdf", "control.pdf"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
    ],
)
def test_hostile_names_are_stored_safely(
    app: Flask, world: World, secretary_client: FlaskClient, name: str, stored: str
) -> None:
    response = upload(secretary_client, world.material, name, PDF)
    assert response.status_code == 302
    [attachment] = attachments()
    assert attachment.original_name == stored
    folder = Path(app.config["UPLOAD_FOLDER"]).resolve()
    [path] = stored_files(app)
    assert path.resolve().is_relative_to(folder)
    assert path.name == attachment.stored_name


def test_upload_path_accepts_only_generated_names(app: Flask) -> None:
    folder = app.config["UPLOAD_FOLDER"]
    for bad in ("../../etc/passwd", "ab/../../x.pdf", "A" * 32 + ".pdf", "x.pdf", ""):
        with pytest.raises(ValueError):
            uploads.upload_path(folder, bad)


# --- downloads -------------------------------------------------------------------------------


def test_chinese_name_downloads_with_its_name(
    world: World, secretary_client: FlaskClient
) -> None:
    name = "学习材料（第一期）.pdf"
    upload(secretary_client, world.material, name, PDF)
    [attachment] = attachments()
    response = download(secretary_client, attachment)
    assert response.status_code == 200
    assert response.data == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert "private" in response.headers["Cache-Control"]


def test_images_are_shown_inline_and_text_is_downloaded(
    world: World, secretary_client: FlaskClient
) -> None:
    upload(secretary_client, world.material, "照片.png", PNG)
    upload(secretary_client, world.material, "page.txt", HTML)  # HTML in a .txt is just text
    image, text = attachments()
    response = download(secretary_client, image)
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["Content-Type"] == "image/png"
    response = download(secretary_client, text)
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Content-Type"].startswith("text/plain")
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_member_downloads_and_removed_files_answer_404(
    world: World, secretary_client: FlaskClient, client: FlaskClient,
    login: Callable[[User], FlaskClient],
) -> None:
    upload(secretary_client, world.material, "讲话.pdf", PDF)
    [attachment] = attachments()
    assert secretary_client.post(f"/attachments/{attachment.id}/remove").status_code == 302
    db.session.expire_all()
    assert attachment.is_removed
    assert download(secretary_client, attachment).status_code == 404
    page = secretary_client.get(f"/materials/{world.material.id}").get_data(as_text=True)
    assert "讲话.pdf" not in page
    # the file itself is kept (archive, not delete)
    assert uploads.upload_path(
        secretary_client.application.config["UPLOAD_FOLDER"], attachment.stored_name
    ).is_file()


def test_missing_stored_file_answers_404(
    app: Flask, world: World, secretary_client: FlaskClient
) -> None:
    upload(secretary_client, world.material, "讲话.pdf", PDF)
    [attachment] = attachments()
    uploads.upload_path(app.config["UPLOAD_FOLDER"], attachment.stored_name).unlink()
    assert download(secretary_client, attachment).status_code == 404


def test_failed_database_write_removes_the_stored_file(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If recording the attachment fails after the file was written, the file goes too."""

    def failing_record(*args: Any, **kwargs: Any) -> None:
        raise sa.exc.OperationalError("INSERT", {}, Exception("database went away"))

    monkeypatch.setattr(services.audit, "record", failing_record)
    with pytest.raises(sa.exc.OperationalError):
        services.upload_attachment(world.material, io.BytesIO(PDF), "a.pdf")
    db.session.rollback()
    assert stored_files(app) == []

