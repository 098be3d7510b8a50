"""The synthetic country's finance (world phase): budgets and expenditures per municipality.

The shapes and figures are the demo's (`crecer.demo.finance`): for every municipality and each
of the last three calendar years (the current one to the reference date), budget lines by
source and category, the cost per family starting at 480-560 USD and falling about 7 % a
year, the government share (central government and the municipality, in kind included) rising
about ten points a year from 42-52 %, valued in-kind contributions of the municipality and the
community, international cooperation, a company foundation, and a social impact bond in the
first region from the second year; early-childhood lines in about 35 / 60 / 80 % of the
municipalities. Expenditures are monthly: staff and food every month (a twelfth of the year's
line), the other categories each quarter (a quarter). Families per municipality and year are
the households the data set is expected to have enrolled there by the end of the year (its
share of the community weights, times the share of households registered by then), since the
per-person chunks come later: the cost per beneficiary lands near the demo's.

The funding sources are the finance app's shipped ones (`finance.actions.load_default_sources`,
missing rows only). No group purchases (they belong to no territory of their own).
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import translation

from crecer.demo.finance import ECD_LINE_SHARE, INTERNATIONAL, SPLITS, VALUATIONS
from crecer.demo.finance import _source_amounts as source_amounts
from crecer.finance.actions import load_default_sources
from crecer.finance.models import Category, FundingSource

from .activity import YEARS
from .values import Clock, Uuids
from .world import MEAN_FAMILY, World
from .writer import Sink

UUID_CHUNK = 0xFFF1
ENROLLED = 0.9  # households enrolled in the volunteer model (activity.py)
MONTHLY = (Category.STAFF.value, Category.FOOD.value)  # paid every month, the rest quarterly
QUARTER_MONTHS = (2, 5, 8, 11)
IN_KIND = ("municipalidad-especie", "aporte-comunitario")
REGISTERED_DAYS = (30, 4 * 365 + 200)  # households registered 30 days to 4.5 years ago


def registered_share(day: dt.date, today: dt.date) -> float:
    """Share of the households registered by `day` (families.py draws the registration date
    uniformly between REGISTERED_DAYS before the reference date)."""
    low, high = REGISTERED_DAYS
    return min(1.0, max(0.05, (high - (today - day).days) / (high - low)))


def _money(x: float) -> str:
    return f"{max(0.0, x):.2f}"


def save_finance(world: World, sink: Sink, clock: Clock, *, persons: int,
                 duplicate_share: float) -> None:
    """Write the budgets and expenditures of every municipality (see the module docstring)."""
    load_default_sources()
    sources = {code: (pk.hex, name) for code, pk, name in
               FundingSource.objects.values_list("code", "id", "name")}
    with translation.override("es"):
        labels = {c.value: str(c.label) for c in Category}
    uuids = Uuids(random.Random(f"synth:{world.seed}:finance-ids"), UUID_CHUNK, world.salt)
    today = world.today
    years = [today.year - YEARS + 1 + i for i in range(YEARS)]
    households = persons * (1 - duplicate_share) / MEAN_FAMILY * ENROLLED
    total_weight = world.cumulative[-1]
    bond_region = 0  # the first region (the one with the largest municipality)
    for n, muni in enumerate(world.munis):
        rng = random.Random(f"synth:{world.seed}:finance:{muni.code}")
        weight = sum(world.communities[ci].weight for ci in muni.communities)
        families = households * weight / total_weight
        cost_start = rng.uniform(480, 560)
        gov_start = rng.uniform(0.42, 0.52)
        line_draw = rng.random()
        international = INTERNATIONAL[n % len(INTERNATIONAL)]
        for year_no, year in enumerate(years):
            cost = cost_start * (0.93 ** year_no) * rng.uniform(0.96, 1.04)
            has_line = line_draw < ECD_LINE_SHARE[min(year_no, len(ECD_LINE_SHARE) - 1)]
            served = max(10.0, families * registered_share(
                min(dt.date(year, 12, 31), today), today))
            amounts = source_amounts(served * cost, year_no, gov_start,
                                     muni.region == bond_region, rng)
            budgeted = clock.utc(dt.date(year, 1, 1) + dt.timedelta(days=rng.randint(5, 40)),
                                 10 * 3600)
            for key, amount in amounts.items():
                if amount <= 0:
                    continue
                code = {"municipalidad-especie": "municipalidad",
                        "international": international}.get(key, key)
                source, source_name = sources[code]
                in_kind = key in IN_KIND
                for category, share in SPLITS[key].items():
                    part = amount * share
                    note = VALUATIONS.get((code, category), "") if in_kind else ""
                    sink.add("budgets", (
                        uuids.new(), budgeted, budgeted, muni.id, year, category.value, source,
                        _money(part * rng.uniform(1.0, 1.12)), in_kind, note,
                        has_line and code == "municipalidad" and not in_kind, "", None))
                    monthly = category in MONTHLY
                    description = f"{source_name} · {labels[category]}"
                    for month in range(1, 13) if monthly else QUARTER_MONTHS:
                        day = dt.date(year, month, 15)
                        if day > today:
                            break
                        spent = clock.utc(day, 11 * 3600)
                        sink.add("expenditures", (
                            uuids.new(), spent, spent, muni.id, day.isoformat(), category.value,
                            source, _money(part / (12 if monthly else 4) * rng.uniform(0.9, 1.1)),
                            in_kind, note, description, None, None))
    sink.flush()
