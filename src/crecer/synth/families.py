"""One chunk's households and people: families in communities, their roles and relationships,
and the planted near-duplicates (made by `demo.noise.make_duplicate`) with their ground truth.

Families follow the demo's shape (`demo.plan`): a caregiver (92 % women), sometimes a partner
and a grandmother, 1-3 children under 7, a pregnancy in about 15 % of households; two family
names passed on the Latin American way; names from the demo's pools with their frequencies.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field

from crecer.demo.noise import make_duplicate
from crecer.demo.plan import DIRECTIONS, DISABILITIES, LANDMARKS, LANGUAGES, add_years
from crecer.demo.population import age_band
from crecer.registry.identifiers import search_name
from crecer.registry.models import (
    Area,
    Household,
    Person,
    PovertyLevel,
    RelationshipKind,
    RoleKind,
    WaterSource,
)
from crecer.territory.models import OrgUnit

from . import names
from .values import ID_COUNTRY, ID_TYPE, Clock, NoisePhones, Uuids, dashed, national_id, phone
from .world import World

# Persons fields copied into a `Person` for `make_duplicate` (and read back from its copy).
PERSON_FIELDS = ("given_names", "first_surname", "second_surname", "sex", "birth_date",
                 "birth_date_estimated", "id_type", "id_number", "id_country", "phone",
                 "language", "ethnicity", "disability", "disability_detail")
WATER_URBAN = ((WaterSource.PIPED, 70), (WaterSource.PUBLIC_TAP, 10), (WaterSource.TRUCK, 10),
               (WaterSource.WELL, 5), (WaterSource.OTHER, 5))
WATER_RURAL = ((WaterSource.PIPED, 35), (WaterSource.WELL, 25), (WaterSource.RIVER, 25),
               (WaterSource.PUBLIC_TAP, 10), (WaterSource.OTHER, 5))
POVERTY = (PovertyLevel.EXTREME, PovertyLevel.POOR, PovertyLevel.NOT_POOR, PovertyLevel.UNKNOWN)
INCOME = {PovertyLevel.EXTREME: (1500, 4500), PovertyLevel.POOR: (4500, 10000),
          PovertyLevel.NOT_POOR: (10000, 30000), PovertyLevel.UNKNOWN: (3000, 15000)}


@dataclass(slots=True)
class Member:
    id: str  # 32 hex digits
    fields: dict  # PERSON_FIELDS values
    roles: list[str]
    edd: dt.date | None
    registered: dt.date

    @property
    def birth(self) -> dt.date:
        return self.fields["birth_date"]

    @property
    def name(self) -> str:
        f = self.fields
        return " ".join(p for p in (f["given_names"], f["first_surname"], f["second_surname"]) if p)


@dataclass(slots=True)
class Home:
    id: str
    comm: int  # index in World.communities
    code: str
    registered: dt.date
    area: str
    poverty: str
    members: list[Member] = field(default_factory=list)  # originals only, caregiver first


@dataclass
class FamilyResult:
    homes: list[Home]
    truth: list[tuple[str, str, str, str, str]]  # original, duplicate, role, noise, placement
    population: Counter  # (community id, sex, age band) -> registered originals
    digest: str


class FamilyMaker:
    def __init__(self, world: World, chunk: int, clock: Clock, sink, *, number_base: int,
                 chunk_size: int) -> None:
        self.world, self.chunk, self.clock, self.sink = world, chunk, clock, sink
        self.rng = random.Random(f"synth:{world.seed}:{chunk}:families")
        self.uuids = Uuids(random.Random(f"synth:{world.seed}:{chunk}:family-ids"), chunk,
                           world.salt)
        self.today = world.today
        self.earliest_child = add_years(self.today, -7) + dt.timedelta(days=1)
        self.chunk_size = chunk_size
        self.number = number_base  # global person number: IDs and phones derive from it
        self.hash = hashlib.sha256()
        self.population: Counter = Counter()
        self.relations: list[tuple] = []

    # -- helpers -------------------------------------------------------------------------------

    def pick(self, weighted) -> str:
        return self.rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]

    def when(self, day: dt.date) -> str:
        return self.clock.utc(day, self.rng.randrange(8 * 3600, 17 * 3600))

    def place(self) -> int:
        cum = self.world.cumulative
        return min(bisect.bisect_right(cum, self.rng.random() * cum[-1]), len(cum) - 1)

    def address(self, comm_name: str, urban: bool) -> str:
        rng = self.rng
        if rng.random() < 0.3:
            sex = rng.choice("FM")
            given = names.given_pool(sex, False).pick(rng).split()[0]
            landmark = f"la pulpería {'Doña' if sex == 'F' else 'Don'} {given}"
        else:
            landmark = rng.choice(LANDMARKS)
        if urban:
            form = rng.randrange(3)
            if form == 0:
                return f"{comm_name}, bloque {rng.randint(1, 30)}, casa {rng.randint(1, 60)}"
            if form == 1:
                return (f"{comm_name}, {rng.randint(1, 12)}a calle, {rng.randint(1, 9)}a avenida, "
                        f"casa {rng.randint(100, 2999)}")
            blocks = rng.randint(1, 5)
            return (f"{comm_name}, {blocks} cuadra{'s' if blocks > 1 else ''} al "
                    f"{rng.choice(DIRECTIONS)} de {landmark}").replace(" de el ", " del ")
        if rng.random() < 0.5:
            return (f"{comm_name}, {rng.randint(1, 20) * 50} m al {rng.choice(DIRECTIONS)} "
                    f"de {landmark}").replace(" de el ", " del ")
        return f"{comm_name}, frente a {landmark}".replace(" a el ", " al ")

    # -- households and people -----------------------------------------------------------------

    def household(self, index: int) -> Home:
        rng, world = self.rng, self.world
        ci = self.place()
        comm = world.communities[ci]
        region = world.regions[comm.region]
        urban = comm.urban if rng.random() < 0.92 else not comm.urban
        poverty = rng.choices(POVERTY, region.poverty)[0]
        water = self.pick(WATER_URBAN if urban else WATER_RURAL)
        rooms = rng.choices([1, 2, 3, 4, 5], [25, 35, 25, 10, 5])[0]
        if poverty == PovertyLevel.NOT_POOR:
            rooms = min(6, rooms + 1)
        low, high = INCOME[poverty]
        income = None if rng.random() < 0.08 else f"{round(rng.uniform(low, high) / 50) * 50}.00"
        spread = 0.003 if urban else 0.008
        registered = self.today - dt.timedelta(days=rng.randint(30, 4 * 365 + 200))
        home = Home(self.uuids.new(), ci, f"H{self.chunk + 1:04d}-{index + 1:05d}", registered,
                    Area.URBAN if urban else Area.RURAL, poverty)
        created = self.when(registered)
        self.sink.add("households", (
            home.id, created, created, comm.id, home.code, self.address(comm.name, urban),
            round(comm.lat + rng.gauss(0, spread), 5), round(comm.lon + rng.gauss(0, spread), 5),
            home.area, poverty, water, rng.random() < (0.95 if urban else 0.7), rooms, income))
        return home

    def adult_birth(self, low: int, high: int) -> dt.date:
        years = self.rng.randint(low, max(low, high))
        return add_years(self.today, -years) - dt.timedelta(days=self.rng.randint(0, 364))

    def person(self, home: Home, *, sex: str, given: str, first: str, second: str,
               birth: dt.date, ethnicity: str, adult: bool, phone_p: float, roles: list[str],
               edd: dt.date | None = None) -> Member:
        rng = self.rng
        self.number += 1
        region = self.world.regions[self.world.communities[home.comm].region]
        own, share = LANGUAGES.get(ethnicity, ("", 0.0))
        language = own if own and rng.random() < (share if adult else share * 0.8) else "español"
        id_p = 0.92 if adult else (0.35 if (self.today - birth).days < 90 else 0.55)
        id_number = national_id(region.number, self.number) if rng.random() < id_p else ""
        disabled = rng.random() < 0.025
        values = {
            "given_names": given, "first_surname": first, "second_surname": second, "sex": sex,
            "birth_date": birth, "birth_date_estimated": rng.random() < 0.05,
            "id_type": ID_TYPE if id_number else "", "id_number": id_number,
            "id_country": ID_COUNTRY if id_number else "",
            "phone": phone(self.number) if rng.random() < phone_p else "",
            "language": language, "ethnicity": ethnicity, "disability": disabled,
            "disability_detail": rng.choice(DISABILITIES) if disabled else ""}
        registered = home.registered if birth <= home.registered else min(
            self.today - dt.timedelta(days=1), birth + dt.timedelta(days=rng.randint(3, 60)))
        member = Member(self.uuids.new(), values, roles, edd, registered)
        home.members.append(member)
        return member

    def write_person(self, m: Member, home: Home, merged_into: str | None = None) -> None:
        f = m.fields
        created = self.when(m.registered)
        comm_id = self.world.communities[home.comm].id
        birth = f["birth_date"].isoformat() if f["birth_date"] else None
        self.sink.add("persons", (
            m.id, created, created, home.id, comm_id, f["given_names"], f["first_surname"],
            f["second_surname"], f["sex"], birth, f["birth_date_estimated"], f["id_type"],
            f["id_number"], f["id_country"], f["phone"], f["language"], f["ethnicity"],
            f["disability"], f["disability_detail"],
            search_name(f["given_names"], f["first_surname"], f["second_surname"]), merged_into))
        for role in m.roles:
            edd = m.edd.isoformat() if role == RoleKind.PREGNANT and m.edd else None
            self.sink.add("person_roles", (self.uuids.new(), created, created, m.id, role, edd,
                                           True))
        self.hash.update(f"{m.id}|{f['given_names']}|{f['first_surname']}|{f['second_surname']}|"
                         f"{f['sex']}|{birth}|{f['id_number']}|{f['phone']}\n".encode())

    def relate(self, a: Member, b: Member, kind: str) -> None:
        """Kept until the family's persons are written: a row must never be handed to the
        writer before the rows it refers to (see `writer.PARENTS`)."""
        created = self.when(max(a.registered, b.registered))
        self.relations.append((self.uuids.new(), created, created, a.id, b.id, kind))

    def family(self, home: Home, budget: int) -> None:
        """A family of at most `budget` persons (the chunk's last one may be cut short)."""
        rng, today = self.rng, self.today
        comm = self.world.communities[home.comm]
        eth = self.pick(self.world.regions[comm.region].ethnicity)
        n_children = rng.choices([1, 2, 3], [50, 35, 15])[0]
        edd = today + dt.timedelta(days=rng.randint(30, 270)) if rng.random() < 0.15 else None
        oldest_days = (today - self.earliest_child).days
        youngest_min = max(0, 280 - (edd - today).days + 60) if edd else 0
        room = max(youngest_min, oldest_days - (n_children - 1) * 400)
        ages = [rng.randint(youngest_min, room)]
        while len(ages) < n_children:
            gap = 0 if rng.random() < 0.02 else rng.randint(330, 1100)  # twins are rare
            if ages[-1] + gap > oldest_days:
                break
            ages.append(ages[-1] + gap)
        eldest = max(ages) // 365
        s = names.surname
        mother_first, mother_second = s(rng, eth), s(rng, eth)
        father_first, father_second = s(rng, eth), s(rng, eth)
        female = rng.random() < 0.92
        pregnant_mother = bool(edd) and female and rng.random() < 0.8
        partner = female and rng.random() < 0.55
        grandmother_p = rng.random() < (0.2 if female else 0.5)
        sister = bool(edd) and not pregnant_mother
        # Fit the budget: children first go, then the grandmother, the sister, the partner.
        extra = int(partner) + int(grandmother_p) + int(sister)
        if 1 + extra + len(ages) > budget:
            if budget - 1 - extra >= 1:
                ages = ages[: budget - 1 - extra]
            else:
                partner = grandmother_p = sister = False
                ages = ages[: max(0, budget - 1)]
        mother = father = None
        if female:
            mother_birth = self.adult_birth(max(18, eldest + 16), 43 if pregnant_mother else 45)
            roles = [RoleKind.CAREGIVER] + ([] if partner else [RoleKind.HEAD])
            roles += [RoleKind.PREGNANT] if pregnant_mother else []
            mother = self.person(home, sex="F", given=names.given_names(rng, "F"),
                                 first=mother_first, second=mother_second, birth=mother_birth,
                                 ethnicity=eth, adult=True, phone_p=0.85, roles=roles,
                                 edd=edd if pregnant_mother else None)
            primary = mother
            if partner:
                m_age = today.year - mother_birth.year
                father = self.person(
                    home, sex="M", given=names.given_names(rng, "M"), first=father_first,
                    second=father_second,
                    birth=self.adult_birth(max(18, eldest + 16, m_age - 2), min(65, m_age + 10)),
                    ethnicity=eth if rng.random() < 0.9 else "mestizo", adult=True,
                    phone_p=0.55, roles=[RoleKind.HEAD])
                self.relate(father, mother, RelationshipKind.PARTNER)
        else:
            father = self.person(home, sex="M", given=names.given_names(rng, "M"),
                                 first=father_first, second=father_second,
                                 birth=self.adult_birth(max(20, eldest + 18), 45), ethnicity=eth,
                                 adult=True, phone_p=0.85,
                                 roles=[RoleKind.CAREGIVER, RoleKind.HEAD])
            primary = father
        grandmother = None
        if grandmother_p:
            p_age = today.year - primary.birth.year
            grandmother = self.person(
                home, sex="F", given=names.given_names(rng, "F"),
                first=primary.fields["second_surname"], second=s(rng, eth),
                birth=self.adult_birth(max(38, p_age + 17), min(80, max(p_age + 30, 60))),
                ethnicity=eth, adult=True, phone_p=0.4,
                roles=[RoleKind.CAREGIVER] if rng.random() < 0.3 or not female
                else [RoleKind.OTHER])
        if sister:
            self.person(home, sex="F", given=names.given_names(rng, "F"),
                        first=primary.fields["first_surname"],
                        second=primary.fields["second_surname"], birth=self.adult_birth(17, 35),
                        ethnicity=eth, adult=True, phone_p=0.6, roles=[RoleKind.PREGNANT],
                        edd=edd)
        if father is not None:
            surnames = (father_first, mother_first)
        elif rng.random() < 0.65:  # the father lives elsewhere but gave his name
            surnames = (s(rng, eth), mother_first)
        else:
            surnames = (mother_first, mother_second)
        for days in ages:
            sex = rng.choice("FM")
            child = self.person(home, sex=sex, given=names.given_names(rng, sex, child=True),
                                first=surnames[0], second=surnames[1],
                                birth=today - dt.timedelta(days=days), ethnicity=eth, adult=False,
                                phone_p=0.0, roles=[RoleKind.CHILD])
            for relative, kind in ((mother, RelationshipKind.MOTHER),
                                   (father, RelationshipKind.FATHER),
                                   (grandmother, RelationshipKind.GRANDPARENT)):
                if relative is not None:
                    self.relate(relative, child, kind)

    # -- planted near-duplicates ---------------------------------------------------------------

    def duplicates(self, homes: list[Home], total: int) -> list[tuple]:
        rng = random.Random(f"synth:{self.world.seed}:{self.chunk}:duplicates")
        phones = NoisePhones(self.chunk * self.chunk_size)
        by_role: dict[str, list[tuple[Member, Home]]] = {"child": [], "caregiver": [], "other": []}
        by_muni: dict[int, list[Home]] = {}
        for home in homes:
            by_muni.setdefault(self.world.communities[home.comm].muni, []).append(home)
            for m in home.members:
                key = ("child" if RoleKind.CHILD in m.roles
                       else "caregiver" if RoleKind.CAREGIVER in m.roles else "other")
                by_role[key].append((m, home))
        n_child = min(len(by_role["child"]), round(total * 0.6))
        n_care = min(len(by_role["caregiver"]), round(total * 0.3))
        n_other = min(len(by_role["other"]), total - n_child - n_care)
        chosen = [("child", x) for x in rng.sample(by_role["child"], n_child)]
        chosen += [("caregiver", x) for x in rng.sample(by_role["caregiver"], n_care)]
        chosen += [("other", x) for x in rng.sample(by_role["other"], n_other)]
        while len(chosen) < total:  # very small chunks: any role
            chosen.append(("child", rng.choice(by_role["child"] + by_role["caregiver"])))
        units: dict[int, OrgUnit] = {}
        truth = []
        for role, (original, home) in chosen:
            others = [h for h in by_muni[self.world.communities[home.comm].muni] if h is not home]
            same = rng.random() < 0.3 or not others
            target = home if same else rng.choice(others)
            comm_id = self.world.communities[target.comm].id
            unit = units.setdefault(comm_id, OrgUnit(id=comm_id))
            person = Person(id=uuid.UUID(hex=original.id), **original.fields)
            dup, noise = make_duplicate(
                person, household=Household(id=uuid.UUID(hex=target.id), territory=unit),
                rng=rng, people=phones, new_id=uuid.UUID(hex=self.uuids.new()),
                earliest=self.earliest_child if role == "child" else dt.date(1900, 1, 1),
                today=self.today)
            copy = Member(dup.id.hex, {f: getattr(dup, f) for f in PERSON_FIELDS},
                          list(original.roles), original.edd,
                          min(self.today - dt.timedelta(days=1),
                              original.registered + dt.timedelta(days=rng.randint(30, 700))))
            self.number += 1
            self.write_person(copy, target)
            truth.append((dashed(original.id), dashed(copy.id), role, "+".join(noise),
                          "same_household" if same else "other_household"))
        return truth

    # -- the chunk -----------------------------------------------------------------------------

    def make(self, persons: int, duplicate_share: float) -> FamilyResult:
        n_dups = round(persons * duplicate_share) if persons > 1 else 0
        originals = persons - n_dups
        homes: list[Home] = []
        made = 0
        while made < originals:
            home = self.household(len(homes))
            self.family(home, originals - made)
            made += len(home.members)
            homes.append(home)
            for m in home.members:
                self.write_person(m, home)
                self.population[(self.world.communities[home.comm].id, m.fields["sex"],
                                 age_band(m.birth, self.today))] += 1
            for row in self.relations:
                self.sink.add("relationships", row)
            self.relations.clear()
        truth = self.duplicates(homes, n_dups) if n_dups else []
        return FamilyResult(homes, truth, self.population, self.hash.hexdigest())
