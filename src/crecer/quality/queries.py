"""Reads of the data-quality page, each limited to a territory the caller covers.

Territories (`unit_for`, `top_unit`, `rows_below`), pending duplicates, missing population
denominators and approvals. Completeness and timeliness are in `reporting.py`, outliers in
`outliers.py`. Everything is an aggregate (counts, shares, unit names): no personal record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from crecer.accounts import scope
from crecer.dedup.queries import candidates_for
from crecer.indicators import periods
from crecer.territory.models import Kind, Level, OrgUnit, PopulationEstimate
from crecer.territory.queries import counts_by_child, subtree

PASS_THROUGH = 3  # a level with a single unit is skipped (a province alone in its region)
MONTHS_IN_MENU = 13


# ---- territories and months -------------------------------------------------------------------

def top_unit(user) -> OrgUnit | None:
    roots = list(OrgUnit.objects.filter(path__in=scope.root_paths(user), kind=Kind.AREA))
    return min(roots, key=lambda u: (u.depth, u.name), default=None)


def unit_for(user, unit_id: int) -> OrgUnit:
    """The area unit, or 404 when it is outside the user's subtrees."""
    unit = OrgUnit.objects.filter(pk=unit_id, kind=Kind.AREA).first()
    if unit is None or not scope.covers(user, unit):
        raise Http404
    return unit


def crumbs(user, unit: OrgUnit) -> list[OrgUnit]:
    """Ancestors the user covers, top first."""
    ids = [i for i in unit.ancestor_ids() if i != unit.pk]
    return [u for u in OrgUnit.objects.filter(pk__in=ids).order_by("depth")
            if scope.covers(user, u)]


def rows_below(unit: OrgUnit) -> list[OrgUnit]:
    """The area units one level down (a level with a single unit is passed through)."""
    found = list(OrgUnit.objects.filter(parent=unit, kind=Kind.AREA).order_by("name"))
    hops = 0
    while len(found) == 1 and hops < PASS_THROUGH:
        below = list(OrgUnit.objects.filter(parent=found[0], kind=Kind.AREA).order_by("name"))
        if not below:
            break
        found, hops = below, hops + 1
    return found


def level_name(depth: int | None) -> str:
    if depth is None:
        return ""
    level = Level.objects.filter(depth=depth).first()
    return level.name if level else ""


def default_month(today: dt.date | None = None) -> periods.Period:
    """The last complete month."""
    return periods.previous(periods.current(periods.MONTH, today or timezone.localdate()))


def parse_month(code: str | None, today: dt.date | None = None) -> periods.Period:
    """The month of a `202603` code; the last complete month when missing or malformed."""
    try:
        p = periods.parse(code or "")
    except ValueError:
        return default_month(today)
    return p if p.type == periods.MONTH else default_month(today)


def month_menu(today: dt.date | None = None) -> list[periods.Period]:
    """The current month and the twelve before it, newest first."""
    return list(reversed(periods.last_n(periods.MONTH, MONTHS_IN_MENU,
                                        today or timezone.localdate())))


# ---- pending duplicates -----------------------------------------------------------------------

@dataclass
class Duplicates:
    total: int = 0
    rows: list[tuple[OrgUnit, int]] = field(default_factory=list)  # per unit below


def pending_duplicates(user, unit: OrgUnit, rows: list[OrgUnit]) -> Duplicates:
    """Pending duplicate pairs with both persons in the unit's subtree and the user's scope
    (pairs of two unmerged persons, as the review queue shows them); per unit below, by the
    first person's territory. Two grouped queries."""
    pairs = candidates_for(user).filter(person_a__territory__path__subtree=unit.path,
                                        person_b__territory__path__subtree=unit.path).order_by()
    out = Duplicates(total=pairs.count())
    if not rows:
        return out
    if all(r.parent_id == unit.pk for r in rows):
        counts = counts_by_child(unit, pairs, field="person_a__territory")
        out.rows = [(r, counts.get(r.pk, 0)) for r in rows]
        return out
    # rows further down (a level passed through): one conditional count per row
    result = pairs.aggregate(**{f"u{r.pk}": Count("pk", filter=Q(
        person_a__territory__path__subtree=r.path)) for r in rows})
    out.rows = [(r, result[f"u{r.pk}"] or 0) for r in rows]
    return out


# ---- missing denominators ---------------------------------------------------------------------

@dataclass
class MissingDenominator:
    unit: OrgUnit
    level: str
    parent: str
    latest_year: int | None  # the latest earlier year with an estimate in its subtree


@dataclass
class Denominators:
    year: int
    checked: int = 0  # area units checked
    depth: int | None = None  # the deepest level checked
    missing: list[MissingDenominator] = field(default_factory=list)


def missing_denominators(unit: OrgUnit, year: int) -> Denominators:
    """Area units of the subtree without any population estimate for `year` in their own
    subtree: their coverage indicators (population denominators) have no value.

    Checked down to the deepest level that has estimates (for any year) in the subtree, so
    that a country whose estimates stop at municipalities does not list every community.
    Three queries."""
    out = Denominators(year=year)
    estimates = PopulationEstimate.objects.filter(unit__path__subtree=unit.path).order_by()
    paths_years = list(estimates.values_list("unit__path", "unit__depth", "year").distinct())
    depth = max((d for _p, d, _y in paths_years), default=unit.depth)
    out.depth = depth
    covered: set[int] = set()
    latest: dict[int, int] = {}
    for path, _d, y in paths_years:
        ids = [int(x) for x in path.strip("/").split("/")]
        if y == year:
            covered.update(ids)
        elif y < year:
            for i in ids:
                latest[i] = max(latest.get(i, y), y)
    units = list(subtree(unit).filter(kind=Kind.AREA, depth__lte=depth)
                 .select_related("parent").order_by("path"))
    levels = {lv.depth: lv.name for lv in Level.objects.all()}
    out.checked = len(units)
    out.missing = [MissingDenominator(unit=u, level=levels.get(u.depth, str(u.depth)),
                                      parent=u.parent.name if u.parent else "",
                                      latest_year=latest.get(u.pk))
                   for u in units if u.pk not in covered]
    return out


# ---- approvals --------------------------------------------------------------------------------

@dataclass
class ApprovalRow:
    unit: OrgUnit
    locked: dict[str, bool] = field(default_factory=dict)  # period code -> approved (or above)
    approved: dict[str, int] = field(default_factory=dict)  # engine values approved
    values: dict[str, int] = field(default_factory=dict)  # engine values with a value

    def share(self, code: str) -> float | None:
        n = self.values.get(code, 0)
        return 100 * self.approved.get(code, 0) / n if n else None


@dataclass
class Approvals:
    periods: list[periods.Period]
    rows: list[ApprovalRow] = field(default_factory=list)
    computed: bool = False  # the engine has results
    approved: int = 0
    values: int = 0

    @property
    def share(self) -> float | None:
        return 100 * self.approved / self.values if self.values else None


def containing(month: periods.Period) -> list[periods.Period]:
    """The month and the quarter, half-year and year it belongs to."""
    return [periods.of_type(kind, month.start) for kind in periods.PERIOD_TYPES]


def approvals(unit: OrgUnit, rows: list[OrgUnit], month: periods.Period) -> Approvals:
    """For the unit and the units below, and for the month and the periods containing it:
    whether an active approval of the unit (or of a unit above it) covers the period, and the
    share of the engine's indicator values (totals) that come from an approved period."""
    from crecer.aggregates.models import PeriodApproval
    from crecer.indicators import queries as engine

    wanted = containing(month)
    codes = [p.code for p in wanted]
    units = [unit, *rows]
    out = Approvals(periods=wanted, rows=[ApprovalRow(unit=u) for u in units])
    above: dict[tuple[int, str], bool] = {}
    ancestor_ids = {i for u in units for i in u.ancestor_ids()}
    active = set(PeriodApproval.objects.filter(revoked_at__isnull=True, unit_id__in=ancestor_ids)
                 .values_list("unit_id", "period"))
    for row in out.rows:
        for p in wanted:
            # an approval of the period itself or of a longer period that contains it
            holders = [q.code for q in containing(p) if q.contains(p)]
            above[(row.unit.pk, p.code)] = any(
                (i, c) in active for i in row.unit.ancestor_ids() for c in holders)
            row.locked[p.code] = above[(row.unit.pk, p.code)]
    status = engine.status()
    out.computed = bool(status.get("computed"))
    if out.computed:
        by_unit = {r.unit.pk: r for r in out.rows}
        for v in engine.values(unit_ids=[u.pk for u in units], periods=codes):
            if v.value is None:
                continue
            row = by_unit.get(v.unit_id)
            if row is None:
                continue
            row.values[v.period] = row.values.get(v.period, 0) + 1
            row.approved[v.period] = row.approved.get(v.period, 0) + int(bool(v.approved))
        top = by_unit[unit.pk]
        out.values = sum(top.values.values())
        out.approved = sum(top.approved.values())
    return out
