"""Periods in DHIS2's notation, so that exports need no translation.

    month     202603        quarter   2026Q1
    semester  2026S1        year      2026

Internally a period is a closed range of month indexes (year * 12 + month - 1), which is what
the engine's cubes are keyed by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTH, QUARTER, SEMESTER, YEAR = "month", "quarter", "semester", "year"
PERIOD_TYPES = (MONTH, QUARTER, SEMESTER, YEAR)
_MONTHS_IN = {MONTH: 1, QUARTER: 3, SEMESTER: 6, YEAR: 12}
_PATTERNS = [
    (MONTH, re.compile(r"^(\d{4})(0[1-9]|1[0-2])$")),
    (QUARTER, re.compile(r"^(\d{4})Q([1-4])$")),
    (SEMESTER, re.compile(r"^(\d{4})S([12])$")),
    (YEAR, re.compile(r"^(\d{4})$")),
]


@dataclass(frozen=True)
class Period:
    code: str
    type: str
    start: int  # month index of the first month
    end: int  # month index of the last month (inclusive)

    @property
    def months(self) -> int:
        return self.end - self.start + 1

    @property
    def year(self) -> int:
        return self.start // 12

    def first_day(self) -> date:
        return month_start(self.start)

    def contains(self, other: Period) -> bool:
        return self.start <= other.start and other.end <= self.end


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_start(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def parse(code: str) -> Period:
    """A Period from its code; ValueError with a readable message otherwise."""
    code = str(code).strip()
    for kind, pattern in _PATTERNS:
        m = pattern.match(code)
        if m:
            year = int(m.group(1))
            n = int(m.group(2)) if m.lastindex and m.lastindex > 1 else 1
            size = _MONTHS_IN[kind]
            start = year * 12 + (n - 1) * size
            return Period(code, kind, start, start + size - 1)
    raise ValueError(f"'{code}' is not a period (use 202603, 2026Q1, 2026S1 or 2026)")


def of_type(kind: str, index: int) -> Period:
    """The period of `kind` that contains month `index`."""
    year, month0 = divmod(index, 12)
    if kind == MONTH:
        return parse(f"{year}{month0 + 1:02d}")
    if kind == QUARTER:
        return parse(f"{year}Q{month0 // 3 + 1}")
    if kind == SEMESTER:
        return parse(f"{year}S{month0 // 6 + 1}")
    if kind == YEAR:
        return parse(str(year))
    raise ValueError(f"unknown period type '{kind}'")


def current(kind: str, today: date | None = None) -> Period:
    return of_type(kind, month_index(today or date.today()))


def previous(period: Period) -> Period:
    return of_type(period.type, period.start - 1)


def series(kind: str, first_month: int, last_month: int) -> list[Period]:
    """Every period of `kind` that overlaps months first_month..last_month, in order."""
    out: list[Period] = []
    index = of_type(kind, first_month).start
    while index <= last_month:
        p = of_type(kind, index)
        out.append(p)
        index = p.end + 1
    return out


def last_n(kind: str, n: int, today: date | None = None) -> list[Period]:
    """The n latest periods of `kind` up to the current one, oldest first."""
    out = [current(kind, today)]
    while len(out) < n:
        out.insert(0, previous(out[0]))
    return out


def label(period: Period | str) -> str:
    """A short human label: 'mar 2026', 'T1 2026' / 'Q1 2026', 'S1 2026', '2026'."""
    from django.utils import formats
    from django.utils.translation import gettext as _

    p = parse(period) if isinstance(period, str) else period
    if p.type == MONTH:
        return formats.date_format(p.first_day(), "M Y")
    if p.type == QUARTER:
        return _("Q%(n)s %(year)s") % {"n": (p.start % 12) // 3 + 1, "year": p.year}
    if p.type == SEMESTER:
        return _("S%(n)s %(year)s") % {"n": (p.start % 12) // 6 + 1, "year": p.year}
    return str(p.year)
