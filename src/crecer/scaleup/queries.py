"""Reads of the scale-up: the phase of each territory, its history, and the gate check.

The gate check reads live indicator values from the engine's results
(`crecer.indicators.queries.values`), never computes them itself.

Which period a criterion is read for (the "latest complete period" of the indicator's
periodicity, relative to `today`):

* monthly, quarterly and half-yearly indicators: the period before the current one
  (`periods.previous(periods.current(kind))`): the current month or quarter is still filling;
* yearly indicators: the current year when it already has a value (budgets, expenditures,
  trained teams and evaluation scores are entered for the year under way, and a committee
  deciding in March looks at this year's budget), else the previous year.

A criterion passes when `value <comparison> threshold` holds. Exactly on the threshold passes
for >= and <= (and for =); values are compared with a tolerance of 1e-9 × the threshold, so
that 80.00000000001 % from a division is not read as "above 80". A missing value (no data
entered, division by zero, indicator not loaded or inactive) is "no data", never a pass.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field

from django.db.models import Min
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from crecer.accounts import scope
from crecer.indicators import periods
from crecer.indicators import queries as indicator_queries
from crecer.indicators.models import Indicator
from crecer.territory.models import Kind, Level, OrgUnit

from .models import (
    Comparison,
    GateCriterion,
    Phase,
    PhaseDecision,
    PhaseModel,
    TerritoryPhase,
)

PASS, FAIL, NO_DATA = "pass", "fail", "no_data"
MET, NOT_MET, INCOMPLETE, NO_GATE = "met", "not_met", "incomplete", "none"
TOLERANCE = 1e-9


# --- comparisons and periods -------------------------------------------------------------------

def compare(value: float, comparison: str, threshold: float) -> bool:
    """Whether `value <comparison> threshold` holds (on the threshold: >=, <= and = pass)."""
    tol = TOLERANCE * max(1.0, abs(threshold))
    if comparison == Comparison.AT_LEAST:
        return value >= threshold - tol
    if comparison == Comparison.AT_MOST:
        return value <= threshold + tol
    if comparison == Comparison.ABOVE:
        return value > threshold + tol
    if comparison == Comparison.BELOW:
        return value < threshold - tol
    if comparison == Comparison.EQUAL:
        return abs(value - threshold) <= tol
    raise ValueError(f"unknown comparison {comparison!r}")


def candidate_periods(periodicity: str, today: dt.date) -> list[periods.Period]:
    """The periods a criterion may be read for, preferred first (see the module's docstring)."""
    if periodicity == periods.YEAR:
        this_year = periods.current(periods.YEAR, today)
        return [this_year, periods.previous(this_year)]
    return [periods.previous(periods.current(periodicity, today))]


def tablero_url(unit_id: int, code: str, period: periods.Period | None = None) -> str:
    try:
        url = reverse("tablero:indicator", kwargs={"unit_id": unit_id, "code": code})
    except NoReverseMatch:  # pragma: no cover - the tablero is installed
        return ""
    return f"{url}?pt={period.type}&period={period.code}" if period else url


# --- the gate ----------------------------------------------------------------------------------

@dataclass
class CriterionResult:
    """One criterion of a gate, evaluated. JSON-ready through `asdict` (the decision's
    frozen evidence keeps exactly these keys)."""

    position: int
    indicator: str
    name: str
    unit: str  # the indicator's unit ("%", "USD")
    decimals: int
    comparison: str
    threshold: float
    note: str
    status: str  # pass / fail / no_data
    value: float | None
    period: str  # DHIS2 code of the period read ("" when the indicator is not loaded)
    period_label: str
    numerator: float | None
    denominator: float | None
    numerator_label: str
    denominator_label: str
    approved: bool
    url: str  # the indicator's page on the tablero, for that territory and period
    loaded: bool  # the indicator exists (and is active) in the database

    @property
    def comparison_sign(self) -> str:
        return dict(Comparison.choices).get(self.comparison, self.comparison)


@dataclass
class Calendar:
    """Where a territory stands against the phase calendar (models that have one)."""

    start: dt.date  # the territory's start of the model (its first phase)
    months: int  # whole months since the start
    due_min: int | None  # the current phase should end by these months from the start
    due_max: int | None
    late_by: int  # months past due_max while still in the phase (0: on time)

    @property
    def late(self) -> bool:
        return self.late_by > 0


@dataclass
class GateCheck:
    unit: OrgUnit
    model: PhaseModel
    current: TerritoryPhase | None
    phase: Phase | None  # the current phase (None: not started)
    next_phase: Phase | None  # where advancing leads (None: already in the last phase)
    previous_phase: Phase | None
    criteria: list[CriterionResult]
    as_of: dt.date
    calendar: Calendar | None = None
    computed_at: str = ""  # when the engine computed the values read

    @property
    def status(self) -> str:
        return gate_status(self.criteria)

    @property
    def computed(self) -> dt.datetime | None:
        """When the engine computed the values read (for the page)."""
        try:
            return dt.datetime.fromisoformat(self.computed_at) if self.computed_at else None
        except ValueError:
            return None

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(c.status for c in self.criteria)
        return {PASS: found[PASS], FAIL: found[FAIL], NO_DATA: found[NO_DATA]}

    def to_dict(self) -> dict:
        """The frozen evidence stored with a decision."""
        return {
            "model": self.model.code, "unit_id": self.unit.pk, "unit": self.unit.name,
            "phase": self.phase.code if self.phase else "",
            "phase_name": self.phase.name if self.phase else "",
            "next_phase": self.next_phase.code if self.next_phase else "",
            "next_phase_name": self.next_phase.name if self.next_phase else "",
            "as_of": self.as_of.isoformat(), "computed_at": self.computed_at,
            "status": self.status, "counts": self.counts,
            "criteria": [asdict(c) for c in self.criteria],
        }


def gate_status(criteria: list[CriterionResult]) -> str:
    """met (every criterion passes), not_met (one fails), incomplete (none fails but some have
    no data), none (the gate has no criteria)."""
    if not criteria:
        return NO_GATE
    statuses = {c.status for c in criteria}
    if FAIL in statuses:
        return NOT_MET
    if NO_DATA in statuses:
        return INCOMPLETE
    return MET


def phases_of(model: PhaseModel) -> list[Phase]:
    """The model's phases in order, with their criteria (cached on the model instance)."""
    cached = getattr(model, "_scaleup_phases", None)
    if cached is None:
        cached = list(Phase.objects.filter(model=model).order_by("position")
                      .prefetch_related("criteria"))
        model._scaleup_phases = cached
    return cached


def neighbours(model: PhaseModel, phase: Phase | None) -> tuple[Phase | None, Phase | None]:
    """(previous, next) phase of `phase`; for no phase: (None, the first)."""
    phases = phases_of(model)
    if phase is None:
        return None, (phases[0] if phases else None)
    index = next((i for i, p in enumerate(phases) if p.pk == phase.pk), None)
    if index is None:
        return None, None
    return (phases[index - 1] if index > 0 else None,
            phases[index + 1] if index + 1 < len(phases) else None)


def evaluate(criteria_by_unit: dict[int, list[GateCriterion]], *,
             today: dt.date | None = None) -> dict[int, list[CriterionResult]]:
    """Evaluate each unit's criteria with ONE read of the engine's results for all of them."""
    today = today or timezone.localdate()
    codes = sorted({c.indicator for crits in criteria_by_unit.values() for c in crits})
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=codes, active=True)}
    wanted: dict[str, list[periods.Period]] = {
        code: candidate_periods(ind.periodicity, today) for code, ind in indicators.items()}
    period_codes = sorted({p.code for ps in wanted.values() for p in ps})
    unit_ids = sorted(criteria_by_unit)
    found = {}
    if indicators and period_codes and unit_ids:
        for v in indicator_queries.values(indicators=sorted(indicators), unit_ids=unit_ids,
                                          periods=period_codes):
            found[(v.indicator, v.unit_id, v.period)] = v
    out: dict[int, list[CriterionResult]] = {}
    for unit_id, crits in criteria_by_unit.items():
        out[unit_id] = [_result(c, n, indicators.get(c.indicator), wanted, found, unit_id)
                        for n, c in enumerate(crits, start=1)]
    return out


def _result(criterion: GateCriterion, n: int, ind: Indicator | None, wanted, found,
            unit_id: int) -> CriterionResult:
    base = {"position": n, "indicator": criterion.indicator, "comparison": criterion.comparison,
            "threshold": criterion.threshold, "note": criterion.note_label}
    if ind is None:
        return CriterionResult(**base, name=criterion.indicator, unit="", decimals=1,
                               status=NO_DATA, value=None, period="", period_label="",
                               numerator=None, denominator=None, numerator_label="",
                               denominator_label="", approved=False,
                               url=tablero_url(unit_id, criterion.indicator), loaded=False)
    candidates = wanted[ind.code]
    chosen, value = candidates[-1], None
    for period in candidates:
        v = found.get((ind.code, unit_id, period.code))
        if v is not None and v.value is not None:
            chosen, value = period, v
            break
    else:  # no value: show what the latest complete period holds (a numerator, say)
        value = found.get((ind.code, unit_id, chosen.code))
    number = value.value if value is not None else None
    if number is None:
        status = NO_DATA
    else:
        status = PASS if compare(number, criterion.comparison, criterion.threshold) else FAIL
    return CriterionResult(
        **base, name=ind.label(), unit=ind.unit, decimals=ind.decimals, status=status,
        value=number, period=chosen.code, period_label=periods.label(chosen),
        numerator=value.numerator if value is not None else None,
        denominator=value.denominator if value is not None else None,
        numerator_label=ind.numerator_label, denominator_label=ind.denominator_label,
        approved=bool(value.approved) if value is not None else False,
        url=tablero_url(unit_id, ind.code, chosen), loaded=True)


def current(unit: OrgUnit, model: PhaseModel) -> TerritoryPhase | None:
    return (TerritoryPhase.objects.filter(unit=unit, model=model, until__isnull=True)
            .select_related("phase").first())


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (0 when end is before start)."""
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(0, months)


def calendar(phase: Phase | None, start: dt.date | None, today: dt.date) -> Calendar | None:
    if phase is None or start is None or phase.ends_month_max is None:
        return None
    months = months_between(start, today)
    return Calendar(start=start, months=months, due_min=phase.ends_month_min,
                    due_max=phase.ends_month_max, late_by=max(0, months - phase.ends_month_max))


def process_start(unit: OrgUnit, model: PhaseModel) -> dt.date | None:
    return TerritoryPhase.objects.filter(unit=unit, model=model).aggregate(
        s=Min("since"))["s"]


def gate_check(unit: OrgUnit, model: PhaseModel, *, today: dt.date | None = None) -> GateCheck:
    """The gate of the territory's current phase (what it needs to advance), every criterion
    evaluated from the engine's current results. Not started: no criteria (advancing places it
    in the first phase). In the last phase: its completion criteria (no next phase)."""
    today = today or timezone.localdate()
    now = current(unit, model)
    phase = now.phase if now else None
    previous, following = neighbours(model, phase)
    crits = list(phase.criteria.all()) if phase else []
    results = evaluate({unit.pk: crits}, today=today)[unit.pk] if crits else []
    status = indicator_queries.status()
    return GateCheck(unit=unit, model=model, current=now, phase=phase, next_phase=following,
                     previous_phase=previous, criteria=results, as_of=today,
                     calendar=calendar(phase, process_start(unit, model), today),
                     computed_at=str(status.get("computed_at") or ""))


# --- which models apply where --------------------------------------------------------------------

def level_code(unit: OrgUnit) -> str:
    level = Level.objects.filter(depth=unit.depth).first()
    return level.code if level else ""


def applies(model: PhaseModel, unit: OrgUnit) -> bool:
    return unit.kind == Kind.AREA and level_code(unit) in (model.levels or [])


def models_for(unit: OrgUnit) -> list[PhaseModel]:
    """Active models that apply at the unit's level, then any other the unit has a history in."""
    code = level_code(unit)
    active = list(PhaseModel.objects.filter(active=True))
    used = set(TerritoryPhase.objects.filter(unit=unit).values_list("model_id", flat=True))
    return [m for m in active if code in (m.levels or []) or m.pk in used]


def history(unit: OrgUnit, model: PhaseModel) -> list[TerritoryPhase]:
    return list(TerritoryPhase.objects.filter(unit=unit, model=model)
                .select_related("phase", "decision").order_by("-since", "-id"))


def decisions(unit: OrgUnit, model: PhaseModel) -> list[PhaseDecision]:
    return list(PhaseDecision.objects.filter(unit=unit, model=model)
                .select_related("from_phase", "to_phase").order_by("-decided_at", "-id"))


# --- the table of every territory in scope -------------------------------------------------------

@dataclass
class Row:
    unit: OrgUnit
    parent_name: str
    current: TerritoryPhase | None
    gate: str  # met / not_met / incomplete / none
    calendar: Calendar | None
    last_decision: PhaseDecision | None

    @property
    def phase(self) -> Phase | None:
        return self.current.phase if self.current else None


@dataclass
class PhaseTable:
    model: PhaseModel
    level: Level | None
    levels: list[Level]
    phases: list[Phase]
    rows: list[Row] = field(default_factory=list)
    counts: dict[int | None, int] = field(default_factory=dict)  # phase id (None: not started)


def phase_table(user, model: PhaseModel, *, level: str = "", phase: str = "",
                today: dt.date | None = None) -> PhaseTable:
    """Every territory of the model's level in the user's scope with its current phase, its
    gate status (one engine read for all), its calendar and last decision. A fixed number of
    queries, whatever the number of territories."""
    today = today or timezone.localdate()
    by_code = {lv.code: lv for lv in Level.objects.filter(code__in=model.levels or [])}
    levels = [by_code[c] for c in model.levels or [] if c in by_code]
    chosen = by_code.get(level) or (levels[0] if levels else None)
    phases = phases_of(model)
    table = PhaseTable(model=model, level=chosen, levels=levels, phases=phases)
    if chosen is None:
        return table
    units = list(scope.units_for(user).filter(depth=chosen.depth, kind=Kind.AREA)
                 .select_related("parent").order_by("name"))
    ids = [u.pk for u in units]
    currents = {tp.unit_id: tp for tp in TerritoryPhase.objects.filter(
        model=model, until__isnull=True, unit_id__in=ids).select_related("phase")}
    starts = dict(TerritoryPhase.objects.filter(model=model, unit_id__in=ids)
                  .values("unit_id").annotate(s=Min("since")).values_list("unit_id", "s"))
    last: dict[int, PhaseDecision] = {}
    for d in (PhaseDecision.objects.filter(model=model, unit_id__in=ids)
              .select_related("to_phase", "from_phase").order_by("unit_id", "-decided_at",
                                                                 "-id")):
        last.setdefault(d.unit_id, d)
    phase_by_id = {p.pk: p for p in phases}
    criteria = {u: list(phase_by_id[tp.phase_id].criteria.all())
                for u, tp in currents.items() if tp.phase_id in phase_by_id}
    results = evaluate({u: c for u, c in criteria.items() if c}, today=today)
    counts: Counter = Counter()
    for u in units:
        tp = currents.get(u.pk)
        counts[tp.phase_id if tp else None] += 1
        if phase and (tp.phase.code if tp else "none") != phase:
            continue
        p = phase_by_id.get(tp.phase_id) if tp else None
        table.rows.append(Row(
            unit=u, parent_name=u.parent.name if u.parent else "", current=tp,
            gate=gate_status(results.get(u.pk, [])),
            calendar=calendar(p, starts.get(u.pk), today), last_decision=last.get(u.pk)))
    table.counts = dict(counts)
    return table
