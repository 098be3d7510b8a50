"""Importing budget or expenditure lines from a CSV or XLSX file: every row is checked first,
and a `Rejected` names each refused row and field; nothing is saved unless every row is valid,
then all rows are saved in one transaction with one audit row each.

The file is read by `crecer.imports.reader` (format decided by content, size, row and zip
limits). The first non-empty row holds the column names (English codes, or the Spanish names
of `COLUMN_ALIASES`); the template (`template_rows`) shows them.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from crecer.accounts import policies
from crecer.core.audit import record_many, snapshot
from crecer.core.models import AuditAction, AuditEvent
from crecer.imports import reader
from crecer.imports.columns import normalize_header

from .cleaning import Cleaner, FieldError, Rejected
from .models import Budget, Expenditure

BUDGETS, EXPENDITURES = "budgets", "expenditures"
KINDS = (BUDGETS, EXPENDITURES)
MAX_LISTED = 200  # errors listed at most (the rest are counted)

COLUMNS = {
    BUDGETS: ["unit", "year", "category", "source", "amount", "in_kind", "valuation_note",
              "is_ecd_line", "note"],
    EXPENDITURES: ["unit", "date", "category", "source", "amount", "in_kind", "valuation_note",
                   "description"],
}
REQUIRED = {
    BUDGETS: ["unit", "year", "category", "source", "amount"],
    EXPENDITURES: ["unit", "date", "category", "source", "amount"],
}
COLUMN_ALIASES = {
    "unit": ["unit_code", "territory", "territory_code", "codigo", "codigo_territorio",
             "territorio", "municipio", "codigo_municipio"],
    "year": ["ano", "anio", "ejercicio"],
    "date": ["fecha"],
    "category": ["categoria", "rubro_de_gasto"],
    "source": ["source_code", "funding_source", "fuente", "fuente_de_financiamiento"],
    "amount": ["monto", "importe", "usd", "monto_usd"],
    "in_kind": ["en_especie", "especie"],
    "valuation_note": ["valuation", "valoracion", "valorizacion", "como_se_valoro"],
    "is_ecd_line": ["ecd_line", "rubro_primera_infancia", "rubro_pi"],
    "note": ["nota", "observacion", "observaciones"],
    "description": ["descripcion", "detalle", "concepto"],
}


@dataclass
class ImportResult:
    kind: str
    created: int


def _column_map(kind: str) -> dict[str, str]:
    out = {}
    for name in COLUMNS[kind]:
        for alias in (name, *COLUMN_ALIASES.get(name, [])):
            out[normalize_header(alias)] = name
    return out


def _header(kind: str, number: int, cells: list[Any]) -> tuple[dict[int, str], list[FieldError]]:
    known = _column_map(kind)
    columns: dict[int, str] = {}
    errors: list[FieldError] = []
    for i, cell in enumerate(cells):
        if cell is None or not str(cell).strip():
            continue
        name = known.get(normalize_header(cell))
        if name is None:
            errors.append(FieldError("columns", _(
                "“%(column)s” is not a column of this import (the columns are: %(known)s).")
                % {"column": str(cell).strip(), "known": ", ".join(COLUMNS[kind])}, number))
        elif name in columns.values():
            errors.append(FieldError("columns", _("the column “%(column)s” appears twice.")
                                     % {"column": name}, number))
        else:
            columns[i] = name
    missing = [c for c in REQUIRED[kind] if c not in columns.values()]
    if missing:
        errors.append(FieldError("columns", _("missing columns: %(columns)s.")
                                 % {"columns": ", ".join(missing)}, number))
    return columns, errors


def read_upload(upload) -> reader.Sheet:
    """The rows of an uploaded file, or Rejected with the reason (nothing was read)."""
    if upload is None:
        raise Rejected([FieldError("file", _("choose a file to upload."))])
    if getattr(upload, "size", 0) and upload.size > reader.max_bytes():
        raise Rejected([FieldError("file", reader.too_big_message())])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        written = 0
        with path.open("wb") as fh:
            for chunk in upload.chunks():
                written += len(chunk)
                if written > reader.max_bytes():
                    raise Rejected([FieldError("file", reader.too_big_message())])
                fh.write(chunk)
        try:
            fmt = reader.sniff(path.read_bytes()[:8192], written, path)
            # openpyxl decides by the extension: name the file after its real format
            path = path.rename(path.with_suffix(f".{fmt}"))
            return reader.read_sheet(path, fmt)
        except reader.Refused as exc:
            raise Rejected([FieldError("file", str(exc))]) from None


def import_lines(*, actor, kind: str, upload) -> ImportResult:
    """Check every row of the file, then save them all (or nothing)."""
    if not policies.can_manage_finance(actor):
        raise PermissionDenied(_("You cannot record finance data."))
    if kind not in KINDS:
        raise Rejected([FieldError("kind", _("choose budgets or expenditures."))])
    sheet = read_upload(upload)
    if not sheet.rows:
        raise Rejected([FieldError("file", _("The file is empty."))])
    (header_number, header_cells), *data = sheet.rows
    columns, errors = _header(kind, header_number, header_cells)
    if errors:
        raise Rejected(errors)
    if not data:
        raise Rejected([FieldError("file", _("The file has column names but no rows."))])
    cleaner = Cleaner(actor)
    clean = cleaner.budget if kind == BUDGETS else cleaner.expenditure
    model = Budget if kind == BUDGETS else Expenditure
    objects = []
    for number, cells in data:
        values = {name: cells[i] if i < len(cells) else None for i, name in columns.items()}
        cleaned, row_errors = clean(values, number)
        errors += row_errors
        if not row_errors:
            objects.append(model(entered_by=actor, **cleaned))
    if errors:
        if len(errors) > MAX_LISTED:
            more = len(errors) - MAX_LISTED
            errors = errors[:MAX_LISTED] + [FieldError("", _(
                "… and %(n)s more errors.") % {"n": more})]
        raise Rejected(errors)
    with transaction.atomic():
        model.objects.bulk_create(objects, batch_size=1000)
        record_many([AuditEvent(
            actor=actor, actor_username=actor.username, action=AuditAction.IMPORT,
            entity=model._meta.label_lower, object_id=str(obj.pk),
            territory_path=obj.unit.path,
            changes={k: [None, v] for k, v in snapshot(obj).items() if k != "id"},
            note=f"{model._meta.model_name} import · {obj.unit.code}") for obj in objects])
    return ImportResult(kind=kind, created=len(objects))


def template_rows(kind: str) -> tuple[list[str], list[list[Any]]]:
    """The column names and two example rows of the import template."""
    if kind == BUDGETS:
        return COLUMNS[kind], [
            ["HN-0101", 2026, "staff", "municipalidad", 12500, "no", "", "yes", ""],
            ["HN-0101", 2026, "other", "aporte-comunitario", 1800, "yes",
             "2 rooms × 12 months × 75 USD of local rent", "no", ""],
        ]
    return COLUMNS[kind], [
        ["HN-0101", "2026-03-15", "materials_kits", "unicef", 950.5, "no", "",
         "Stimulation kits"],
        ["HN-0101", "2026-03-20", "transport", "municipalidad", 300, "yes",
         "Municipal pick-up, 10 trips × 30 USD", "Volunteer transport"],
    ]
