"""Reads of the tablero: territories in the user's scope, indicator cards, rankings of the
units below, largest gaps. Indicator values come only from the engine's precomputed results
(`crecer.indicators.queries`); the Django database is read for the few territories, indicators
and targets of the page, in a fixed number of queries whatever the number of units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.http import Http404
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from crecer.accounts import scope
from crecer.indicators import periods
from crecer.indicators.models import Indicator, ResultsChain
from crecer.territory.models import Kind, Level, OrgUnit

from . import charts, engine_reads
from .filters import AREA_CHOICES, SEX_CHOICES, Selection

CHAIN_ORDER = [c for c, _label in ResultsChain.choices]
# A unit with a single child below it shows its grandchildren instead (a province that is the
# only one of its region…), at most this many levels down.
PASS_THROUGH = 3


# --- territories -----------------------------------------------------------------------------

def top_unit(user) -> OrgUnit | None:
    """The highest unit of the user's territories (the first by name among equals)."""
    roots = list(OrgUnit.objects.filter(path__in=scope.root_paths(user), kind=Kind.AREA))
    return min(roots, key=lambda u: (u.depth, u.name), default=None)


def other_roots(user, unit: OrgUnit) -> list[OrgUnit]:
    """The user's other top units (when she works in several separate subtrees)."""
    paths = [p for p in scope.root_paths(user) if not unit.path.startswith(p)]
    if not paths:
        return []
    return list(OrgUnit.objects.filter(path__in=paths, kind=Kind.AREA).order_by("name"))


def unit_for(user, unit_id: int) -> OrgUnit:
    """The territory, or 404 when it is outside the user's subtrees (or a service point)."""
    # without its boundary (a country's GeoJSON can weigh megabytes; the map draws the units below)
    unit = OrgUnit.objects.filter(pk=unit_id, kind=Kind.AREA).defer("boundary").first()
    if unit is None or not scope.covers(user, unit):
        raise Http404
    return unit


def crumbs(user, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors from the user's top unit down (never above her scope)."""
    ids = [i for i in unit.ancestor_ids() if i != unit.pk]
    if not ids:
        return []
    units = OrgUnit.objects.filter(pk__in=ids).order_by("depth")
    return [u for u in units if scope.covers(user, u)]


def children(unit: OrgUnit) -> list[OrgUnit]:
    """The territories one step below in the drill-down (service points left out). A level
    with a single unit is passed through, so that the map always has something to compare."""
    found = list(OrgUnit.objects.filter(parent=unit, kind=Kind.AREA).order_by("name"))
    hops = 0
    while len(found) == 1 and hops < PASS_THROUGH:
        below = list(OrgUnit.objects.filter(parent=found[0], kind=Kind.AREA).order_by("name"))
        if not below:
            break
        found, hops = below, hops + 1
    return found


def level_names(depths: set[int]) -> dict[int, str]:
    return {lv.depth: lv.name for lv in Level.objects.filter(depth__in=depths)}


# --- indicators ------------------------------------------------------------------------------

def indicator_name(ind: Indicator) -> str:
    """The name in the active language (`name_en` when English and present)."""
    return ind.label()


def active_indicators() -> list[Indicator]:
    """Every active indicator, in the order of the results chain, then by code."""
    rows = list(Indicator.objects.filter(active=True))
    rows.sort(key=lambda i: (CHAIN_ORDER.index(i.results_chain)
                             if i.results_chain in CHAIN_ORDER else 99, i.code))
    return rows


def groups_of(indicators: list[Indicator]) -> list[str]:
    return sorted({i.programme_group for i in indicators if i.programme_group})


def default_map_indicator(indicators: list[Indicator]) -> Indicator | None:
    """The caregiver-registry coverage when the catalogue has it, else the first coverage
    indicator, else the first indicator."""
    if not indicators:
        return None

    def score(ind: Indicator) -> tuple:
        code = ind.code.lower()
        return ("caregiver" not in code, not ("registry" in code or "coverage" in code),
                "coverage" not in code, ind.unit != "%")

    return min(indicators, key=lambda i: (score(i), indicators.index(i)))


# --- formatting ------------------------------------------------------------------------------

def number(value: float | None, decimals: int) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return formats.number_format(round(value, decimals), decimal_pos=decimals,
                                 use_l10n=True, force_grouping=True)


def formatted(ind: Indicator, value: float | None) -> str:
    """The value with the indicator's decimals and unit: "45,3 %", "1.234 personas"."""
    text = number(value, ind.decimals)
    if value is None or not ind.unit:
        return text
    return f"{text} {ind.unit}"


def dim_label(dim: str, code: str, programme_names: dict[str, str] | None = None) -> str:
    if code in ("", None, "unknown"):
        return _("not stated")
    if dim == "sex":
        return str(dict(SEX_CHOICES).get(code, code))
    if dim == "area":
        return str(dict(AREA_CHOICES).get(code, code))
    if dim == "programme" and programme_names:
        return programme_names.get(code, code)
    return code


# --- cards -----------------------------------------------------------------------------------

@dataclass
class Part:
    """One value of a disaggregation."""

    code: str
    label: str
    value: float | None
    text: str


@dataclass
class Card:
    indicator: Indicator
    name: str
    value: float | None
    text: str
    numerator: float | None = None
    denominator: float | None = None
    approved: bool = False
    target: float | None = None
    target_text: str = ""
    target_inherited: bool = False  # the target of an ancestor (ratios only)
    light: str = ""  # green / yellow / red / "" (no target)
    gap_text: str = ""
    trend: list[float | None] = field(default_factory=list)
    spark: SafeString | str = ""
    parts: list[Part] = field(default_factory=list)
    period_label: str = ""  # the indicator's own period when longer than the selected one

    @property
    def light_label(self) -> str:
        return _light_label(self.light)


def _light_label(light: str) -> str:
    return {"green": _("on target"), "yellow": _("close to target"),
            "red": _("far from target")}.get(light, _("no target"))


def make_card(ind: Indicator, value, target_of, trend: list[float | None],
              parts: list[Part]) -> Card:
    """A card from the engine's Value (or None) and the targets module's TargetOf (or None)."""
    v = None if value is None else value.value
    target = None if target_of is None else target_of.value
    card = Card(indicator=ind, name=indicator_name(ind), value=v, text=formatted(ind, v),
                numerator=getattr(value, "numerator", None),
                denominator=getattr(value, "denominator", None),
                approved=bool(getattr(value, "approved", False)),
                target=target, target_inherited=bool(getattr(target_of, "inherited", False)),
                trend=trend, parts=parts)
    if target is not None:
        card.target_text = formatted(ind, target)
        card.light = engine_reads.traffic_light(ind, v, target) or ""
        if v is not None:
            card.gap_text = formatted(ind, engine_reads.gap(ind, v, target))
    card.spark = charts.sparkline(trend, label=_("trend of %(name)s") % {"name": card.name})
    return card


def cards(indicators: list[Indicator], unit: OrgUnit, sel: Selection,
          programme_names: dict[str, str] | None = None) -> list[Card]:
    """One card per indicator for the unit and the selected period: value, target, traffic
    light, the trend of the latest periods and, with a disaggregation chosen, its values.
    An indicator whose periodicity is longer than the selected period type shows the value of
    its own period that holds the selected one (the card says which)."""
    groups: dict[str, list[Indicator]] = {}
    for ind in indicators:
        groups.setdefault(sel.at_least(ind.periodicity).period_type, []).append(ind)
    made: dict[str, Card] = {}
    for kind, inds in groups.items():
        own = sel.at_least(kind)
        for card in _cards(inds, unit, own, programme_names):
            if own.period != sel.period:
                card.period_label = periods.label(own.period)
            made[card.indicator.code] = card
    return [made[i.code] for i in indicators]


def _cards(indicators: list[Indicator], unit: OrgUnit, sel: Selection,
           programme_names: dict[str, str] | None) -> list[Card]:
    codes = [i.code for i in indicators]
    trend = sel.trend()
    rows = engine_reads.values(codes, [unit.pk], [p.code for p in trend], filters=sel.filters())
    by = {(r.indicator, r.period): r for r in rows}
    parts_by: dict[str, list[Part]] = {}
    if sel.dim:
        by_code = {i.code: i for i in indicators}
        for r in engine_reads.values(codes, [unit.pk], [sel.period.code], dim=sel.dim,
                                     filters=sel.filters()):
            ind = by_code.get(r.indicator)
            if ind is not None:
                parts_by.setdefault(r.indicator, []).append(Part(
                    r.dim_value, dim_label(sel.dim, r.dim_value, programme_names), r.value,
                    formatted(ind, r.value)))
        for parts in parts_by.values():
            parts.sort(key=lambda p: (p.code is None, str(p.code)))
    targets = engine_reads.targets(indicators, [unit.pk], sel.period)
    out = []
    for ind in indicators:
        current = by.get((ind.code, sel.period.code))
        series = [getattr(by.get((ind.code, p.code)), "value", None) for p in trend]
        out.append(make_card(ind, current, targets.get((ind.code, unit.pk)), series,
                             parts_by.get(ind.code, [])))
    return out


# --- ranking of the units below --------------------------------------------------------------

@dataclass
class Row:
    unit: OrgUnit
    value: float | None
    text: str
    numerator: float | None = None
    denominator: float | None = None
    target: float | None = None
    target_text: str = ""
    light: str = ""
    rank: int | None = None
    parts: dict[str, Part] = field(default_factory=dict)
    dim_cells: list[str] = field(default_factory=list)  # texts in the order of dim_values

    @property
    def light_label(self) -> str:
        return _light_label(self.light)


@dataclass
class Ranking:
    indicator: Indicator
    rows: list[Row]
    dim_values: list[tuple[str, str]]  # (code, label) of the disaggregation's columns
    period: periods.Period | None = None  # the period of the values (see Selection.at_least)
    period_label: str = ""  # said when it is not the period chosen


def ranking(ind: Indicator, units: list[OrgUnit], sel: Selection,
            programme_names: dict[str, str] | None = None) -> Ranking:
    """The units ranked by the indicator (best first: highest when higher is better), units
    without a value last; with a disaggregation chosen, one column per value of it."""
    chosen, sel = sel, sel.at_least(ind.periodicity)
    ids = [u.pk for u in units]
    values = {r.unit_id: r for r in engine_reads.values(
        [ind.code], ids, [sel.period.code], filters=sel.filters())} if ids else {}
    targets = engine_reads.targets([ind], ids, sel.period) if ids else {}
    rows = []
    for u in units:
        r = values.get(u.pk)
        v = getattr(r, "value", None)
        t = getattr(targets.get((ind.code, u.pk)), "value", None)
        rows.append(Row(unit=u, value=v, text=formatted(ind, v),
                        numerator=getattr(r, "numerator", None),
                        denominator=getattr(r, "denominator", None), target=t,
                        target_text=formatted(ind, t) if t is not None else "",
                        light=(engine_reads.traffic_light(ind, v, t) or "") if t is not None
                        else ""))
    dim_values: list[tuple[str, str]] = []
    if sel.dim and ids:
        seen: dict[str, str] = {}
        by_unit = {r.unit.pk: r for r in rows}
        for r in engine_reads.values([ind.code], ids, [sel.period.code], dim=sel.dim,
                                     filters=sel.filters()):
            label = dim_label(sel.dim, r.dim_value, programme_names)
            seen.setdefault(r.dim_value, label)
            row = by_unit.get(r.unit_id)
            if row is not None:
                row.parts[r.dim_value] = Part(r.dim_value, label, r.value,
                                              formatted(ind, r.value))
        dim_values = sorted(seen.items(), key=lambda kv: str(kv[0]))
        for row in rows:
            row.dim_cells = [row.parts[code].text if code in row.parts else "–"
                             for code, _label in dim_values]
    lower_better = ind.direction == "lower"
    present = sorted((r for r in rows if r.value is not None),
                     key=lambda r: (r.value if lower_better else -r.value, r.unit.name))
    for n, r in enumerate(present, start=1):
        r.rank = n
    absent = [r for r in rows if r.value is None]
    return Ranking(indicator=ind, rows=present + absent, dim_values=dim_values,
                   period=sel.period, period_label=periods.label(sel.period)
                   if sel.period != chosen.period else "")


def ranking_table(ranking: Ranking, *, level: str = "") -> tuple[list[str], list[list]]:
    """The ranking as headers and rows for a spreadsheet (the values as numbers)."""
    ind = ranking.indicator
    headers = [_("Rank"), level or _("Territory"), _("Code"), _("Numerator"), _("Denominator"),
               _("Value") + (f" ({ind.unit})" if ind.unit else ""), _("Target"),
               _("Traffic light")]
    headers += [label for _code, label in ranking.dim_values]
    rows = []
    for r in ranking.rows:
        row = [r.rank, r.unit.name, r.unit.code, r.numerator, r.denominator,
               None if r.value is None else round(r.value, ind.decimals), r.target,
               _light_label(r.light) if r.target is not None else ""]
        for code, _label in ranking.dim_values:
            part = r.parts.get(code)
            row.append(None if part is None or part.value is None
                       else round(part.value, ind.decimals))
        rows.append(row)
    return headers, rows


# --- gaps ------------------------------------------------------------------------------------

@dataclass
class GapRow:
    indicator: Indicator
    name: str
    unit: OrgUnit
    value_text: str
    target_text: str
    gap_text: str
    light: str
    period_label: str = ""


def largest_gaps(indicators: list[Indicator], units: list[OrgUnit], sel: Selection,
                 n: int = 10) -> list[GapRow]:
    """The n largest gaps to target among the units (the children shown on the page), each
    indicator in its own period (see Selection.at_least), largest relative gap first."""
    if not units or not indicators:
        return []
    by_code = {i.code: i for i in indicators}
    by_id = {u.pk: u for u in units}
    groups: dict[str, list[str]] = {}
    for ind in indicators:
        groups.setdefault(sel.at_least(ind.periodicity).period_type, []).append(ind.code)
    found = []
    for kind, codes in groups.items():
        own = sel.at_least(kind)
        found += [(g, own.period) for g in engine_reads.largest_gaps(codes, list(by_id),
                                                                     own.period, n)]
    found.sort(key=lambda gp: (-gp[0].relative, gp[0].indicator.code, gp[0].unit_id))
    out = []
    for g, period in found[:n]:
        ind, unit = by_code.get(g.indicator.code), by_id.get(g.unit_id)
        if ind is None or unit is None:
            continue
        out.append(GapRow(indicator=ind, name=indicator_name(ind), unit=unit,
                          value_text=formatted(ind, g.value),
                          target_text=formatted(ind, g.target),
                          gap_text=formatted(ind, g.gap),
                          light=engine_reads.traffic_light(ind, g.value, g.target) or "",
                          period_label=periods.label(period) if period != sel.period else ""))
    return out
