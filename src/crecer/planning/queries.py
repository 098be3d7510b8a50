"""Reads of the RIL cycle, each limited to what the caller may see (the territory of the cycle
within her subtrees). Dimension scores, rankings and late actions are computed by the database
(grouped queries, ordering), never by loops over rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Prefetch, Q, QuerySet
from django.http import Http404

from crecer.accounts.scope import get_in_scope, units_for, within
from crecer.indicators import periods
from crecer.territory.models import Kind, Level, OrgUnit

from . import template as tpl
from .models import (
    OPEN_ACTION,
    Cycle,
    CycleStage,
    Diagnosis,
    Metric,
    Objective,
    Opportunity,
    OpportunityStatus,
    PlanAction,
    Project,
)

# --- scope -------------------------------------------------------------------------------------


def cycles_for(user) -> QuerySet[Cycle]:
    return Cycle.objects.filter(within(user)).select_related("territory")


def cycle_for(user, pk) -> Cycle:
    """The cycle if it lies within the user's subtrees, else 404."""
    return get_in_scope(cycles_for(user), user, pk=pk)


def in_scope(model, user, pk, field: str = "cycle__territory"):
    """One row of a cycle's child model (opportunity, objective, action…) in scope, else 404."""
    return get_in_scope(model.objects.all(), user, field=field, pk=pk)


def planning_units(user) -> QuerySet[OrgUnit]:
    """Territories a user may plan for, for the forms' menus: areas (not service points) in her
    subtrees, down to the municipality level when the tree names one."""
    qs = units_for(user).filter(kind=Kind.AREA)
    muni = Level.objects.filter(code="municipality").values_list("depth", flat=True).first()
    if muni is not None:
        qs = qs.filter(depth__lte=muni)
    return qs.order_by("path")


def unit_in_scope(user, unit_id) -> OrgUnit:
    """An area (not a service point) within the user's subtrees, else 404."""
    try:
        unit = units_for(user).filter(kind=Kind.AREA, pk=int(unit_id)).first()
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        raise Http404
    return unit


# --- the cycle's stages --------------------------------------------------------------------------


@dataclass(frozen=True)
class StageRow:
    stage: CycleStage
    state: str
    offset: float  # % of the cycle's span where the stage starts (for the timeline bar)
    width: float


def timeline(cycle: Cycle, today: dt.date) -> list[StageRow]:
    span = max((cycle.ends_on - cycle.starts_on).days + 1, 1)
    rows = []
    for s in cycle.stages.all():
        start = max((s.planned_start - cycle.starts_on).days, 0)
        length = max((s.planned_end - s.planned_start).days + 1, 1)
        rows.append(StageRow(s, s.state(today), round(100 * start / span, 1),
                             round(min(100 * length / span, 100 - 100 * start / span), 1)))
    return rows


def current_stage(cycle: Cycle, today: dt.date) -> CycleStage | None:
    """The first stage not done (the one the city is in, or late on)."""
    return cycle.stages.filter(completed_on__isnull=True).order_by("position").first()


# --- diagnosis ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionScore:
    code: str
    label: str
    mean: float | None  # mean score of the answered questions, on the template's scale
    answered: int
    questions: int
    percent: float | None  # (mean − min) / (max − min) × 100
    level: tpl.Level | None  # the scale level of the rounded mean


def dimension_scores(diagnosis: Diagnosis | None) -> list[DimensionScore]:
    """Scores per dimension in the template's order, from ONE grouped query."""
    if diagnosis is None:
        return []
    t = tpl.template(diagnosis.template)
    grouped = {r["dimension"]: r for r in diagnosis.answers.order_by().values("dimension")
               .annotate(mean=Avg("score"), n=Count("id"))}
    out = []
    for d in t.dimensions:
        row = grouped.get(d.code)
        mean = float(row["mean"]) if row else None
        percent = None if mean is None else round(
            100 * (mean - t.scale_min) / (t.scale_max - t.scale_min), 1)
        out.append(DimensionScore(d.code, d.label(), None if mean is None else round(mean, 2),
                                  row["n"] if row else 0, len(d.questions), percent,
                                  t.level(round(mean)) if mean is not None else None))
    return out


def overall_score(scores: list[DimensionScore]) -> float | None:
    """The mean of the dimensions' percentages (each dimension weighs the same)."""
    known = [s.percent for s in scores if s.percent is not None]
    return round(sum(known) / len(known), 1) if known else None


def answers_of(diagnosis: Diagnosis | None) -> dict[str, tuple[int, str]]:
    if diagnosis is None:
        return {}
    return {a.question: (a.score, a.comment) for a in diagnosis.answers.all()}


# --- opportunities --------------------------------------------------------------------------------


def ranked_opportunities(cycle: Cycle, *, include_discarded: bool = False
                         ) -> QuerySet[Opportunity]:
    """Criticality (high first), then horizon (short first), then title: the model's ordering,
    applied by the database."""
    qs = cycle.opportunities.all()
    if not include_discarded:
        qs = qs.exclude(status=OpportunityStatus.DISCARDED)
    return qs.order_by("-criticality", "horizon", "title")


# --- the action plan -------------------------------------------------------------------------------


def plan(cycle: Cycle) -> QuerySet[Objective]:
    """Objectives with their metrics (and indicators) and actions, in three queries."""
    return (cycle.objectives.select_related("opportunity").prefetch_related(
        Prefetch("metrics", queryset=Metric.objects.select_related("indicator")
                 .order_by("indicator__code")),
        Prefetch("actions", queryset=PlanAction.objects.order_by("ends_on", "title"))))


def late_actions(actions: QuerySet[PlanAction], today: dt.date) -> QuerySet[PlanAction]:
    return actions.filter(status__in=OPEN_ACTION, ends_on__lt=today).order_by("ends_on")


def late_actions_for(user, today: dt.date) -> QuerySet[PlanAction]:
    """Open actions past their end date, in every cycle the user may see."""
    return late_actions(PlanAction.objects.filter(within(user, "objective__cycle__territory"))
                        .select_related("objective__cycle__territory"), today)


def action_counts(cycle: Cycle, today: dt.date) -> dict[str, int]:
    """Actions by status, and how many are late, in one query."""
    qs = PlanAction.objects.filter(objective__cycle=cycle)
    counts = {r["status"]: r["n"] for r in qs.order_by().values("status").annotate(n=Count("id"))}
    counts["late"] = qs.filter(status__in=OPEN_ACTION, ends_on__lt=today).count()
    return counts


@dataclass(frozen=True)
class MetricValue:
    value: float | None
    period: str
    progress: float | None  # % of the way from the baseline to the target


LOOKBACK = 3  # periods of the indicator's periodicity searched for the latest value


def metric_values(metrics: list[Metric], unit_id: int, today: dt.date | None = None
                  ) -> dict:
    """The latest value of each metric's indicator for the territory, read from the indicator
    engine's current results in ONE call: {metric id: MetricValue}."""
    from crecer.indicators.queries import values

    wanted: dict[str, list[str]] = {}
    for m in metrics:
        kind = m.indicator.periodicity
        wanted[m.indicator.code] = [p.code for p in periods.last_n(kind, LOOKBACK, today)]
    if not wanted:
        return {}
    codes = sorted({c for cs in wanted.values() for c in cs})
    found = {(v.indicator, v.period): v.value
             for v in values(indicators=sorted(wanted), unit_ids=[unit_id], periods=codes)}
    out = {}
    for m in metrics:
        value, period = None, ""
        for code in reversed(wanted[m.indicator.code]):
            if found.get((m.indicator.code, code)) is not None:
                value, period = found[(m.indicator.code, code)], code
                break
        out[m.pk] = MetricValue(value, period, progress(m.baseline, m.target, value))
    return out


def progress(baseline: float, target: float, value: float | None) -> float | None:
    """How far the value has gone from the baseline towards the target (either direction)."""
    if value is None or target == baseline:
        return None
    return round(100 * (value - baseline) / (target - baseline), 1)


# --- projects ----------------------------------------------------------------------------------


def projects(cycle: Cycle) -> QuerySet[Project]:
    return cycle.projects.select_related("opportunity").order_by("title")


def project_counts(cycle: Cycle) -> dict[str, int]:
    return {r["stage"]: r["n"] for r in
            cycle.projects.order_by().values("stage").annotate(n=Count("id"))}


def cycles_overview(user, today: dt.date) -> QuerySet[Cycle]:
    """The cycles in scope with their counts (answers, confirmed opportunities, open and late
    actions), in one query."""
    return cycles_for(user).annotate(
        n_answers=Count("diagnosis__answers", distinct=True),
        n_opportunities=Count("opportunities", distinct=True,
                              filter=~Q(opportunities__status=OpportunityStatus.DISCARDED)),
        n_actions=Count("objectives__actions", distinct=True),
        n_late=Count("objectives__actions", distinct=True, filter=Q(
            objectives__actions__status__in=OPEN_ACTION, objectives__actions__ends_on__lt=today)),
    ).order_by("territory__path", "-starts_on")
