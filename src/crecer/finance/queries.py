"""Reads over budgets, expenditures and group purchases, per territory subtree and year.

Every figure is computed in the database, set-based: a subtree is one prefix query on the
materialized path (`unit__path__subtree`), a split by child territory is one grouped query on
the path segment after the unit's own path (as `crecer.territory.queries.counts_by_child`
does), never a Python walk over rows. Households enrolled are read through the scoped
`crecer.programmes.queries.enrolments_for(user)` and only counted.

    government share      expenditure of government sources (central, state, municipality;
                          in kind included, valued) ÷ all expenditure × 100
    cost per beneficiary  all expenditure of the year (in kind included) ÷ households with an
                          enrolment active at some time in the year
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, ExtractYear, StrIndex, Substr
from django.http import Http404

from crecer.accounts import scope
from crecer.programmes.queries import enrolments_for
from crecer.territory.models import Kind, Level, OrgUnit

from .models import (
    DECIMALS,
    MAX_DIGITS,
    Budget,
    Category,
    Expenditure,
    FundingSource,
    GroupPurchase,
    SourceKind,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=MAX_DIGITS + 4, decimal_places=DECIMALS)


# --- territories ---------------------------------------------------------------------------

def territory_for(user, unit_id: int) -> OrgUnit:
    """An area in the user's subtrees, or 404 (outsiders learn nothing)."""
    unit = scope.units_for(user).filter(pk=unit_id, kind=Kind.AREA).first()
    if unit is None:
        raise Http404
    return unit


def top_unit(user) -> OrgUnit | None:
    """The highest of the user's territories (the first by path when she has several)."""
    roots = scope.root_paths(user)
    if not roots:
        return None
    return OrgUnit.objects.filter(path=roots[0]).first()


def areas_for(user) -> QuerySet[OrgUnit]:
    """The areas of the user's subtrees (where budgets and expenditures may be recorded)."""
    return scope.units_for(user).filter(kind=Kind.AREA).order_by("path")


def municipality_depth() -> int | None:
    """The depth of the "municipality" level, if the tree has one."""
    return Level.objects.filter(code="municipality").values_list("depth", flat=True).first()


def municipalities_for(user) -> QuerySet[OrgUnit]:
    depth = municipality_depth()
    qs = areas_for(user)
    return qs.filter(depth=depth) if depth is not None else qs


def is_municipality(unit: OrgUnit) -> bool:
    depth = municipality_depth()
    return depth is None or unit.depth == depth


# --- scoped row sets -------------------------------------------------------------------------

def sources(active_only: bool = True) -> QuerySet[FundingSource]:
    qs = FundingSource.objects.all()
    return qs.filter(active=True) if active_only else qs


def budgets_for(user) -> QuerySet[Budget]:
    return Budget.objects.filter(scope.within(user, "unit"))


def expenditures_for(user) -> QuerySet[Expenditure]:
    return Expenditure.objects.filter(scope.within(user, "unit"))


def purchases_for(user) -> QuerySet[GroupPurchase]:
    """Group purchases with at least one share in the user's subtrees."""
    return (GroupPurchase.objects.filter(scope.within(user, "shares__unit")).distinct()
            .select_related("source").order_by("-date", "name"))


def purchase_for(user, pk) -> GroupPurchase:
    purchase = purchases_for(user).filter(pk=pk).first()
    if purchase is None:
        raise Http404
    return purchase


def budgets_under(unit: OrgUnit) -> QuerySet[Budget]:
    return Budget.objects.filter(unit__path__subtree=unit.path)


def expenditures_under(unit: OrgUnit) -> QuerySet[Expenditure]:
    return Expenditure.objects.filter(unit__path__subtree=unit.path)


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def years_with_data(unit: OrgUnit) -> list[int]:
    """The years with a budget or an expenditure in the subtree, newest first."""
    budget_years = set(budgets_under(unit).values_list("year", flat=True).distinct().order_by())
    spent_years = set(expenditures_under(unit).annotate(y=ExtractYear("date"))
                      .values_list("y", flat=True).distinct().order_by())
    return sorted(budget_years | spent_years, reverse=True)


# --- helpers ---------------------------------------------------------------------------------

def total(filter_q: Q | None = None) -> Coalesce:
    """SUM(amount) (optionally filtered), 0 when there is no row."""
    return Coalesce(Sum("amount", filter=filter_q), Value(ZERO), output_field=MONEY)


GOVERNMENT = Q(source__is_government=True)


def percent(part: Decimal | int | None, whole: Decimal | int | None) -> Decimal | None:
    """part ÷ whole × 100, None when the whole is 0 (or missing)."""
    if not whole or part is None:
        return None
    return Decimal(part) * 100 / Decimal(whole)


def ratio(numerator: Decimal | None, denominator: int | None) -> Decimal | None:
    if not denominator or numerator is None:
        return None
    return Decimal(numerator) / Decimal(denominator)


def child_of(unit: OrgUnit, path_field: str):
    """The id of the child of `unit` whose subtree holds the row (rows of `unit` itself must
    be excluded first): the path segment right after the unit's own path."""
    rest = Substr(path_field, len(unit.path) + 1)
    return Cast(Substr(rest, 1, StrIndex(rest, Value("/")) - 1), IntegerField())


# --- beneficiaries ---------------------------------------------------------------------------

def enrolled_in_year(user, unit: OrgUnit, year: int, programme: str | None = None):
    """Enrolments of the subtree active at some time in the year (scoped to the user)."""
    first, last = year_bounds(year)
    rows = (enrolments_for(user).filter(household__territory__path__subtree=unit.path,
                                        start__lte=last)
            .filter(Q(end__isnull=True) | Q(end__gte=first)))
    if programme:
        rows = rows.filter(programme__code=programme)
    return rows.select_related(None).order_by()


def beneficiaries(user, unit: OrgUnit, year: int, programme: str | None = None) -> int:
    """Households enrolled and active in the year, in the unit's subtree (one COUNT DISTINCT)."""
    return enrolled_in_year(user, unit, year, programme).aggregate(
        n=Count("household_id", distinct=True))["n"] or 0


def beneficiaries_by_child(user, unit: OrgUnit, year: int,
                           programme: str | None = None) -> dict[int, int]:
    rows = (enrolled_in_year(user, unit, year, programme).exclude(household__territory=unit)
            .annotate(child=child_of(unit, "household__territory__path"))
            .values("child").annotate(n=Count("household_id", distinct=True)))
    return {r["child"]: r["n"] for r in rows}


# --- the figures -----------------------------------------------------------------------------

def spent_in_year(unit: OrgUnit, year: int) -> QuerySet[Expenditure]:
    first, last = year_bounds(year)
    return expenditures_under(unit).filter(date__gte=first, date__lte=last)


def government_share(unit: OrgUnit, year: int) -> Decimal | None:
    """Government sources' part of the year's expenditure in the subtree, in % (None: none)."""
    sums = spent_in_year(unit, year).aggregate(all=total(), gov=total(GOVERNMENT))
    return percent(sums["gov"], sums["all"])


def cost_per_beneficiary(user, unit: OrgUnit, year: int,
                         programme: str | None = None) -> Decimal | None:
    spent = spent_in_year(unit, year).aggregate(all=total())["all"]
    return ratio(spent, beneficiaries(user, unit, year, programme))


@dataclass
class SourceRow:
    source: FundingSource
    budget: Decimal = ZERO
    expenditure: Decimal = ZERO
    in_kind: Decimal = ZERO  # the part of the expenditure given in kind
    share: Decimal | None = None  # of the year's expenditure, %


@dataclass
class CategoryRow:
    code: str
    label: str
    budget: Decimal = ZERO
    expenditure: Decimal = ZERO

    @property
    def execution(self) -> Decimal | None:
        return percent(self.expenditure, self.budget)


@dataclass
class ChildRow:
    unit: OrgUnit
    budget: Decimal = ZERO
    expenditure: Decimal = ZERO
    government: Decimal = ZERO
    beneficiaries: int = 0
    ecd_line: bool | None = None  # None: not a municipality

    @property
    def government_share(self) -> Decimal | None:
        return percent(self.government, self.expenditure)

    @property
    def cost_per_beneficiary(self) -> Decimal | None:
        return ratio(self.expenditure, self.beneficiaries)


@dataclass
class EcdRow:
    unit: OrgUnit
    has_line: bool
    amount: Decimal = ZERO


@dataclass
class YearRow:
    year: int
    budget: Decimal = ZERO
    expenditure: Decimal = ZERO
    government: Decimal = ZERO
    in_kind: Decimal = ZERO

    @property
    def government_share(self) -> Decimal | None:
        return percent(self.government, self.expenditure)


@dataclass
class Overview:
    unit: OrgUnit
    year: int
    programme: str | None
    budget: Decimal = ZERO
    expenditure: Decimal = ZERO
    government: Decimal = ZERO
    in_kind: Decimal = ZERO
    budget_government: Decimal = ZERO
    beneficiaries: int = 0
    sources: list[SourceRow] = field(default_factory=list)
    categories: list[CategoryRow] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)
    ecd: list[EcdRow] = field(default_factory=list)
    years: list[YearRow] = field(default_factory=list)

    @property
    def government_share(self) -> Decimal | None:
        return percent(self.government, self.expenditure)

    @property
    def budget_government_share(self) -> Decimal | None:
        return percent(self.budget_government, self.budget)

    @property
    def cost_per_beneficiary(self) -> Decimal | None:
        return ratio(self.expenditure, self.beneficiaries)

    @property
    def execution(self) -> Decimal | None:
        return percent(self.expenditure, self.budget)

    @property
    def ecd_count(self) -> int:
        return sum(1 for r in self.ecd if r.has_line)


def overview(user, unit: OrgUnit, year: int, programme: str | None = None) -> Overview:
    """Everything the finance page of a territory shows for one year, in a fixed number of
    grouped queries whatever the size of the subtree."""
    out = Overview(unit=unit, year=year, programme=programme)
    budgets = budgets_under(unit).filter(year=year)
    spent = spent_in_year(unit, year)

    sums = budgets.aggregate(all=total(), gov=total(GOVERNMENT))
    out.budget, out.budget_government = sums["all"], sums["gov"]
    sums = spent.aggregate(all=total(), gov=total(GOVERNMENT), kind=total(Q(in_kind=True)))
    out.expenditure, out.government, out.in_kind = sums["all"], sums["gov"], sums["kind"]
    out.beneficiaries = beneficiaries(user, unit, year, programme)

    # by source
    by_source: dict = {}
    for r in budgets.values("source_id").annotate(s=total()).order_by():
        by_source.setdefault(r["source_id"], {})["budget"] = r["s"]
    for r in spent.values("source_id").annotate(s=total(), k=total(Q(in_kind=True))).order_by():
        by_source.setdefault(r["source_id"], {}).update(expenditure=r["s"], in_kind=r["k"])
    known = {s.pk: s for s in FundingSource.objects.filter(pk__in=list(by_source))}
    kinds = [k.value for k in SourceKind]
    for pk, figures in by_source.items():
        row = SourceRow(source=known[pk], **figures)
        row.share = percent(row.expenditure, out.expenditure)
        out.sources.append(row)
    out.sources.sort(key=lambda r: (kinds.index(r.source.kind), r.source.name))

    # by category (every category, in their order)
    cat_budget = {r["category"]: r["s"] for r in
                  budgets.values("category").annotate(s=total()).order_by()}
    cat_spent = {r["category"]: r["s"] for r in
                 spent.values("category").annotate(s=total()).order_by()}
    out.categories = [CategoryRow(code, label, cat_budget.get(code, ZERO),
                                  cat_spent.get(code, ZERO))
                      for code, label in Category.choices]

    # by child territory
    kids = list(OrgUnit.objects.filter(parent=unit, kind=Kind.AREA).order_by("name"))
    if kids:
        rows = {k.pk: ChildRow(unit=k) for k in kids}
        for r in (budgets.exclude(unit=unit).annotate(child=child_of(unit, "unit__path"))
                  .values("child").annotate(s=total()).order_by()):
            if r["child"] in rows:
                rows[r["child"]].budget = r["s"]
        for r in (spent.exclude(unit=unit).annotate(child=child_of(unit, "unit__path"))
                  .values("child").annotate(s=total(), g=total(GOVERNMENT)).order_by()):
            if r["child"] in rows:
                rows[r["child"]].expenditure, rows[r["child"]].government = r["s"], r["g"]
        for child, n in beneficiaries_by_child(user, unit, year, programme).items():
            if child in rows:
                rows[child].beneficiaries = n
        out.children = list(rows.values())

    out.ecd = ecd_lines(unit, year)
    flags = {r.unit.pk: r.has_line for r in out.ecd}
    for row in out.children:
        row.ecd_line = flags.get(row.unit.pk)
    out.years = by_year(unit)
    return out


def ecd_lines(unit: OrgUnit, year: int) -> list[EcdRow]:
    """Each municipality of the subtree (the unit itself if it is one): whether its budget of
    the year has an early-childhood line, and the amount in it."""
    depth = municipality_depth()
    if depth is None or unit.depth > depth:
        return []
    munis = list(OrgUnit.objects.filter(path__subtree=unit.path, depth=depth, kind=Kind.AREA)
                 .order_by("name"))
    amounts = {r["unit_id"]: r["s"] for r in
               budgets_under(unit).filter(year=year, is_ecd_line=True)
               .values("unit_id").annotate(s=total()).order_by()}
    return [EcdRow(unit=m, has_line=m.pk in amounts, amount=amounts.get(m.pk, ZERO))
            for m in munis]


def by_year(unit: OrgUnit) -> list[YearRow]:
    """Budget, expenditure, government expenditure and in kind of every year (oldest first)."""
    rows: dict[int, YearRow] = {}
    for r in budgets_under(unit).values("year").annotate(s=total()).order_by():
        rows.setdefault(r["year"], YearRow(r["year"])).budget = r["s"]
    for r in (expenditures_under(unit).annotate(y=ExtractYear("date")).values("y")
              .annotate(s=total(), g=total(GOVERNMENT), k=total(Q(in_kind=True))).order_by()):
        row = rows.setdefault(r["y"], YearRow(r["y"]))
        row.expenditure, row.government, row.in_kind = r["s"], r["g"], r["k"]
    return [rows[y] for y in sorted(rows)]


def covered_municipalities(unit: OrgUnit, year: int) -> int:
    """Municipalities of the subtree (the unit itself if it is one) with an expenditure in the
    year: the projection's starting coverage. One query (a correlated EXISTS per
    municipality)."""
    depth = municipality_depth()
    if depth is None or unit.depth > depth:
        return 0
    first, last = year_bounds(year)
    spent = Expenditure.objects.filter(unit__path__startswith=OuterRef("path"),
                                       date__gte=first, date__lte=last)
    return (OrgUnit.objects.filter(path__subtree=unit.path, depth=depth, kind=Kind.AREA)
            .filter(Exists(spent)).count())
