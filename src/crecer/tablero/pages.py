"""What each tablero page shows, assembled from `queries` (the views only render it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from crecer.indicators import periods
from crecer.indicators.models import Indicator, ResultsChain
from crecer.programmes.models import Programme
from crecer.territory.models import OrgUnit

from . import charts, engine_reads, filters, queries, svgmap, volunteers
from .filters import Selection


@dataclass
class Common:
    """What every tablero page of a unit needs: the unit, its place in the tree, the indicators,
    the selection of the query string and the menus of the filter form."""

    unit: OrgUnit
    crumbs: list[OrgUnit]
    other_roots: list[OrgUnit]
    indicators: list[Indicator]
    programmes: dict[str, str]
    sel: Selection
    status: object = None
    menus: dict = field(default_factory=dict)

    def context(self) -> dict:
        sel = self.sel
        return {
            "unit": self.unit, "crumbs": self.crumbs, "other_roots": self.other_roots,
            "sel": sel, "query": sel.query(), "status": self.status, "menus": self.menus,
            "computed_at": _when(self.status),
            "period_label": periods.label(sel.period),
            "filter_labels": [self.programmes.get(x, x) if x == sel.programme else x
                              for x in sel.filter_labels()],
            "dim_label": str(filters.DIMENSION_LABELS.get(sel.dim, "")),
            "chain": [(code, label) for code, label in ResultsChain.choices],
        }


def _when(status) -> datetime | None:
    """When the engine computed the values the page shows (an aware datetime)."""
    text = status.get("computed_at") if isinstance(status, dict) else None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z") if text else None
    except ValueError:
        return None


def _latest_month(status) -> int | None:
    """The last month the engine computed (the default period contains it)."""
    if isinstance(status, dict) and status.get("computed"):
        last = status.get("last_month")
        return last if isinstance(last, int) and last > 0 else None
    return None


def common(user, unit: OrgUnit, params) -> Common:
    indicators = queries.active_indicators()
    programmes = dict(Programme.objects.filter(active=True).values_list("code", "name"))
    status = engine_reads.status()
    sel = filters.parse(params, programmes=set(programmes),
                        groups=set(queries.groups_of(indicators)),
                        indicators={i.code for i in indicators},
                        latest_month=_latest_month(status))
    menus = {
        "period_types": filters.PERIOD_TYPES,
        "periods": [(p.code, periods.label(p))
                    for p in filters.period_menu(sel.period_type)],
        "dims": list(filters.DIMENSION_LABELS.items()),
        "sexes": filters.SEX_CHOICES,
        "ages": [(k, label) for k, (label, _bands) in filters.AGE_GROUPS.items()],
        "areas": filters.AREA_CHOICES,
        "programmes": sorted(programmes.items(), key=lambda kv: kv[1]),
        "groups": queries.groups_of(indicators),
        "indicators": [(i.code, queries.indicator_name(i)) for i in indicators],
    }
    if sel.period.code not in {code for code, _label in menus["periods"]}:
        menus["periods"].insert(0, (sel.period.code, periods.label(sel.period)))
    return Common(unit=unit, crumbs=queries.crumbs(user, unit),
                  other_roots=queries.other_roots(user, unit), indicators=indicators,
                  programmes=programmes, sel=sel, status=status, menus=menus)


def sheet_url(code: str) -> str:
    """The indicator's reference sheet (the catalogue's page)."""
    try:
        return reverse("indicators:detail", kwargs={"code": code})
    except NoReverseMatch:
        return ""


# --- the tablero of a unit -------------------------------------------------------------------

def unit_page(user, unit: OrgUnit, params) -> dict:
    c = common(user, unit, params)
    sel, unit = c.sel, c.unit
    shown = [i for i in c.indicators if not sel.group or i.programme_group == sel.group]
    by_code = {i.code: i for i in c.indicators}
    chosen = by_code.get(sel.indicator) or queries.default_map_indicator(shown or c.indicators)
    below = queries.children(unit)
    levels = queries.level_names({u.depth for u in below} | {unit.depth})
    child_level = levels.get(below[0].depth, "") if below else ""
    cards = queries.cards(shown, unit, sel, c.programmes)
    ranking = queries.ranking(chosen, below, sel, c.programmes) if chosen else None
    the_map = None
    if ranking is not None and below:
        the_map = svgmap.draw(
            [svgmap.Item(unit_id=r.unit.pk, name=r.unit.name, value=r.value, label=r.text,
                         href=f"{reverse('tablero:unit', args=[r.unit.pk])}?{sel.query()}",
                         boundary=r.unit.boundary, latitude=r.unit.latitude,
                         longitude=r.unit.longitude)
             for r in ranking.rows],
            title=_("%(indicator)s by %(level)s, %(period)s") % {
                "indicator": queries.indicator_name(chosen),
                "level": (child_level or _("territory")).lower(),
                "period": periods.label(ranking.period or sel.period)},
            format_value=lambda v: queries.number(v, chosen.decimals))
    gaps = queries.largest_gaps(shown, below, sel) if below else []
    field_rows = None
    if not below and any(i.field_level for i in shown):
        # below the community: the volunteers' own work, when field indicators are shown
        field_rows = volunteers.table(unit, sel)
    ctx = c.context()
    ctx.update({
        "level": levels.get(unit.depth, ""), "child_level": child_level,
        "cards": cards, "card_groups": by_chain(cards), "chosen": chosen, "chosen_name": queries.indicator_name(chosen)
        if chosen else "", "ranking": ranking, "map": the_map, "gaps": gaps,
        "children": below, "volunteers": field_rows,
        "group": sel.group,
    })
    return ctx


def by_chain(cards: list[queries.Card]) -> list[tuple[str, str, list[queries.Card]]]:
    """The cards under the columns of the results chain, in the chain's order."""
    groups: dict[str, list[queries.Card]] = {}
    for card in cards:
        groups.setdefault(card.indicator.results_chain, []).append(card)
    return [(code, label, groups[code]) for code, label in ResultsChain.choices if code in groups]


def unit_table(ctx: dict) -> tuple[str, list, list]:
    """The ranking of the unit page as a downloadable table: title, headers, rows."""
    ranking = ctx["ranking"]
    if ranking is None:
        return _("Tablero"), [], []
    headers, rows = queries.ranking_table(ranking, level=ctx["child_level"])
    if ctx["dim_label"]:
        headers = headers[:8] + [f"{ctx['dim_label']}: {h}" for h in headers[8:]]
    title = f"{ctx['chosen_name']} – {ctx['unit'].name} – {ctx['period_label']}"
    return title, headers, rows


# --- one indicator ---------------------------------------------------------------------------

def indicator_page(user, unit: OrgUnit, code: str, params) -> dict:
    c = common(user, unit, params)
    unit = c.unit
    ind = next((i for i in c.indicators if i.code == code), None)
    if ind is None:
        raise Http404
    sel = c.sel.at_least(ind.periodicity)  # a yearly indicator in years, even in the month view
    name = queries.indicator_name(ind)
    trend = sel.trend()
    series = {r.period: r for r in engine_reads.values([ind.code], [unit.pk],
                                                        [p.code for p in trend],
                                                        filters=sel.filters())}
    target_of = engine_reads.target_series(ind, unit, trend)
    targets = {code: t.value for code, t in target_of.items()}
    values = [getattr(series.get(p.code), "value", None) for p in trend]
    card = queries.make_card(ind, series.get(sel.period.code), target_of.get(sel.period.code),
                             values, [])
    figure = charts.series_figure(
        labels=[periods.label(p) for p in trend], values=values,
        targets=[targets.get(p.code) for p in trend], name=name, target_name=_("Target"),
        unit=ind.unit, decimals=ind.decimals)
    dim = sel.dim or next((d for d in (ind.disaggregations or []) if d), "")
    bars = None
    parts: list[queries.Part] = []
    if dim:
        for r in engine_reads.values([ind.code], [unit.pk], [sel.period.code], dim=dim,
                                     filters=sel.filters()):
            parts.append(queries.Part(r.dim_value, queries.dim_label(dim, r.dim_value,
                                                                     c.programmes),
                                      r.value, queries.formatted(ind, r.value)))
        parts.sort(key=lambda p: str(p.code))
        if parts:
            bars = charts.bars_figure(categories=[p.label for p in parts],
                                      values=[p.value for p in parts], unit=ind.unit,
                                      decimals=ind.decimals, target=card.target,
                                      target_name=_("Target"))
    below = queries.children(unit)
    levels = queries.level_names({u.depth for u in below} | {unit.depth})
    child_level = levels.get(below[0].depth, "") if below else ""
    ranking = queries.ranking(ind, below, sel, c.programmes)
    field_rows = volunteers.table(unit, sel) if ind.field_level and not below else None
    ctx = c.context()
    ctx.update({
        "indicator": ind, "name": name, "card": card, "sheet_url": sheet_url(ind.code),
        "series_json": charts.script_json(figure),
        "series_rows": [(periods.label(p), queries.formatted(ind, v),
                         queries.formatted(ind, targets.get(p.code))
                         if targets.get(p.code) is not None else "")
                        for p, v in zip(trend, values, strict=True)],
        "bars_json": charts.script_json(bars) if bars is not None else "",
        "bars_dim": str(filters.DIMENSION_LABELS.get(dim, dim)), "parts": parts,
        "ranking": ranking, "child_level": child_level, "level": levels.get(unit.depth, ""),
        "children": below, "volunteers": field_rows, "with_plotly": True,
        "own_period": periods.label(sel.period) if sel.period != c.sel.period else "",
    })
    return ctx


def indicator_table(ctx: dict) -> tuple[str, list, list]:
    headers, rows = queries.ranking_table(ctx["ranking"], level=ctx["child_level"])
    if ctx["dim_label"]:
        headers = headers[:8] + [f"{ctx['dim_label']}: {h}" for h in headers[8:]]
    return f"{ctx['name']} – {ctx['unit'].name} – {ctx['period_label']}", headers, rows


# --- a column of the results chain -----------------------------------------------------------

def chain_page(user, unit: OrgUnit, column: str, params) -> dict:
    if column not in dict(ResultsChain.choices):
        raise Http404
    c = common(user, unit, params)
    shown = [i for i in c.indicators if i.results_chain == column
             and (not c.sel.group or i.programme_group == c.sel.group)]
    ctx = c.context()
    ctx.update({"column": column, "column_label": dict(ResultsChain.choices)[column],
                "cards": queries.cards(shown, c.unit, c.sel, c.programmes),
                "level": queries.level_names({c.unit.depth}).get(c.unit.depth, "")})
    return ctx
