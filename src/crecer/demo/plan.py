"""Build the whole demo data set in memory, as unsaved model instances, from one seed.

Nothing here touches the database, so the same seed can be planned twice and compared.
All randomness comes from `random.Random` instances seeded from the seed (structure, UUIDs,
people) and seeded Faker instances; iteration is over lists and insertion-ordered dicts only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from crecer.registry.identifiers import search_name
from crecer.registry.models import (
    Area,
    Household,
    IdType,
    Person,
    PersonRole,
    PovertyLevel,
    Relationship,
    RelationshipKind,
    RoleKind,
    WaterSource,
)
from crecer.territory.models import Kind, OrgUnit, PopulationEstimate, Sector

from . import geography as geo
from .noise import make_duplicate
from .people import PeopleMaker
from .population import estimate_population

LANGUAGES = {  # ethnicity → (own language, share speaking it at home)
    "garífuna": ("garífuna", 0.55), "miskito": ("miskito", 0.85), "maya chortí": ("ch'orti'", 0.1),
    "tolupán": ("tol", 0.2), "pech": ("pech", 0.4), "tawahka": ("tawahka", 0.5),
    "negro de habla inglesa": ("inglés", 0.7),
}
DISABILITIES = ("discapacidad visual", "discapacidad auditiva", "discapacidad motora",
                "discapacidad intelectual", "síndrome de Down", "parálisis cerebral")
LANDMARKS = ("la iglesia católica", "la escuela", "el centro de salud", "la cancha",
             "el puente", "el templo evangélico", "la alcaldía auxiliar", "el molino")
DIRECTIONS = ("norte", "sur", "este", "oeste")


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass
class Community:
    unit: OrgUnit
    muni: geo.Municipality
    dep: geo.Department
    urban: bool
    weight: float


@dataclass
class Planted:
    original: Person
    duplicate: Person
    role: str
    noise: list[str]
    placement: str  # "same_household" or "other_household"


@dataclass
class DemoPlan:
    seed: int
    reference_date: dt.date
    units: list[OrgUnit] = field(default_factory=list)  # parents before children
    regions: list[OrgUnit] = field(default_factory=list)
    provinces: list[OrgUnit] = field(default_factory=list)
    municipalities: list[OrgUnit] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    service_points: list[OrgUnit] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)  # originals, then planted duplicates
    roles: list[PersonRole] = field(default_factory=list)
    role_names: dict[uuid.UUID, list[str]] = field(default_factory=dict)
    relationships: list[Relationship] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    population: list[PopulationEstimate] = field(default_factory=list)

    def unit_named(self, name: str) -> OrgUnit:
        return next(u for u in self.units if u.name == name and u.kind == Kind.AREA)

    def digest(self) -> str:
        """SHA-256 of every person's identifying fields, in order (UUIDs left out)."""
        h = hashlib.sha256()
        for p in self.persons:
            h.update("|".join(str(v) for v in person_key(p)).encode() + b"\n")
        return h.hexdigest()


def person_key(p: Person) -> tuple:
    return (p.given_names, p.first_surname, p.second_surname, p.sex, p.birth_date,
            p.birth_date_estimated, p.id_number, p.phone, p.language, p.ethnicity)


class _Builder:
    def __init__(self, seed: int, today: dt.date, say: Callable[[str], None]) -> None:
        self.rng = random.Random(seed)
        self._uuids = random.Random(f"uuid-{seed}")
        self.people = PeopleMaker(seed)
        self.today = today
        self.say = say
        self.plan = DemoPlan(seed=seed, reference_date=today)
        self.earliest_child = add_years(today, -7) + dt.timedelta(days=1)
        self.edd: dict[uuid.UUID, dt.date] = {}

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self._uuids.getrandbits(128), version=4)

    def pick(self, weighted) -> str:
        return self.rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]

    # -- territory -------------------------------------------------------------------------

    def territory(self) -> None:
        plan, rng = self.plan, self.rng
        radii = geo.municipality_radii()
        lat0, lon0 = geo.COUNTRY_CENTRE
        country = OrgUnit(code=geo.COUNTRY_CODE, name=geo.COUNTRY_NAME, depth=0, path="",
                          latitude=lat0, longitude=lon0)
        plan.units.append(country)
        for dep in geo.DEPARTMENTS:
            lat, lon, radius = geo.department_shape(dep, radii)
            shape = geo.hexagon(lat, lon, radius)
            region = OrgUnit(code=f"HN-{dep.code}", name=dep.name, parent=country, depth=1,
                             path="", latitude=round(lat, 5), longitude=round(lon, 5),
                             boundary=shape)
            province = OrgUnit(code=f"HN-{dep.code}-P1", name=dep.zone, parent=region, depth=2,
                               path="", latitude=region.latitude, longitude=region.longitude,
                               boundary=shape)
            plan.regions.append(region)
            plan.provinces.append(province)
            for m in dep.municipalities:
                r = radii[m.code]
                muni = OrgUnit(code=f"HN-{m.code}", name=m.name, parent=province, depth=3,
                               path="", latitude=m.lat, longitude=m.lon,
                               boundary=geo.hexagon(m.lat, m.lon, r, rng.uniform(0, math.pi / 3)))
                plan.municipalities.append(muni)
                comms = []
                for i, (name, area) in enumerate(m.communities, start=1):
                    if i == 1:
                        clat, clon = m.lat + rng.uniform(-0.002, 0.002), m.lon + rng.uniform(-0.002, 0.002)
                    else:
                        angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(0.3, 0.7) * r * 0.8
                        clat, clon = m.lat + dist * math.sin(angle), m.lon + dist * math.cos(angle)
                    unit = OrgUnit(code=f"HN-{m.code}-{i:03d}", name=name, parent=muni, depth=4,
                                   path="", latitude=round(clat, 5), longitude=round(clon, 5))
                    comm = Community(unit, m, dep, area == "u", m.weight * (1.5 if area == "u" else 1))
                    comms.append(comm)
                    plan.communities.append(comm)
                self._service_points(muni, m, comms)
        plan.units += plan.regions + plan.provinces + plan.municipalities
        plan.units += [c.unit for c in plan.communities] + plan.service_points
        self.say(f"territory: {len(plan.regions)} regions, {len(plan.provinces)} provinces, "
                 f"{len(plan.municipalities)} municipalities, {len(plan.communities)} communities, "
                 f"{len(plan.service_points)} service points")

    def _service_points(self, muni: OrgUnit, m: geo.Municipality, comms: list[Community]) -> None:
        rng = self.rng
        seat = comms[0]
        rural = [c for c in comms if not c.urban]
        urban = [c for c in comms if c.urban]
        patrons = rng.sample(geo.SCHOOL_PATRONS, 2)
        points = [("CS01", f"CESAMO {m.name}", Sector.HEALTH, seat)]
        if rural:
            first_rural = rural[0]
            points.append(("CS02", f"CESAR {first_rural.unit.name}", Sector.HEALTH, first_rural))
        points.append(("ES01", f"Escuela {patrons[0]}", Sector.EDUCATION, rng.choice(comms)))
        points.append(("ES02", f"Centro de Educación Prebásica {patrons[1]}", Sector.EDUCATION,
                       rng.choice(comms)))
        if len(urban) >= 2 or m.weight > 1:
            points.append(("CI01", f"Centro de Cuidado Infantil {seat.unit.name}", Sector.DAYCARE,
                           rng.choice(urban or comms)))
        points.append(("PR01", f"Oficina Municipal de la Niñez, {m.name}", Sector.PROTECTION, seat))
        for suffix, name, sector, near in points:
            self.plan.service_points.append(OrgUnit(
                code=f"HN-{m.code}-{suffix}", name=name, parent=muni, depth=4, path="",
                kind=Kind.SERVICE_POINT, sector=sector,
                latitude=round(near.unit.latitude + rng.uniform(-0.003, 0.003), 5),
                longitude=round(near.unit.longitude + rng.uniform(-0.003, 0.003), 5)))

    # -- households and families -------------------------------------------------------------

    def households(self, total: int) -> None:
        comms = self.plan.communities
        counts = _allocate(total, [c.weight for c in comms])
        per_muni: Counter[str] = Counter()
        done = 0
        step = max(1, total // 4)
        for comm, n in zip(comms, counts, strict=True):
            for _i in range(n):
                per_muni[comm.muni.code] += 1
                hh = self._household(comm, f"H{comm.muni.code}-{per_muni[comm.muni.code]:04d}")
                self.plan.households.append(hh)
                self._family(hh, comm)
                done += 1
                if done % step == 0 or done == total:
                    self.say(f"households {done}/{total}")

    def _household(self, comm: Community, code: str) -> Household:
        rng = self.rng
        urban = comm.urban if rng.random() < 0.92 else not comm.urban
        poverty = rng.choices([PovertyLevel.EXTREME, PovertyLevel.POOR, PovertyLevel.NOT_POOR,
                               PovertyLevel.UNKNOWN], comm.dep.poverty)[0]
        if urban:
            water = self.pick(((WaterSource.PIPED, 70), (WaterSource.PUBLIC_TAP, 10),
                               (WaterSource.TRUCK, 10), (WaterSource.WELL, 5), (WaterSource.OTHER, 5)))
        elif comm.dep.code == "09":
            water = self.pick(((WaterSource.WELL, 40), (WaterSource.RIVER, 35), (WaterSource.PIPED, 10),
                               (WaterSource.OTHER, 15)))
        else:
            water = self.pick(((WaterSource.PIPED, 35), (WaterSource.WELL, 25), (WaterSource.RIVER, 25),
                               (WaterSource.PUBLIC_TAP, 10), (WaterSource.OTHER, 5)))
        power = 0.95 if urban else (0.35 if comm.dep.code == "09" else 0.7)
        rooms = rng.choices([1, 2, 3, 4, 5], [25, 35, 25, 10, 5])[0]
        if poverty == PovertyLevel.NOT_POOR:
            rooms = min(6, rooms + 1)
        low, high = {PovertyLevel.EXTREME: (1500, 4500), PovertyLevel.POOR: (4500, 10000),
                     PovertyLevel.NOT_POOR: (10000, 30000), PovertyLevel.UNKNOWN: (3000, 15000)}[poverty]
        income = None if rng.random() < 0.08 else Decimal(round(rng.uniform(low, high) / 50) * 50)
        spread = 0.003 if urban else 0.008
        return Household(
            id=self.uuid(), territory=comm.unit, code=code, address=self._address(comm, urban),
            latitude=round(comm.unit.latitude + rng.gauss(0, spread), 5),
            longitude=round(comm.unit.longitude + rng.gauss(0, spread), 5),
            area=Area.URBAN if urban else Area.RURAL, poverty_level=poverty, water_source=water,
            has_electricity=rng.random() < power, rooms=rooms,
            monthly_income=income.quantize(Decimal("0.01")) if income is not None else None)

    def _address(self, comm: Community, urban: bool) -> str:
        rng, name = self.rng, comm.unit.name
        landmark = (self.people.pulperia() if rng.random() < 0.3 else rng.choice(LANDMARKS))
        if urban:
            form = rng.randrange(3)
            if form == 0:
                return f"{name}, bloque {rng.randint(1, 30)}, casa {rng.randint(1, 60)}"
            if form == 1:
                return (f"{name}, {rng.randint(1, 12)}a calle, {rng.randint(1, 9)}a avenida, "
                        f"casa {rng.randint(100, 2999)}")
            blocks = rng.randint(1, 5)
            return (f"{name}, {blocks} cuadra{'s' if blocks > 1 else ''} al "
                    f"{rng.choice(DIRECTIONS)} de {landmark}").replace(" de el ", " del ")
        if rng.random() < 0.5:
            return (f"Aldea {name}, {rng.randint(1, 20) * 50} m al {rng.choice(DIRECTIONS)} "
                    f"de {landmark}").replace(" de el ", " del ")
        return f"Aldea {name}, frente a {landmark}".replace(" a el ", " al ")

    def _person(self, hh: Household, comm: Community, *, sex: str, given: str, first: str,
                second: str, birth: dt.date, ethnicity: str, adult: bool, phone_p: float,
                roles: list[str], edd: dt.date | None = None) -> Person:
        rng, people = self.rng, self.people
        own, share = LANGUAGES.get(ethnicity, ("", 0.0))
        language = own if own and rng.random() < (share if adult else share * 0.8) else "español"
        dni_p = 0.92 if adult else (0.35 if (self.today - birth).days < 90 else 0.55)
        id_number = people.dni(comm.muni.code, birth, self.today) if rng.random() < dni_p else ""
        disabled = rng.random() < 0.025
        p = Person(
            id=self.uuid(), household=hh, territory=comm.unit, given_names=given,
            first_surname=first, second_surname=second, sex=sex, birth_date=birth,
            birth_date_estimated=rng.random() < 0.05,
            id_type=IdType.DNI_HN if id_number else "", id_number=id_number,
            id_country="HN" if id_number else "",
            phone=people.phone() if rng.random() < phone_p else "", language=language,
            ethnicity=ethnicity, disability=disabled,
            disability_detail=rng.choice(DISABILITIES) if disabled else "",
            search_name=search_name(given, first, second))
        self.plan.persons.append(p)
        self._roles(p, roles, edd)
        return p

    def _roles(self, person: Person, roles: list[str], edd: dt.date | None) -> None:
        self.plan.role_names[person.id] = roles
        if edd is not None:
            self.edd[person.id] = edd
        for role in roles:
            self.plan.roles.append(PersonRole(
                id=self.uuid(), person=person, role=role,
                expected_delivery_date=edd if role == RoleKind.PREGNANT else None))

    def _adult_birth(self, low: int, high: int) -> dt.date:
        years = self.rng.randint(low, max(low, high))
        return add_years(self.today, -years) - dt.timedelta(days=self.rng.randint(0, 364))

    def _relate(self, from_person: Person, to_person: Person, kind: str) -> None:
        self.plan.relationships.append(Relationship(
            id=self.uuid(), from_person=from_person, to_person=to_person, kind=kind))

    def _family(self, hh: Household, comm: Community) -> None:
        rng, people = self.rng, self.people
        eth = self.pick(comm.dep.ethnicity)
        n_children = rng.choices([1, 2, 3], [50, 35, 15])[0]
        pregnant = rng.random() < 0.15
        edd = self.today + dt.timedelta(days=rng.randint(30, 270)) if pregnant else None
        # Children's ages in days, youngest first; a pregnant mother's youngest was born
        # before the pregnancy began.
        oldest_days = (self.today - self.earliest_child).days
        youngest_min = max(0, 280 - (edd - self.today).days + 60) if edd else 0
        room = max(youngest_min, oldest_days - (n_children - 1) * 400)
        ages = [rng.randint(youngest_min, room)]
        while len(ages) < n_children:
            gap = 0 if rng.random() < 0.02 else rng.randint(330, 1100)  # twins are rare
            if ages[-1] + gap > oldest_days:
                break
            ages.append(ages[-1] + gap)
        eldest_years = max(ages) // 365
        mother_first, mother_second = people.surname(eth), people.surname(eth)
        father_first, father_second = people.surname(eth), people.surname(eth)

        primary_female = rng.random() < 0.92
        mother = father = None
        pregnant_mother = bool(edd) and primary_female and rng.random() < 0.8
        if primary_female:
            mother_birth = self._adult_birth(max(18, eldest_years + 16), 43 if pregnant_mother else 45)
            partner = rng.random() < 0.55
            roles = [RoleKind.CAREGIVER] + ([] if partner else [RoleKind.HEAD])
            roles += [RoleKind.PREGNANT] if pregnant_mother else []
            mother = self._person(hh, comm, sex="F", given=people.given_names("F"),
                                  first=mother_first, second=mother_second, birth=mother_birth,
                                  ethnicity=eth, adult=True, phone_p=0.85, roles=roles,
                                  edd=edd if pregnant_mother else None)
            primary = mother
            if partner:
                m_age = self.today.year - mother_birth.year
                p_eth = eth if rng.random() < 0.9 else "mestizo"
                father = self._person(
                    hh, comm, sex="M", given=people.given_names("M"), first=father_first,
                    second=father_second,
                    birth=self._adult_birth(max(18, eldest_years + 16, m_age - 2), min(65, m_age + 10)),
                    ethnicity=p_eth, adult=True, phone_p=0.55, roles=[RoleKind.HEAD])
                self._relate(father, mother, RelationshipKind.PARTNER)
        else:
            father = self._person(hh, comm, sex="M", given=people.given_names("M"),
                                  first=father_first, second=father_second,
                                  birth=self._adult_birth(max(20, eldest_years + 18), 45),
                                  ethnicity=eth, adult=True, phone_p=0.85,
                                  roles=[RoleKind.CAREGIVER, RoleKind.HEAD])
            primary = father
        grandmother = None
        if rng.random() < (0.2 if primary_female else 0.5):
            p_age = self.today.year - primary.birth_date.year
            # Her first surname is the primary caregiver's second one.
            grandmother = self._person(
                hh, comm, sex="F", given=people.given_names("F"), first=primary.second_surname,
                second=people.surname(eth), birth=self._adult_birth(max(38, p_age + 17), min(80, max(p_age + 30, 60))),
                ethnicity=eth, adult=True, phone_p=0.4,
                roles=[RoleKind.CAREGIVER] if rng.random() < 0.3 or not primary_female else [RoleKind.OTHER])
        if edd and not pregnant_mother:
            # Another woman of the household is pregnant: the caregiver's sister.
            self._person(hh, comm, sex="F", given=people.given_names("F"),
                         first=primary.first_surname, second=primary.second_surname,
                         birth=self._adult_birth(17, 35), ethnicity=eth, adult=True,
                         phone_p=0.6, roles=[RoleKind.PREGNANT], edd=edd)
        if father is not None:
            surnames = (father_first, mother_first)
        elif rng.random() < 0.65:  # the father lives elsewhere but gave his name
            surnames = (people.surname(eth), mother_first)
        else:
            surnames = (mother_first, mother_second)
        for days in ages:
            sex = rng.choice("FM")
            child = self._person(hh, comm, sex=sex, given=people.given_names(sex, child=True),
                                 first=surnames[0], second=surnames[1],
                                 birth=self.today - dt.timedelta(days=days), ethnicity=eth,
                                 adult=False, phone_p=0.0, roles=[RoleKind.CHILD])
            if mother is not None:
                self._relate(mother, child, RelationshipKind.MOTHER)
            if father is not None:
                self._relate(father, child, RelationshipKind.FATHER)
            if grandmother is not None:
                self._relate(grandmother, child, RelationshipKind.GRANDPARENT)

    # -- planted near-duplicates -------------------------------------------------------------

    def duplicates(self, total: int) -> None:
        plan, rng = self.plan, self.rng
        by_role: dict[str, list[Person]] = {"child": [], "caregiver": [], "other": []}
        for p in plan.persons:
            names = plan.role_names[p.id]
            key = ("child" if RoleKind.CHILD in names
                   else "caregiver" if RoleKind.CAREGIVER in names else "other")
            by_role[key].append(p)
        n_children = min(len(by_role["child"]), round(total * 0.6))
        n_care = min(len(by_role["caregiver"]), round(total * 0.3))
        n_other = min(len(by_role["other"]), total - n_children - n_care)
        chosen = (rng.sample(by_role["child"], n_children) + rng.sample(by_role["caregiver"], n_care)
                  + rng.sample(by_role["other"], n_other))
        by_muni: dict[str, list[Household]] = {}
        for hh in plan.households:
            by_muni.setdefault(hh.territory.parent.code, []).append(hh)
        for original in chosen:
            home = original.household
            others = [h for h in by_muni[home.territory.parent.code] if h is not home]
            same = rng.random() < 0.3 or not others
            target = home if same else rng.choice(others)
            children = RoleKind.CHILD in plan.role_names[original.id]
            dup, labels = make_duplicate(
                original, household=target, rng=rng, people=self.people, new_id=self.uuid(),
                earliest=self.earliest_child if children else dt.date(1900, 1, 1), today=self.today)
            roles = list(plan.role_names[original.id])
            plan.persons.append(dup)
            self._roles(dup, roles, self.edd.get(original.id))
            kind = "child" if children else ("caregiver" if RoleKind.CAREGIVER in roles else "other")
            plan.planted.append(Planted(original, dup, kind, labels,
                                        "same_household" if same else "other_household"))
        self.say(f"planted near-duplicates {len(plan.planted)}")


def _allocate(total: int, weights: list[float]) -> list[int]:
    """Split `total` over `weights` by largest remainder; everyone gets one first if possible."""
    base = [1] * len(weights) if total >= len(weights) else [0] * len(weights)
    rest = total - sum(base)
    raw = [rest * w / sum(weights) for w in weights]
    counts = [b + math.floor(r) for b, r in zip(base, raw, strict=True)]
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - math.floor(raw[i])), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def build_plan(*, seed: int = 2026, households: int = 3000, duplicates: int = 300,
               reference_date: dt.date, progress: Callable[[str], None] | None = None) -> DemoPlan:
    builder = _Builder(seed, reference_date, progress or (lambda _msg: None))
    builder.territory()
    builder.households(households)
    originals = list(builder.plan.persons)
    builder.say(f"persons {len(originals)}, relationships {len(builder.plan.relationships)}")
    builder.duplicates(duplicates)
    plan = builder.plan
    plan.population = estimate_population(
        municipalities=plan.municipalities, communities=[c.unit for c in plan.communities],
        persons=originals, rng=builder.rng, today=reference_date)
    builder.say(f"population estimates {len(plan.population)}")
    return plan
