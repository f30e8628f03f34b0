"""Checking and storing uploaded files: by their content, never by their name.

An upload is streamed to a temporary file in the upload folder in chunks while its size and
sha256 are computed; its type is then recognised from its magic bytes (and, for Office files,
from their inner structure), the name's extension must agree, and only then is the file moved
to its generated name (uuid4 hex + extension) with `os.replace`. The browser's declared
Content-Type is ignored. The user's file name is only kept (cleaned) for display and download.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import struct
import tempfile
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask_babel import lazy_gettext as _l

from studytrack.errors import DomainError
from studytrack.storage import LocalStorage, Storage

CHUNK_SIZE = 64 * 1024
HEAD_SIZE = 64  # enough for every signature we look at
MAX_NAME_LENGTH = 255
FIELD = "file"


@dataclass(frozen=True)
class FileType:
    key: str
    extension: str  # the extension files of this type are stored under
    content_type: str
    icon: str  # bootstrap-icons name
    inline: bool = False  # shown in the browser rather than saved


FILE_TYPES: dict[str, FileType] = {
    t.key: t
    for t in (
        FileType("pdf", ".pdf", "application/pdf", "file-earmark-pdf"),
        FileType("doc", ".doc", "application/msword", "file-earmark-word"),
        FileType("xls", ".xls", "application/vnd.ms-excel", "file-earmark-excel"),
        FileType("ppt", ".ppt", "application/vnd.ms-powerpoint", "file-earmark-ppt"),
        FileType(
            "docx", ".docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "file-earmark-word",
        ),
        FileType(
            "xlsx", ".xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "file-earmark-excel",
        ),
        FileType(
            "pptx", ".pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "file-earmark-ppt",
        ),
        FileType("png", ".png", "image/png", "file-earmark-image", inline=True),
        FileType("jpeg", ".jpg", "image/jpeg", "file-earmark-image", inline=True),
        FileType("gif", ".gif", "image/gif", "file-earmark-image", inline=True),
        FileType("webp", ".webp", "image/webp", "file-earmark-image", inline=True),
        FileType("text", ".txt", "text/plain", "file-earmark-text"),
        FileType("mp4", ".mp4", "video/mp4", "file-earmark-play"),
    )
}

# The extensions a name may carry, and the type its content must then have.
EXTENSIONS: dict[str, str] = {
    ".pdf": "pdf",
    ".doc": "doc", ".xls": "xls", ".ppt": "ppt",
    ".docx": "docx", ".xlsx": "xlsx", ".pptx": "pptx",
    ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp",
    ".txt": "text",
    ".mp4": "mp4",
}

ACCEPT = ",".join(sorted(EXTENSIONS))  # for <input type="file" accept="...">

STORED_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{1,5}$")


@dataclass(frozen=True)
class StoredFile:
    original_name: str
    stored_name: str
    content_type: str
    size_bytes: int
    sha256: str
    key: str  # in the uploads' storage (upload_key)


# --- names -------------------------------------------------------------------------------


def clean_original_name(name: str | None) -> str:
    """The user's file name for display and download: the last path component only, without
    control or format characters, without leading/trailing dots and spaces, at most 255
    characters (the extension kept). Chinese is kept as it is. "" when nothing usable is left.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if ch.isspace() else ch
        for ch in name
        if ch.isspace() or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co"}
    )
    name = " ".join(name.split())  # tabs, newlines and runs of spaces become one space
    name = name.strip(". ")
    if len(name) > MAX_NAME_LENGTH:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[: MAX_NAME_LENGTH - len(ext)].rstrip(". ") + ext
    return name


def extension_of(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def allowed_types_text() -> Any:
    return _l(
        "Allowed: PDF, Word (.doc, .docx), Excel (.xls, .xlsx), PowerPoint (.ppt, .pptx), "
        "images (PNG, JPEG, GIF, WebP), plain text (.txt) and MP4 video."
    )


# --- storing -----------------------------------------------------------------------------


def upload_key(stored_name: str) -> str:
    """Where a stored file lives in the uploads' storage: <first two hex chars>/<stored name>
    (on a folder, <UPLOAD_FOLDER>/ab/ab12….pdf)."""
    if not STORED_NAME.match(stored_name):
        raise ValueError(f"not a generated file name: {stored_name!r}")
    return f"{stored_name[:2]}/{stored_name}"


def upload_path(folder: str | os.PathLike[str], stored_name: str) -> Path:
    """The stored file in an upload folder (the uploads' storage on a folder)."""
    return Path(folder) / upload_key(stored_name)


def store_upload(
    stream: IO[bytes], filename: str | None, folder: str | os.PathLike[str], max_bytes: int,
    store: Storage | None = None,
) -> StoredFile:
    """Check and store one upload: received into `folder` (a dot-named file there, which
    backups skip), then kept in `store` (the folder itself by default). Raises
    DomainError(field="file") with the reason if the file is refused; nothing is left then."""
    original_name = clean_original_name(filename)
    if not original_name:
        raise DomainError(
            _l("The file has no usable name. Rename it and upload it again."), field=FIELD
        )
    extension = extension_of(original_name)
    expected = EXTENSIONS.get(extension)
    if expected is None:
        raise DomainError(
            _l("Files of this type cannot be uploaded. %(allowed)s", allowed=allowed_types_text()),
            field=FIELD,
        )

    file_type = FILE_TYPES[expected]
    stored_name = uuid.uuid4().hex + file_type.extension
    key = upload_key(stored_name)
    receiving = Path(folder) / key.split("/")[0]  # beside its place: a rename on a folder
    receiving.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=receiving)
    temp_path = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            size, digest, head, text = _copy(stream, out, max_bytes, check_text=expected == "text")
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise DomainError(_l("The file is empty."), field=FIELD)
        detected = detect_type(temp_path, head)
        content_type = file_type.content_type
        if expected == "text" and detected is None:
            if text is None:
                raise DomainError(
                    _l("A text file must be plain text in UTF-8 or GB18030 encoding."),
                    field=FIELD,
                )
            content_type = f"text/plain; charset={text}"
        elif detected != expected:
            raise DomainError(
                _l("The file's content does not match its name (%(ext)s).", ext=extension),
                field=FIELD,
            )
        (store or LocalStorage(Path(folder))).put(key, temp_path)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    return StoredFile(original_name, stored_name, content_type, size, digest, key)


def _copy(
    stream: IO[bytes], out: IO[bytes], max_bytes: int, check_text: bool
) -> tuple[int, str, bytes, str | None]:
    """Copy in chunks; returns size, sha256, the first bytes, and the text encoding that
    decodes the whole file cleanly ("utf-8" / "gb18030"), if text was asked for."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    decoders = (
        {name: codecs.getincrementaldecoder(name)() for name in ("utf-8", "gb18030")}
        if check_text
        else {}
    )
    while chunk := stream.read(CHUNK_SIZE):
        size += len(chunk)
        if size > max_bytes:
            raise DomainError(
                _l("The file is larger than %(mb)s MB.", mb=_megabytes(max_bytes)), field=FIELD
            )
        if len(head) < HEAD_SIZE:
            head += chunk[: HEAD_SIZE - len(head)]
        digest.update(chunk)
        out.write(chunk)
        for name in list(decoders):
            if not _decodes(decoders[name], chunk):
                del decoders[name]
    for name in list(decoders):
        if not _decodes(decoders[name], b"", final=True):
            del decoders[name]
    text = next(iter(decoders), None)
    return size, digest.hexdigest(), head, text


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _decodes(decoder: codecs.IncrementalDecoder, chunk: bytes, final: bool = False) -> bool:
    try:
        decoded = decoder.decode(chunk, final=final)
    except UnicodeDecodeError:
        return False
    return not _CONTROL.search(decoded)


def _megabytes(max_bytes: int) -> str:
    mb = max_bytes / (1024 * 1024)
    return str(int(mb)) if mb == int(mb) else f"{mb:.1f}"


# --- recognising content -----------------------------------------------------------------

OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"mmp4", b"dash", b"MSNV", b"NDAS", b"f4v ",
}


def detect_type(path: Path, head: bytes) -> str | None:
    """The key of FILE_TYPES that the content is, or None (text is decided by decoding)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(PNG_MAGIC):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and _is_mp4(head):
        return "mp4"
    if head.startswith(OLE2_MAGIC):
        return _ole_kind(path)
    if head.startswith(ZIP_MAGIC):
        return _ooxml_kind(path)
    return None


def _is_mp4(head: bytes) -> bool:
    box_size = int.from_bytes(head[0:4], "big")
    brands = [head[8:12]]
    end = min(box_size, len(head))
    brands += [head[i : i + 4] for i in range(16, end - 3, 4)]  # compatible brands
    return any(brand in MP4_BRANDS for brand in brands)


OOXML_KINDS = (
    ("docx", "word/", b"wordprocessingml.document.main+xml"),
    ("xlsx", "xl/", b"spreadsheetml.sheet.main+xml"),
    ("pptx", "ppt/", b"presentationml.presentation.main+xml"),
)


def _ooxml_kind(path: Path) -> str | None:
    """A Word/Excel/PowerPoint (OOXML) package tells its kind by [Content_Types].xml and its
    part names; any other zip (and macro-enabled documents) is refused."""
    try:
        with zipfile.ZipFile(path) as package:
            names = package.namelist()
            with package.open("[Content_Types].xml") as member:
                content_types = member.read(1024 * 1024)
    except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError,
            ValueError, EOFError):
        return None
    for key, prefix, marker in OOXML_KINDS:
        if marker in content_types and any(name.startswith(prefix) for name in names):
            return key
    return None


OLE_STREAMS = (
    ("doc", {"worddocument"}),
    ("xls", {"workbook", "book"}),
    ("ppt", {"powerpoint document"}),
)
_SPECIAL_SECTOR = 0xFFFFFFFA  # this and above: end of chain, free, FAT/DIFAT sectors


def _ole_kind(path: Path) -> str | None:
    """Old Word/Excel/PowerPoint files share the OLE2 (Compound File) signature; they are told
    apart by the streams in the compound file's directory."""
    try:
        names = {name.lower() for name in _ole_entry_names(path)}
    except (ValueError, OSError, struct.error):
        return None
    for key, streams in OLE_STREAMS:
        if names & streams:
            return key
    return None


def _ole_entry_names(path: Path) -> set[str]:
    """The names in a compound file's directory (MS-CFB), read without any extra library."""
    with open(path, "rb") as f:
        header = f.read(512)
        if len(header) < 512 or not header.startswith(OLE2_MAGIC):
            raise ValueError("not a compound file")
        shift = struct.unpack_from("<H", header, 30)[0]
        if shift not in (9, 12):
            raise ValueError("bad sector size")
        sector_size = 1 << shift
        per_sector = sector_size // 4
        num_fat, first_dir = struct.unpack_from("<II", header, 44)
        first_difat, num_difat = struct.unpack_from("<II", header, 68)
        sectors = os.fstat(f.fileno()).st_size // sector_size  # an upper bound

        def read_sector(number: int) -> bytes:
            if number >= sectors:
                raise ValueError("sector out of range")
            f.seek((number + 1) * sector_size)
            data = f.read(sector_size)
            if len(data) != sector_size:
                raise ValueError("short sector")
            return data

        fat_sectors = list(struct.unpack_from("<109I", header, 76))
        difat = first_difat
        for _ in range(min(num_difat, sectors)):
            if difat >= _SPECIAL_SECTOR:
                break
            data = read_sector(difat)
            fat_sectors += struct.unpack_from(f"<{per_sector - 1}I", data)
            difat = struct.unpack_from("<I", data, sector_size - 4)[0]
        fat: list[int] = []
        for number in [s for s in fat_sectors if s < _SPECIAL_SECTOR][:num_fat]:
            fat += struct.unpack(f"<{per_sector}I", read_sector(number))

        names: set[str] = set()
        seen: set[int] = set()
        sector = first_dir
        while sector < _SPECIAL_SECTOR:
            if sector in seen or sector >= len(fat):
                raise ValueError("broken directory chain")
            seen.add(sector)
            data = read_sector(sector)
            for offset in range(0, sector_size, 128):
                length = struct.unpack_from("<H", data, offset + 64)[0]
                kind = data[offset + 66]
                if kind in (1, 2) and 2 <= length <= 64 and length % 2 == 0:
                    names.add(data[offset : offset + length - 2].decode("utf-16-le", "replace"))
            sector = fat[sector]
        return names
