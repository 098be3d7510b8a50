"""The tablero's only door to indicator values and targets: the engine's precomputed results
(`crecer.indicators.queries`) and the targets module (`crecer.indicators.targets`).

Keeping these calls in one small module means the pages never compute an indicator themselves
and a change of the engine's reading API touches one file.
"""

from __future__ import annotations

from crecer.indicators import periods
from crecer.indicators.models import Indicator
from crecer.territory.models import OrgUnit


def values(codes: list[str], unit_ids: list[int], period_codes: list[str], *, dim: str = "",
           filters: dict | None = None) -> list:
    """Values of the indicators for the units and periods (`Value` rows of the engine)."""
    from crecer.indicators import queries as engine

    if not codes or not unit_ids or not period_codes:
        return []
    return list(engine.values(indicators=codes, unit_ids=unit_ids, periods=period_codes,
                              dim=dim, filters=filters))


def status():
    """When the results were computed (None before the first refresh)."""
    from crecer.indicators import queries as engine

    return engine.status()


def targets(indicators: list[Indicator], unit_ids: list[int], period: periods.Period) -> dict:
    """{(indicator code, unit id): TargetOf(value, unit_id, inherited)} for the period: the
    unit's own target or, for ratios, its nearest ancestor's."""
    from crecer.indicators import targets as tg

    if not indicators or not unit_ids:
        return {}
    return tg.targets_for(indicators, unit_ids, period.code)


def target_series(ind: Indicator, unit: OrgUnit, trend: list[periods.Period]) -> dict:
    """{period code: TargetOf} of one indicator and unit over the periods, in ONE query (the
    targets module answers one period at a time). The rule is `targets.targets_for`'s, checked
    against it by tests/tablero: a ratio inherits from the unit's ancestors and from the longer
    periods that contain the period (own unit before ancestors, exact period before longer
    ones); counts and sums only have their own target."""
    from crecer.indicators.models import Target
    from crecer.indicators.targets import TargetOf

    inherits = bool(ind.denominator.strip())
    chain = list(reversed(unit.ancestor_ids())) if inherits else [unit.pk]
    candidates = {p.code: _containing(p) if inherits else [p.code] for p in trend}
    wanted = set().union(*candidates.values()) if candidates else set()
    own = {(t.unit_id, t.period): t.value
           for t in Target.objects.filter(indicator=ind, unit_id__in=chain, period__in=wanted)
           .only("unit_id", "period", "value")}
    out = {}
    for p in trend:
        found = next(((own[(a, c)], a) for a in chain for c in candidates[p.code]
                      if (a, c) in own), None)
        if found is not None:
            out[p.code] = TargetOf(found[0], found[1], found[1] != unit.pk)
    return out


def _containing(p: periods.Period) -> list[str]:
    """The period's code, then the codes of the longer periods that contain it."""
    longer = [periods.of_type(kind, p.start) for kind in periods.PERIOD_TYPES]
    return [p.code] + [q.code for q in longer if q.contains(p) and q.code != p.code]


def traffic_light(ind: Indicator, value: float | None, target: float | None) -> str | None:
    from crecer.indicators import targets as tg

    return tg.traffic_light(ind, value, target)


def gap(ind: Indicator, value: float | None, target: float | None) -> float | None:
    from crecer.indicators import targets as tg

    return tg.gap(ind, value, target)


def largest_gaps(codes: list[str], unit_ids: list[int], period: periods.Period, n: int) -> list:
    """`targets.Gap` rows: the (indicator, unit) pairs furthest short of their targets."""
    from crecer.indicators import targets as tg

    if not codes or not unit_ids:
        return []
    return list(tg.largest_gaps(indicator_codes=codes, unit_ids=unit_ids, period=period.code,
                                n=n))
