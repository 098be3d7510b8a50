"""Values far from what is usual: indicator values (from the engine's results) and aggregate
values (entered by hand), by a robust z-score.

    z = 0.6745 · (x − median) / MAD        (Iglewicz and Hoaglin's modified z-score)

with MAD the median absolute deviation of the reference values; when the MAD is 0 the mean
absolute deviation is used (× 1.2533); when every reference value is the same and x differs,
z is infinite. A value is flagged when |z| > `THRESHOLD` (3.5).

* Indicator values of the month, for the unit and the units below:
  - against the unit's own history: the 12 months before, from the first month that is not
    zero (the months before a programme or its data started are no history), at least
    `MIN_HISTORY` of them;
  - against the sibling units of the month (rates only, i.e. indicators with a denominator,
    at least `MIN_PEERS` units with a value): counts depend on the size of the territory.
* Aggregate values of the 12 months up to the selected month (a quarter or a year counts when
  it ends in them) in the unit's subtree, against the other values of the same element and
  territory (at least `MIN_AGGREGATE_HISTORY`), else against the values of the same element
  and period in the other territories of the same level (at least `MIN_PEERS`).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from crecer.indicators import periods
from crecer.territory.models import OrgUnit

THRESHOLD = 3.5
MIN_HISTORY = 6
MIN_AGGREGATE_HISTORY = 4
MIN_PEERS = 5
HISTORY_MONTHS = 12

HISTORY, SIBLINGS = "history", "siblings"
BASIS_LABELS = {HISTORY: _("own history"), SIBLINGS: _("other territories")}


def robust_z(x: float, reference: list[float]) -> float:
    """The modified z-score of x against the reference values (see the module docstring)."""
    med = statistics.median(reference)
    deviations = [abs(r - med) for r in reference]
    mad = statistics.median(deviations)
    if mad > 0:
        return 0.6745 * (x - med) / mad
    mean_ad = sum(deviations) / len(deviations)
    if mean_ad > 0:
        return (x - med) / (1.2533 * mean_ad)
    if x == med:
        return 0.0
    return math.inf if x > med else -math.inf


def active_history(values: list[float | None]) -> list[float]:
    """The values with a value, from the first one that is not zero: the months before the
    programme (or its data) started are no history."""
    out: list[float] = []
    for v in values:
        if v is None or (not out and v == 0):
            continue
        out.append(v)
    return out


@dataclass
class Outlier:
    basis: str  # HISTORY or SIBLINGS
    what: str  # indicator or data element name
    code: str
    unit: OrgUnit
    period: str
    value: float
    median: float
    z: float
    n: int  # reference values

    @property
    def basis_label(self) -> str:
        return str(BASIS_LABELS[self.basis])

    @property
    def z_text(self) -> str:
        if math.isinf(self.z):
            return "+∞" if self.z > 0 else "−∞"
        return f"{self.z:+.1f}"


@dataclass
class Outliers:
    computed: bool = True  # False: the engine has no results yet
    checked: int = 0  # values checked
    rows: list[Outlier] = field(default_factory=list)


def _sort(rows: list[Outlier]) -> list[Outlier]:
    return sorted(rows, key=lambda o: (-abs(o.z), o.what, o.unit.name))


def indicator_outliers(unit: OrgUnit, rows: list[OrgUnit], month: periods.Period) -> Outliers:
    """Indicator values (totals) of `month` far from the unit's history or from its siblings.
    One read of the engine's results for the units and the 13 months."""
    from crecer.indicators import queries as engine
    from crecer.indicators.models import Indicator

    if not engine.status().get("computed"):
        return Outliers(computed=False)
    months = periods.series(periods.MONTH, month.start - HISTORY_MONTHS, month.start)
    units = {u.pk: u for u in [unit, *rows]}
    indicators = {i.code: i for i in Indicator.objects.filter(active=True)}
    series: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    for v in engine.values(unit_ids=list(units), periods=[m.code for m in months]):
        if v.value is not None and v.indicator in indicators and v.dim == "":
            series[(v.indicator, v.unit_id)][v.period] = v.value
    out = Outliers()
    found: list[Outlier] = []
    for (code, unit_id), by_period in sorted(series.items()):
        x = by_period.get(month.code)
        if x is None:
            continue
        out.checked += 1
        history = active_history([by_period.get(m.code) for m in months[:-1]])
        if len(history) >= MIN_HISTORY:
            z = robust_z(x, history)
            if abs(z) > THRESHOLD:
                found.append(Outlier(HISTORY, indicators[code].label(), code, units[unit_id],
                                     month.code, x, statistics.median(history), z,
                                     len(history)))
    for code, ind in sorted(indicators.items()):
        if not ind.denominator.strip():
            continue
        peers = {u.pk: series[(code, u.pk)][month.code] for u in rows
                 if month.code in series.get((code, u.pk), {})}
        if len(peers) < MIN_PEERS:
            continue
        reference = list(peers.values())
        for unit_id, x in peers.items():
            z = robust_z(x, reference)
            if abs(z) > THRESHOLD:
                found.append(Outlier(SIBLINGS, ind.label(), code, units[unit_id], month.code,
                                     x, statistics.median(reference), z, len(reference)))
    out.rows = _sort(found)
    return out


def aggregate_outliers(unit: OrgUnit, month: periods.Period) -> Outliers:
    """Aggregate values of the 12 months up to `month` in the unit's subtree that are far from
    their element's history (same territory) or, without enough history, from the same
    element and period elsewhere at the same level. One query (the last five years)."""
    from crecer.aggregates.models import AggregateValue, ValueType

    first = month.start - HISTORY_MONTHS + 1
    values = list(AggregateValue.objects
                  .filter(unit__path__subtree=unit.path, period__gte=str(month.year - 4))
                  .exclude(element__value_type=ValueType.BOOLEAN)
                  .select_related("element", "unit").order_by("element__code", "unit_id",
                                                              "period"))
    by_series: dict[tuple[int, int], list] = defaultdict(list)
    by_peers: dict[tuple[int, int, str], list] = defaultdict(list)
    for v in values:
        by_series[(v.element_id, v.unit_id)].append(v)
        by_peers[(v.element_id, v.unit.depth, v.period)].append(v)
    out = Outliers()
    found: list[Outlier] = []
    for v in values:
        try:
            p = periods.parse(v.period)
        except ValueError:
            continue
        if not first <= p.end <= month.start:
            continue
        out.checked += 1
        x = float(v.value)
        history = [float(o.value) for o in by_series[(v.element_id, v.unit_id)] if o.pk != v.pk]
        basis, reference = HISTORY, history
        if len(history) < MIN_AGGREGATE_HISTORY:
            basis = SIBLINGS
            reference = [float(o.value) for o in by_peers[(v.element_id, v.unit.depth, v.period)]]
            if len(reference) < MIN_PEERS:
                continue
        z = robust_z(x, reference)
        if abs(z) > THRESHOLD:
            found.append(Outlier(basis, v.element.name, v.element.code, v.unit, v.period, x,
                                 statistics.median(reference), z, len(reference)))
    out.rows = _sort(found)
    return out
