"""Demo finance data: funding sources, budgets and expenditures for every municipality.

`seed_finance()` adds the shipped funding sources (`crecer.finance.actions.DEFAULT_SOURCES`),
then, for every municipality and each of the last three years (the current one included, its
expenditure only up to today), writes budget lines and quarterly expenditures by source and
category, with bulk inserts and one audit row per line (actor "demo-generator", action
"import"). The figures follow the Honduras scale-up story (seeds/001):

- the cost per family starts around 480-560 USD and falls about 7 % a year;
- the government share (central government and the municipality, in kind included) rises about
  ten points a year, from about 47 % towards 70 % (Consolidation 50 % → Expansion 70 %);
- the municipality and the community give in kind (transport, rooms, volunteer hours), valued,
  with the valuation written down; the community's part grows each year;
- international cooperation (UNICEF, IDB or the World Bank) and a company foundation pay the
  rest; a social impact bond pays part of it in one region from the second year (the
  Expansion milestone "first round of the social impact bond");
- a growing share of municipalities (about 35 %, 60 %, 80 %) put the programme in an
  early-childhood line of their budget (`Budget.is_ecd_line`);
- two group purchases (stimulation kits, printing of materials) shared by the municipalities of
  a region last year, each share one expenditure of its municipality.

Deterministic for a given seed and date (seeded `random.Random`, everything ordered by code).
Does nothing (but add missing sources) if budgets or expenditures already exist.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from crecer.accounts.models import Role, User
from crecer.core.audit import record_many
from crecer.core.models import AuditAction, AuditEvent
from crecer.finance.actions import load_default_sources
from crecer.finance.models import (
    Budget,
    Category,
    Expenditure,
    FundingSource,
    GroupPurchase,
    GroupPurchaseShare,
)
from crecer.programmes.models import Enrolment
from crecer.territory.models import Kind, Level, OrgUnit
from crecer.territory.queries import population_table

ACTOR_USERNAME = "demo-generator"
YEARS = 3
ECD_LINE_SHARE = (0.35, 0.6, 0.8)  # municipalities with an early-childhood line, by year
QUARTER_DAYS = ((2, 15), (5, 15), (8, 14), (11, 14))
CENT = Decimal("0.01")
INTERNATIONAL = ("unicef", "bid", "banco-mundial")

# How each source's money is spent, by category (weights add up to 1).
SPLITS = {
    "gobierno-central": {Category.STAFF: .45, Category.TRAINING: .15, Category.SUPERVISION: .15,
                         Category.MANAGEMENT: .10, Category.MATERIALS_KITS: .15},
    "municipalidad": {Category.STAFF: .35, Category.FOOD: .25, Category.MATERIALS_KITS: .15,
                      Category.MANAGEMENT: .25},
    "municipalidad-especie": {Category.TRANSPORT: .6, Category.OTHER: .4},
    "aporte-comunitario": {Category.STAFF: .5, Category.OTHER: .3, Category.FOOD: .2},
    "international": {Category.TRAINING: .3, Category.MATERIALS_KITS: .3,
                      Category.SUPERVISION: .2, Category.MANAGEMENT: .2},
    "sector-privado": {Category.MATERIALS_KITS: .6, Category.TRAINING: .4},
    "bono-impacto-social": {Category.STAFF: .5, Category.SUPERVISION: .3, Category.MANAGEMENT: .2},
}
VALUATIONS = {
    ("municipalidad", Category.TRANSPORT): "Transporte municipal para visitas y talleres: "
                                           "viajes del año × 35 USD por viaje",
    ("municipalidad", Category.OTHER): "Salón municipal para talleres: meses de uso × 80 USD "
                                       "de alquiler local",
    ("aporte-comunitario", Category.STAFF): "Horas de voluntariado comunitario × 2 USD por "
                                            "hora (jornal local)",
    ("aporte-comunitario", Category.OTHER): "Espacios comunitarios (iglesia, escuela) para "
                                            "sesiones: meses × 60 USD",
    ("aporte-comunitario", Category.FOOD): "Alimentos donados para sesiones grupales, a precio "
                                           "de mercado local",
}


def _money(x: float) -> Decimal:
    return Decimal(str(round(max(0.0, x), 2))).quantize(CENT)


def _municipalities() -> list[OrgUnit]:
    level = Level.objects.filter(code="municipality").first()
    depth = level.depth if level else 3
    return list(OrgUnit.objects.filter(depth=depth, kind=Kind.AREA).order_by("code"))


def _families(units: list[OrgUnit]) -> dict[int, int]:
    """Households with an active enrolment (any programme) per municipality, in one query."""
    if not units:
        return {}
    depth = units[0].depth
    out: dict[int, int] = {}
    seen: set = set()
    rows = (Enrolment.objects.filter(end__isnull=True)
            .values_list("household_id", "household__territory__path").distinct().order_by())
    for household_id, path in rows:
        if household_id in seen:
            continue
        seen.add(household_id)
        ids = [int(x) for x in path.strip("/").split("/") if x]
        if len(ids) > depth:
            out[ids[depth]] = out.get(ids[depth], 0) + 1
    return out


def _bond_region(units: list[OrgUnit]) -> int | None:
    """The regional manager's region (Atlántida in the demo), else the first municipality's."""
    regional = User.objects.filter(role=Role.REGIONAL_MANAGER).order_by("username").first()
    region = regional.territories.order_by("path").first() if regional else None
    if region is not None:
        return region.pk
    ids = units[0].ancestor_ids() if units else []
    return ids[1] if len(ids) > 1 else None


def _quarters(year: int, today: dt.date) -> list[dt.date]:
    return [d for d in (dt.date(year, m, day) for m, day in QUARTER_DAYS) if d <= today]


def _source_amounts(total: float, year_no: int, gov_start: float, in_bond_region: bool,
                    rng: random.Random) -> dict[str, float]:
    """The year's cost of one municipality by source key (see SPLITS)."""
    government = min(0.92, gov_start + 0.10 * year_no + rng.uniform(-0.02, 0.02))
    community = 0.05 + 0.02 * year_no
    bond = 0.10 if in_bond_region and year_no >= 1 else 0.0
    private = 0.04
    international = max(0.0, 1 - government - community - bond - private)
    municipal = government * 0.45
    return {
        "gobierno-central": total * government * 0.55,
        "municipalidad": total * municipal * 0.7,
        "municipalidad-especie": total * municipal * 0.3,
        "aporte-comunitario": total * community,
        "international": total * international,
        "sector-privado": total * private,
        "bono-impacto-social": total * bond,
    }


def seed_finance(*, rng_seed: int = 2026, today: dt.date | None = None) -> dict[str, int]:
    """Add the funding sources and three years of budgets and expenditures for every
    municipality, with two group purchases. Returns {"sources", "municipalities", "budgets",
    "expenditures", "group_purchases", "ecd_lines"} (the counts written)."""
    today = today or timezone.localdate()
    counts = {"sources": load_default_sources(), "municipalities": 0, "budgets": 0,
              "expenditures": 0, "group_purchases": 0, "ecd_lines": 0}
    if Budget.objects.exists() or Expenditure.objects.exists():
        return counts
    rng = random.Random(rng_seed)
    sources = {s.code: s for s in FundingSource.objects.all()}
    units = _municipalities()
    families = _families(units)
    bond_region = _bond_region(units)
    years = [today.year - YEARS + 1 + i for i in range(YEARS)]
    budgets: list[Budget] = []
    spent: list[Expenditure] = []
    for n, unit in enumerate(units):
        population = population_table(unit).total
        households = families.get(unit.pk) or max(40, int(population * rng.uniform(0.01, 0.03)))
        cost_start = rng.uniform(480, 560)
        gov_start = rng.uniform(0.42, 0.52)
        line_draw = rng.random()
        international = sources[INTERNATIONAL[n % len(INTERNATIONAL)]]
        in_bond_region = bond_region is not None and bond_region in unit.ancestor_ids()
        for year_no, year in enumerate(years):
            cost = cost_start * (0.93 ** year_no) * rng.uniform(0.96, 1.04)
            has_line = line_draw < ECD_LINE_SHARE[min(year_no, len(ECD_LINE_SHARE) - 1)]
            counts["ecd_lines"] += has_line
            amounts = _source_amounts(households * cost, year_no, gov_start, in_bond_region, rng)
            quarters = _quarters(year, today)
            for key, amount in amounts.items():
                if amount <= 0:
                    continue
                code = {"municipalidad-especie": "municipalidad",
                        "international": international.code}.get(key, key)
                source = sources[code]
                in_kind = key in ("municipalidad-especie", "aporte-comunitario")
                for category, weight in SPLITS[key].items():
                    part = amount * weight
                    note = VALUATIONS.get((code, category), "") if in_kind else ""
                    budgets.append(Budget(
                        unit=unit, year=year, category=category, source=source,
                        amount=_money(part * rng.uniform(1.0, 1.12)), in_kind=in_kind,
                        valuation_note=note,
                        is_ecd_line=has_line and code == "municipalidad" and not in_kind))
                    for day in quarters:
                        spent.append(Expenditure(
                            unit=unit, date=day, category=category, source=source,
                            amount=_money(part / 4 * rng.uniform(0.9, 1.1)), in_kind=in_kind,
                            valuation_note=note,
                            description=f"{source.name} · {Category(category).label}"))
        counts["municipalities"] += 1
    purchases, shares, purchase_spent = _group_purchases(units, families, sources, today, rng)
    with transaction.atomic():
        Budget.objects.bulk_create(budgets, batch_size=2000)
        Expenditure.objects.bulk_create(spent, batch_size=2000)
        GroupPurchase.objects.bulk_create(purchases)
        GroupPurchaseShare.objects.bulk_create(shares)
        Expenditure.objects.bulk_create(purchase_spent)
        paths = {u.pk: u.path for u in units}
        events = [AuditEvent(
            actor=None, actor_username=ACTOR_USERNAME, action=AuditAction.IMPORT,
            entity=row._meta.label_lower, object_id=str(row.pk),
            territory_path=paths.get(row.unit_id, ""),
            changes={"amount": [None, str(row.amount)], "source": row.source.code,
                     "category": row.category},
            note=f"demo data {row._meta.model_name} · {row.unit.code}")
            for row in [*budgets, *spent, *purchase_spent]]
        events += [AuditEvent(
            actor=None, actor_username=ACTOR_USERNAME, action=AuditAction.IMPORT,
            entity=p._meta.label_lower, object_id=str(p.pk),
            changes={"name": [None, p.name], "total_amount": [None, str(p.total_amount)]},
            note="demo data group purchase") for p in purchases]
        record_many(events)  # also queues the indicators refresh, as any audited change
    counts["budgets"] = len(budgets)
    counts["expenditures"] = len(spent) + len(purchase_spent)
    counts["group_purchases"] = len(purchases)
    return counts


def _group_purchases(units, families, sources, today, rng):
    """Two purchases of last year shared by the municipalities of the regions with the most
    municipalities (by families), as GroupPurchase, shares and one expenditure per share."""
    by_region: dict[int, list[OrgUnit]] = {}
    for u in units:
        ids = u.ancestor_ids()
        if len(ids) > 1:
            by_region.setdefault(ids[1], []).append(u)
    regions = sorted((r for r in by_region.items() if len(r[1]) >= 2),
                     key=lambda r: (-len(r[1]), r[0]))[:2]
    plans = [("Compra conjunta de kits de estimulación temprana",
              "Kits de estimulación temprana (juguetes, libros de tela, guías)",
              dt.date(today.year - 1, 4, 20), 11.0),
             ("Impresión conjunta de materiales didácticos",
              "Rotafolios y tarjetas de mensajes clave",
              dt.date(today.year - 1, 9, 12), 4.5)]
    purchases, shares, spent = [], [], []
    source = sources["municipalidad"]
    for (name, item, day, per_family), (_region, members) in zip(plans, regions, strict=False):
        members = sorted(members, key=lambda u: u.code)
        weights = [families.get(u.pk) or 50 for u in members]
        total = _money(sum(weights) * per_family * rng.uniform(0.85, 0.95))  # volume discount
        purchase = GroupPurchase(name=name, description=item, date=day,
                                 category=Category.MATERIALS_KITS, source=source,
                                 total_amount=total)
        purchases.append(purchase)
        whole = sum(weights)
        amounts = [(total * w / whole).quantize(CENT) for w in weights[:-1]]
        amounts.append(total - sum(amounts, Decimal(0)))
        for unit, amount in zip(members, amounts, strict=True):
            shares.append(GroupPurchaseShare(
                purchase=purchase, unit=unit, amount=amount,
                percent=(amount * 100 / total).quantize(Decimal("0.0001"))))
            spent.append(Expenditure(unit=unit, date=day, category=Category.MATERIALS_KITS,
                                     source=source, amount=amount, description=name,
                                     group_purchase=purchase))
    return purchases, shares, spent
