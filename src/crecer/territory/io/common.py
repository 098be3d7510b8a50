"""Shared pieces of the territory file formats: reading text, CSV rows, error reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

# Counts are keyed by these stable names; `ImportResult.labelled_counts` translates them.
COUNT_LABELS = {
    # Context: the audit trail uses "created"/"updated" too, and Spanish needs other word forms.
    "created": pgettext_lazy("territory import count", "created"),
    "updated": pgettext_lazy("territory import count", "updated"),
    "moved": gettext_lazy("moved"),
    "unchanged": gettext_lazy("unchanged"),
    "boundaries": gettext_lazy("boundaries"),
    "points": gettext_lazy("points"),
}

Source = str | bytes | Path | IO[Any]


@dataclass(frozen=True)
class RowError:
    """One problem in an input file. `row` is the spreadsheet row number (the header is row 1)
    for CSV files and the feature number (from 1) for GeoJSON; 0 means the whole file."""

    row: int
    field: str
    message: str
    unit: str = "row"

    def __str__(self) -> str:
        where = _("feature %(n)s") % {"n": self.row} if self.unit == "feature" else \
            _("row %(n)s") % {"n": self.row}
        if self.row == 0:
            where = _("file")
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class ImportResult:
    """What an import did (or, with errors or a dry run, would have done). With errors, nothing
    was saved."""

    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @classmethod
    def failed(cls, errors: list[RowError]) -> ImportResult:
        return cls(errors=sorted(errors, key=lambda e: e.row))

    @property
    def ok(self) -> bool:
        return not self.errors

    def labelled_counts(self) -> list[tuple[str, int]]:
        return [(str(COUNT_LABELS.get(k, k)), n) for k, n in self.counts.items()]

    def summary(self) -> str:
        return ", ".join(f"{n} {label}" for label, n in self.labelled_counts())


class TooManyErrors(Exception):
    pass


class ErrorList(list):
    """Collects RowErrors; stops the validation after `limit` of them."""

    def __init__(self, unit: str = "row", limit: int = 1000):
        super().__init__()
        self.unit, self.limit = unit, limit

    def add(self, row: int, field_name: str, message: str) -> None:
        self.append(RowError(row, field_name, message, self.unit))
        if len(self) >= self.limit:
            raise TooManyErrors


def read_bytes(source: Source, max_bytes: int | None = None) -> bytes:
    """The raw content of a path, an open file, an uploaded file, bytes or text."""
    max_bytes = max_bytes or settings.CRECER_IMPORT_MAX_BYTES
    if isinstance(source, Path):
        with source.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    elif isinstance(source, bytes):
        data = source
    elif isinstance(source, str):
        data = source.encode("utf-8")
    else:
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise ValueError(_("The file is larger than %(n)s MB.") % {"n": max_bytes // (1024 * 1024)})
    return data


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM); Windows-1252 as Excel in Latin America saves CSV otherwise."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte string")


def read_csv(source: Source, required: Iterable[str], errors: ErrorList
             ) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (spreadsheet row number, {column: stripped value}) for each non-empty data row.

    Accepts comma, semicolon or tab as the delimiter (whichever the header line uses most).
    Missing columns and oversized files are reported in `errors` with row 1 / row 0.
    """
    try:
        text = decode(read_bytes(source))
    except ValueError as exc:
        errors.add(0, "", str(exc))
        return
    header_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        errors.add(1, "", _("The file is empty."))
        return
    columns = [h.strip().lower().lstrip("\ufeff") for h in header]
    missing = [c for c in required if c not in columns]
    if missing:
        for c in missing:
            errors.add(1, c, _("Missing column “%(column)s”.") % {"column": c})
        return
    max_rows = settings.CRECER_IMPORT_MAX_ROWS
    for n, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if n - 1 > max_rows:
            errors.add(n, "", _("Too many rows: at most %(n)s are accepted.") % {"n": max_rows})
            return
        row = {c: (values[i].strip() if i < len(values) else "") for i, c in enumerate(columns)}
        yield n, row


# Spreadsheet formula injection: a text cell starting with one of these is written with a leading
# apostrophe, which spreadsheets hide and `unguard` removes on import, so files still round-trip.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) or text.startswith("'") else text


def unguard(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def chunks(items: list, size: int = 900) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def parse_float(text: str) -> float:
    """A decimal number written with a point or (when there is no point) a decimal comma."""
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return value


def open_output(target: str | Path | IO[str]):
    """An open text file for `target` ("-" is stdout), and whether the caller must close it."""
    import sys

    if hasattr(target, "write"):
        return target, False
    if str(target) == "-":
        return sys.stdout, False
    return open(target, "w", encoding="utf-8", newline=""), True  # noqa: SIM115


def unit_ids_for(codes: list[str], actor) -> dict[str, int]:
    """code -> id of those units the actor may manage (every unit when there is no actor)."""
    from ..models import OrgUnit

    qs = OrgUnit.objects.all()
    if actor is not None:
        from crecer.accounts import scope

        qs = scope.units_for(actor)
    out: dict[str, int] = {}
    for part in chunks(codes):
        out.update(qs.filter(code__in=part).values_list("code", "id"))
    return out
