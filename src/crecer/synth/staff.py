"""The synthetic country's workforce (world phase): workers, the training cascade, completions.

Per municipality, from its own seeded stream (so a municipality's rows do not depend on the
others'):

- a worker for every synth volunteer and the facilitator (linked to the account, active through
  the whole window, started in the year before it), 3-5 municipal staff, and per region two
  supervisors who train the facilitators and municipal staff: one of the project team (not
  local staff) in the first year, one of the health secretariat after;
- turnover: about 15 % of a municipality's volunteers a year. Next to the account holders, a
  few volunteer positions turn over (mean stay about a year): each holder leaves with a reason
  and is replaced weeks later by a new volunteer (no account in the synthetic registry); the
  municipal staff turn over the same way (mean stay about six years);
- sessions: the cascade. Each quarter the facilitator gives two or three modules of the initial
  curriculum to the volunteers of her municipality who still need them, in groups of up to 20
  by community (in some municipalities the project team still gives part of them early on);
  the region's supervisors give the facilitators and municipal staff their modules in yearly
  rounds, and the facilitators the career-path curriculum in the second year. Every invited
  worker has an attendance row (about 85 % attended, most with a score);
- completions where a worker attended every module of a curriculum meant for her (what
  `workforce.actions.derive_completions` finds), about 70 % of those older than a month
  certified, levels and career stages following them.

The curricula and institutions are the workforce app's starter catalogue
(`workforce.catalogue.load_catalogue`, missing rows only).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from crecer.demo.workforce import FACILITATOR_INSTITUTIONS, LEAVE_REASONS
from crecer.workforce.catalogue import load_catalogue
from crecer.workforce.models import (
    CERTIFICATION_ORDER,
    CareerStage,
    CertificationLevel,
    Curriculum,
    Institution,
    Module,
    TrainingMode,
    WorkerKind,
)

from . import names
from .activity import YEARS
from .values import Clock, Uuids
from .world import World
from .writer import Sink

V, F, S, M = (WorkerKind.VOLUNTEER.value, WorkerKind.FACILITATOR.value,
              WorkerKind.SUPERVISOR.value, WorkerKind.MUNICIPAL_STAFF.value)
UUID_CHUNK = 0xFFF0  # UUID prefix of these rows (chunks are numbered from 0)
CHURN_POSITIONS = (0.14, 0.20)  # volunteer positions that turn over, per account volunteer
VOLUNTEER_STAY = 365  # mean days in a turning-over volunteer position
STAFF_STAY = 6 * 365  # mean days of a municipal staff member
GROUP = 20  # volunteers per session at most
TURN_UP = 0.85
LATER = ("training_sessions", "attendances", "completions")
CERTIFIED = 0.7  # completions older than a month that are certified


@dataclass(slots=True)
class _Worker:
    id: str
    user: int | None
    given: str
    surnames: str
    kind: str
    institution: str  # code
    unit: int
    start: dt.date
    leave: dt.date | None = None
    reason: str = ""
    attended: dict[str, dt.date] = field(default_factory=dict)  # module id -> day (present)

    def active(self, day: dt.date) -> bool:
        return self.start <= day and (self.leave is None or self.leave > day)


@dataclass
class _Catalogue:
    institutions: dict[str, tuple[str, bool]]  # code -> (id, local)
    curricula: dict[str, tuple[str, str, list[str]]]  # code -> (id, grants_level, for_kinds)
    modules: dict[str, list[tuple[str, bool, str, str]]]  # code -> [(id, core, for_kind, mode)]

    @classmethod
    def load(cls) -> _Catalogue:
        load_catalogue()
        institutions = {code: (pk.hex, local) for code, pk, local in
                        Institution.objects.values_list("code", "id", "local")}
        curricula = {code: (pk.hex, level, list(kinds or [])) for code, pk, level, kinds in
                     Curriculum.objects.filter(active=True).order_by("code")
                     .values_list("code", "id", "grants_level", "for_kinds")}
        modules: dict[str, list] = {code: [] for code in curricula}
        for code, pk, core, kind, mode in (
                Module.objects.filter(curriculum__code__in=list(curricula))
                .order_by("curriculum__code", "order", "code")
                .values_list("curriculum__code", "id", "is_core", "for_kind", "mode")):
            modules[code].append((pk.hex, core, kind, mode))
        return cls(institutions, curricula, modules)

    def modules_for(self, curriculum: str, kind: str) -> list[tuple[str, bool, str, str]]:
        return [m for m in self.modules.get(curriculum, []) if m[1] or m[2] == kind]


class WorkforceMaker:
    def __init__(self, world: World, sink: Sink, clock: Clock,
                 user_names: dict[int, tuple[str, str]]) -> None:
        self.world, self.sink, self.clock, self.user_names = world, sink, clock, user_names
        self.today = world.today
        self.first = world.today - dt.timedelta(days=365 * YEARS)
        self.uuids = Uuids(random.Random(f"synth:{world.seed}:workforce-ids"), UUID_CHUNK,
                           world.salt)
        self.cat = _Catalogue.load()
        self.initial = "pi-initial" if "pi-initial" in self.cat.curricula else \
            next(iter(self.cat.curricula), "")
        self.rng = random.Random(0)
        # A municipality's sessions, attendance and completions, written after its workers.
        self.rows: dict[str, list[tuple]] = {t: [] for t in LATER}

    # -- helpers -------------------------------------------------------------------------------

    def day(self, start: dt.date, end: dt.date) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, max((end - start).days, 0)))

    def old_start(self) -> dt.date:
        """A start in the year before the window (the programme was running when it opens)."""
        return self.day(self.first - dt.timedelta(days=365), self.first - dt.timedelta(days=7))

    def stay(self, start: dt.date, mean_days: int, minimum: int = 60) -> dt.date | None:
        """The leave date of someone who starts (or is there) on `start`, or None if after
        yesterday."""
        leave = start + dt.timedelta(days=max(minimum, int(self.rng.expovariate(1 / mean_days))))
        return leave if leave < self.today else None

    def worker(self, kind: str, unit: int, start: dt.date, institution: str,
               user: int | None = None, leave: dt.date | None = None) -> _Worker:
        if user is not None:
            given, family = self.user_names[user]
        else:
            sex = "F" if self.rng.random() < (0.85 if kind == V else 0.6) else "M"
            given = names.given_names(self.rng, sex)
            family = f"{names.surname(self.rng)} {names.surname(self.rng)}"
        return _Worker(self.uuids.new(), user, given, family, kind, institution, unit, start,
                       leave, self.rng.choice(LEAVE_REASONS).value if leave else "")

    def chain(self, kind: str, places: list[int], institution: str, mean_days: int,
              first_start: dt.date) -> list[_Worker]:
        """The holders of one position over the window: each leaves after a random stay and is
        replaced 1-8 weeks later; the last one is still there."""
        out = []
        start = first_start
        left = self.stay(self.first, mean_days)  # memoryless: the first stay from the window
        while True:
            out.append(self.worker(kind, self.rng.choice(places), start, institution, leave=left))
            if left is None:
                return out
            start = left + dt.timedelta(days=self.rng.randint(7, 56))
            if start >= self.today:
                return out
            left = self.stay(start, mean_days)

    # -- sessions --------------------------------------------------------------------------------

    def session(self, module: tuple, trainer: _Worker, unit: int, day: dt.date,
                invited: list[_Worker], recorded_by: int | None) -> None:
        mid, _core, _kind, usual = module
        if not invited:
            return
        created = self.clock.utc(day, 17 * 3600 + self.rng.randint(0, 3 * 3600))
        mode = (TrainingMode.DIGITAL.value if usual == TrainingMode.DIGITAL
                and self.rng.random() < 0.7 else TrainingMode.IN_PERSON.value)
        sid = self.uuids.new()
        local = self.cat.institutions[trainer.institution][1]
        self.rows["training_sessions"].append((
            sid, created, created, mid, trainer.id, unit, day.isoformat(), mode, local, "",
            recorded_by))
        for w in invited:
            present = self.rng.random() < TURN_UP
            score = self.rng.randint(60, 100) if present and self.rng.random() < 0.7 else None
            if present:
                w.attended[mid] = day
            self.rows["attendances"].append((self.uuids.new(), created, created, sid, w.id,
                                             present, score))

    def needing(self, people: list[_Worker], module_id: str, day: dt.date,
                trainer: _Worker) -> list[_Worker]:
        return [w for w in people if w is not trainer and w.active(day)
                and module_id not in w.attended]

    def train_staff(self, muni_id: int, trainers: tuple[_Worker, _Worker],
                    facilitator: _Worker, staff: list[_Worker]) -> None:
        """Facilitators and municipal staff, by the region's supervisors, in yearly rounds."""
        project, local = trainers
        for kind, people in ((F, [facilitator]), (M, staff)):
            modules = self.cat.modules_for(self.initial, kind)
            for year in range(YEARS):
                round_start = self.first + dt.timedelta(days=365 * year
                                                         + self.rng.randint(10, 70))
                for n, module in enumerate(modules):
                    day = round_start + dt.timedelta(days=7 * n + self.rng.randint(0, 3))
                    if day >= self.today:
                        break
                    trainer = project if day < self.first + dt.timedelta(days=365) else local
                    self.session(module, trainer, muni_id, day,
                                 self.needing(people, module[0], day, trainer), None)
        career = next((c for c, (_id, _lvl, kinds) in self.cat.curricula.items()
                       if c != self.initial and F in kinds), None)
        if career:
            start = self.first + dt.timedelta(days=self.rng.randint(420, 560))
            for n, module in enumerate(self.cat.modules_for(career, F)):
                day = start + dt.timedelta(days=14 * n)
                if day < self.today:
                    self.session(module, local, muni_id, day,
                                 self.needing([facilitator], module[0], day, local), None)

    def train_volunteers(self, facilitator: _Worker, volunteers: list[_Worker],
                         project: _Worker, places: list[int]) -> None:
        """The cascade: each quarter the facilitator gives the next two or three modules of the
        initial curriculum to the volunteers who still need them, in groups by community."""
        modules = self.cat.modules_for(self.initial, V)
        if not modules:
            return
        external = self.rng.choice([0, 0, 0, 0.4, 0.7])  # the project team still teaching
        rank = {unit: n for n, unit in enumerate(places)}  # communities by code
        volunteers = sorted(volunteers, key=lambda w: (rank.get(w.unit, -1), w.id))
        quarter, slot = self.first, 0
        while quarter < self.today:
            for j in range(self.rng.randint(2, 3)):
                module = modules[slot % len(modules)]
                slot += 1
                day = quarter + dt.timedelta(days=28 * j + self.rng.randint(0, 20))
                if day >= self.today:
                    break
                elapsed = (day - self.first).days / (365 * YEARS)
                trainer = project if self.rng.random() < external * (1 - elapsed) \
                    else facilitator
                need = self.needing(volunteers, module[0], day, trainer)
                recorded = trainer.user
                for k in range(0, len(need), GROUP):
                    group = need[k:k + GROUP]
                    self.session(module, trainer, group[0].unit, day, group, recorded)
            quarter += dt.timedelta(days=91)

    # -- completions and rows --------------------------------------------------------------------

    def complete(self, w: _Worker, certifier: int | None) -> tuple[str, str]:
        """Completion rows of `w`; returns her certification level and career stage."""
        level, done = CertificationLevel.NONE.value, set()
        for code, (cid, grants, kinds) in self.cat.curricula.items():
            required = self.cat.modules_for(code, w.kind)
            if w.kind not in kinds or not required \
                    or any(m[0] not in w.attended for m in required):
                continue
            done.add(code)
            completed = max(w.attended[m[0]] for m in required)
            certified = (self.today - completed).days > 30 and self.rng.random() < CERTIFIED
            on = min(completed + dt.timedelta(days=self.rng.randint(3, 30)),
                     self.today - dt.timedelta(days=1)) if certified else None
            created = self.clock.utc(completed, 18 * 3600)
            updated = self.clock.utc(on, 10 * 3600) if on else created
            self.rows["completions"].append((self.uuids.new(), created, updated, w.id, cid,
                                             completed.isoformat(), certified,
                                             on.isoformat() if on else None,
                                             certifier if certified else None))
            if certified and CERTIFICATION_ORDER[grants] > CERTIFICATION_ORDER[level]:
                level = grants
        if w.kind == S:
            stage = CareerStage.COORDINATOR
        elif w.kind == F:
            stage = CareerStage.MENTOR if len(done) > 1 else CareerStage.PRACTITIONER
        else:
            stage = CareerStage.PRACTITIONER if done else CareerStage.TRAINEE
        return level, stage.value

    def emit(self, w: _Worker, level: str = CertificationLevel.NONE.value,
             stage: str = CareerStage.TRAINEE.value) -> None:
        created = self.clock.utc(w.start, 9 * 3600)
        updated = self.clock.utc(w.leave, 16 * 3600) if w.leave else created
        self.sink.add("workers", (
            w.id, created, updated, w.user, w.given, w.surnames, w.kind,
            self.cat.institutions[w.institution][0], w.unit, w.start.isoformat(),
            w.leave.isoformat() if w.leave else None, w.reason, level, stage))

    # -- run -----------------------------------------------------------------------------------

    def run(self) -> None:
        world = self.world
        trainers: list[tuple[_Worker, _Worker]] = []
        for region in world.regions:
            self.rng = random.Random(f"synth:{world.seed}:workforce:{region.code}")
            pair = (self.worker(S, region.id, self.old_start(), "proyecto"),
                    self.worker(S, region.id, self.old_start(), "salud"))
            for w in pair:
                self.emit(w, stage=CareerStage.COORDINATOR.value)
            trainers.append(pair)
        for muni in world.munis:
            self.rng = random.Random(f"synth:{world.seed}:workforce:{muni.code}")
            self.municipality(muni, trainers[muni.region])
        self.sink.flush()

    def municipality(self, muni, trainers: tuple[_Worker, _Worker]) -> None:
        world, rng = self.world, self.rng
        places = [world.communities[ci].id for ci in muni.communities] or [muni.id]
        facilitator = self.worker(F, muni.id, self.old_start(),
                                  rng.choice(FACILITATOR_INSTITUTIONS), user=muni.facilitator[0])
        volunteers = [self.worker(V, world.communities[ci].id, self.old_start(), "comunidad",
                                  user=uid)
                      for ci in muni.communities for uid, _name in world.communities[ci].volunteers]
        low, high = CHURN_POSITIONS
        expected = len(volunteers) * rng.uniform(low, high)
        positions = int(expected) + (rng.random() < expected - int(expected))
        for _i in range(positions):
            volunteers += self.chain(V, places, "comunidad", VOLUNTEER_STAY, self.old_start())
        staff = []
        for _i in range(rng.randint(3, 5)):
            staff += self.chain(M, [muni.id], "municipalidad", STAFF_STAY, self.old_start())
        self.train_staff(muni.id, trainers, facilitator, staff)
        self.train_volunteers(facilitator, volunteers, trainers[0], places)
        manager = world.national_manager[0]
        for w in [facilitator, *staff]:
            self.emit(w, *self.complete(w, manager))
        for w in volunteers:
            self.emit(w, *self.complete(w, muni.facilitator[0]))
        for table in LATER:  # parents first: the workers are in the sink now
            for row in self.rows[table]:
                self.sink.add(table, row)
            self.rows[table] = []


def save_workforce(world: World, sink: Sink, clock: Clock,
                   user_names: dict[int, tuple[str, str]]) -> None:
    """Write the workforce of the synthetic country (see the module docstring)."""
    WorkforceMaker(world, sink, clock, user_names).run()

