"""The fixed frame every chunk works in: the territory tree, the staff (volunteers, one
facilitator per municipality, a national manager), the programmes and the item catalogue.

`plan_territory` is pure (seeded); `save_territory` writes the ~6,400 units with `bulk_create`
by depth and `territory.actions.fill_paths`; `save_staff` writes the users and their territory
assignments through the bulk writer with explicit ids (then resets the id sequence).
The resulting `World` is plain data, so chunks can be made from it anywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import random
from dataclasses import dataclass, field

from crecer.accounts.models import Role, User
from crecer.demo import geography as geo
from crecer.programmes.models import Programme
from crecer.programmes.presets import load_presets
from crecer.territory.actions import fill_paths
from crecer.territory.models import Kind, Level, OrgUnit, Sector

from . import names
from .writer import Sink

ROOT_CODE = "XS"
ROOT_NAME = "País Sintético"
USER_PREFIX = "synth-"
HOUSEHOLDS_PER_VOLUNTEER = 25
MEAN_FAMILY = 3.55  # persons per household the family generator makes, on average
N_REGIONS, N_MUNICIPALITIES = 25, 300
CENTRE = (13.0, -86.0)
# Per municipality: (code suffix, name pattern, sector); 7 points and about 13 communities make
# about 20 units under each of the 300 municipalities: 6,000 communities and service points.
SERVICES = (
    ("CS01", "Centro de Salud {m}", Sector.HEALTH),
    ("CS02", "Puesto de Salud {c}", Sector.HEALTH),
    ("ES01", "Escuela {p}", Sector.EDUCATION),
    ("CI01", "Centro de Cuidado Infantil {c}", Sector.DAYCARE),
    ("PR01", "Oficina Municipal de la Niñez, {m}", Sector.PROTECTION),
    ("NU01", "Centro de Recuperación Nutricional {m}", Sector.NUTRITION),
    ("SO01", "Oficina de Desarrollo Social, {m}", Sector.SOCIAL),
)
# Ethnic mixes and poverty weights (extreme, poor, not poor, unknown) of the demo's departments,
# given to the synthetic regions in turn.
REGION_PROFILES = [(d.ethnicity, d.poverty) for d in geo.DEPARTMENTS]


@dataclass
class Community:
    id: int
    code: str
    name: str
    path: str
    muni: int  # index in World.munis
    region: int  # index in World.regions
    urban: bool
    lat: float
    lon: float
    weight: float
    volunteers: list[tuple[int, str]] = field(default_factory=list)  # (user id, username)


@dataclass
class Municipality:
    id: int
    code: str
    name: str
    region: int
    communities: list[int] = field(default_factory=list)  # indexes in World.communities
    services: dict[str, list[int]] = field(default_factory=dict)  # sector -> unit ids
    facilitator: tuple[int, str] = (0, "")


@dataclass
class Region:
    id: int
    code: str
    number: int
    ethnicity: tuple[tuple[str, int], ...]
    poverty: tuple[int, int, int, int]


@dataclass
class World:
    seed: int
    today: dt.date
    root_id: int = 0
    root_path: str = ""
    regions: list[Region] = field(default_factory=list)
    munis: list[Municipality] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    cumulative: list[float] = field(default_factory=list)  # community weights, for placing
    national_manager: tuple[int, str] = (0, "")
    programmes: dict[str, tuple[object, dict]] = field(default_factory=dict)  # code -> (id, cfg)
    items: dict[str, int] = field(default_factory=dict)  # item code -> id
    salt: int = 0  # UUID prefix base (see values.Uuids)
    unit_counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def for_seed(cls, seed: int, today: dt.date) -> World:
        salt = int.from_bytes(hashlib.sha256(f"synth-{seed}".encode()).digest()[:4], "big")
        return cls(seed=seed, today=today, salt=salt & 0x7FFF0000)


@dataclass
class _Unit:
    code: str
    name: str
    parent: str | None
    depth: int
    kind: str = Kind.AREA
    sector: str = ""
    lat: float | None = None
    lon: float | None = None
    boundary: dict | None = None


def _allocate(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    base = [minimum] * len(weights)
    rest = total - sum(base)
    raw = [rest * w / sum(weights) for w in weights]
    counts = [b + math.floor(r) for b, r in zip(base, raw, strict=True)]
    order = sorted(range(len(weights)), key=lambda i: (-(raw[i] - math.floor(raw[i])), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def plan_territory(seed: int) -> tuple[list[_Unit], dict[str, dict]]:
    """The units (parents first) and, per community code, its urban flag and weight."""
    rng = random.Random(f"synth-territory-{seed}")
    lat0, lon0 = CENTRE
    units = [_Unit(ROOT_CODE, ROOT_NAME, None, 0, lat=lat0, lon=lon0)]
    extra: dict[str, dict] = {}
    region_sizes = _allocate(N_MUNICIPALITIES, [rng.uniform(0.5, 2.0) for _ in range(N_REGIONS)],
                             minimum=4)
    taken: set[str] = set()
    for r, n_munis in enumerate(region_sizes, start=1):
        rlat = lat0 + ((r - 1) // 5 - 2) * 1.3
        rlon = lon0 + ((r - 1) % 5 - 2) * 1.3
        rcode = f"{ROOT_CODE}-{r:02d}"
        units.append(_Unit(rcode, names.REGIONS[r - 1], ROOT_CODE, 1, lat=round(rlat, 5),
                           lon=round(rlon, 5), boundary=geo.hexagon(rlat, rlon, 0.72)))
        n_prov = max(1, round(n_munis / 4))
        for p in range(1, n_prov + 1):
            units.append(_Unit(f"{rcode}-P{p}", f"Provincia {names.REGIONS[r - 1]} {p}", rcode, 2,
                               lat=round(rlat, 5), lon=round(rlon, 5)))
        side = math.ceil(math.sqrt(n_munis))
        for m in range(1, n_munis + 1):
            mlat = rlat + ((m - 1) // side - (side - 1) / 2) * 1.1 / side
            mlon = rlon + ((m - 1) % side - (side - 1) / 2) * 1.1 / side
            mcode = f"{ROOT_CODE}-{r:02d}{m:02d}"
            mname = names.municipality_name(rng, taken)
            units.append(_Unit(mcode, mname, f"{rcode}-P{(m - 1) % n_prov + 1}", 3,
                               lat=round(mlat, 5), lon=round(mlon, 5),
                               boundary=geo.hexagon(mlat, mlon, 0.45 / side,
                                                    rng.uniform(0, math.pi / 3))))
            size = rng.lognormvariate(0, 0.6) * (6 if (r, m) == (1, 1) else 1)
            comms = []
            for c in range(1, rng.randint(7, 19) + 1):
                urban = c == 1 or rng.random() < 0.25
                angle, dist = rng.uniform(0, 2 * math.pi), rng.uniform(0.05, 0.4) / side
                ccode = f"{mcode}-{c:03d}"
                cname = f"{mname} Centro" if c == 1 else names.community_name(rng, urban)
                unit = _Unit(ccode, cname, mcode, 4, lat=round(mlat + dist * math.sin(angle), 5),
                             lon=round(mlon + dist * math.cos(angle), 5))
                units.append(unit)
                comms.append(unit)
                extra[ccode] = {"urban": urban, "weight": size * (2.0 if urban else 1.0)}
            patron = rng.choice(geo.SCHOOL_PATRONS)
            rural = [u for u in comms if not extra[u.code]["urban"]] or comms
            for suffix, pattern, sector in SERVICES:
                near = comms[0] if suffix in ("CS01", "PR01", "SO01") else rng.choice(
                    rural if suffix == "CS02" else comms)
                units.append(_Unit(
                    f"{mcode}-{suffix}", pattern.format(m=mname, c=near.name, p=patron), mcode,
                    4, kind=Kind.SERVICE_POINT, sector=sector,
                    lat=round(near.lat + rng.uniform(-0.003, 0.003), 5),
                    lon=round(near.lon + rng.uniform(-0.003, 0.003), 5)))
    return units, extra


def save_territory(world: World) -> None:
    """Create the levels that are missing, then the units by depth, then their paths."""
    for depth, code, name in geo.LEVELS:
        if not Level.objects.filter(depth=depth).exists():
            Level.objects.create(depth=depth, code=code, name=name)
    planned, extra = plan_territory(world.seed)
    ids: dict[str, int] = {}
    for depth in range(5):
        objs = [OrgUnit(code=u.code, name=u.name, parent_id=ids[u.parent] if u.parent else None,
                        depth=u.depth, path="", kind=u.kind, sector=u.sector, latitude=u.lat,
                        longitude=u.lon, boundary=u.boundary)
                for u in planned if u.depth == depth]
        OrgUnit.objects.bulk_create(objs, batch_size=1000)
        ids.update(OrgUnit.objects.filter(depth=depth, code__startswith=ROOT_CODE + "-")
                   .values_list("code", "id") if depth else
                   OrgUnit.objects.filter(code=ROOT_CODE).values_list("code", "id"))
    fill_paths()
    _load_world(world, extra)


def _load_world(world: World, extra: dict[str, dict]) -> None:
    rows = list(OrgUnit.objects.filter(path__startswith=OrgUnit.objects.get(code=ROOT_CODE).path)
                .order_by("path").values("id", "code", "name", "path", "depth", "kind",
                                         "sector", "parent_id", "latitude", "longitude"))
    by_id = {r["id"]: r for r in rows}
    root = next(r for r in rows if r["depth"] == 0)
    world.root_id, world.root_path = root["id"], root["path"]
    region_index: dict[int, int] = {}
    muni_index: dict[int, int] = {}
    for r in sorted((r for r in rows if r["depth"] == 1), key=lambda r: r["code"]):
        number = int(r["code"].rsplit("-", 1)[1])
        ethnicity, poverty = REGION_PROFILES[(number - 1) % len(REGION_PROFILES)]
        region_index[r["id"]] = len(world.regions)
        world.regions.append(Region(r["id"], r["code"], number, ethnicity, poverty))
    for r in sorted((r for r in rows if r["depth"] == 3), key=lambda r: r["code"]):
        province = by_id[r["parent_id"]]
        muni_index[r["id"]] = len(world.munis)
        world.munis.append(Municipality(r["id"], r["code"], r["name"],
                                        region_index[province["parent_id"]]))
    for r in sorted((r for r in rows if r["depth"] == 4), key=lambda r: r["code"]):
        muni = world.munis[muni_index[r["parent_id"]]]
        if r["kind"] == Kind.SERVICE_POINT:
            muni.services.setdefault(r["sector"], []).append(r["id"])
            continue
        info = extra[r["code"]]
        muni.communities.append(len(world.communities))
        world.communities.append(Community(
            r["id"], r["code"], r["name"], r["path"], muni_index[r["parent_id"]], muni.region,
            info["urban"], r["latitude"], r["longitude"], info["weight"]))
    world.cumulative = list(itertools.accumulate(c.weight for c in world.communities))
    world.unit_counts = {
        "regions": len(world.regions),
        "provinces": sum(1 for r in rows if r["depth"] == 2),
        "municipalities": len(world.munis), "communities": len(world.communities),
        "service_points": sum(1 for r in rows if r["kind"] == Kind.SERVICE_POINT),
    }


def from_database(seed: int, today: dt.date) -> World:
    """The world of a data set already written with this seed, read back from the database
    (to make one of its chunks again, elsewhere or later)."""
    world = World.for_seed(seed, today)
    _load_world(world, plan_territory(seed)[1])
    load_programmes(world)
    comm_index = {c.id: c for c in world.communities}
    muni_index = {m.id: m for m in world.munis}
    staff = (User.objects.filter(username__startswith=USER_PREFIX)
             .order_by("id").values_list("id", "username", "role", "territories"))
    for uid, username, role, unit in staff:
        if role == Role.VOLUNTEER and unit in comm_index:
            comm_index[unit].volunteers.append((uid, username))
        elif role == Role.FACILITATOR and unit in muni_index:
            muni_index[unit].facilitator = (uid, username)
        elif role == Role.NATIONAL_MANAGER:
            world.national_manager = (uid, username)
    return world


def load_programmes(world: World) -> None:
    """The preset programmes (created when missing) and the item catalogue."""
    from crecer.deliveries.catalogue import load_items
    from crecer.deliveries.models import Item

    load_presets()
    load_items()
    for code in ("honduras-pi-volunteers", "juntos-cct"):
        p = Programme.objects.get(code=code)
        world.programmes[code] = (p.pk.hex, p.config)
    world.items = dict(Item.objects.values_list("code", "id"))


def save_staff(world: World, sink: Sink, *, persons: int, duplicate_share: float,
               date_joined: str) -> dict[int, tuple[str, str]]:
    """Volunteers (one per ~25 expected households of each community), one facilitator per
    municipality and a national manager, with unusable passwords; their ids are a block taken
    from the table's id sequence (`Writer.reserve_ids`). Returns each user's (first name, last
    name), for their worker rows (`staff.save_workforce`)."""
    rng = random.Random(f"synth-staff-{world.seed}")
    expected = persons * (1 - duplicate_share) / MEAN_FAMILY
    total_weight = world.cumulative[-1]
    per_community = [
        max(1, round(expected * c.weight / total_weight / HOUSEHOLDS_PER_VOLUNTEER))
        for c in world.communities]
    start = sink.writer.reserve_ids("users", 1 + len(world.munis) + sum(per_community))
    next_id = itertools.count(start)
    # "!" marks an unusable password (Django's convention): these accounts cannot log in until
    # an administrator sets a password.
    password = "!" + hashlib.sha256(f"synth-{world.seed}".encode()).hexdigest()[:40]
    made: dict[int, tuple[str, str]] = {}

    def user(username: str, role: str, sex: str, unit_id: int) -> tuple[int, str]:
        uid = next(next_id)
        first, last = names.given_names(rng, sex), f"{names.surname(rng)} {names.surname(rng)}"
        sink.add("users", (uid, password, None, False, username, first, last, "", False, True,
                           date_joined, role, "es"))
        sink.add("user_territories", (uid, unit_id))
        made[uid] = (first, last)
        return uid, username

    world.national_manager = user(f"{USER_PREFIX}nacional", Role.NATIONAL_MANAGER,
                                  rng.choice("FM"), world.root_id)
    n = 0
    for muni in world.munis:
        muni.facilitator = user(f"{USER_PREFIX}f-{muni.code.lower()}", Role.FACILITATOR,
                                "F" if rng.random() < 0.8 else "M", muni.id)
        for ci in muni.communities:
            comm = world.communities[ci]
            for _i in range(per_community[ci]):
                n += 1
                comm.volunteers.append(user(f"{USER_PREFIX}v{n:06d}", Role.VOLUNTEER,
                                            "F" if rng.random() < 0.85 else "M", comm.id))
    sink.flush()
    return made
