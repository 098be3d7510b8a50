"""Targets, traffic lights and gaps.

* `traffic_light(indicator, value, target)`: thresholds are percentages of the target. When
  higher is better, a value at or above `green_at` % of the target is green, at or above
  `yellow_at` % yellow, else red. When lower is better the comparisons flip: at or below
  `green_at` % green, at or below `yellow_at` % yellow (so `yellow_at` ≥ `green_at`, for example
  100 and 115: up to 15 % over the target is yellow). None without a value or a target.
* `gap(indicator, value, target)`: how far the value is short of the target, signed: positive
  when short of it (below it when higher is better, above it when lower is better), negative
  when beyond it.
* Inherited targets: a territory without its own target for an indicator and period uses the
  target of its nearest ancestor that has one — only for ratios (indicators with a
  denominator: a coverage of 80 % applies everywhere below), never for counts and sums (a
  region's 1,000 kits are not each municipality's target). Ratios also take the target of a
  longer period that contains theirs (the year's 80 % coverage applies to each of its months
  and quarters) when there is none for the period itself; the territory's own targets come
  before its ancestors', and the exact period before the longer ones.
* `largest_gaps(...)`: the territories and indicators furthest short of their targets, ranked
  by the relative gap (gap ÷ target), from the engine's values (`queries.values`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from crecer.territory.models import OrgUnit

from . import periods as periods_mod
from .models import Direction, Indicator, Target

GREEN, YELLOW, RED = "green", "yellow", "red"
_EPSILON = 1e-9


def _at_least(value: float, limit: float) -> bool:
    return value >= limit - _EPSILON * max(1.0, abs(limit))


def _at_most(value: float, limit: float) -> bool:
    return value <= limit + _EPSILON * max(1.0, abs(limit))


def traffic_light(indicator: Indicator, value: float | None, target: float | None
                  ) -> str | None:
    """"green", "yellow" or "red" for `value` against `target`; None when either is missing."""
    if value is None or target is None:
        return None
    green = target * indicator.green_at / 100
    yellow = target * indicator.yellow_at / 100
    if indicator.direction == Direction.LOWER:
        if _at_most(value, green):
            return GREEN
        return YELLOW if _at_most(value, yellow) else RED
    if _at_least(value, green):
        return GREEN
    return YELLOW if _at_least(value, yellow) else RED


def gap(indicator: Indicator, value: float | None, target: float | None) -> float | None:
    """Signed distance to the target: positive = short of it, taking the direction into
    account; None when either is missing."""
    if value is None or target is None:
        return None
    return value - target if indicator.direction == Direction.LOWER else target - value


def relative_gap(indicator: Indicator, value: float | None, target: float | None
                 ) -> float | None:
    """The gap as a share of the target (the gap itself when the target is 0)."""
    g = gap(indicator, value, target)
    if g is None:
        return None
    return g / abs(target) if target else g


# ---- targets of territories -----------------------------------------------------------------

@dataclass(frozen=True)
class TargetOf:
    value: float
    unit_id: int  # the territory whose target it is (an ancestor's when inherited)
    inherited: bool


def targets_for(indicators: Iterable[Indicator], unit_ids: Iterable[int], period: str
                ) -> dict[tuple[str, int], TargetOf]:
    """{(indicator code, unit id): target} for the units and period, own or inherited (see the
    module's docstring). Two queries whatever the number of units."""
    indicators = {i.pk: i for i in indicators}
    chains = {u.pk: list(reversed(u.ancestor_ids()))  # the unit itself first
              for u in OrgUnit.objects.filter(pk__in=list(unit_ids)).only("id", "path")}
    if not indicators or not chains:
        return {}
    wanted = set().union(*chains.values())
    try:
        asked = periods_mod.parse(period)
        longer = [periods_mod.of_type(kind, asked.start).code for kind in periods_mod.PERIOD_TYPES
                  if periods_mod.of_type(kind, asked.start).contains(asked)
                  and periods_mod.of_type(kind, asked.start).code != asked.code]
    except ValueError:
        longer = []
    own = {(t.indicator_id, t.unit_id, t.period): t.value
           for t in Target.objects.filter(indicator_id__in=list(indicators),
                                          period__in=[period, *longer], unit_id__in=wanted)
           .only("indicator_id", "unit_id", "value", "period")}
    out: dict[tuple[str, int], TargetOf] = {}
    for ind in indicators.values():
        inherits = bool(ind.denominator.strip())
        candidates = [period, *longer] if inherits else [period]
        for unit_id, chain in chains.items():
            found = next(((own[(ind.pk, ancestor, p)], ancestor)
                          for ancestor in (chain if inherits else chain[:1])
                          for p in candidates if (ind.pk, ancestor, p) in own), None)
            if found is not None:
                out[(ind.code, unit_id)] = TargetOf(found[0], found[1], found[1] != unit_id)
    return out


def targets_visible_to(user):
    """The targets of the territories in the user's scope and of their ancestors (whose
    targets the user's territories may inherit). Targets are aggregates, not personal data."""
    from django.db.models import Q

    from crecer.accounts import scope

    ancestors = {int(part) for path in scope.root_paths(user)
                 for part in path.strip("/").split("/") if part}
    return (Target.objects.filter(scope.within(user, "unit") | Q(unit_id__in=ancestors))
            .select_related("indicator", "unit").order_by("indicator__code", "unit__path",
                                                          "period"))


def target_of(indicator: Indicator, unit_id: int, period: str) -> TargetOf | None:
    return targets_for([indicator], [unit_id], period).get((indicator.code, unit_id))


# ---- gaps -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Gap:
    indicator: Indicator
    unit_id: int
    period: str
    value: float
    target: float
    target_unit_id: int
    gap: float
    relative: float
    light: str | None


def largest_gaps(*, indicator_codes: list[str] | None = None, unit_ids: Iterable[int],
                 period: str, n: int = 10) -> list[Gap]:
    """The `n` (indicator, territory) pairs furthest short of their targets in `period`,
    largest relative gap first. Pairs without a value or a target, and those at or beyond
    their target, are left out. The caller restricts `unit_ids` to the user's scope."""
    from . import queries

    unit_ids = list(unit_ids)
    rows = [r for r in queries.values(indicators=indicator_codes, unit_ids=unit_ids,
                                      periods=[period])
            if not r.dim and r.value is not None]
    indicators = {i.code: i for i in Indicator.objects.filter(
        code__in={r.indicator for r in rows})}
    targets = targets_for(indicators.values(), {r.unit_id for r in rows}, period)
    out: list[Gap] = []
    for r in rows:
        ind, target = indicators.get(r.indicator), targets.get((r.indicator, r.unit_id))
        if ind is None or target is None:
            continue
        g = gap(ind, r.value, target.value)
        if g is None or g <= 0:
            continue
        out.append(Gap(ind, r.unit_id, r.period, r.value, target.value, target.unit_id, g,
                       relative_gap(ind, r.value, target.value), traffic_light(
                           ind, r.value, target.value)))
    out.sort(key=lambda x: (-x.relative, x.indicator.code, x.unit_id))
    return out[:n]
