"""Population estimates as CSV: code, year, sex, age_band, value (one row per cell).

Import validates every row (unknown unit code, year, sex F/M, age band among `AGE_BANDS`, value a
whole number ≥ 0, the same cell twice) and then upserts by (unit, year, sex, age band), all or
nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from typing import IO

from django.db import transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _

from ..actions import check_can_manage
from ..models import AGE_BANDS, OrgUnit, PopulationEstimate, Sex
from ..queries import subtree_q
from .common import (
    ErrorList,
    ImportResult,
    Source,
    TooManyErrors,
    chunks,
    guard,
    open_output,
    read_csv,
    unguard,
    unit_ids_for,
)

COLUMNS = ["code", "year", "sex", "age_band", "value"]
MIN_YEAR = 1950


def max_year() -> int:
    return dt.date.today().year + 30


def import_population(source: Source, *, actor=None, dry_run: bool = False) -> ImportResult:
    check_can_manage(actor)
    errors = ErrorList("row")
    cells: dict[tuple[str, int, str, str], tuple[int, int]] = {}  # key -> (value, row)
    try:
        for n, raw in read_csv(source, COLUMNS, errors):
            key = _parse_row(n, raw, errors)
            if key is None:
                continue
            (code, year, sex, band), value = key
            if (code, year, sex, band) in cells:
                errors.add(n, "age_band", _("The same unit, year, sex and age band is already in "
                                            "row %(row)s.") % {"row": cells[(code, year, sex, band)][1]})
                continue
            cells[(code, year, sex, band)] = (value, n)
        if not cells and not errors:
            errors.add(1, "", _("The file has no data rows."))
        units = unit_ids_for(sorted({k[0] for k in cells}), actor)
        for (code, *_rest), (_value, n) in cells.items():
            if code not in units:
                errors.add(n, "code", _("Unknown unit code “%(code)s”.") % {"code": code})
    except TooManyErrors:
        pass
    if errors:
        return ImportResult.failed(errors)

    existing: dict[tuple[int, int, str, str], PopulationEstimate] = {}
    unit_ids = sorted(set(units.values()))
    years = sorted({k[1] for k in cells})
    for part in chunks(unit_ids):
        for pe in PopulationEstimate.objects.filter(unit_id__in=part, year__in=years):
            existing[(pe.unit_id, pe.year, pe.sex, pe.age_band)] = pe
    new, changed, same = [], [], 0
    for (code, year, sex, band), (value, _n) in cells.items():
        old = existing.get((units[code], year, sex, band))
        if old is None:
            new.append(PopulationEstimate(unit_id=units[code], year=year, sex=sex, age_band=band,
                                          value=value))
        elif old.value != value:
            old.value = value
            changed.append(old)
        else:
            same += 1
    if not dry_run:
        with transaction.atomic():
            PopulationEstimate.objects.bulk_create(new, batch_size=500)
            PopulationEstimate.objects.bulk_update(changed, ["value"], batch_size=500)
    return ImportResult(counts={"created": len(new), "updated": len(changed),
                                "unchanged": same}, dry_run=dry_run)


def _parse_row(n: int, raw: dict[str, str], errors: ErrorList):
    ok = True
    code = unguard(raw["code"])
    if not code:
        errors.add(n, "code", _("The code is required."))
        ok = False
    year = None
    try:
        year = int(raw["year"])
        if not MIN_YEAR <= year <= max_year():
            raise ValueError
    except ValueError:
        errors.add(n, "year", _("“%(value)s” is not a year between %(min)s and %(max)s.")
                   % {"value": raw["year"], "min": MIN_YEAR, "max": max_year()})
        ok = False
    sex = raw["sex"].upper()
    if sex not in Sex.values:
        errors.add(n, "sex", _("Unknown sex “%(value)s” (use F or M).") % {"value": raw["sex"]})
        ok = False
    band = raw["age_band"]
    if band not in AGE_BANDS:
        errors.add(n, "age_band", _("Unknown age band “%(value)s” (use %(allowed)s).")
                   % {"value": band, "allowed": ", ".join(AGE_BANDS)})
        ok = False
    value = None
    text = raw["value"].replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit():
        errors.add(n, "value", _("“%(value)s” is not a whole number ≥ 0.") % {"value": raw["value"]})
        ok = False
    else:
        value = int(text)
        if value > 2_000_000_000:
            errors.add(n, "value", _("%(value)s is too large.") % {"value": raw["value"]})
            ok = False
    return ((code, year, sex, band), value) if ok else None


def export_population(target: str | IO[str], *, roots: Iterable[OrgUnit] | None = None,
                      year: int | None = None) -> int:
    """Write the estimates of the tree (or the subtrees of `roots`, or one `year`) as CSV."""
    qs = PopulationEstimate.objects.all()
    if roots is not None:
        qs = qs.filter(subtree_q([r.path for r in roots], field="unit__path"))
    if year is not None:
        qs = qs.filter(year=year)
    band_order = Case(*[When(age_band=b, then=Value(i)) for i, b in enumerate(AGE_BANDS)],
                      default=Value(len(AGE_BANDS)), output_field=IntegerField())
    rows = (qs.annotate(band_order=band_order)
            .order_by("unit__path", "year", "sex", "band_order", "age_band")
            .values_list("unit__code", "year", "sex", "age_band", "value"))
    out, close = open_output(target)
    n = 0
    try:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for code, yr, sex, band, value in rows.iterator(2000):
            writer.writerow([guard(code), yr, sex, band, value])
            n += 1
    finally:
        if close:
            out.close()
    return n
