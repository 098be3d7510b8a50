"""Population estimates (coverage denominators) for the demo municipalities and communities.

Each community's population is worked back from its registered children under 7 and a
programme coverage drawn between 35 % and 80 %, then split by sex and age band with a
Honduras-like age structure. Every estimate is larger than what the registry holds in that
band, and a municipality counts more than the sum of its registered communities (it has
people outside them). The previous year is a little smaller.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter

from crecer.registry.models import Person
from crecer.territory.models import AGE_BANDS, OrgUnit, PopulationEstimate

# Share of the population in each age band (per cent; Honduras, roughly).
BAND_SHARES = {"0-11m": 2.1, "12-23m": 2.1, "24-35m": 2.0, "3y": 2.0, "4y": 2.0, "5y": 2.0,
               "6y": 2.0, "7-17y": 22.0, "18-49y": 47.0, "50+y": 16.8}
CHILD_BANDS = AGE_BANDS[:7]


def age_band(birth: dt.date, today: dt.date) -> str:
    months = (today.year - birth.year) * 12 + today.month - birth.month - (today.day < birth.day)
    if months < 36:
        return ("0-11m", "12-23m", "24-35m")[months // 12]
    years = months // 12
    if years <= 6:
        return f"{years}y"
    return "7-17y" if years <= 17 else "18-49y" if years <= 49 else "50+y"


def estimate_population(*, municipalities: list[OrgUnit], communities: list[OrgUnit],
                        persons: list[Person], rng: random.Random,
                        today: dt.date) -> list[PopulationEstimate]:
    """Estimates for `today.year` and the year before, by sex and every age band."""
    out: list[PopulationEstimate] = []
    registered: dict[str, Counter[tuple[str, str]]] = {c.code: Counter() for c in communities}
    for p in persons:
        registered[p.territory.code][(p.sex, age_band(p.birth_date, today))] += 1
    child_share = sum(BAND_SHARES[b] for b in CHILD_BANDS) / 100
    for muni in municipalities:
        muni_totals: Counter[tuple[str, str]] = Counter()
        muni_registered: Counter[tuple[str, str]] = Counter()
        for comm in (c for c in communities if c.parent is muni):
            counts = registered[comm.code]
            children = sum(n for (_s, band), n in counts.items() if band in CHILD_BANDS)
            total = max(children / rng.uniform(0.35, 0.8), 30) / child_share
            values = _bands(total, counts, rng)
            out += _rows(comm, values, counts, today.year, rng)
            muni_totals.update(values)
            muni_registered.update(counts)
        factor = rng.uniform(1.4, 2.5)
        values = {k: max(v, round(v * factor * rng.uniform(0.95, 1.05)))
                  for k, v in muni_totals.items()}
        out += _rows(muni, values, muni_registered, today.year, rng)
    return out


def _bands(total: float, counts: Counter, rng: random.Random) -> dict[tuple[str, str], int]:
    out = {}
    for sex in ("F", "M"):
        for band in AGE_BANDS:
            female = 0.49 if band in CHILD_BANDS or band == "7-17y" else 0.52
            share = female if sex == "F" else 1 - female
            value = round(total * BAND_SHARES[band] / 100 * share * rng.uniform(0.85, 1.15))
            out[(sex, band)] = max(value, math.ceil(counts[(sex, band)] * 1.1) + 1)
    return out


def _rows(unit: OrgUnit, values: dict, registered: Counter, year: int,
          rng: random.Random) -> list[PopulationEstimate]:
    rows = []
    for (sex, band), value in values.items():
        before = max(round(value * rng.uniform(0.96, 0.995)),
                     math.ceil(registered[(sex, band)] * 1.05) + 1)
        for y, v in ((year - 1, before), (year, value)):
            rows.append(PopulationEstimate(unit=unit, year=y, sex=sex, age_band=band, value=v))
    return rows
