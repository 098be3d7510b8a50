"""Reads over checklists, steps and committees, each limited to the caller's territories.

Roll-ups are set-based: one grouped SQL aggregate over the steps of a subtree (a prefix query on
the materialized path of the step's territory), never a Python walk of the tree.

    progress_of(user, unit)            Progress of every step in the unit's subtree
    component_rollup(user, unit)       per component code, over the subtree
    child_rollup(user, unit)           per child territory of the unit (one query)
    level_rollup(user)                 per level of the tree (depth), over the user's scope
    late_steps(user, unit=None)        due date past and not done
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, F, IntegerField, Min, Q, QuerySet, Value
from django.db.models.functions import Cast, StrIndex, Substr
from django.http import Http404
from django.utils import timezone

from crecer.accounts import scope
from crecer.territory.models import Kind, OrgUnit
from crecer.territory.queries import levels_by_depth

from .models import (
    OPEN_AGREEMENT_STATUSES,
    Agreement,
    Checklist,
    Committee,
    Component,
    Meeting,
    MeetingFile,
    Step,
    StepEvidence,
    StepStatus,
)


def today() -> dt.date:
    return timezone.localdate()


@dataclass
class Progress:
    """Counts of steps by status; `late` = due date past and not done."""

    total: int = 0
    done: int = 0
    in_progress: int = 0
    blocked: int = 0
    late: int = 0

    @property
    def pending(self) -> int:
        return self.total - self.done - self.in_progress - self.blocked

    def _pct(self, n: int) -> int:
        return round(100 * n / self.total) if self.total else 0

    @property
    def percent(self) -> int:
        """Share of steps done (what the progress bars show)."""
        return self._pct(self.done)

    @property
    def percent_in_progress(self) -> int:
        return self._pct(self.in_progress)

    @property
    def percent_blocked(self) -> int:
        return self._pct(self.blocked)


def _aggregates(day: dt.date) -> dict:
    not_done = ~Q(status=StepStatus.DONE)
    return {
        "total": Count("id"),
        "done": Count("id", filter=Q(status=StepStatus.DONE)),
        "in_progress": Count("id", filter=Q(status=StepStatus.IN_PROGRESS)),
        "blocked": Count("id", filter=Q(status=StepStatus.BLOCKED)),
        "late": Count("id", filter=not_done & Q(due_date__lt=day)),
    }


def _progress(row: dict) -> Progress:
    return Progress(total=row.get("total") or 0, done=row.get("done") or 0,
                    in_progress=row.get("in_progress") or 0, blocked=row.get("blocked") or 0,
                    late=row.get("late") or 0)


# --- scope ----------------------------------------------------------------------------------------

def steps_for(user) -> QuerySet[Step]:
    """The steps of every checklist in the user's territories."""
    return Step.objects.filter(scope.within(user, "territory"))


def checklists_for(user) -> QuerySet[Checklist]:
    return Checklist.objects.filter(scope.within(user, "territory"))


def territory_for(user, unit_id: int) -> OrgUnit:
    """An area in the user's subtrees, or 404 (outsiders learn nothing)."""
    unit = scope.units_for(user).filter(pk=unit_id, kind=Kind.AREA).first()
    if unit is None:
        raise Http404
    return unit


def step_for(user, pk) -> Step:
    return scope.get_in_scope(
        Step.objects.select_related("territory", "component", "checklist", "owner"), user,
        "territory", pk=pk)


def evidence_for(user, pk) -> StepEvidence:
    return scope.get_in_scope(StepEvidence.objects.select_related("step"), user,
                              "step__territory", pk=pk)


def checklist_of(unit: OrgUnit, template_code: str | None = None) -> Checklist | None:
    qs = Checklist.objects.filter(territory=unit)
    if template_code:
        qs = qs.filter(template_code=template_code)
    return qs.order_by("created_at").first()


def owner_choices(unit: OrgUnit) -> QuerySet:
    """Active users who work in the unit: assigned to it, to a unit above it or below it."""
    User = get_user_model()
    return (User.objects.filter(is_active=True)
            .filter(Q(territories__pk__in=unit.ancestor_ids())
                    | Q(territories__path__subtree=unit.path))
            .distinct().order_by("username"))


# --- roll-ups ---------------------------------------------------------------------------------

def component_progress(checklist: Checklist, day: dt.date | None = None
                       ) -> list[tuple[Component, Progress]]:
    """Each component of one checklist with the progress of its steps (one grouped query)."""
    day = day or today()
    rows = {r["component"]: _progress(r) for r in
            Step.objects.filter(checklist=checklist).values("component")
            .annotate(**_aggregates(day)).order_by()}
    return [(c, rows.get(c.pk, Progress())) for c in checklist.components.order_by("position")]


def progress_of(user, unit: OrgUnit, day: dt.date | None = None) -> Progress:
    """Every step in the unit's subtree that the user may see, in one aggregate."""
    qs = steps_for(user).filter(territory__path__subtree=unit.path)
    return _progress(qs.order_by().aggregate(**_aggregates(day or today())))


@dataclass
class ComponentRow:
    code: str
    number: str
    name: str
    name_es: str
    progress: Progress

    @property
    def label(self) -> str:
        from .models import _spanish

        return self.name_es if self.name_es and _spanish() else self.name


def _number_key(number: str) -> tuple[int, str]:
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 999, number)


def component_rollup(user, unit: OrgUnit | None = None, day: dt.date | None = None
                     ) -> list[ComponentRow]:
    """Progress per component (by code) over the unit's subtree, or over the user's whole scope
    when `unit` is None: one grouped query."""
    qs = steps_for(user)
    if unit is not None:
        qs = qs.filter(territory__path__subtree=unit.path)
    rows = (qs.values("component_code")
            .annotate(number=Min("component__number"), name=Min("component__name"),
                      name_es=Min("component__name_es"), **_aggregates(day or today()))
            .order_by())
    out = [ComponentRow(r["component_code"], r["number"], r["name"], r["name_es"], _progress(r))
           for r in rows]
    return sorted(out, key=lambda r: _number_key(r.number))


def child_rollup(user, unit: OrgUnit, day: dt.date | None = None
                 ) -> list[tuple[OrgUnit, Progress]]:
    """Progress of each child territory of `unit` (its whole subtree), in ONE grouped query:
    the child is the path segment right after the unit's own path (as in
    `territory.queries.counts_by_child`). Children without steps below are left out."""
    start = len(unit.path) + 1
    rest = Substr("territory__path", start)
    segment = Substr(rest, 1, StrIndex(rest, Value("/")) - 1)
    rows = (steps_for(user).filter(territory__path__subtree=unit.path)
            .exclude(territory=unit)
            .annotate(child=Cast(segment, IntegerField()))
            .values("child").annotate(**_aggregates(day or today())).order_by())
    by_child = {r["child"]: _progress(r) for r in rows}
    children = OrgUnit.objects.filter(pk__in=by_child).order_by("name")
    return [(c, by_child[c.pk]) for c in children]


@dataclass
class LevelRow:
    depth: int
    name: str
    territories: int
    progress: Progress


def level_rollup(user, day: dt.date | None = None) -> list[LevelRow]:
    """Progress per level of the tree (the depth of the checklists' territories) over the
    user's scope: how far the states, the zones and the municipalities are (one query)."""
    levels = levels_by_depth()
    rows = (steps_for(user).values("territory__depth")
            .annotate(territories=Count("territory", distinct=True), **_aggregates(day or today()))
            .order_by("territory__depth"))
    return [LevelRow(r["territory__depth"],
                     levels[r["territory__depth"]].name if r["territory__depth"] in levels
                     else str(r["territory__depth"]), r["territories"], _progress(r))
            for r in rows]


def checklist_rows(user, unit: OrgUnit | None = None, day: dt.date | None = None,
                   limit: int = 500) -> list[tuple[Checklist, Progress]]:
    """The checklists in scope (optionally under `unit`) with their progress, one query for the
    counts and one for the checklists."""
    qs = steps_for(user)
    if unit is not None:
        qs = qs.filter(territory__path__subtree=unit.path)
    rows = {r["checklist"]: _progress(r) for r in
            qs.values("checklist").annotate(**_aggregates(day or today())).order_by()}
    checklists = (Checklist.objects.filter(pk__in=list(rows)).select_related("territory")
                  .order_by("territory__path")[:limit])
    return [(c, rows[c.pk]) for c in checklists]


# --- late steps ----------------------------------------------------------------------------------

def late_steps(user, unit: OrgUnit | None = None, day: dt.date | None = None) -> QuerySet[Step]:
    """Steps whose due date is past and that are not done, in the user's scope (optionally under
    `unit`), the most overdue first."""
    qs = steps_for(user).filter(due_date__lt=day or today()).exclude(status=StepStatus.DONE)
    if unit is not None:
        qs = qs.filter(territory__path__subtree=unit.path)
    return qs.select_related("territory", "owner").order_by("due_date", "territory__path",
                                                            "position")


def late_by_territory(user, unit: OrgUnit | None = None, day: dt.date | None = None,
                      limit: int = 50) -> list[tuple[OrgUnit, int, dt.date]]:
    """Which territories are late: (territory, late steps, oldest due date), worst first."""
    rows = list(late_steps(user, unit, day).values("territory")
                .annotate(n=Count("id"), oldest=Min("due_date")).order_by("-n", "oldest")[:limit])
    units = OrgUnit.objects.in_bulk([r["territory"] for r in rows])
    return [(units[r["territory"]], r["n"], r["oldest"]) for r in rows]


# --- committees --------------------------------------------------------------------------------

def committees_for(user, kind: str = "", unit: OrgUnit | None = None) -> QuerySet[Committee]:
    qs = Committee.objects.filter(scope.within(user, "territory")).select_related("territory")
    if kind:
        qs = qs.filter(kind=kind)
    if unit is not None:
        qs = qs.filter(territory__path__subtree=unit.path)
    return qs.annotate(
        member_count=Count("members", filter=Q(members__end_date__isnull=True), distinct=True),
        open_agreements=Count("agreements", filter=Q(
            agreements__status__in=OPEN_AGREEMENT_STATUSES), distinct=True),
    ).order_by("territory__path", "kind", "name")


def committee_for(user, pk) -> Committee:
    return scope.get_in_scope(Committee.objects.select_related("territory"), user, "territory",
                              pk=pk)


def meeting_for(user, pk) -> Meeting:
    return scope.get_in_scope(Meeting.objects.select_related("committee__territory"), user,
                              "committee__territory", pk=pk)


def meeting_file_for(user, pk) -> MeetingFile:
    return scope.get_in_scope(MeetingFile.objects.all(), user, "meeting__committee__territory",
                              pk=pk)


def agreement_for(user, pk) -> Agreement:
    return scope.get_in_scope(
        Agreement.objects.select_related("committee__territory", "meeting", "owner"), user,
        "committee__territory", pk=pk)


def open_agreements(user, *, overdue_only: bool = False, day: dt.date | None = None,
                    unit: OrgUnit | None = None) -> QuerySet[Agreement]:
    """Agreements still open or in progress in the user's scope, overdue ones first."""
    qs = (Agreement.objects.filter(scope.within(user, "committee__territory"))
          .filter(status__in=OPEN_AGREEMENT_STATUSES)
          .select_related("committee__territory", "owner", "meeting"))
    if unit is not None:
        qs = qs.filter(committee__territory__path__subtree=unit.path)
    if overdue_only:
        qs = qs.filter(due_date__lt=day or today())
    return qs.order_by(F("due_date").asc(nulls_last=True), "committee__name", "number")
