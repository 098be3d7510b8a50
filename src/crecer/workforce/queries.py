"""Reads of the workforce, each limited to what the caller may see, and the set-based figures
(turnover, retention, municipal teams trained, the cascade) computed with ORM aggregates.

Definitions (also those of the indicator engine):

- a worker is *active on day d* when `start_date <= d` and she has not left by then
  (`leave_date` empty or after d);
- over a period [start, end]: *headcount at the start* = active on the day before `start`;
  *headcount at the end* = active on `end`; *joiners* started in the period; *leavers* left in
  it (so end = start + joiners − leavers);
- *turnover* = leavers ÷ average headcount ((start + end) ÷ 2);
- *retention* = share of the workers active at the start who are still active at the end;
- a municipal team is *trained in the whole curriculum* when every active municipal-staff
  worker of the municipality completed every active curriculum meant for municipal staff.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, StrIndex, Substr
from django.utils import timezone

from crecer.accounts.scope import units_for, within
from crecer.programmes.models import Enrolment, EnrolmentStatus
from crecer.territory.models import Kind, Level, OrgUnit

from .models import (
    TRAINER_KINDS,
    Attendance,
    Completion,
    Curriculum,
    Module,
    TrainingSession,
    Worker,
    WorkerKind,
)

MUNICIPALITY_LEVEL = "municipality"
DEFAULT_MUNICIPALITY_DEPTH = 3

# --- scoped reads ---------------------------------------------------------------------------


def workers_for(user) -> QuerySet[Worker]:
    """Workers of the user's territories (their names are personal data)."""
    return Worker.objects.filter(within(user, "territory")).select_related(
        "territory", "institution")


def sessions_for(user) -> QuerySet[TrainingSession]:
    """Training sessions held in the user's territories."""
    return TrainingSession.objects.filter(within(user, "territory")).select_related(
        "module__curriculum", "trainer", "territory")


def completions_for(user) -> QuerySet[Completion]:
    return Completion.objects.filter(within(user, "worker__territory")).select_related(
        "worker", "curriculum")


def active_curricula() -> QuerySet[Curriculum]:
    """Curricula are configuration, not personal data."""
    return Curriculum.objects.filter(active=True).order_by("code")


def active_modules() -> QuerySet[Module]:
    return Module.objects.filter(curriculum__active=True).select_related("curriculum").order_by(
        "curriculum__code", "order", "code")


def active_on_q(day: dt.date, prefix: str = "") -> Q:
    """Workers active on `day` (started, and not yet left)."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}leave_date__isnull": True}) | Q(**{f"{prefix}leave_date__gt": day}))


def attendees_for_form(user, unit: OrgUnit, on: dt.date | None = None) -> QuerySet[Worker]:
    """The workers a session form lists for `unit`: active on the day, in the unit's subtree
    and in the user's territories; volunteers first."""
    on = on or timezone.localdate()
    kind_order = {WorkerKind.VOLUNTEER: 0, WorkerKind.FACILITATOR: 1,
                  WorkerKind.SUPERVISOR: 2, WorkerKind.MUNICIPAL_STAFF: 3}
    return (workers_for(user).filter(territory__path__subtree=unit.path)
            .filter(active_on_q(on))
            .annotate(kind_rank=Case(*[When(kind=k, then=Value(v)) for k, v in kind_order.items()],
                                     output_field=IntegerField()))
            .order_by("kind_rank", "surnames", "given_names"))


def trainers_for(user, on: dt.date | None = None) -> QuerySet[Worker]:
    """Workers in scope who may give a session (not volunteers), active on the day."""
    on = on or timezone.localdate()
    return workers_for(user).filter(kind__in=TRAINER_KINDS).filter(active_on_q(on))


def count(qs: QuerySet) -> Coalesce:
    """COUNT(*) of `qs` as a correlated subquery expression (no GROUP BY)."""
    return Coalesce(Subquery(qs.order_by().annotate(n=Func(F("pk"), function="COUNT"))
                             .values("n")[:1], output_field=IntegerField()), 0)


# --- a worker's training record -------------------------------------------------------------


@dataclass
class CurriculumProgress:
    curriculum: Curriculum
    required: list[Module]
    attended: set
    completion: Completion | None

    @property
    def done(self) -> int:
        return sum(1 for m in self.required if m.pk in self.attended)

    @property
    def percent(self) -> int:
        return round(100 * self.done / len(self.required)) if self.required else 0


def required_modules_q(kind: str) -> Q:
    """The modules of a curriculum a worker of `kind` must attend: core ones and hers."""
    return Q(is_core=True) | Q(for_kind=kind)


def training_record(worker: Worker) -> dict:
    """Sessions attended (or missed), and progress in each curriculum meant for her kind."""
    attendances = list(worker.attendances.select_related(
        "session__module__curriculum", "session__trainer", "session__territory")
        .order_by("-session__date"))
    attended = {a.session.module_id for a in attendances if a.attended}
    completions = {c.curriculum_id: c for c in worker.completions.select_related("curriculum")}
    curricula = [c for c in active_curricula() if worker.kind in (c.for_kinds or [])
                 or c.pk in completions]
    modules: dict = {}
    for m in Module.objects.filter(curriculum__in=curricula).filter(
            required_modules_q(worker.kind)).order_by("order", "code"):
        modules.setdefault(m.curriculum_id, []).append(m)
    progress = [CurriculumProgress(c, modules.get(c.pk, []), attended, completions.get(c.pk))
                for c in curricula]
    return {"attendances": attendances, "progress": progress}


# --- turnover and retention -----------------------------------------------------------------


@dataclass
class Turnover:
    start: dt.date
    end: dt.date
    headcount_start: int = 0
    joiners: int = 0
    leavers: int = 0
    headcount_end: int = 0
    stayed: int = 0  # active at the start and still active at the end

    @property
    def average(self) -> float:
        return (self.headcount_start + self.headcount_end) / 2

    @property
    def turnover(self) -> float | None:
        """Leavers ÷ average headcount (None when nobody was active)."""
        return self.leavers / self.average if self.average else None

    @property
    def retention(self) -> float | None:
        return self.stayed / self.headcount_start if self.headcount_start else None


def year_period(year: int, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The calendar year, up to today for the current year."""
    today = today or timezone.localdate()
    return dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)


def _measures(periods: list[tuple[dt.date, dt.date]]) -> dict:
    out = {}
    for n, (start, end) in enumerate(periods):
        at_start = active_on_q(start - dt.timedelta(days=1))
        out |= {
            f"s{n}": Count("pk", filter=at_start),
            f"j{n}": Count("pk", filter=Q(start_date__gte=start, start_date__lte=end)),
            f"l{n}": Count("pk", filter=Q(leave_date__gte=start, leave_date__lte=end)),
            f"e{n}": Count("pk", filter=active_on_q(end)),
            f"r{n}": Count("pk", filter=at_start & (Q(leave_date__isnull=True)
                                                     | Q(leave_date__gt=end))),
        }
    return out


def _turnovers(row: dict, periods) -> list[Turnover]:
    return [Turnover(start, end, row.get(f"s{n}") or 0, row.get(f"j{n}") or 0,
                     row.get(f"l{n}") or 0, row.get(f"e{n}") or 0, row.get(f"r{n}") or 0)
            for n, (start, end) in enumerate(periods)]


def turnover(workers: QuerySet[Worker], start: dt.date, end: dt.date) -> Turnover:
    """Turnover and retention of `workers` (already scoped) over [start, end], in one query."""
    periods = [(start, end)]
    return _turnovers(workers.order_by().aggregate(**_measures(periods)), periods)[0]


@dataclass
class TurnoverRow:
    unit: OrgUnit | None  # None: the whole unit (total row)
    periods: list[Turnover]


def turnover_table(user, unit: OrgUnit, years: list[int], kind: str = "",
                   today: dt.date | None = None) -> list[TurnoverRow]:
    """Turnover and retention per year for each child of `unit` and for the unit as a whole:
    two grouped queries over the workers of the subtree (plus one for the children)."""
    periods = [year_period(y, today) for y in years]
    workers = Worker.objects.filter(within(user, "territory"),
                                    territory__path__subtree=unit.path)
    if kind:
        workers = workers.filter(kind=kind)
    measures = _measures(periods)
    total = workers.order_by().aggregate(**measures)
    start = len(unit.path) + 1
    rest = Substr("territory__path", start)
    segment = Substr(rest, 1, StrIndex(rest, Value("/")) - 1)
    grouped = {r["child"]: r for r in (
        workers.exclude(territory=unit).annotate(child=Cast(segment, IntegerField()))
        .values("child").annotate(**measures).order_by())}
    rows = [TurnoverRow(child, _turnovers(grouped.get(child.pk, {}), periods))
            for child in OrgUnit.objects.filter(parent=unit, kind=Kind.AREA)
            .filter(pk__in=units_for(user).values("pk")).order_by("name")]
    rows.append(TurnoverRow(None, _turnovers(total, periods)))
    return rows


# --- municipal teams trained in the whole curriculum ----------------------------------------


def municipality_depth() -> int:
    depth = Level.objects.filter(code=MUNICIPALITY_LEVEL).values_list("depth", flat=True).first()
    return DEFAULT_MUNICIPALITY_DEPTH if depth is None else depth


def staff_curricula() -> list[int]:
    """The active curricula meant for municipal staff (the "whole curriculum" is all of them)."""
    return [c.pk for c in active_curricula() if WorkerKind.MUNICIPAL_STAFF in (c.for_kinds or [])]


@dataclass
class TeamRow:
    municipality: OrgUnit
    members: int
    trained: int

    @property
    def share(self) -> float | None:
        return self.trained / self.members if self.members else None

    @property
    def team_trained(self) -> bool:
        return self.members > 0 and self.trained == self.members


@dataclass
class TeamsSummary:
    rows: list[TeamRow] = field(default_factory=list)
    curricula: int = 0

    @property
    def teams(self) -> int:
        return sum(1 for r in self.rows if r.members)

    @property
    def teams_trained(self) -> int:
        return sum(1 for r in self.rows if r.team_trained)

    @property
    def share_of_teams(self) -> float | None:
        return self.teams_trained / self.teams if self.teams and self.curricula else None

    @property
    def members(self) -> int:
        return sum(r.members for r in self.rows)

    @property
    def trained(self) -> int:
        return sum(r.trained for r in self.rows)

    @property
    def share_of_members(self) -> float | None:
        return self.trained / self.members if self.members and self.curricula else None


def municipal_teams(user, unit: OrgUnit, on: dt.date | None = None) -> TeamsSummary:
    """For each municipality of `unit`'s subtree in the user's scope: its active municipal
    staff and how many completed every curriculum meant for them. One query (correlated
    counts per municipality)."""
    on = on or timezone.localdate()
    required = staff_curricula()
    staff = Worker.objects.filter(kind=WorkerKind.MUNICIPAL_STAFF).filter(active_on_q(on)) \
        .filter(territory__path__startswith=OuterRef("path"))
    done = (Completion.objects.filter(curriculum__in=required, completed_on__lte=on)
            .values("worker").annotate(n=Count("curriculum", distinct=True))
            .filter(n=len(required)).values("worker"))
    munis = (units_for(user).filter(path__subtree=unit.path, depth=municipality_depth(),
                                    kind=Kind.AREA)
             .annotate(members=count(staff),
                       trained=count(staff.filter(pk__in=done)) if required else Value(0))
             .order_by("name"))
    return TeamsSummary([TeamRow(m, m.members, m.trained) for m in munis], len(required))


# --- the cascade: trainer → volunteers → families -------------------------------------------


@dataclass
class CascadeVolunteer:
    worker: Worker
    families: int


@dataclass
class CascadeTrainer:
    trainer: Worker
    volunteers: list[CascadeVolunteer]
    families: int  # distinct households served by her volunteers

    @property
    def active_volunteers(self) -> int:
        return sum(1 for v in self.volunteers if v.worker.active)


def cascade(user, unit: OrgUnit | None = None) -> list[CascadeTrainer]:
    """Which trainer (facilitator, usually) trained which volunteers, from the attendance of
    the sessions she gave, and how many families (households with an active enrolment in the
    user's territories) those volunteers serve. Four queries whatever the size."""
    pairs_qs = Attendance.objects.filter(
        within(user, "worker__territory"), within(user, "session__trainer__territory"),
        attended=True, worker__kind=WorkerKind.VOLUNTEER)
    if unit is not None:
        pairs_qs = pairs_qs.filter(session__trainer__territory__path__subtree=unit.path)
    pairs = list(pairs_qs.values_list("session__trainer_id", "worker_id").distinct().order_by())
    if not pairs:
        return []
    people = {w.pk: w for w in Worker.objects.filter(
        pk__in={p for pair in pairs for p in pair}).select_related("territory")}
    volunteers = pairs_qs.values("worker_id")
    families_of = dict(
        Enrolment.objects.filter(within(user, "household__territory"),
                                 status=EnrolmentStatus.ACTIVE, volunteer__workers__in=volunteers)
        .values_list("volunteer__workers").annotate(n=Count("household", distinct=True))
        .order_by())
    per_trainer = dict(
        Enrolment.objects.filter(
            within(user, "household__territory"), within(user, "volunteer__workers__territory"),
            status=EnrolmentStatus.ACTIVE, volunteer__workers__kind=WorkerKind.VOLUNTEER,
            volunteer__workers__attendances__attended=True,
            volunteer__workers__attendances__session__trainer__in=pairs_qs.values(
                "session__trainer_id"))
        .values_list("volunteer__workers__attendances__session__trainer")
        .annotate(n=Count("household", distinct=True)).order_by())
    by_trainer: dict = {}
    for trainer_id, volunteer_id in pairs:
        by_trainer.setdefault(trainer_id, []).append(
            CascadeVolunteer(people[volunteer_id], families_of.get(volunteer_id, 0)))
    out = [CascadeTrainer(people[t], sorted(vs, key=lambda v: (v.worker.surnames,
                                                               v.worker.given_names)),
                          per_trainer.get(t, 0))
           for t, vs in by_trainer.items()]
    return sorted(out, key=lambda c: (c.trainer.surnames, c.trainer.given_names))


def local_staff_share(sessions: QuerySet[TrainingSession]) -> float | None:
    """Share of the sessions given by local staff (the Honduras gate: ≥ 60 %)."""
    agg = sessions.order_by().aggregate(n=Count("pk"),
                                        local=Count("pk", filter=Q(trainer_is_local_staff=True)))
    return agg["local"] / agg["n"] if agg["n"] else None
