"""Reading an uploaded spreadsheet (CSV or XLSX) into rows of cells, or refusing it clearly.

The format is decided by the content, never by the file name: a PNG renamed `.xlsx` is refused
as "not a spreadsheet". Every failure raises `Refused`, whose text is a message for the user;
nothing here may end in a server error, whatever bytes arrive.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

CSV, XLSX = "csv", "xlsx"
MAX_COLUMNS = 100  # cells further right are ignored
EMPTY_ROWS_END = 1000  # this many empty rows in a row end the data (formatted blank rows)
# An .xlsx may expand to at most this many times the upload limit (zip bombs).
MAX_EXPANSION = 20

BINARY_MAGIC = {
    b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG", b"GIF8": "GIF", b"%PDF": "PDF",
    b"\x1f\x8b": "gzip", b"Rar!": "RAR", b"7z\xbc\xaf": "7z", b"BM": "",
    b"MZ": "", b"\x7fELF": "", b"ID3": "MP3", b"RIFF": "",
}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls (and .doc)


class Refused(Exception):
    """The file cannot be used at all; `str(exc)` is a message for the user."""


@dataclass
class Sheet:
    """The rows of the first sheet: (row number as shown in the spreadsheet, cell values)."""

    format: str
    rows: list[tuple[int, list[Any]]]


def max_bytes() -> int:
    return int(settings.CRECER_IMPORT_MAX_BYTES)


def max_rows() -> int:
    return int(settings.CRECER_IMPORT_MAX_ROWS)


def too_big_message() -> str:
    return _("The file is larger than %(mb)s MB; split it into smaller files.") % {
        "mb": megabytes(max_bytes())}


def megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    return f"{mb:.0f}" if mb >= 1 else f"{mb:.2f}"


def not_a_spreadsheet() -> str:
    return _("This is not a spreadsheet. Upload an Excel file (.xlsx) or a CSV file; you can "
             "download the template from this page.")


def sniff(head: bytes, size: int, path: Path | None = None) -> str:
    """Decide the format from the first bytes (and, for a zip, its table of contents).

    Returns CSV or XLSX or raises Refused. `path` lets a zip be inspected for being a real
    workbook of reasonable expanded size."""
    if size == 0 or not head.strip():
        raise Refused(_("The file is empty."))
    if size > max_bytes():
        raise Refused(too_big_message())
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        if path is not None:
            _check_zip(path)
        return XLSX
    if head.startswith(OLE_MAGIC):
        raise Refused(_("Old Excel files (.xls) cannot be read. Open the file in Excel and save "
                        "it as “Excel workbook (.xlsx)” or as CSV."))
    for magic in BINARY_MAGIC:
        if head.startswith(magic):
            raise Refused(not_a_spreadsheet())
    if b"\x00" in head:
        # UTF-16 text (a "Unicode text" export) or any other binary content.
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise Refused(_("This text file is in UTF-16. Save it as “CSV UTF-8” and upload it "
                            "again."))
        raise Refused(not_a_spreadsheet())
    if _looks_binary(head):
        raise Refused(not_a_spreadsheet())
    return CSV


def _looks_binary(head: bytes) -> bool:
    """Many control characters (other than tab, newline, carriage return) mean binary data."""
    sample = head[:4096]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    return controls > max(2, len(sample) // 100)


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            expanded = sum(max(0, info.file_size) for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused(_("This Excel file is damaged or is not a real .xlsx file.")) from None
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names or "ppt/presentation.xml" in names:
            raise Refused(not_a_spreadsheet())
        if "content.xml" in names:
            raise Refused(_("OpenDocument spreadsheets (.ods) cannot be read. Save the file as "
                            ".xlsx or CSV."))
        raise Refused(not_a_spreadsheet())
    if expanded > MAX_EXPANSION * max_bytes():
        raise Refused(_("This Excel file expands to more than %(mb)s MB and was refused; split "
                        "it into smaller files.") % {
                            "mb": megabytes(MAX_EXPANSION * max_bytes())})


def read_sheet(path: Path, fmt: str) -> Sheet:
    """All non-empty rows of the file (the first sheet of a workbook)."""
    if fmt == XLSX:
        return Sheet(XLSX, list(_limit(_xlsx_rows(path))))
    return Sheet(CSV, list(_limit(_csv_rows(path))))


def _limit(rows: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    """Drop empty rows and refuse more than the row limit (plus a header and a title)."""
    limit = max_rows() + 2
    count = 0
    for number, values in rows:
        if not any(_filled(v) for v in values):
            continue
        count += 1
        if count > limit:
            raise Refused(_("The file has more than %(n)s rows; split it into smaller files.")
                          % {"n": max_rows()})
        yield number, values


def _filled(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def dump_rows(sheet: Sheet, path: Path) -> None:
    """Keep the rows already read (as JSON) so that the commit does not parse the file again."""
    def plain(v: Any) -> Any:
        if isinstance(v, dt.datetime):
            return {"dt": v.isoformat()}
        if isinstance(v, dt.date):
            return {"d": v.isoformat()}
        if v is None or isinstance(v, str | int | float | bool):
            return v
        return str(v)

    path.write_text(json.dumps({"format": sheet.format,
                                "rows": [[n, [plain(v) for v in values]]
                                         for n, values in sheet.rows]}))


def load_rows(path: Path) -> Sheet:
    def typed(v: Any) -> Any:
        if isinstance(v, dict):
            return (dt.datetime.fromisoformat(v["dt"]) if "dt" in v
                    else dt.date.fromisoformat(v["d"]))
        return v

    data = json.loads(path.read_text())
    return Sheet(data["format"], [(n, [typed(v) for v in values]) for n, values in data["rows"]])


# --- CSV -----------------------------------------------------------------------------------

def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252/Latin-1 as Excel saves CSV in Spanish."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    with path.open("rb") as fh:
        data = fh.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise Refused(too_big_message())
    text = decode(data)
    if "\x00" in text:
        raise Refused(not_a_spreadsheet())
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    number = 0
    try:
        for number, values in enumerate(reader, start=1):  # noqa: B007 (used in the except)
            yield number, [v.strip() for v in values[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise Refused(_("The CSV file is malformed near row %(row)s (%(error)s).")
                      % {"row": number + 1, "error": exc}) from None


# --- XLSX ----------------------------------------------------------------------------------

def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    import openpyxl

    _check_zip(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any failure of the parser is a damaged file
        log.info("unreadable xlsx %s: %r", path.name, exc)
        raise Refused(_("This Excel file is damaged or is not a real .xlsx file.")) from None
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise Refused(_("The Excel file has no sheet."))
        sheet = sheets[0]
        if not hasattr(sheet, "iter_rows"):
            raise Refused(_("The first sheet of the Excel file is a chart, not a table."))
        # The stated size of a sheet may be wrong or hostile (A1:XFD1048576): ignore it.
        sheet.reset_dimensions()
        empty_run = 0
        try:
            for number, values in enumerate(
                    sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                cells = list(values)
                if any(_filled(v) for v in cells):
                    empty_run = 0
                    yield number, cells
                else:
                    empty_run += 1
                    if empty_run >= EMPTY_ROWS_END:
                        break
        except Refused:
            raise
        except Exception as exc:  # noqa: BLE001 - malformed sheet XML, bad cell values…
            log.info("unreadable xlsx sheet %s: %r", path.name, exc)
            raise Refused(_("This Excel file is damaged or is not a real .xlsx file.")) from None
    finally:
        workbook.close()
