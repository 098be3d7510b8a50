"""Safe evidence uploads: extension AND content signature checked, stored under a random name,
served only as a download (crecer.core.uploads)."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from crecer.core import uploads
from crecer.core.uploads import (
    StoredFiles,
    UploadRejected,
    check_upload,
    serve_download,
    store_upload,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<circle r='4'/></svg>")


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active["A1"] = "acta"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


DOCX = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
ODS = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                 "content.xml": b"<x/>"})


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CRECER_MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
    with translation.override("en"):
        yield settings.MEDIA_ROOT


def files_on_disk(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize("name,content,ctype", [
    ("acta.pdf", PDF, "application/pdf"),
    ("foto.PNG", PNG, "image/png"),
    ("foto.jpg", JPEG, "image/jpeg"),
    ("foto.jpeg", JPEG, "image/jpeg"),
    ("lista.csv", "nombre,comunidad\nMaría,Sambo Creek\n".encode(), "text/csv; charset=utf-8"),
    ("nota.txt", "\ufeffAcuerdos de la reunión: ñandú".encode(), "text/plain; charset=utf-8"),
    ("plan.xlsx", None, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("acta.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("acta.odt", ODT, "application/vnd.oasis.opendocument.text"),
    ("plan.ods", ODS, "application/vnd.oasis.opendocument.spreadsheet"),
])
def test_good_files_are_stored_under_a_random_name(media, name, content, ctype):
    content = xlsx_bytes() if content is None else content
    stored = store_upload(SimpleUploadedFile(name, content))
    assert stored.original_name == name
    assert stored.size == len(content)
    assert stored.content_type == ctype
    assert stored.extension == name.rsplit(".", 1)[1].lower()
    folder, year, filename = stored.name.split("/")
    assert folder == "evidence" and len(year) == 4 and year.isdigit()
    assert filename.endswith("." + stored.extension) and name.split(".")[0] not in filename
    on_disk = files_on_disk(media)
    assert [p.relative_to(media).as_posix() for p in on_disk] == [stored.name]
    assert on_disk[0].read_bytes() == content
    import hashlib

    assert stored.sha256 == hashlib.sha256(content).hexdigest()


def rejected(name: str, content: bytes, **kwargs) -> UploadRejected:
    with pytest.raises(UploadRejected) as info:
        store_upload(SimpleUploadedFile(name, content), **kwargs)
    return info.value


def test_html_renamed_pdf_is_refused_and_nothing_written(media):
    err = rejected("informe.pdf", HTML)
    assert err.reason == "type" and err.filename == "informe.pdf"
    assert "informe.pdf" in str(err) and "PDF" in str(err)
    assert "web page" in str(err)
    assert files_on_disk(media) == []


def test_svg_is_refused_by_extension_and_by_content(media):
    err = rejected("mapa.svg", SVG)
    assert err.reason == "type" and "mapa.svg" in str(err) and ".svg" in str(err)
    assert rejected("mapa.png", SVG).reason == "type"  # SVG renamed .png
    assert "web page" in str(rejected("mapa.txt", SVG))  # SVG renamed .txt
    assert rejected("pagina.html", HTML).reason == "type"
    assert rejected("pagina.txt", b"  \n<html><body>x</body></html>").reason == "type"
    assert files_on_disk(media) == []


def test_oversized_file_is_refused(media, settings):
    settings.CRECER_MAX_EVIDENCE_BYTES = 1024
    err = rejected("grande.pdf", PDF + b"0" * 2000)
    assert err.reason == "size"
    assert "grande.pdf" in str(err) and "larger than" in str(err)
    # exactly at the limit is fine; the explicit max_bytes argument wins
    assert store_upload(SimpleUploadedFile("justo.pdf", PDF + b"0" * (1024 - len(PDF)))).size == 1024
    assert rejected("chico.pdf", PDF, max_bytes=10).reason == "size"


def test_executables_scripts_and_lies_are_refused(media):
    assert "program" in str(rejected("virus.txt", b"MZ\x90\x00\x03\x00\x00\x00"))
    assert rejected("virus.exe", b"MZ\x90\x00").reason == "type"
    assert rejected("script.js", b"alert(1)").reason == "type"
    assert rejected("informe.pdf.exe", PDF).reason == "type"  # the last extension counts
    assert rejected("sin_extension", PDF).reason == "type"
    assert "PNG image" in str(rejected("foto.pdf", PNG))  # a PNG renamed .pdf
    assert rejected("foto.png", JPEG).reason == "type"
    assert rejected("tabla.xlsx", b"nombre,edad\n").reason == "type"  # text renamed .xlsx
    assert rejected("tabla.xlsx", DOCX).reason == "type"  # a docx renamed .xlsx
    assert rejected("acta.docx", zip_bytes({"a.txt": b"x"})).reason == "type"  # just a zip
    assert rejected("acta.odt", ODS).reason == "type"
    assert rejected("roto.xlsx", b"PK\x03\x04garbage").reason == "type"  # not really a zip
    assert files_on_disk(media) == []


def test_text_must_be_utf8_without_nul(media):
    assert "UTF-8" in str(rejected("lista.csv", "nombre\nJosé\n".encode("latin-1")))
    assert rejected("nota.txt", b"hola\x00mundo").reason == "type"
    assert rejected("nota.txt", "hola".encode("utf-16")).reason == "type"
    # a multi-byte character split across upload chunks is still valid UTF-8
    text = ("á" * 40000).encode()
    assert store_upload(SimpleUploadedFile("largo.txt", text)).size == len(text)


def test_empty_file_is_refused(media):
    err = rejected("vacio.pdf", b"")
    assert err.reason == "empty" and "vacio.pdf" in str(err)


def test_allowed_list_narrows_but_never_opens_dangerous_types(media):
    assert rejected("foto.png", PNG, allowed=("pdf",)).reason == "type"
    with pytest.raises(ValueError):
        check_upload(SimpleUploadedFile("x.html", HTML), allowed=("pdf", "html"))
    with pytest.raises(ValueError):
        check_upload(SimpleUploadedFile("x.gif", b"GIF89a"), allowed=("gif",))


def test_user_file_name_is_cleaned(media):
    stored = store_upload(ContentFile(PDF, name="../../etc/ac\nta;\x00 \"final\".pdf"))
    assert stored.original_name == "acta_ _final_.pdf"
    assert stored.name.startswith("evidence/")
    assert uploads.clean_filename("C:\\Users\\ana\\foto.png") == "foto.png"
    assert len(uploads.clean_filename("a" * 300 + ".pdf")) == 120
    assert uploads.clean_filename("a" * 300 + ".pdf").endswith(".pdf")


def test_messages_are_translatable(media):
    with translation.override("es"):
        err = rejected("informe.pdf", HTML)
    assert "informe.pdf" in str(err)


def test_serve_download_is_an_attachment_never_inline(media):
    stored = store_upload(SimpleUploadedFile("informe.pdf", PDF))
    response = serve_download(stored, 'Informe "final"\r\n.pdf')
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "\n" not in response["Content-Disposition"]
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PDF
    # a name without the right extension gets it; text is served as text/plain, still attached
    txt = store_upload(SimpleUploadedFile("nota.txt", b"hola"))
    response = serve_download(txt, "nota")
    assert 'filename="nota.txt"' in response["Content-Disposition"]
    assert response["Content-Type"] == "text/plain; charset=utf-8"


def test_serve_download_refuses_tampered_or_missing_names(media):
    from django.http import Http404

    stored = store_upload(SimpleUploadedFile("nota.txt", b"hola"))
    for name in ("../secret_key", "evidence/2026/../../secret_key.txt", "/etc/passwd"):
        with pytest.raises(Http404):
            serve_download(uploads.StoredFile(name=name, original_name="x.txt", size=1,
                                              extension="txt", content_type="text/plain",
                                              sha256=""))
    uploads.delete_stored(stored)
    with pytest.raises(Http404):
        serve_download(stored)


def test_stored_files_are_removed_when_the_action_fails(media):
    with pytest.raises(RuntimeError), StoredFiles() as files:
        files.store(SimpleUploadedFile("a.pdf", PDF))
        files.store(SimpleUploadedFile("b.png", PNG))
        assert len(files_on_disk(media)) == 2
        raise RuntimeError("the rows could not be saved")
    assert files_on_disk(media) == []
