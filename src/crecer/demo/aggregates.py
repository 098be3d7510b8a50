"""Demo aggregate data: plausible figures for every municipality, and a few approved months.

`fill_aggregates()` loads the shipped data elements, then writes, for every municipality, the
values of every element for the periods of the last two years (months and quarters up to last
month, years up to the current one), with bulk inserts and one audit row per value (actor
"demo-generator", action "import"). Figures follow the Honduras scale-up story: the cost per
beneficiary falls and the government share rises year after year, more municipalities open an
early-childhood budget line, more workshops are given by local staff. Then the data officer
approves three past months for the regional manager's region (through
`crecer.aggregates.actions.approve_period`, so the approvals are audited and frozen like real
ones).

Deterministic for a given seed and date (seeded `random.Random`, everything ordered by code).
Does nothing if aggregate values already exist.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from crecer.accounts.models import Role, User
from crecer.aggregates import actions
from crecer.aggregates.catalogue import load_elements
from crecer.aggregates.models import AggregateValue, DataElement
from crecer.core.models import AuditAction, AuditEvent
from crecer.indicators import periods
from crecer.programmes.models import Enrolment
from crecer.territory.models import Kind, Level, OrgUnit
from crecer.territory.queries import population_table

ACTOR_USERNAME = "demo-generator"
MODEL_PROGRAMME = "honduras-pi-volunteers"
APPROVED_MONTHS = 3  # approved for one region: the months 4, 3 and 2 before this one


def _money(x: float) -> Decimal:
    return Decimal(str(round(x, 2))).quantize(Decimal("0.01"))


def _int(x: float) -> Decimal:
    return Decimal(max(0, int(round(x))))


class _Municipality:
    """What the figures of one municipality are drawn from."""

    def __init__(self, unit: OrgUnit, population: int, beneficiaries: int, rng: random.Random):
        self.unit = unit
        self.population = population
        # Families in the model: the enrolled ones when there are, else an estimate.
        self.beneficiaries = beneficiaries or max(20, int(population * rng.uniform(0.01, 0.03)))
        self.size = max(0.3, min(4.0, population / 15000))  # 1.0 ≈ a 15 000-person municipality
        self.budget_line_draw = rng.random()  # < the year's share: has an ECD budget line
        self.local_staff_start = rng.uniform(0.3, 0.55)
        self.government_start = rng.uniform(0.38, 0.55)
        self.cost_start = rng.uniform(470, 560)  # USD per family in the first year
        self.teams = rng.choice((1, 1, 1, 2))
        self.baseline = rng.uniform(38, 58)


def _yearly(m: _Municipality, year_no: int, rng: random.Random) -> dict[str, Decimal]:
    """year_no: 0 for the first of the years filled, 1, 2…"""
    budget_total = m.population * rng.uniform(35, 60)
    has_line = m.budget_line_draw < (0.35, 0.55, 0.7, 0.8)[min(year_no, 3)]
    cost = m.cost_start * (0.93 ** year_no) * rng.uniform(0.94, 1.06)
    programme = m.beneficiaries * cost
    share = min(0.95, m.government_start + 0.09 * year_no + rng.uniform(-0.04, 0.04))
    trained = min(m.teams, sum(rng.random() < 0.35 + 0.25 * year_no for _ in range(m.teams)))
    out = {
        "budget_total": _money(budget_total),
        "has_ecd_budget_line": Decimal(1 if has_line else 0),
        "expenditure_programme": _money(programme),
        "expenditure_government": _money(programme * share),
        "municipal_teams_total": Decimal(m.teams),
        "municipal_teams_trained_full": Decimal(trained),
        "parenting_scale_baseline": _money(m.baseline + rng.uniform(-1.5, 1.5)),
        "parenting_scale_followup": _money(min(100, m.baseline + rng.uniform(8, 22)
                                                + 4 * year_no)),
    }
    if has_line:
        out["budget_ecd"] = _money(budget_total * rng.uniform(0.01, 0.04))
    return out


def _quarterly(m: _Municipality, quarter_no: int, rng: random.Random) -> dict[str, Decimal]:
    total = max(1, round(m.size * rng.uniform(4, 12)))
    local_share = min(0.95, m.local_staff_start + 0.035 * quarter_no + rng.uniform(-0.08, 0.08))
    return {
        "workshops_total": Decimal(total),
        "workshops_local_staff": _int(min(total, total * max(0.0, local_share))),
        "health_committees_formed": _int(rng.choice((0, 0, 1, 1, 1, 2, 3)) * min(m.size, 2)),
    }


def _monthly(m: _Municipality, rng: random.Random) -> dict[str, Decimal]:
    s = m.size
    return {
        "committee_meetings": _int(rng.choice((0, 1, 1, 1, 2, 2, 3))),
        "promotion_sessions_childhood": _int(s * rng.uniform(3, 12)),
        "promotion_sessions_adolescence": _int(s * rng.uniform(1, 6)),
        "promotion_sessions_adulthood": _int(s * rng.uniform(1, 8)),
        "promotion_sessions_elderly": _int(s * rng.uniform(0, 4)),
    }


def _municipalities() -> list[OrgUnit]:
    level = Level.objects.filter(code="municipality").first()
    depth = level.depth if level else 3
    return list(OrgUnit.objects.filter(depth=depth, kind=Kind.AREA).order_by("code"))


def _beneficiaries(units: list[OrgUnit]) -> dict[int, int]:
    """Households with an active enrolment in the Honduras model, per municipality."""
    depth = units[0].depth if units else 3
    out: dict[int, int] = {}
    rows = (Enrolment.objects.filter(programme__code=MODEL_PROGRAMME, end__isnull=True)
            .values("household_id", "household__territory__path").distinct())
    seen: set = set()
    for r in rows.order_by():
        if r["household_id"] in seen:
            continue
        seen.add(r["household_id"])
        ids = [int(x) for x in r["household__territory__path"].strip("/").split("/") if x]
        if len(ids) > depth:
            out[ids[depth]] = out.get(ids[depth], 0) + 1
    return out


def _approver() -> User | None:
    return (User.objects.filter(username="datos").first()
            or User.objects.filter(role=Role.DATA_OFFICER).order_by("pk").first()
            or User.objects.filter(role=Role.ADMIN).order_by("pk").first())


def _region_to_approve(units: list[OrgUnit]) -> OrgUnit | None:
    """The regional manager's region (Atlántida in the demo), else the first municipality's."""
    regional = User.objects.filter(role=Role.REGIONAL_MANAGER).order_by("username").first()
    region = regional.territories.order_by("path").first() if regional else None
    if region is None and units:
        ids = units[0].ancestor_ids()
        region = OrgUnit.objects.filter(pk=ids[1]).first() if len(ids) > 1 else None
    return region


def fill_aggregates(*, rng_seed: int = 2026, today: dt.date | None = None,
                    approve: bool = True) -> dict[str, int]:
    """Load the data elements and fill two years of plausible figures for every municipality;
    approve three past months for one region (approve=False: leave every period open).

    Returns {"elements": …, "municipalities": …, "values": …, "approvals": …}.
    """
    today = today or timezone.localdate()
    loaded = load_elements()
    counts = {"elements": sum(loaded.values()), "municipalities": 0, "values": 0,
              "approvals": 0}
    if AggregateValue.objects.exists():
        return counts
    rng = random.Random(rng_seed)
    elements = {e.code: e for e in DataElement.objects.filter(active=True)}
    units = _municipalities()
    beneficiaries = _beneficiaries(units)
    now_month = periods.month_index(today)
    first, last = now_month - 24, now_month - 1
    years = periods.series(periods.YEAR, first, now_month)
    quarters = periods.series(periods.QUARTER, first, last)
    months = periods.series(periods.MONTH, first, last)
    values: list[AggregateValue] = []
    for unit in units:
        m = _Municipality(unit, population_table(unit).total, beneficiaries.get(unit.pk, 0), rng)
        plan: list[tuple[str, dict[str, Decimal]]] = []
        plan += [(p.code, _yearly(m, i, rng)) for i, p in enumerate(years)]
        plan += [(p.code, _quarterly(m, i, rng)) for i, p in enumerate(quarters)]
        plan += [(p.code, _monthly(m, rng)) for p in months]
        for period, figures in plan:
            for code, value in sorted(figures.items()):
                if code in elements:
                    values.append(AggregateValue(element=elements[code], unit=unit,
                                                 period=period, value=value))
        counts["municipalities"] += 1
    with transaction.atomic():
        AggregateValue.objects.bulk_create(values, batch_size=2000)
        saved = AggregateValue.objects.select_related("element", "unit").order_by("pk")
        AuditEvent.objects.bulk_create([AuditEvent(
            actor=None, actor_username=ACTOR_USERNAME, action=AuditAction.IMPORT,
            entity=AggregateValue._meta.label_lower, object_id=str(v.pk),
            territory_path=v.unit.path,
            changes={"value": [None, str(v.value)], "element": v.element.code,
                     "period": v.period},
            note=f"demo data {v.element.code} · {v.unit.code} · {v.period}") for v in saved],
            batch_size=2000)
    counts["values"] = len(values)
    if approve:
        counts["approvals"] = _approve_months(units, now_month)
    return counts


def _approve_months(units: list[OrgUnit], now_month: int) -> int:
    approver, region = _approver(), _region_to_approve(units)
    if approver is None or region is None:
        return 0
    made = 0
    for back in range(APPROVED_MONTHS + 1, 1, -1):
        period = periods.of_type(periods.MONTH, now_month - back).code
        actions.approve_period(actor=approver, unit=region, period=period)
        made += 1
    return made


def value_counts() -> dict[str, int]:
    """How many values each element has (for reports and tests)."""
    return dict(AggregateValue.objects.values_list("element__code").annotate(n=Count("id"))
                .order_by())


def approve_demo_months(today: dt.date | None = None) -> int:
    """Approve three past months of one region (after a first refresh, so that there are
    indicator values to freeze)."""
    today = today or timezone.localdate()
    return _approve_months(_municipalities(), periods.month_index(today))
