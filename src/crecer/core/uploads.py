"""Safe storage of uploaded evidence files (minutes, photos, reports, spreadsheets).

    stored = store_upload(request.FILES["file"])            # or raises UploadRejected
    return serve_download(stored, stored.original_name)     # always a download

A file is accepted only when BOTH its extension is allowed AND its content carries the matching
signature: PDF (`%PDF-`), PNG, JPEG, office files that really are zip archives with the parts of
their format (xlsx, docx, odt, ods), or plain text (csv, txt) that is valid UTF-8 with no NUL.
HTML, SVG, XML, JavaScript and executables are refused whatever their extension, and so is any
file whose content does not match its extension (an HTML page renamed `.pdf`).

Files are written under MEDIA_ROOT/evidence/<yyyy>/<uuid>.<ext>: the user's file name never
touches the disk, it is only kept (cleaned) for the download's name. Downloads go through
`serve_download`: `Content-Disposition: attachment`, a fixed safe content type, `nosniff` and a
sandboxing Content-Security-Policy, so nothing uploaded is ever rendered by the browser.

Writes that pair files with database rows should validate first (`check_upload`, no write),
then store, then save the rows in one transaction, deleting the stored files
(`delete_stored`) if the transaction fails: `StoredFiles` does that bookkeeping.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DEFAULT_ALLOWED = ("pdf", "jpg", "jpeg", "png", "xlsx", "docx", "csv", "txt", "odt", "ods")
FOLDER = "evidence"

# Never accepted, even if a caller lists them in `allowed`: the browser would run or render them.
FORBIDDEN = frozenset({
    "html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs", "cjs",
    "jsx", "ts", "css", "php", "phtml", "asp", "aspx", "jsp", "cgi", "pl", "py", "rb", "sh",
    "bash", "bat", "cmd", "com", "exe", "dll", "msi", "scr", "vbs", "ps1", "jar", "apk", "app",
    "swf", "hta", "mht", "mhtml", "eml", "rtf",
})

# What a download is served as (fixed by extension, never taken from the upload).
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "csv": "text/csv; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}

# Human names of the kinds, for messages ("its content is not a PDF document").
_KIND_NAMES = {
    "pdf": gettext_lazy("a PDF document"),
    "png": gettext_lazy("a PNG image"),
    "jpg": gettext_lazy("a JPEG image"),
    "jpeg": gettext_lazy("a JPEG image"),
    "xlsx": gettext_lazy("an Excel workbook (.xlsx)"),
    "docx": gettext_lazy("a Word document (.docx)"),
    "odt": gettext_lazy("an OpenDocument text (.odt)"),
    "ods": gettext_lazy("an OpenDocument spreadsheet (.ods)"),
    "csv": gettext_lazy("a CSV text file"),
    "txt": gettext_lazy("a plain text file"),
}

_ZIP_PARTS = {  # a member every real file of the format has
    "xlsx": "xl/workbook.xml",
    "docx": "word/document.xml",
}
_OPENDOCUMENT = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
_HEAD = 8192  # bytes read to decide the type

# Markup a browser would sniff as HTML/XML/SVG (WHATWG MIME sniffing), lower case.
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg", b"<?xml",
           b"<!--", b"<style", b"<title", b"<div", b"<table", b"<a ", b"<img", b"<object",
           b"<embed", b"<meta", b"<link", b"<form", b"<p>", b"<br", b"<h1", b"<font", b"<b>")
_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",
                b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"#!", b"\x00asm")
_STORED_NAME = re.compile(r"^[a-z]+/\d{4}/[0-9a-f]{32}\.[a-z0-9]{1,5}$")


class UploadRejected(ValidationError):
    """The file was refused and nothing was written. `filename` is the user's name for it,
    `reason` is "type", "size" or "empty", and `str()`/`message` name the file and the reason
    in the user's language."""

    def __init__(self, filename: str, reason: str, message: str):
        self.filename = filename
        self.reason = reason
        super().__init__(message, code=f"upload_{reason}")

    def __str__(self) -> str:
        return str(self.message)


@dataclass(frozen=True)
class StoredFile:
    """A file written by `store_upload`: where it is (`name`, relative to the storage root),
    what it was called (`original_name`, cleaned), its size, type and SHA-256."""

    name: str
    original_name: str
    size: int
    extension: str
    content_type: str
    sha256: str


class StoredFileFields(models.Model):
    """Abstract model fields for a row that owns one stored file (evidence, minutes…)."""

    file_name = models.CharField(max_length=255, editable=False)  # storage path, never user text
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    extension = models.CharField(max_length=8)
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)

    class Meta:
        abstract = True

    @property
    def stored(self) -> StoredFile:
        return StoredFile(name=self.file_name, original_name=self.original_name, size=self.size,
                          extension=self.extension, content_type=self.content_type,
                          sha256=self.sha256)

    def set_stored(self, stored: StoredFile) -> None:
        self.file_name = stored.name
        self.original_name = stored.original_name
        self.size = stored.size
        self.extension = stored.extension
        self.content_type = stored.content_type
        self.sha256 = stored.sha256


def max_evidence_bytes() -> int:
    return int(getattr(settings, "CRECER_MAX_EVIDENCE_BYTES", 10 * 1024 * 1024))


def megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 1 and mb == int(mb) else f"{mb:.1f}" if mb >= 1 else f"{mb:.2f}"


def clean_filename(name: str | None) -> str:
    """The user's file name made safe to show and to offer as a download name: no folders, no
    control or path characters, at most 120 characters (the extension kept)."""
    base = re.split(r"[\\/]", str(name or ""))[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r'[<>:"|?*;]', "_", base).strip(" .")
    if len(base) > 120:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 119 - len(ext)] + "." + ext) if dot and len(ext) <= 8 else base[:120]
    return base or "file"


def extension_of(name: str) -> str:
    base = clean_filename(name)
    return base.rpartition(".")[2].lower() if "." in base else ""


# --- checking ----------------------------------------------------------------------------------

def _rewind(file) -> None:
    try:
        file.seek(0)
    except (AttributeError, OSError, ValueError):
        pass


def _measure(file, limit: int) -> tuple[int, bytes, str]:
    """Size (reading at most `limit` + 1 bytes), the first bytes, and the SHA-256 of what was
    read. The file is rewound before and after."""
    _rewind(file)
    digest = hashlib.sha256()
    head = b""
    size = 0
    chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b"")
    for chunk in chunks:
        if isinstance(chunk, str):
            chunk = chunk.encode()
        if len(head) < _HEAD:
            head += chunk[: _HEAD - len(head)]
        size += len(chunk)
        digest.update(chunk)
        if size > limit:
            break
    _rewind(file)
    return size, head, digest.hexdigest()


def _looks_like_markup(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x0c").lower()
    return text.startswith(_MARKUP) or b"<script" in text[:1024] or b"<svg" in text[:1024] \
        or b"<html" in text[:1024]


def _detect(head: bytes) -> str:
    """What the first bytes say the file is: "pdf", "png", "jpeg", "zip", "markup",
    "executable", "text" or "binary"."""
    stripped = head.lstrip(b"\xef\xbb\xbf")
    if stripped[:1024].lstrip().startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        return "binary"  # UTF-16 text: browsers may sniff it; refuse rather than guess
    if _looks_like_markup(head):
        return "markup"
    if head.startswith(_EXECUTABLES):
        return "executable"
    if b"\x00" in head:
        return "binary"
    return "text"


_DETECTED_NAMES = {
    "pdf": gettext_lazy("a PDF document"),
    "png": gettext_lazy("a PNG image"),
    "jpeg": gettext_lazy("a JPEG image"),
    "zip": gettext_lazy("a zip archive"),
    "markup": gettext_lazy("a web page or markup (HTML, SVG or XML)"),
    "executable": gettext_lazy("a program or script"),
    "binary": gettext_lazy("binary data"),
    "text": gettext_lazy("plain text"),
}


def _type_error(filename: str, message: str) -> UploadRejected:
    return UploadRejected(filename, "type", message)


def _check_zip(file, ext: str, filename: str) -> None:
    _rewind(file)
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if ext in _ZIP_PARTS:
                ok = "[Content_Types].xml" in names and _ZIP_PARTS[ext] in names
            else:
                info = archive.getinfo("mimetype") if "mimetype" in names else None
                ok = (info is not None and info.file_size < 200
                      and archive.read("mimetype").strip() == _OPENDOCUMENT[ext])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError,
            NotImplementedError, RuntimeError):
        ok = False
    finally:
        _rewind(file)
    if not ok:
        raise _type_error(filename, _("“%(file)s” was refused: it is damaged or is not really "
                                      "%(kind)s.") % {"file": filename, "kind": _KIND_NAMES[ext]})


def _check_text(file, filename: str, ext: str, limit: int) -> None:
    """The whole file is UTF-8 without NUL (decoded incrementally, so a character split across
    chunks is fine)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    _rewind(file)
    chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b"")
    read = 0
    try:
        for chunk in chunks:
            if isinstance(chunk, str):
                chunk = chunk.encode()
            read += len(chunk)
            if b"\x00" in chunk:
                raise UnicodeDecodeError("utf-8", b"", 0, 1, "NUL")
            decoder.decode(chunk)
            if read > limit:
                break
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _type_error(filename, _("“%(file)s” was refused: %(kind)s must be text in UTF-8 "
                                      "(save it as “CSV UTF-8” or “Unicode (UTF-8)”).")
                          % {"file": filename, "kind": _KIND_NAMES[ext]}) from None
    finally:
        _rewind(file)


@dataclass(frozen=True)
class Checked:
    """What `check_upload` found: the cleaned name, extension, size and SHA-256."""

    original_name: str
    extension: str
    size: int
    sha256: str


def check_upload(file, *, allowed: Iterable[str] = DEFAULT_ALLOWED,
                 max_bytes: int | None = None) -> Checked:
    """Decide whether `file` (an UploadedFile, a ContentFile or any file object with a `name`)
    may be stored; raise UploadRejected naming the file and the reason. Writes nothing."""
    allowed_set = {a.lower().lstrip(".") for a in allowed}
    bad = allowed_set & FORBIDDEN or allowed_set - set(CONTENT_TYPES)
    if bad:
        raise ValueError(f"these extensions cannot be allowed: {sorted(bad)}")
    limit = max_evidence_bytes() if max_bytes is None else int(max_bytes)
    filename = clean_filename(getattr(file, "name", ""))
    ext = extension_of(filename)
    if ext not in allowed_set:
        kinds = ", ".join(sorted(allowed_set))
        if not ext:
            msg = _("“%(file)s” was refused: it has no extension. Accepted types: %(types)s.")
        elif ext in FORBIDDEN:
            msg = _("“%(file)s” was refused: .%(ext)s files (web pages, images in SVG, scripts "
                    "or programs) are never accepted. Accepted types: %(types)s.")
        else:
            msg = _("“%(file)s” was refused: .%(ext)s files are not accepted. Accepted types: "
                    "%(types)s.")
        raise _type_error(filename, msg % {"file": filename, "ext": ext, "types": kinds})
    size, head, digest = _measure(file, limit)
    if size > limit:
        raise UploadRejected(filename, "size", _(
            "“%(file)s” was refused: it is larger than the limit of %(mb)s MB.") % {
                "file": filename, "mb": megabytes(limit)})
    if size == 0:
        raise UploadRejected(filename, "empty", _("“%(file)s” was refused: the file is empty.")
                             % {"file": filename})
    found = _detect(head)
    expected = {"pdf": "pdf", "png": "png", "jpg": "jpeg", "jpeg": "jpeg", "xlsx": "zip",
                "docx": "zip", "odt": "zip", "ods": "zip", "csv": "text", "txt": "text"}[ext]
    if found != expected:
        raise _type_error(filename, _("“%(file)s” was refused: its name says %(kind)s but its "
                                      "content is %(found)s.")
                          % {"file": filename, "kind": _KIND_NAMES[ext],
                             "found": _DETECTED_NAMES[found]})
    if found == "zip":
        _check_zip(file, ext, filename)
    elif found == "text":
        _check_text(file, filename, ext, limit)
    return Checked(original_name=filename, extension=ext, size=size, sha256=digest)


# --- storing -------------------------------------------------------------------------------------

def store_upload(file, *, allowed: Iterable[str] = DEFAULT_ALLOWED,
                 max_bytes: int | None = None, folder: str = FOLDER) -> StoredFile:
    """Check `file` (see `check_upload`) and write it to <folder>/<yyyy>/<uuid>.<ext> in the
    default storage (MEDIA_ROOT). Raises UploadRejected, and then nothing is written."""
    if not re.fullmatch(r"[a-z]+", folder):
        raise ValueError("folder must be lower-case letters")
    checked = check_upload(file, allowed=allowed, max_bytes=max_bytes)
    name = f"{folder}/{timezone.now():%Y}/{uuid.uuid4().hex}.{checked.extension}"
    _rewind(file)
    content = file if hasattr(file, "chunks") else ContentFile(file.read())
    saved = default_storage.save(name, content)
    _rewind(file)
    if saved != name:  # pragma: no cover (a uuid does not collide)
        default_storage.delete(saved)
        raise RuntimeError("storage renamed an evidence file")
    return StoredFile(name=name, original_name=checked.original_name, size=checked.size,
                      extension=checked.extension,
                      content_type=CONTENT_TYPES[checked.extension], sha256=checked.sha256)


def delete_stored(stored: StoredFile | str) -> None:
    """Remove a stored file (used when the rows that would point at it were not saved)."""
    name = stored if isinstance(stored, str) else stored.name
    if _STORED_NAME.match(name or ""):
        default_storage.delete(name)


class StoredFiles:
    """Bookkeeping for an action that stores several files and then saves rows:

        with StoredFiles() as files:
            stored = [files.store(f) for f in uploads]
            with transaction.atomic(): ...   # an exception here deletes the stored files
    """

    def __init__(self, **options: Any):
        self.options = options
        self.stored: list[StoredFile] = []

    def store(self, file) -> StoredFile:
        stored = store_upload(file, **self.options)
        self.stored.append(stored)
        return stored

    def __enter__(self) -> StoredFiles:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            for stored in self.stored:
                delete_stored(stored)


# --- serving -------------------------------------------------------------------------------------

def serve_download(stored: StoredFile | StoredFileFields, filename: str | None = None
                   ) -> FileResponse:
    """A response that makes the browser download the file, never display it: attachment,
    the fixed type of its extension, nosniff, and a CSP that sandboxes anything opened anyway.
    The caller has already checked that the user may see the file (scope, policy)."""
    if isinstance(stored, StoredFileFields):
        stored = stored.stored
    if not _STORED_NAME.match(stored.name or "") or stored.extension not in CONTENT_TYPES:
        raise Http404
    try:
        handle = default_storage.open(stored.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    name = clean_filename(filename or stored.original_name)
    if extension_of(name) != stored.extension:
        name = f"{name}.{stored.extension}"
    response = FileResponse(handle, as_attachment=True, filename=name,
                            content_type=CONTENT_TYPES[stored.extension])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
