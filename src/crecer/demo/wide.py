"""Demo field work in every municipality: volunteers, enrolments, a year of contacts,
deliveries with their stock, monthly co-responsibility checks and referrals from visits.

`seed_wide_fieldwork()` runs after the other demo seeds (`fieldwork`, `referrals.demo`,
`operations`) and leaves their rows alone: households already enrolled are skipped. In each
municipality it enrols a varying share (40-90 %) of the households with a child under 6 or a
pregnant woman, with one volunteer ("vol-<municipality code>-<n>") per about 20 households of a
community and a facilitator ("fac-<municipality code>") where there is none:

- the home-visit model (the Honduras volunteer model in Honduran trees, Cuna Más SAF elsewhere)
  for everyone, Juntos for about half of the poor families with a child under 3 or a pregnancy,
  the infant package (person level) for most babies, a few exits with their reason;
- contacts on each household's schedule (70-95 % of the due visits, by municipality and
  volunteer): home visits mostly, calls and texts with their outcome, key messages for the
  children's ages, persons present, growth measured on about 40 % of home visits, danger signs on
  about 3 %; older contacts validated by the facilitator; arrival (created_at) hours later;
- stimulation kits handed on visits (on enrolment and at each stage of a child's age, at least
  one a month in each municipality), hygiene kits to babies of the infant package, food
  baskets for Juntos families, each with its stock movement, paid by quarterly receipts so
  that balances never go below zero;
- one check per month, condition and person for the Juntos households (visit evidence or the
  health system's file), with the reasons of non-compliance;
- referrals from about half of the danger-sign visits (at least one per municipality in each of
  the last three months) to a health service point, with their history.

Bulk inserts in one transaction, one audit event per row (actor "demo-generator"). Deterministic
for a given seed, `today` and database.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from crecer.accounts.models import Role, User
from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.coresponsibility.models import ComplianceCheck
from crecer.deliveries.catalogue import load_items
from crecer.deliveries.models import Delivery, Item, MovementKind, StockMovement
from crecer.deliveries.queries import municipality_depth
from crecer.fieldwork.models import Contact, ContactStatus
from crecer.programmes.models import Enrolment, EnrolmentStatus
from crecer.programmes.presets import load_presets
from crecer.programmes.schedule import add_months, age_in_months, interval_days, messages_for
from crecer.referrals.models import Referral, ReferralEvent
from crecer.registry.models import Household, Person, PersonRole, PovertyLevel, RoleKind
from crecer.territory.actions import create_unit
from crecer.territory.models import Kind, OrgUnit, Sector

from .people import HONDURAN_GIVEN, HONDURAN_SURNAMES
from .wide_followup import CASH, CHILD_SIGNS, PREGNANCY_SIGNS, FollowUp

ACTOR = "demo-generator"
BATCH = 2000
PER_VOLUNTEER = 20
HOME_MODEL, HOME_MODEL_ELSEWHERE = "honduras-pi-volunteers", "cuna-mas-saf"
INFANT = "itpi-infant-package"
ITEM_OF = {"KIT-DIT": "kit-stimulation", "KIT-HYG": "kit-hygiene"}  # deliverable → item
EXITS = ("Cambio de domicilio", "La familia ya no desea participar",
         "Traslado a otro programa", "Migración de la familia")
INFANT_EXIT = "La niña o el niño cumplió 12 meses"
KIT_STAGES = (6, 12, 24, 36, 48, 60)  # months: a new stimulation kit at each stage
COUNTS = ("volunteers", "facilitators", "service_points", "enrolments", "exits", "contacts",
          "deliveries", "receipts", "compliance_checks", "referrals", "referral_events")
# WHO median weight (kg) and length/height (cm) of boys by age in months (girls ~3 % less).
GROWTH = [(0, 3.3, 49.9), (3, 6.4, 61.4), (6, 7.9, 67.6), (9, 8.9, 72.0), (12, 9.6, 75.7),
          (18, 10.9, 82.3), (24, 12.2, 87.8), (36, 14.3, 96.1), (48, 16.3, 103.3),
          (60, 18.3, 110.0)]


@dataclass
class Member:
    pk: uuid.UUID
    name: str
    sex: str
    birth: dt.date | None
    child: bool = False
    caregiver: bool = False
    edd: dt.date | None = None  # expected delivery of an active pregnancy

    def pregnant_on(self, day: dt.date) -> bool:
        return self.edd is not None and self.edd - dt.timedelta(days=280) <= day < self.edd


@dataclass
class Home:
    pk: uuid.UUID
    code: str
    unit_id: int
    path: str
    muni_id: int
    poverty: str
    area: str
    members: list[Member] = field(default_factory=list)
    phone: bool = False

    @property
    def children(self) -> list[Member]:
        return [m for m in self.members if m.child and m.birth is not None]


class Ids:
    """Deterministic UUID4s from the seeded generator."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def __call__(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


def _at(day: dt.date, seconds: float, tz) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz) + dt.timedelta(seconds=seconds)


def _growth(months: float, sex: str, rng: random.Random) -> dict[str, float]:
    ages = [g[0] for g in GROWTH]
    i = min(max(bisect.bisect_right(ages, months) - 1, 0), len(GROWTH) - 2)
    (a0, w0, h0), (a1, w1, h1) = GROWTH[i], GROWTH[i + 1]
    t = min(max((months - a0) / (a1 - a0), 0.0), 1.0)
    k = 0.97 if sex == "F" else 1.0
    return {"weight_kg": round((w0 + t * (w1 - w0)) * k * rng.gauss(1, 0.09), 1),
            "height_cm": round((h0 + t * (h1 - h0)) * k * rng.gauss(1, 0.03), 1)}


def _homes(depth: int, keep, today: dt.date) -> dict:
    """Household id → Home with its members (ordered), for the households `keep(id)` wants."""
    homes: dict = {}
    for h in (Household.objects.order_by("code", "id")
              .values_list("id", "code", "territory_id", "territory__path", "poverty_level",
                           "area")):
        ids = [int(x) for x in h[3].strip("/").split("/") if x]
        if keep(h[0]) and len(ids) > depth:
            homes[h[0]] = Home(h[0], h[1], h[2], h[3], ids[depth], h[4], h[5])
    members: dict = {}
    for pk, hid, given, first, second, sex, birth, phone in (
            Person.objects.filter(household__isnull=False, merged_into__isnull=True)
            .order_by("birth_date", "id").values_list(
                "id", "household_id", "given_names", "first_surname", "second_surname", "sex",
                "birth_date", "phone")):
        if hid in homes:
            members[pk] = m = Member(pk, " ".join(p for p in (given, first, second) if p), sex,
                                     birth)
            homes[hid].members.append(m)
            homes[hid].phone |= bool(phone)
    for pk, role, edd in PersonRole.objects.filter(active=True).values_list(
            "person_id", "role", "expected_delivery_date"):
        if (m := members.get(pk)) is not None:
            m.child |= role == RoleKind.CHILD
            m.caregiver |= role == RoleKind.CAREGIVER
            if role == RoleKind.PREGNANT:
                m.edd = edd or today + dt.timedelta(days=120)
    return homes


def _backdate(model, rows: list, created: list[dt.datetime]) -> None:
    """Set `created_at` (which auto_now_add replaced on insert) to the planned times: one
    prepared UPDATE run for every row (a CASE per row, as bulk_update writes it, is far
    slower for tens of thousands of rows)."""
    pk, when = model._meta.pk, model._meta.get_field("created_at")
    sql = (f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET "
           f"{connection.ops.quote_name(when.column)} = %s WHERE "
           f"{connection.ops.quote_name(pk.column)} = %s")
    params = [(when.get_db_prep_save(c, connection), pk.get_db_prep_save(r.pk, connection))
              for r, c in zip(rows, created, strict=True)]
    with connection.cursor() as cursor:
        for i in range(0, len(params), BATCH):
            cursor.executemany(sql, params[i:i + BATCH])
    for r, c in zip(rows, created, strict=True):
        r.created_at = c


def _created(obj, names: list[str]) -> dict:
    """`audit.diff({}, audit.snapshot(obj))` for a new row, without the per-row overhead."""
    out = {}
    for name in names:
        value = getattr(obj, name)
        if value is not None:
            out[name] = [None, value.isoformat() if isinstance(value, dt.date) else
                         str(value) if isinstance(value, uuid.UUID | Decimal) else value]
    return out


def seed_wide_fieldwork(*, seed: int = 11, today: dt.date | None = None, months: int = 12,
                        password: str = "crecer-demo") -> dict[str, int]:
    if User.objects.filter(username__startswith="vol-").exists():  # already loaded
        return dict.fromkeys(COUNTS, 0)
    return _Maker(seed, today or timezone.localdate(), months, password).run()


class _Maker(FollowUp):
    def __init__(self, seed: int, today: dt.date, months: int, password: str):
        self.rng = random.Random(seed)
        self.new_id = Ids(random.Random(f"{seed}:ids"))
        self.today, self.months, self.password = today, months, password
        self.tz = timezone.get_current_timezone()
        self.now = min(timezone.now(), self.at(today, 20 * 3600))
        self.yesterday = today - dt.timedelta(days=1)
        self.first = today - dt.timedelta(days=months * 30)
        # the last `months` complete months: (period, first day, last day)
        last = today.replace(day=1) - dt.timedelta(days=1)
        self.periods = []
        for _n in range(months):
            self.periods.append((f"{last:%Y-%m}", last.replace(day=1), last))
            last = last.replace(day=1) - dt.timedelta(days=1)
        self.periods.reverse()
        self.rows: dict[str, list] = defaultdict(list)
        self.paths: dict = {}  # row → territory path (audit)
        self.receipts: dict = defaultdict(int)  # (muni id, item code, quarter start) → units
        self.visits: dict = defaultdict(list)  # (household id, "YYYY-MM") → home visits
        self.danger: list = []  # (contact, home, sign)
        # (home, start, end, compliance rate, checker, periods already checked)
        self.juntos: list = []
        # household id → (start, end, exit reason, volunteer) of the home-visit model
        self.base: dict = {}
        self.messages: dict = {}  # (programmes, ages, pregnant) → key-message codes
        self.every: dict = {}  # (programmes, ages, pregnant) → days between visits
        self.by_muni: dict = defaultdict(list)  # (municipality id, "YYYY-MM") → home visits
        self.kits: set = set()  # (municipality id, "YYYY-MM") with a kit delivered

    def at(self, day: dt.date, seconds: float) -> dt.datetime:
        return _at(day, seconds, self.tz)

    # -- set-up --------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        load_items()
        self.programmes = {p.code: p for p in load_presets()}
        self.items = {i.code: i for i in Item.objects.all()}
        self.admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
        depth = municipality_depth()
        taken = set(Enrolment.objects.values_list("household_id", flat=True))
        munis = list(OrgUnit.objects.filter(kind=Kind.AREA, depth=depth).order_by("code"))
        self.muni_path = {m.pk: m.path for m in munis}
        homes: dict[int, list[Home]] = defaultdict(list)
        for h in _homes(depth, lambda pk: pk not in taken, self.today).values():
            homes[h.muni_id].append(h)
        with transaction.atomic():
            self.services = self._services(munis)
            facilitators = self.facilitator_of = self._facilitators(munis)
            plan = []
            for muni in munis:
                chosen = self._choose(muni, homes.get(muni.pk, []))
                plan.append((muni, chosen))
            volunteers = self._volunteers(plan)
            for muni, chosen in plan:
                self.fac, self.muni_id = facilitators[muni.pk], muni.pk
                honduran = muni.code.upper().startswith("HN")
                muni_rate = self.rng.uniform(0.78, 0.9)
                juntos_share = self.rng.uniform(0.4, 0.7)
                self.comply = self.rng.uniform(0.75, 0.95)
                for home, (volunteer, offset) in zip(chosen, volunteers[muni.pk], strict=True):
                    rate = min(0.95, max(0.7, muni_rate + offset + self.rng.uniform(-0.02, 0.02)))
                    self._household(home, volunteer, rate, honduran, juntos_share)
                self._ensure_vaccine_checks(chosen)
            self._existing_juntos(depth, facilitators)
            self._checks()
            self._referrals(munis)
            self._ensure_kits(munis)
            self._stock()
            return self._save()

    def _services(self, munis: list[OrgUnit]) -> dict[int, list[OrgUnit]]:
        out: dict[int, list[OrgUnit]] = {}
        self.made_services = 0
        for muni in munis:
            found = list(OrgUnit.objects.filter(path__startswith=muni.path, sector=Sector.HEALTH,
                                                kind=Kind.SERVICE_POINT).order_by("code"))
            if not found:
                code = f"{muni.code}-CS01"
                while OrgUnit.objects.filter(code=code).exists():
                    code += "X"
                found = [create_unit(code=code, name=f"Centro de salud {muni.name}", parent=muni,
                                     kind=Kind.SERVICE_POINT, sector=Sector.HEALTH,
                                     latitude=muni.latitude, longitude=muni.longitude)]
                self.made_services += 1
            out[muni.pk] = found
        return out

    def _person_name(self) -> tuple[str, str, str]:
        sex = "F" if self.rng.random() < 0.8 else "M"
        return (sex, self.rng.choice(HONDURAN_GIVEN[sex]),
                " ".join(self.rng.sample(HONDURAN_SURNAMES, 2)))

    def _facilitators(self, munis: list[OrgUnit]) -> dict[int, User]:
        out, new, where = {}, [], {}
        for muni in munis:
            found = (User.objects.filter(role=Role.FACILITATOR, territories=muni)
                     .order_by("username").first())
            if found is None:
                _sex, first, last = self._person_name()
                found = User(username=f"fac-{muni.code.lower()}", role=Role.FACILITATOR,
                             first_name=first, last_name=last, password=self.hashed,
                             preferred_language="es")
                new.append(found)
                where[found.username] = muni.pk
            out[muni.pk] = found
        self.new_facilitators = self._create_users(new, where)
        return {m: (self.new_facilitators.get(u.username) or u) for m, u in out.items()}

    @property
    def hashed(self) -> str:
        if not hasattr(self, "_hashed"):
            self._hashed = make_password(self.password)  # hashed once, shared by every user
        return self._hashed

    def _create_users(self, users: list[User], where: dict[str, int]) -> dict[str, User]:
        User.objects.bulk_create(users, batch_size=BATCH)
        made = {u.username: u for u in User.objects.filter(username__in=list(where))}
        User.territories.through.objects.bulk_create(
            [User.territories.through(user_id=made[name].pk, orgunit_id=unit)
             for name, unit in where.items()], batch_size=BATCH)
        return made

    def _eligible_from(self, home: Home) -> dt.date | None:
        """The first day the household had a child under 6 or a pregnancy (None: not now)."""
        days = [c.birth for c in home.children if age_in_months(c.birth, self.today) < 72
                and c.birth <= self.yesterday]
        days += [m.edd - dt.timedelta(days=280) for m in home.members if m.edd]
        return min(days) if days else None

    def _choose(self, muni: OrgUnit, homes: list[Home]) -> list[Home]:
        eligible = [h for h in homes if self._eligible_from(h) is not None]
        share = self.rng.uniform(0.4, 0.9)
        chosen = self.rng.sample(eligible, round(len(eligible) * share)) if eligible else []
        return sorted(chosen, key=lambda h: (h.path, h.code, str(h.pk)))

    def _volunteers(self, plan) -> dict[int, list[tuple[User, float]]]:
        """One volunteer per about 20 households of a community; each household gets one."""
        new, where, slots = [], {}, {}
        for muni, chosen in plan:
            by_unit: dict[int, list[Home]] = defaultdict(list)
            for h in chosen:
                by_unit[h.unit_id].append(h)
            n, per_home = 0, []
            for unit_id, group in by_unit.items():
                names = []
                for _i in range(math.ceil(len(group) / PER_VOLUNTEER)):
                    n += 1
                    _sex, first, last = self._person_name()
                    name = f"vol-{muni.code.lower()}-{n}"
                    new.append(User(username=name, role=Role.VOLUNTEER, first_name=first,
                                    last_name=last, password=self.hashed,
                                    preferred_language="es"))
                    where[name] = unit_id
                    names.append((name, self.rng.uniform(-0.08, 0.08)))
                per_home += [names[i * len(names) // len(group)] for i in range(len(group))]
            slots[muni.pk] = per_home
        made = self._create_users(new, where)
        self.new_volunteers = len(made)
        self.volunteer_of = {u.pk: u for u in made.values()}
        return {m: [(made[name], off) for name, off in homes] for m, homes in slots.items()}

    # -- one household -------------------------------------------------------------------------

    def _enrol(self, home: Home, code: str, volunteer, start, end, reason="", person=None):
        e = Enrolment(id=self.new_id(), programme=self.programmes[code], household_id=home.pk,
                      person_id=person, volunteer=volunteer, start=start, end=end,
                      exit_reason=reason if end else "",
                      status=EnrolmentStatus.EXITED if end else EnrolmentStatus.ACTIVE,
                      created_at=self.at(start, 9 * 3600 + self.rng.randrange(25000)))
        self._add("enrolments", e, home.path, person)
        return e

    def _add(self, kind: str, obj, path: str, person=None) -> None:
        self.rows[kind].append(obj)
        self.paths[id(obj)] = (path, person)

    def _household(self, home: Home, volunteer, rate: float, honduran: bool,
                   juntos_share: float) -> None:
        rng = self.rng
        u = rng.random() ** 2  # earlier starts weigh more: the caseload grew over the year
        start = self.first + dt.timedelta(days=int((self.today - self.first).days * u))
        start = min(max(start, self._eligible_from(home)), self.yesterday)
        end = reason = None
        if rng.random() < 0.06 and (self.yesterday - start).days > 120:
            end = start + dt.timedelta(days=rng.randint(60, (self.yesterday - start).days))
            reason = rng.choice(EXITS)
        young = self._young(home, start)
        base = HOME_MODEL if honduran or not young or home.area != "rural" \
            else HOME_MODEL_ELSEWHERE
        active = [(base, start, end or self.today)]
        self._enrol(home, base, volunteer, start, end, reason)
        self.base[home.pk] = (start, end, reason, volunteer)
        if young and home.poverty in (PovertyLevel.EXTREME, PovertyLevel.POOR) \
                and rng.random() < juntos_share:
            self._juntos(home, volunteer, start, end, reason, active)
        for child in home.children:  # the infant package for most babies
            turns = add_months(child.birth, 12)
            begin = max(start, child.birth) + dt.timedelta(days=rng.randint(0, 20))
            if turns > self.first and begin < min(turns, end or self.today) \
                    and rng.random() < 0.7:
                stop = min([d for d in (end, turns) if d and d <= self.yesterday], default=None)
                why = INFANT_EXIT if stop == turns else reason
                e = self._enrol(home, INFANT, volunteer, begin, stop, why, child.pk)
                active.append((INFANT, begin, stop or self.today, e))
        self._contacts(home, volunteer, rate, start, min(end or self.today, self.today), active)

    @staticmethod
    def _young(home: Home, day: dt.date) -> bool:
        """A child under 3 or a pregnancy on that day (Juntos, Cuna Más SAF)."""
        return any(age_in_months(c.birth, day) < 36 for c in home.children
                   if c.birth <= day) or any(m.pregnant_on(day) for m in home.members)

    def _juntos(self, home, volunteer, start, end, reason, active) -> None:
        begin = min(start + dt.timedelta(days=self.rng.randint(0, 60)), self.yesterday)
        if end and begin >= end or not self._young(home, begin):
            return
        self._enrol(home, CASH, volunteer, begin, end, reason)
        active.append((CASH, begin, end or self.today))
        self.juntos.append((home, begin, end, self.comply, self.fac, set()))
        if home.poverty == PovertyLevel.EXTREME or self.rng.random() < 0.4:
            day = begin + dt.timedelta(days=self.rng.randint(5, 30))
            while day < (end or self.today):
                self._deliver(home, "food-basket", day, self.fac, None)
                day += dt.timedelta(days=self.rng.randint(80, 100))

    def _contacts(self, home: Home, volunteer, rate: float, start: dt.date, stop: dt.date,
                  active: list) -> None:
        rng = self.rng
        day = start + dt.timedelta(days=rng.randint(0, 3))
        given: set = set()  # (child, stage of age) with its stimulation kit
        hygiene_due = {a[3].person_id for a in active if a[0] == INFANT}
        caregiver = next((m for m in home.members if m.caregiver), None)
        while day < stop:
            running = [a for a in active if a[1] <= day < a[2]]
            kids = [c for c in home.children if c.birth <= day]
            ages = [age_in_months(c.birth, day) for c in kids]
            pregnant = [m for m in home.members if m.pregnant_on(day)]
            key = (tuple(a[0] for a in running), tuple(ages), bool(pregnant))
            if (every := self.every.get(key)) is None:
                every = self.every[key] = min(
                    interval_days(self.programmes[code].config, child_ages=ages,
                                  pregnant=bool(pregnant)) for code in key[0])
            if rng.random() < rate:
                c = self._contact(home, volunteer, day, kids, ages, pregnant, caregiver, running)
                # a stimulation kit on enrolment and for each new stage of a child
                stages = {(k.pk, bisect.bisect_right(KIT_STAGES, a))
                          for k, a in zip(kids, ages, strict=True) if a < 72}
                if c.kind == "home_visit" and stages - given and rng.random() < 0.6 and any(
                        "KIT-DIT" in self.programmes[code].item_codes() for code in key[0]):
                    given |= stages
                    self._deliver(home, "KIT-DIT", day, volunteer, c)
                if c.kind == "home_visit":
                    for a in running:
                        if a[0] == INFANT and a[3].person_id in hygiene_due \
                                and rng.random() < 0.85:
                            hygiene_due.discard(a[3].person_id)
                            self._deliver(home, "KIT-HYG", day, volunteer, c)
            day += dt.timedelta(days=max(1, every + rng.randint(-1, 2)))

    def _contact(self, home, volunteer, day, kids, ages, pregnant, caregiver, running):
        rng = self.rng
        r = rng.random()
        kind = "home_visit" if not home.phone or r < 0.8 else "call" if r < 0.94 else "text"
        outcome = ""
        if kind != "home_visit":
            r = rng.random()
            outcome = "reached" if r < 0.7 else "no_answer" if r < 0.92 else "wrong_number"
        key = (tuple(a[0] for a in running), tuple(ages), bool(pregnant))
        if (codes := self.messages.get(key)) is None:
            codes = self.messages[key] = list(dict.fromkeys(
                m["code"] for a in running for m in messages_for(
                    self.programmes[a[0]].config, child_ages=ages, pregnant=bool(pregnant))))
        present, given, obs = [], [], {}
        if kind == "home_visit":
            kids_present = [k for k in kids if rng.random() < 0.85]
            people = ([caregiver] if caregiver else []) + pregnant + kids_present
            present = list(dict.fromkeys(str(p.pk) for p in people))
            given = rng.sample(codes, min(len(codes), rng.randint(1, 3)))
            young = [k for k in kids_present if age_in_months(k.birth, day) < 60]
            r = rng.random()
            if r < 0.03 and (kids_present or pregnant):
                sign = rng.choice(list(CHILD_SIGNS) if kids_present else list(PREGNANCY_SIGNS))
                obs["danger_signs"] = [sign]
            if young and rng.random() < 0.4:
                child = max(young, key=lambda k: k.birth)
                obs.update(_growth((day - child.birth).days / 30.44, child.sex, rng))
        elif outcome == "reached":
            present = [str(caregiver.pk)] if caregiver else []
            given = rng.sample(codes, 1) if codes and rng.random() < 0.7 else []
        when = self.at(day, rng.randint(8 * 3600, 17 * 3600))
        late = rng.random() < 0.1
        created = min(when + dt.timedelta(hours=rng.uniform(7 * 24, 20 * 24) if late
                                          else rng.uniform(0.3, 10)), self.now)
        status, by, at, note = ContactStatus.RECORDED, None, None, ""
        if (self.today - day).days > 14:
            r = rng.random()
            if r < 0.87 and created + dt.timedelta(days=1) < self.now:
                status = ContactStatus.VALIDATED if r >= 0.02 else ContactStatus.RETURNED
                by = self.fac
                at = min(created + dt.timedelta(days=rng.uniform(1, 10)), self.now)
                note = "" if r >= 0.02 else "Faltan los mensajes clave de la visita"
        c = Contact(id=self.new_id(), household_id=home.pk, kind=kind, volunteer_id=volunteer.pk,
                    occurred_at=when, persons_present=present, messages_given=given,
                    observations=obs, remote_outcome=outcome, status=status,
                    validated_by_id=by and by.pk, validated_at=at, review_note=note,
                    created_at=created)
        self._add("contacts", c, home.path)
        if kind == "home_visit" and status != ContactStatus.RETURNED:
            self.visits[(home.pk, f"{day:%Y-%m}")].append(c)
            self.by_muni[(home.muni_id, f"{day:%Y-%m}")].append((c, home))
            if obs.get("danger_signs"):
                self.danger.append((c, home, obs["danger_signs"][0]))
        return c

    def _deliver(self, home: Home, code: str, day: dt.date, by, contact) -> None:
        item = self.items[ITEM_OF.get(code, code)]
        if contact is not None:
            contact.items_delivered = [*contact.items_delivered, {"item_code": code,
                                                                  "quantity": 1}]
        created = contact.created_at if contact else self.at(day, self.rng.randint(32400, 57600))
        movement = StockMovement(id=self.new_id(), item=item, municipality_id=home.muni_id,
                                 kind=MovementKind.DELIVERY, quantity=-1, occurred_on=day,
                                 reference=f"household {home.code}"[:120], created_by=by,
                                 created_at=created)
        self._add("movements", movement, home.path)
        self._add("deliveries", Delivery(
            id=self.new_id(), household_id=home.pk, item=item, quantity=1, delivered_on=day,
            delivered_by=by, contact_id=contact.pk if contact else None,
            municipality_id=home.muni_id, movement=movement, created_at=created), home.path)
        self.receipts[(home.muni_id, item.code, day.replace(month=(day.month - 1) // 3 * 3 + 1,
                                                            day=1))] += 1
        if item.kind == "kit":
            self.kits.add((home.muni_id, f"{day:%Y-%m}"))

    def _ensure_kits(self, munis: list[OrgUnit]) -> None:
        """At least one stimulation kit a month in each municipality (small ones too)."""
        for muni in munis:
            for period, _first, _last in self.periods[-3:]:
                visits = [(c, h) for c, h in self.by_muni.get((muni.pk, period), [])
                          if not c.items_delivered and h.children]
                if (muni.pk, period) not in self.kits and visits:
                    c, home = self.rng.choice(visits)
                    self._deliver(home, "KIT-DIT", c.occurred_at.date(),
                                  self.volunteer_of[c.volunteer_id], c)

    def _existing_juntos(self, depth: int, facilitators: dict) -> None:
        """Checks from the health system's files for the Juntos families enrolled before, in
        the months nobody verified."""
        programme = self.programmes[CASH]
        enrolments = list(Enrolment.objects.filter(programme=programme, person__isnull=True)
                          .order_by("household__code", "start", "id"))
        wanted = {e.household_id for e in enrolments}
        homes = _homes(depth, lambda pk: pk in wanted, self.today)
        done: dict = defaultdict(set)
        for hid, period in ComplianceCheck.objects.filter(programme=programme).values_list(
                "household_id", "period"):
            done[hid].add(period)
        for e in enrolments:
            if (home := homes.get(e.household_id)) is not None:
                self.juntos.append((home, e.start, e.end, self.rng.uniform(0.75, 0.95),
                                    facilitators.get(home.muni_id), done[home.pk]))

    # -- stock and saving ----------------------------------------------------------------------

    def _stock(self) -> None:
        """A receipt at the start of each quarter covering its deliveries, with some margin."""
        for (muni_id, code, quarter), qty in sorted(self.receipts.items()):
            self._add("movements", StockMovement(
                id=self.new_id(), item=self.items[code], municipality_id=muni_id,
                kind=MovementKind.RECEIPT, quantity=math.ceil(
                    qty * self.rng.uniform(1.1, 1.4) / 10) * 10, occurred_on=quarter,
                reference=f"Remesa {quarter.year}-T{(quarter.month + 2) // 3} (demo)",
                created_by=self.admin, created_at=self.at(quarter, 10 * 3600)),
                self.muni_path[muni_id])

    def _save(self) -> dict[str, int]:
        models = [("enrolments", Enrolment), ("contacts", Contact), ("movements", StockMovement),
                  ("deliveries", Delivery), ("checks", ComplianceCheck), ("referrals", Referral)]
        for kind, model in models:
            rows = self.rows[kind]
            created = [r.created_at for r in rows]
            model.objects.bulk_create(rows, batch_size=BATCH)
            _backdate(model, rows, created)
        ReferralEvent.objects.bulk_create(self.rows["events"], batch_size=BATCH)
        events = []
        for kind, model in models:
            names = sorted(f.attname for f in model._meta.concrete_fields
                           if f.name not in ("created_at", "updated_at"))
            for obj in self.rows[kind]:
                path, person = self.paths[id(obj)]
                events.append(AuditEvent(
                    actor=None, actor_username=ACTOR, action=AuditAction.IMPORT,
                    entity=obj._meta.label_lower, object_id=str(obj.pk), person_id=person,
                    territory_path=path, changes=_created(obj, names), note="demo data"))
        audit.record_many(events)
        rows = self.rows
        return {
            "volunteers": self.new_volunteers, "facilitators": len(self.new_facilitators),
            "service_points": self.made_services, "enrolments": len(rows["enrolments"]),
            "exits": sum(1 for e in rows["enrolments"] if e.end),
            "contacts": len(rows["contacts"]), "deliveries": len(rows["deliveries"]),
            "receipts": len(rows["movements"]) - len(rows["deliveries"]),
            "compliance_checks": len(rows["checks"]), "referrals": len(rows["referrals"]),
            "referral_events": len(rows["events"])}
