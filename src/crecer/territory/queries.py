"""Reads over the tree. Subtrees are prefix queries on the materialized path, never Python walks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, StrIndex, Substr

from . import lookups  # noqa: F401  (registers the `subtree` lookup)
from .models import AGE_BANDS, Kind, Level, OrgUnit, PopulationEstimate, Sex


def subtree_q(paths: Iterable[str], field: str = "path") -> Q:
    """A Q matching rows whose `field` (a materialized path) lies in any of the given subtrees."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__subtree": p})
    return q


def subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The unit and everything below it (one indexed range query)."""
    return OrgUnit.objects.filter(path__subtree=unit.path)


def ancestors(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).order_by("depth")


def children(unit: OrgUnit | None) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(parent=unit).order_by("name")


def levels_by_depth() -> dict[int, Level]:
    return {lv.depth: lv for lv in Level.objects.all()}


def counts_by_child(unit: OrgUnit, rows: QuerySet, field: str = "territory") -> dict[int, int]:
    """How many of `rows` (any queryset with an OrgUnit foreign key `field`, already limited to
    what the caller may see) lie under each child of `unit`, in ONE grouped query.

    The child is read from the row's territory path: the path segment right after the unit's own
    path is the id of the child whose subtree holds the row.
    """
    path_field = f"{field}__path"
    start = len(unit.path) + 1
    rest = Substr(path_field, start)
    segment = Substr(rest, 1, StrIndex(rest, Value("/")) - 1)
    grouped = (
        rows.filter(**{f"{path_field}__subtree": unit.path})
        .exclude(**{field: unit.pk})
        .annotate(child=Cast(segment, IntegerField()))
        .values("child")
        .annotate(n=Count("*"))  # COUNT(*): no need to read the rows, only the index
        .order_by()
    )
    return {row["child"]: row["n"] for row in grouped}


def counts_by_root(units: list[OrgUnit], rows: QuerySet, field: str = "territory") -> dict[int, int]:
    """How many of `rows` lie under each of `units` (a user's few roots), in ONE query."""
    if not units:
        return {}
    aggregates = {
        f"u{u.pk}": Count(field, filter=Q(**{f"{field}__path__subtree": u.path})) for u in units
    }
    result = rows.order_by().aggregate(**aggregates)
    return {u.pk: result[f"u{u.pk}"] or 0 for u in units}


@dataclass
class PopulationTable:
    """Population of a unit for one year, by age band and sex."""

    year: int | None
    years: list[int]
    # "own": the unit's own estimates; "below": the sum over the nearest level below that has
    # estimates (so that estimates entered at two levels are never added together).
    source: str = "own"
    source_depth: int | None = None
    rows: list[dict] = field(default_factory=list)
    total_f: int = 0
    total_m: int = 0

    @property
    def total(self) -> int:
        return self.total_f + self.total_m


def population_table(unit: OrgUnit, year: int | None = None) -> PopulationTable:
    """The unit's population by age band and sex for `year` (default: the latest year known)."""
    below = PopulationEstimate.objects.filter(unit__path__subtree=unit.path)
    years = sorted(set(below.values_list("year", flat=True).distinct()), reverse=True)
    table = PopulationTable(year=None, years=years)
    if not years:
        return table
    table.year = year if year in years else years[0]
    of_year = below.filter(year=table.year)
    own = of_year.filter(unit=unit)
    if own.exists():
        source = own
    else:
        depth = of_year.aggregate(d=Min("unit__depth"))["d"]
        source = of_year.filter(unit__depth=depth)
        table.source, table.source_depth = "below", depth
    sums = {(r["age_band"], r["sex"]): r["v"]
            for r in source.values("age_band", "sex").annotate(v=Sum("value")).order_by()}
    bands = AGE_BANDS + sorted({b for b, _s in sums} - set(AGE_BANDS))
    for band in bands:
        f, m = sums.get((band, Sex.FEMALE), 0), sums.get((band, Sex.MALE), 0)
        if (band, Sex.FEMALE) in sums or (band, Sex.MALE) in sums:
            table.rows.append({"age_band": band, "F": f, "M": m, "total": f + m})
            table.total_f += f
            table.total_m += m
    return table


def service_points(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """Service points directly under the unit (health centres, schools, day care…)."""
    return OrgUnit.objects.filter(parent=unit, kind=Kind.SERVICE_POINT).order_by("sector", "name")


def area_children(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(parent=unit, kind=Kind.AREA).order_by("name")
