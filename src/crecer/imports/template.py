"""The downloadable template: an XLSX with a data sheet and an instructions sheet, or a CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.utils import timezone
from django.utils.translation import gettext as _

from .columns import COLUMNS, HOUSEHOLD, Column

TEXT_COLUMNS = {"household_ref", "community", "id_number", "phone"}
DROPDOWNS = {
    "sex": "F,M",
    "area": "rural,urban",
    "poverty_level": "extreme,poor,not_poor,unknown",
    "water_source": "piped,public_tap,well,river,truck,other",
    "id_type": "CURP,DNI_PE,DNI_HN,DNI_AR,OTHER",
    "has_electricity": "yes,no",
    "birth_date_estimated": "yes,no",
    "disability": "yes,no",
    "caregiver_is": "mother,father,grandparent,sibling,partner,guardian,other",
}
EXAMPLE_FAMILY = [
    {"household_ref": "F-001", "community": "HN-0101-001", "address": "Calle Principal 12",
     "area": "rural", "poverty_level": "poor", "given_names": "María José",
     "first_surname": "Hernández", "second_surname": "López", "sex": "F",
     "birth_date": "1995-03-14", "id_type": "DNI_HN", "id_number": "0101-1995-00123",
     "phone": "+50499887766", "role": "caregiver;pregnant", "expected_delivery_date": ""},
    {"household_ref": "F-001", "given_names": "Luis Ángel", "first_surname": "Hernández",
     "second_surname": "López", "sex": "M", "birth_date": "2024-07-02", "role": "child",
     "caregiver_is": "mother"},
    {"household_ref": "F-002", "community": "HN-0101-002", "given_names": "Rosa",
     "first_surname": "Martínez", "sex": "F", "birth_date": "1960-01-01",
     "birth_date_estimated": "sí", "role": "caregiver;head"},
    {"household_ref": "F-002", "given_names": "Sofía", "first_surname": "Reyes",
     "second_surname": "Martínez", "sex": "F", "birth_date": "2022-02-11", "role": "child",
     "caregiver_is": "grandparent"},
]


def example_rows() -> list[dict[str, str]]:
    """The example family, with an expected delivery date four months from today."""
    due = (timezone.localdate() + dt.timedelta(days=120)).isoformat()
    return [{**row, "expected_delivery_date": due} if "expected_delivery_date" in row else row
            for row in EXAMPLE_FAMILY]


def headers() -> list[str]:
    return [c.name for c in COLUMNS]


def template_csv() -> bytes:
    """The header row as CSV (UTF-8 with BOM, so that Excel shows accents right)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(headers())
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    data = wb.active
    data.title = _("persons")[:31]
    data.append(headers())
    bold = Font(bold=True)
    household_fill = PatternFill("solid", fgColor="E7F4EF")
    for i, column in enumerate(COLUMNS, start=1):
        cell = data.cell(row=1, column=i)
        cell.font = bold
        if column.level == HOUSEHOLD:
            cell.fill = household_fill
        letter = get_column_letter(i)
        data.column_dimensions[letter].width = max(12, len(column.name) + 2)
        if column.name in TEXT_COLUMNS:
            data.column_dimensions[letter].number_format = "@"
        if column.name in DROPDOWNS:
            rule = DataValidation(type="list", formula1=f'"{DROPDOWNS[column.name]}"',
                                  allow_blank=True, showErrorMessage=False)
            rule.add(f"{letter}2:{letter}5001")
            data.add_data_validation(rule)
    data.freeze_panes = "A2"

    info = wb.create_sheet(_("instructions")[:31])
    info.append([_("How to fill in the “%(sheet)s” sheet") % {"sheet": data.title}])
    info["A1"].font = Font(bold=True, size=13)
    for line in instructions():
        info.append([line])
    info.append([])
    info.append([_("Column"), _("Required"), _("Level"), _("What to write"), _("Allowed values"),
                 _("Example"), _("Also accepted as column name")])
    header_row = info.max_row
    for cell in info[header_row]:
        cell.font = bold
    for column in COLUMNS:
        info.append(describe(column))
    info.append([])
    info.append([_("Example: two households, four persons")])
    info.cell(row=info.max_row, column=1).font = bold
    info.append(headers())
    for row in example_rows():
        info.append([row.get(name, "") for name in headers()])
    for letter, width in zip("ABCDEFG", (24, 10, 10, 60, 45, 20, 45), strict=True):
        info.column_dimensions[letter].width = width
    for row in info.iter_rows(min_row=header_row + 1, max_row=header_row + len(COLUMNS)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def instructions() -> list[str]:
    return [
        _("One row per person. Every member of a household has the same household_ref."),
        _("Household columns (shaded) may be written on every row of the household or only on "
          "its first row; if two rows disagree, the file is refused with the rows named."),
        _("Keep the first row with the column names. Spanish names (nombres, primer_apellido, "
          "fecha_nacimiento, comunidad…) are accepted too. Unknown columns are ignored."),
        _("Upload the file first as a check: nothing is saved until you press “Import now”, "
          "and then either every row is saved or none."),
    ]


def describe(column: Column) -> list[str]:
    example = column.example
    if column.name == "expected_delivery_date":
        example = example_rows()[0]["expected_delivery_date"]
    return [column.name, _("yes") if column.required else _("no"),
            _("household") if column.level == HOUSEHOLD else _("person"),
            str(column.help), str(column.allowed), example, ", ".join(column.aliases)]
