"""table_response: CSV (BOM, commas, numbers untouched) and XLSX (read back with openpyxl), the
formula-injection guard in both, file names, and refusal of unknown formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.http import Http404
from django.test import RequestFactory

from crecer.interop.tables import filename, guard, sheet_title, table_response

HEADERS = ["Municipio", "Valor", "Meta", "Fecha", "Nota"]
ROWS = [
    ["La Ceiba", 12.5, 10, dt.date(2026, 3, 31), "Niñas < 2 años"],
    ["El Porvenir", -3, Decimal("7.25"), None, ""],
    ["Río Cangrejal", None, float("nan"), dt.date(2026, 1, 1), "ok"],
]
DANGEROUS = ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def _response(fmt, rows=ROWS, headers=HEADERS, title="Cobertura por municipio"):
    request = RequestFactory().get("/")
    return table_response(request, title=title, headers=headers, rows=rows, fmt=fmt)


def _csv(response) -> list[list[str]]:
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the accents right
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_content():
    response = _response("csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="cobertura-por-municipio-')
    assert response["Content-Disposition"].endswith('.csv"')
    rows = _csv(response)
    assert rows[0] == HEADERS
    assert rows[1] == ["La Ceiba", "12.5", "10", "2026-03-31", "Niñas < 2 años"]
    # numbers are never quoted, even negative ones; None and NaN are empty cells
    assert rows[2] == ["El Porvenir", "-3", "7.25", "", ""]
    assert rows[3] == ["Río Cangrejal", "", "", "2026-01-01", "ok"]
    assert b"\r\n" in response.content and b";" not in response.content


def test_csv_formula_injection_is_quoted():
    rows = _csv(_response("csv", rows=[[text, 1] for text in DANGEROUS],
                          headers=["=cmd", "value"]))
    assert rows[0] == ["'=cmd", "value"]
    assert [r[0] for r in rows[1:]] == ["'" + text for text in DANGEROUS]
    assert [r[1] for r in rows[1:]] == ["1"] * len(DANGEROUS)
    assert guard("La Ceiba") == "La Ceiba" and guard("") == ""


def test_xlsx_round_trip():
    response = _response("xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.title == "Cobertura por municipio"
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == HEADERS
    assert all(sheet.cell(row=1, column=c).font.bold for c in range(1, 6))
    assert values[1][:3] == ["La Ceiba", 12.5, 10]
    assert values[1][3] == dt.datetime(2026, 3, 31)  # a real date cell
    assert sheet.cell(row=2, column=4).is_date
    assert values[2][:3] == ["El Porvenir", -3, 7.25]
    assert sheet.cell(row=3, column=2).data_type == "n"
    assert values[3][1] is None and values[3][2] is None
    assert sheet.freeze_panes == "A2"
    # widths follow the content (the long note column is wider than the value column)
    assert sheet.column_dimensions["E"].width > sheet.column_dimensions["B"].width >= 8


def test_xlsx_formula_injection_is_text():
    response = _response("xlsx", rows=[[text] for text in DANGEROUS], headers=["=cmd"])
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [sheet.cell(row=r, column=1) for r in range(1, len(DANGEROUS) + 2)]
    # kept as written, as text cells with Excel's quote prefix: never formulas
    # (XML turns the carriage return into a line feed)
    assert [c.value for c in cells] == ["=cmd", *DANGEROUS[:-1], "\nCR"]
    assert all(c.data_type == "s" for c in cells)
    assert all(c.quotePrefix for c in cells)
    assert not any(str(c.value).startswith("'") for c in cells)


def test_sheet_name_and_file_name_are_safe():
    assert sheet_title("Tabla: brechas [2026]/Q1 * ¿?") == "Tabla brechas 2026 Q1 ¿"
    assert len(sheet_title("x" * 80)) == 31
    assert sheet_title("''") == "Sheet1"
    assert filename("Brechas: niñas < 2 años", "xlsx", dt.date(2026, 3, 9)) == (
        "brechas-ninas-2-anos-2026-03-09.xlsx")
    assert filename("¿?", "csv", dt.date(2026, 3, 9)) == "table-2026-03-09.csv"


def test_unknown_format_is_404():
    with pytest.raises(Http404):
        _response("pdf")
    assert _response("XLSX").status_code == 200
