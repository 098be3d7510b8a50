"""Download any table as a spreadsheet: `table_response(request, title=…, headers=…, rows=…,
fmt="csv" | "xlsx")`.

    return table_response(request, title=_("Coverage by municipality"),
                          headers=[_("municipality"), _("value")], rows=[["La Ceiba", 12.5]],
                          fmt=request.GET.get("format", "csv"))

- CSV: UTF-8 with a byte-order mark (so that Excel shows accents right), comma-separated, CRLF.
- XLSX: one sheet named after the title, bold frozen header with a filter, numbers as numbers,
  dates as dates, column widths from the content.
- Formula injection: a text cell starting with = + - @ (or a tab / carriage return) would be run
  as a formula by a spreadsheet. In CSV it gets a leading apostrophe; in XLSX it is written as a
  text cell with Excel's "quote prefix" (the value is kept as it is and never evaluated).
- Numbers (int, float, Decimal) are never quoted, so -3 stays a number; NaN and infinities are
  written as empty cells, like None.
- The file name is the slugified title and today's date: `coverage-by-municipality-2026-03-31.csv`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import slugify

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 8, 60


def is_risky(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula."""
    return text.startswith(FORMULA_START)


def guard(text: str) -> str:
    """The text as a CSV cell that no spreadsheet runs as a formula."""
    return "'" + text if is_risky(text) else text


def _number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(value)
    except (TypeError, ValueError):
        return True


def _plain(value: Any) -> Any:
    """A cell value as CSV and XLSX both accept: numbers and dates kept, the rest as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if _number(value):
        return value if _finite(value) else None
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date):
        return value
    return str(value)


def filename(title: str, fmt: str, today: dt.date | None = None) -> str:
    day = (today or timezone.localdate()).isoformat()
    return f"{slugify(str(title))[:80].strip('-') or 'table'}-{day}.{fmt}"


def csv_bytes(headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([guard(str(h)) for h in headers])
    for row in rows:
        out = []
        for value in row:
            value = _plain(value)
            if value is None:
                out.append("")
            elif isinstance(value, bool):
                out.append("true" if value else "false")
            elif isinstance(value, str):
                out.append(guard(value))
            elif isinstance(value, dt.date):
                out.append(value.isoformat(sep=" ") if isinstance(value, dt.datetime)
                           else value.isoformat())
            else:
                out.append(value)
        writer.writerow(out)
    return buf.getvalue().encode("utf-8-sig")


def sheet_title(title: str) -> str:
    """A valid worksheet name: no []:*?/\\, at most 31 characters, never empty."""
    name = " ".join(_SHEET_FORBIDDEN.sub(" ", str(title)).split()).strip("'")[:31].strip()
    return name or "Sheet1"


def xlsx_bytes(title: str, headers: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title(title)
    book.properties.title = str(title)
    bold = Font(bold=True)
    widths: dict[int, int] = {}

    def put(r: int, c: int, value: Any, header: bool = False) -> None:
        value = _plain(value)
        cell = sheet.cell(row=r, column=c)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
            if is_risky(value):
                cell.quotePrefix = True
        elif isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        if header:
            cell.font = bold
        text = "" if value is None else (
            value.isoformat() if isinstance(value, dt.date) else str(value))
        longest = max((len(line) for line in text.splitlines()), default=0)
        widths[c] = max(widths.get(c, 0), longest)

    for c, header in enumerate(headers, start=1):
        put(1, c, str(header), header=True)
    n = 1
    for n, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            put(n, c, value)
    for c, width in widths.items():
        sheet.column_dimensions[get_column_letter(c)].width = min(MAX_WIDTH,
                                                                  max(MIN_WIDTH, width + 2))
    sheet.freeze_panes = "A2"
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(n, 1)}"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def table_response(request: HttpRequest | None, *, title: str, headers: Sequence[Any],
                   rows: Iterable[Sequence[Any]], fmt: str) -> HttpResponse:
    """An attachment with the table in `fmt` ("csv" or "xlsx"; anything else is 404, so that a
    view may pass the `format` query parameter straight through)."""
    fmt = (fmt or "").lower().strip()
    if fmt not in FORMATS:
        raise Http404(f"unknown table format {fmt!r}")
    rows = list(rows)
    content = csv_bytes(headers, rows) if fmt == "csv" else xlsx_bytes(title, headers, rows)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename(title, fmt)}"'
    response["Cache-Control"] = "no-store"
    return response
