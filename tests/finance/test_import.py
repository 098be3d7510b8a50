"""Importing lines from CSV or XLSX: all rows saved and audited, or none with every bad row
and field named."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crecer.core.models import AuditEvent
from crecer.finance.cleaning import Rejected
from crecer.finance.importing import import_lines
from crecer.finance.models import Budget, Expenditure

pytestmark = pytest.mark.django_db


def csv_file(text: str, name: str = "lines.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.replace("\n", "\r\n").encode())


def test_a_valid_csv_is_saved_whole_and_audited(tree, users, sources):
    upload = csv_file(
        "unit,year,category,source,amount,in_kind,valuation_note,is_ecd_line\n"
        "HN-0101,2025,staff,municipalidad,1200.50,no,,yes\n"
        "HN-0101-001,2025,other,aporte-comunitario,300,sí,2 rooms × 12 months,no\n")
    result = import_lines(actor=users["municipal_officer"], kind="budgets", upload=upload)
    assert result.created == 2
    rows = {b.unit.code: b for b in Budget.objects.all()}
    assert rows["HN-0101"].amount == Decimal("1200.50") and rows["HN-0101"].is_ecd_line
    assert rows["HN-0101-001"].in_kind
    events = AuditEvent.objects.filter(entity="finance.budget", action="import")
    assert events.count() == 2
    assert {e.territory_path for e in events} == {tree.muni_a1.path, tree.comm_a1.path}


def test_bad_rows_save_nothing_and_each_error_names_row_and_field(tree, users, sources):
    upload = csv_file(
        "unit,date,category,source,amount\n"
        "HN-0101,2025-02-01,staff,municipalidad,100\n"
        "HN-0101,2025-02-01,staff,municipalidad,-50\n"
        "HN-0101,2025-02-01,staff,lottery,10\n"
        "HN-0801,2025-02-01,staff,municipalidad,10\n"
        "HN-0101,2025-02-30,stuff,unicef,10\n")
    with pytest.raises(Rejected) as info:
        import_lines(actor=users["municipal_officer"], kind="expenditures", upload=upload)
    errors = [str(e) for e in info.value.errors]
    assert errors == [
        "Row 3, amount: -50 is negative: amounts are 0 or more.",
        "Row 4, funding source: “lottery” is not a known funding source (use its code, as "
        "listed on the funding sources page).",
        "Row 5, territory: “HN-0801” is not the code of a territory of yours.",
        "Row 6, category: “stuff” is not a category (use one of: staff, training, "
        "materials_kits, food, transport, supervision, management, other).",
        "Row 6, date: “2025-02-30” is not a date (write it as 2026-03-31 or 31/03/2026).",
    ]
    assert not Expenditure.objects.exists()
    assert not AuditEvent.objects.filter(entity="finance.expenditure").exists()


def test_an_xlsx_with_spanish_headers_and_typed_cells(tree, users, sources):
    import datetime as dt

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Municipio", "Fecha", "Categoría", "Fuente", "Monto", "En especie",
                  "Valoración", "Descripción"])
    sheet.append(["HN-0101", dt.datetime(2025, 3, 1), "Transporte", "municipalidad", 0.1 + 0.2,
                  "sí", "3 trips", "Pick-up"])
    sheet.append(["HN-0101", dt.date(2025, 3, 2), "materials_kits", "UNICEF", 950, None, None,
                  None])
    data = io.BytesIO()
    book.save(data)
    upload = SimpleUploadedFile("lines.xlsx", data.getvalue())
    assert import_lines(actor=users["municipal_officer"], kind="expenditures",
                        upload=upload).created == 2
    amounts = sorted(e.amount for e in Expenditure.objects.all())
    assert amounts == [Decimal("0.30"), Decimal("950.00")]


@pytest.mark.parametrize("content,message", [
    ("unit,year,category,source,amount,colour\nHN-0101,2025,staff,unicef,1,red\n",
     "“colour” is not a column of this import"),
    ("unit,year,category,amount\nHN-0101,2025,staff,1\n", "missing columns: source."),
    ("unit,year,category,source,amount\n", "has column names but no rows"),
])
def test_header_problems(tree, users, sources, content, message):
    with pytest.raises(Rejected) as info:
        import_lines(actor=users["municipal_officer"], kind="budgets", upload=csv_file(content))
    assert message in " ".join(str(e) for e in info.value.errors)
    assert not Budget.objects.exists()


def test_a_file_that_is_not_a_spreadsheet(tree, users, sources):
    upload = SimpleUploadedFile("budget.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(Rejected) as info:
        import_lines(actor=users["municipal_officer"], kind="budgets", upload=upload)
    assert info.value.errors[0].field == "file"
    assert "not a spreadsheet" in info.value.errors[0].message
