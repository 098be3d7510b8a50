"""Files that cannot be used get a clear message (status 200 or 400), never a server error."""

from __future__ import annotations

import io
import zipfile

import pytest

from crecer.imports.models import ImportJob, ImportStatus

from .conftest import csv_bytes, good_rows, last_job, upload, xlsx_bytes

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def _refused_on_upload(client, name, content, text):
    response = upload(client, name, content)
    html = response.content.decode()
    assert response.status_code == 400, html[:500]
    assert 'id="upload-error"' in html or "error-box" in html
    assert text in html, html[html.find("error-box"):][:400]
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("name,content,text", [
    ("vacio.csv", b"", "The submitted file is empty."),
    ("espacios.csv", b"  \r\n \r\n", "The file is empty."),
    ("foto.xlsx", PNG, "This is not a spreadsheet."),
    ("basura.csv", bytes(range(256)) * 20, "This is not a spreadsheet."),
    ("random.xlsx", b"\x13\x07\x01\x02garbage\x00\x00\x01" * 100, "This is not a spreadsheet."),
    ("viejo.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Old Excel files (.xls)"),
    ("zip.xlsx", _zip({"notes.txt": b"hello"}), "This is not a spreadsheet."),
    ("doc.xlsx", _zip({"word/document.xml": b"<w/>"}), "This is not a spreadsheet."),
    ("cortado.xlsx", xlsx_bytes(good_rows())[:700], "damaged or is not a real .xlsx"),
    ("utf16.csv", "given_names,sex\r\nAna,F\r\n".encode("utf-16"), "UTF-16"),
])
def test_refused_at_upload(officer_client, tree, name, content, text):
    _refused_on_upload(officer_client, name, content, text)


def test_oversized_file_is_refused(officer_client, tree, settings):
    settings.CRECER_IMPORT_MAX_BYTES = 2048
    content = csv_bytes(good_rows() * 10)
    assert len(content) > 2048
    _refused_on_upload(officer_client, "grande.csv", content,
                       "The file is larger than 0.00 MB; split it into smaller files.")


def test_oversized_request_is_refused_before_reading_it(officer_client, tree, settings):
    settings.CRECER_IMPORT_MAX_BYTES = 2048
    _refused_on_upload(officer_client, "grande.csv", b"a,b\r\n" * 20000, "is larger than")


def test_zip_bomb_is_refused(officer_client, tree, settings):
    settings.CRECER_IMPORT_MAX_BYTES = 50 * 1024
    bomb = _zip({"xl/workbook.xml": b"<workbook/>",
                 "xl/worksheets/sheet1.xml": b"<row>" + b"0" * (5 * 1024 * 1024)})
    assert len(bomb) < 50 * 1024
    _refused_on_upload(officer_client, "bomba.xlsx", bomb, "expands to more than")


def _refused_on_check(client, name, content, text):
    response = upload(client, name, content)
    assert response.status_code == 302
    job = last_job()
    assert job.status == ImportStatus.FAILED and text in job.message, job.message
    assert not job.file_path
    page = client.get(f"/imports/{job.pk}/")
    assert page.status_code == 200 and text in page.content.decode()
    assert 'id="commit-form"' not in page.content.decode()


def test_too_many_rows(officer_client, tree, settings):
    settings.CRECER_IMPORT_MAX_ROWS = 5
    _refused_on_check(officer_client, "largo.xlsx", xlsx_bytes(good_rows()),
                      "The file has more than 5 rows")


def test_missing_columns(officer_client, tree):
    content = csv_bytes(good_rows(), ["household_ref", "given_names", "sex", "role"])
    _refused_on_check(officer_client, "cols.csv", content,
                      "Missing columns: community (comunidad), first_surname (primer_apellido), "
                      "birth_date (fecha_nacimiento).")


def test_no_header(officer_client, tree):
    _refused_on_check(officer_client, "nohdr.csv", b"1,2,3\r\n4,5,6\r\n",
                      "No row of column names was found")


def test_header_without_data(officer_client, tree):
    _refused_on_check(officer_client, "solo.xlsx", xlsx_bytes([]), "no rows of data")


def test_same_column_twice(officer_client, tree):
    content = csv_bytes([], ["household_ref", "comunidad", "community", "given_names"])
    _refused_on_check(officer_client, "dup.csv", content,
                      "The column “community” appears twice (as “comunidad” and “community”).")


def test_damaged_workbook_inside_a_real_zip(officer_client, tree):
    content = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not xml"})
    _refused_on_check(officer_client, "roto.xlsx", content, "damaged or is not a real .xlsx")


def test_malformed_csv_text_is_reported_by_row(officer_client, tree):
    """Text that is not a table at all: no header found, no crash."""
    _refused_on_check(officer_client, "carta.csv",
                      "Estimada señora:\nLe envío la lista.\n".encode("latin-1"),
                      "No row of column names was found")


def test_hostile_strings_are_shown_escaped(officer_client, tree):
    rows = good_rows()
    rows[0]["community"] = "<script>alert(1)</script>"
    upload(officer_client, "xss.csv", csv_bytes(rows))
    job = last_job()
    html = officer_client.get(f"/imports/{job.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
