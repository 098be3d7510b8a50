"""Demo workforce: workers, curricula, two years of training sessions, leavers, completions.

`seed_workforce()` runs after the other demo seeds (it reads the volunteer and facilitator
accounts they made) and does nothing when workers exist. It makes:

- the starter curricula and institutions (`workforce.catalogue`);
- a worker for every volunteer and facilitator account (at the account's first territory), a
  facilitator and 4-9 volunteers (no account) in municipalities that have none, 3-5 municipal
  staff per municipality, and per department a supervisor of the health secretariat and a
  trainer of the project team (not local staff);
- leavers: in each of the last two years and this year to date, about 10-25 % of the volunteers
  of each municipality (5-15 % of the municipal staff) leave and are replaced weeks later, so
  that turnover lands in 10-25 % a year;
- sessions over the last two years: the department's trainers train the facilitators and
  municipal staff (the project team in the first year, the local supervisor after); each
  facilitator gives the volunteer modules in rounds every four months to the volunteers of her
  municipality who still need them (about 85 % turn up); in some municipalities the project
  team still gives part of the volunteer workshops early on; digital modules partly online;
- completions derived from attendance (`actions.derive_completions`), about 70 % of those older
  than a month certified (levels raised), career stages from the record.

Bulk inserts in one transaction, one audit event per row (actor "demo-generator").
Deterministic for a given seed, `today` and database.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from crecer.accounts.models import Role, User
from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.territory.models import Kind, OrgUnit
from crecer.workforce.actions import derive_completions
from crecer.workforce.catalogue import load_catalogue
from crecer.workforce.models import (
    CERTIFICATION_ORDER,
    Attendance,
    CareerStage,
    Completion,
    Curriculum,
    Institution,
    LeaveReason,
    Module,
    TrainingMode,
    TrainingSession,
    Worker,
    WorkerKind,
)
from crecer.workforce.queries import municipality_depth

from .people import HONDURAN_GIVEN, HONDURAN_SURNAMES

ACTOR = "demo-generator"
WINDOW_DAYS = 730  # two years of training
ROUND_DAYS = 120  # a facilitator's round of volunteer modules
LEAVE_REASONS = [LeaveReason.RESIGNED, LeaveReason.MOVED, LeaveReason.OTHER_JOB,
                 LeaveReason.HEALTH, LeaveReason.OTHER]
FACILITATOR_INSTITUTIONS = ["salud", "educacion", "red-solidaria", "senaf"]
V, F, S, M = (WorkerKind.VOLUNTEER, WorkerKind.FACILITATOR, WorkerKind.SUPERVISOR,
              WorkerKind.MUNICIPAL_STAFF)


def seed_workforce(*, seed: int = 23, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo workforce (see the module docstring); returns how many rows of each
    kind were made (all zero when workers already exist)."""
    load_catalogue()
    if Worker.objects.exists():
        return {"workers": 0, "leavers": 0, "sessions": 0, "attendances": 0,
                "completions": 0, "certified": 0}
    return _Maker(seed, today or timezone.localdate()).run()


class _Maker:
    def __init__(self, seed: int, today: dt.date):
        self.rng = random.Random(seed)
        self.ids = random.Random(f"{seed}:ids")
        self.today = today
        self.first = today - dt.timedelta(days=WINDOW_DAYS)
        self.workers: list[Worker] = []
        self.sessions: list[TrainingSession] = []
        self.attendances: list[Attendance] = []
        self.muni_of: dict = {}  # worker id → municipality
        self.attended: dict = defaultdict(set)  # worker id → module ids attended

    def new_id(self) -> uuid.UUID:
        return uuid.UUID(int=self.ids.getrandbits(128), version=4)

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    # -- workers -------------------------------------------------------------------------------

    def worker(self, kind, unit: OrgUnit, muni, start: dt.date, institution: str,
               user: User | None = None, leave: dt.date | None = None) -> Worker:
        if user is not None and user.first_name:
            given, family = user.first_name, user.last_name or self.rng.choice(HONDURAN_SURNAMES)
        else:
            share_of_women = 0.85 if kind == V else 0.6
            sex = "F" if self.rng.random() < share_of_women else "M"
            given = self.rng.choice(HONDURAN_GIVEN[sex])
            family = " ".join(self.rng.sample(HONDURAN_SURNAMES, 2))
        w = Worker(id=self.new_id(), user=user, given_names=given, surnames=family, kind=kind,
                   institution=self.institutions[institution], territory=unit, start_date=start,
                   leave_date=leave, leave_reason=self.rng.choice(LEAVE_REASONS) if leave else "",
                   career_stage=CareerStage.COORDINATOR if kind == S else CareerStage.TRAINEE)
        self.workers.append(w)
        self.muni_of[w.pk] = muni
        return w

    def old_start(self) -> dt.date:
        """A start before the training window (between six and two years ago)."""
        return self.day(self.today - dt.timedelta(days=6 * 365), self.first)

    def accounts(self, depth: int, munis: dict) -> dict:
        """Workers for the volunteer and facilitator accounts, by municipality and kind."""
        out: dict = defaultdict(list)
        users = (User.objects.filter(role__in=[Role.VOLUNTEER, Role.FACILITATOR])
                 .prefetch_related("territories").order_by("username"))
        for user in users:
            units = sorted(user.territories.all(), key=lambda u: u.path)
            if not units:
                continue
            ids = units[0].ancestor_ids()
            muni = munis.get(ids[depth]) if len(ids) > depth else None
            if muni is None:
                continue
            kind = V if user.role == Role.VOLUNTEER else F
            institution = "comunidad" if kind == V else self.rng.choice(FACILITATOR_INSTITUTIONS)
            out[(muni.pk, kind)].append(
                self.worker(kind, units[0], muni, self.old_start(), institution, user))
        return out

    def leavers(self, muni, kind, current: list[Worker], low: float, high: float,
                institution: str, places: list[OrgUnit]) -> int:
        """Former workers who left in each year of the window (and this year to date), each
        replaced weeks later by one of `current` (whose start moves to then)."""
        free = list(current)
        self.rng.shuffle(free)
        made = 0
        for year in (self.today.year - 2, self.today.year - 1, self.today.year):
            start = dt.date(year, 1, 1)
            end = min(dt.date(year, 12, 31), self.today - dt.timedelta(days=1))
            if end < start:
                continue
            expected = len(current) * self.rng.uniform(low, high) * (
                ((end - start).days + 1) / 365)
            n = int(expected) + (self.rng.random() < expected - int(expected))
            for _i in range(n):
                leave = self.day(start, end)
                began = leave - dt.timedelta(days=self.rng.randint(120, 1100))
                self.worker(kind, self.rng.choice(places), muni, began, institution, leave=leave)
                made += 1
                replaced = leave + dt.timedelta(days=self.rng.randint(7, 60))
                if free and replaced < self.today:
                    free.pop().start_date = replaced
        return made

    # -- sessions ------------------------------------------------------------------------------

    def session(self, module: Module, trainer: Worker, unit: OrgUnit, day: dt.date,
                pool: list[Worker], turn_up: float) -> None:
        """A session of `module` for the workers of `pool` active on `day` who still need it."""
        present = [w for w in pool if w.pk != trainer.pk and _active(w, day)
                   and module.pk not in self.attended[w.pk] and self.rng.random() < turn_up]
        if not present or not _active(trainer, day):
            return
        mode = (TrainingMode.DIGITAL if module.mode == TrainingMode.DIGITAL
                and self.rng.random() < 0.7 else TrainingMode.IN_PERSON)
        s = TrainingSession(id=self.new_id(), module=module, trainer=trainer, territory=unit,
                            date=day, mode=mode,
                            trainer_is_local_staff=trainer.institution.local)
        self.sessions.append(s)
        for w in present:
            self.attended[w.pk].add(module.pk)
            score = self.rng.randint(60, 100) if self.rng.random() < 0.7 else None
            self.attendances.append(Attendance(id=self.new_id(), session=s, worker=w,
                                               score=score))

    def modules_for(self, curriculum: Curriculum, kind: str) -> list[Module]:
        return [m for m in self.modules[curriculum.pk] if m.is_core or m.for_kind == kind]

    def train_staff(self, muni, region_trainers, facilitators, staff) -> None:
        """Facilitators and municipal staff, trained by the department's trainers."""
        project, local = region_trainers
        initial, career = self.curricula["pi-initial"], self.curricula["pi-trainers"]
        for kind, people in ((F, facilitators), (M, staff)):
            modules = self.modules_for(initial, kind)
            for round_start in (self.first + dt.timedelta(days=self.rng.randint(10, 60)),
                                self.first + dt.timedelta(days=self.rng.randint(380, 450))):
                for n, module in enumerate(modules):
                    day = round_start + dt.timedelta(days=7 * n + self.rng.randint(0, 3))
                    if day >= self.today:
                        break
                    trainer = project if day < self.first + dt.timedelta(days=365) else local
                    self.session(module, trainer, muni, day, people, 0.85)
        start = self.first + dt.timedelta(days=self.rng.randint(420, 560))
        for n, module in enumerate(self.modules_for(career, F)):
            day = start + dt.timedelta(days=14 * n)
            if day < self.today:
                self.session(module, local, muni, day, facilitators, 0.8)

    def train_volunteers(self, muni, facilitators, volunteers, project) -> None:
        initial = self.curricula["pi-initial"]
        modules = self.modules_for(initial, V)
        external = self.rng.choice([0, 0, 0, 0.4, 0.7])  # project team still giving workshops
        round_start = self.first + dt.timedelta(days=self.rng.randint(20, 80))
        places = sorted({w.territory for w in volunteers}, key=lambda u: u.path) or [muni]
        while round_start < self.today:
            for n, module in enumerate(modules):
                day = round_start + dt.timedelta(days=10 * n + self.rng.randint(0, 4))
                if day >= self.today:
                    break
                elapsed = (day - self.first).days / WINDOW_DAYS
                trainer = (project if self.rng.random() < external * (1 - elapsed)
                           else facilitators[n % len(facilitators)])
                self.session(module, trainer, places[n % len(places)], day, volunteers, 0.85)
            round_start += dt.timedelta(days=ROUND_DAYS + self.rng.randint(-10, 10))

    # -- run -----------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self.institutions = {i.code: i for i in Institution.objects.all()}
        self.curricula = {c.code: c for c in Curriculum.objects.filter(active=True)}
        self.modules = defaultdict(list)
        for m in Module.objects.filter(curriculum__in=self.curricula.values()).order_by(
                "curriculum__code", "order"):
            self.modules[m.curriculum_id].append(m)
        depth = municipality_depth()
        munis = {m.pk: m for m in OrgUnit.objects.filter(kind=Kind.AREA, depth=depth)
                 .order_by("code")}
        regions = {r.pk: r for r in OrgUnit.objects.filter(kind=Kind.AREA, depth=1)}
        communities = defaultdict(list)
        for c in OrgUnit.objects.filter(kind=Kind.AREA, depth=depth + 1).order_by("code"):
            communities[c.parent_id].append(c)
        with transaction.atomic():
            by_muni = self.accounts(depth, munis)
            trainers = {}
            for region in sorted(regions.values(), key=lambda r: r.code):
                trainers[region.pk] = (
                    self.worker(S, region, None, self.old_start(), "proyecto"),
                    self.worker(S, region, None, self.old_start(), "salud"))
            leavers = 0
            plan = []
            for muni in munis.values():
                places = communities.get(muni.pk) or [muni]
                facilitators = by_muni[(muni.pk, F)] or [
                    self.worker(F, muni, muni, self.old_start(),
                                self.rng.choice(FACILITATOR_INSTITUTIONS))]
                volunteers = by_muni[(muni.pk, V)] or [
                    self.worker(V, self.rng.choice(places), muni, self.old_start(), "comunidad")
                    for _i in range(self.rng.randint(4, 9))]
                staff = [self.worker(M, muni, muni, self.old_start(), "municipalidad")
                         for _i in range(self.rng.randint(3, 5))]  # trained with the leavers
                leavers += self.leavers(muni, V, volunteers, 0.10, 0.25, "comunidad", places)
                leavers += self.leavers(muni, M, staff, 0.05, 0.15, "municipalidad", [muni])
                plan.append((muni, facilitators))
            for muni, facilitators in plan:
                region_id = muni.ancestor_ids()[1] if len(muni.ancestor_ids()) > 1 else None
                pair = trainers.get(region_id) or next(iter(trainers.values()))
                everyone = [w for w in self.workers if self.muni_of[w.pk] is muni]
                self.train_staff(muni, pair, facilitators,
                                 [w for w in everyone if w.kind == M])
                self.train_volunteers(muni, facilitators,
                                      [w for w in everyone if w.kind == V], pair[0])
            return self.save(leavers)

    def save(self, leavers: int) -> dict[str, int]:
        Worker.objects.bulk_create(self.workers, batch_size=1000)
        TrainingSession.objects.bulk_create(self.sessions, batch_size=1000)
        Attendance.objects.bulk_create(self.attendances, batch_size=2000)
        events = [_event(w, w.territory.path) for w in self.workers]
        events += [_event(s, s.territory.path) for s in self.sessions]
        events += [_event(a, a.worker.territory.path) for a in self.attendances]
        audit.record_many(events)
        made = derive_completions()
        certified = self.certify(made)
        return {"workers": len(self.workers), "leavers": leavers,
                "sessions": len(self.sessions), "attendances": len(self.attendances),
                "completions": len(made), "certified": certified}

    def certify(self, completions: list[Completion]) -> int:
        """About 70 % of the completions older than a month certified by the worker's
        facilitator (or the administrator); levels and career stages follow."""
        by_id = {w.pk: w for w in self.workers}
        certifier = {}
        for w in self.workers:
            if w.kind == F and w.user_id and self.muni_of[w.pk] is not None:
                certifier.setdefault(self.muni_of[w.pk].pk, w.user_id)
        admin = User.objects.filter(role=Role.ADMIN).order_by("username").first()
        done = []
        for c in sorted(completions, key=lambda c: (str(c.worker_id), str(c.curriculum_id))):
            worker = by_id[c.worker_id]
            worker.career_stage = (CareerStage.COORDINATOR if worker.kind == S
                                   else CareerStage.PRACTITIONER)
            old_enough = (self.today - c.completed_on).days > 30
            if not old_enough or self.rng.random() >= 0.7:
                continue
            muni = self.muni_of[worker.pk]
            by = certifier.get(muni.pk) if muni is not None and worker.kind == V else None
            c.certified, c.certified_by_id = True, by or (admin.pk if admin else None)
            c.certified_on = c.completed_on + dt.timedelta(days=self.rng.randint(7, 30))
            level = self.curricula_by_id[c.curriculum_id].grants_level
            if CERTIFICATION_ORDER[level] > CERTIFICATION_ORDER[worker.certification_level]:
                worker.certification_level = level
            if c.curriculum_id == self.curricula["pi-trainers"].pk:
                worker.career_stage = CareerStage.MENTOR
            done.append(c)
        Completion.objects.bulk_update(done, ["certified", "certified_on", "certified_by"],
                                       batch_size=1000)
        changed = [by_id[pk] for pk in {c.worker_id for c in completions}]
        Worker.objects.bulk_update(changed, ["certification_level", "career_stage"],
                                   batch_size=1000)
        return len(done)

    @property
    def curricula_by_id(self) -> dict:
        return {c.pk: c for c in self.curricula.values()}


def _active(worker: Worker, day: dt.date) -> bool:
    return worker.start_date <= day and (worker.leave_date is None or worker.leave_date > day)


def _event(obj, path: str) -> AuditEvent:
    return AuditEvent(actor=None, actor_username=ACTOR, action=AuditAction.IMPORT,
                      entity=obj._meta.label_lower, object_id=str(obj.pk), territory_path=path,
                      changes=audit.diff({}, audit.snapshot(obj)), note="demo data")
