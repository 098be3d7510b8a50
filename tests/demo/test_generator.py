"""The demo data generator: shape, realism, determinism, planted duplicates, accounts, audit."""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata

import pytest

from crecer.demo.generator import DEMO_ACCOUNTS, DemoDataExists, generate
from crecer.demo.plan import build_plan, person_key
from crecer.demo.population import age_band
from crecer.registry.identifiers import normalize_id, search_name
from crecer.registry.models import Household, IdType, Person, PersonRole, Relationship
from crecer.territory.models import AGE_BANDS

PASSWORD = "demo-pass-123"
SMALL = {"households": 300, "duplicates": 30}


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def demo(db, data_dir):
    return generate(password=PASSWORD, **SMALL)


def _age(birth: dt.date, today: dt.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _has_accent(text: str) -> bool:
    return unicodedata.normalize("NFKD", text) != text


def _inside(point, ring) -> bool:
    """Ray casting: is (x, y) inside the polygon ring?"""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def test_territory_tree_shape_codes_paths_and_boundaries(demo):
    from crecer.territory.models import Level, OrgUnit

    units = {u.pk: u for u in OrgUnit.objects.all()}
    areas = [u for u in units.values() if u.kind == "area"]
    regions = [u for u in areas if u.depth == 1]
    munis = [u for u in areas if u.depth == 3]
    communities = [u for u in areas if u.depth == 4]
    points = [u for u in units.values() if u.kind == "service_point"]
    assert [u.code for u in areas if u.depth == 0] == ["HN"]
    assert len(regions) >= 2 and len(munis) >= 8
    assert len(communities) >= 40 and len(communities) + len(points) >= 40
    assert {p.sector for p in points} >= {"health", "education", "daycare", "protection"}
    assert Level.objects.count() == 5
    assert (demo.regions, demo.municipalities) == (len(regions), len(munis))
    for u in units.values():
        expected = f"{units[u.parent_id].path}{u.pk}/" if u.parent_id else f"/{u.pk}/"
        assert u.path == expected, u.code
        assert u.latitude is not None and u.longitude is not None, u.code
    for r in regions:
        assert re.fullmatch(r"HN-(0[1-9]|1[0-8])", r.code)
    for m in munis:
        assert re.fullmatch(r"HN-(0[1-9]|1[0-8])\d\d", m.code)
        region = units[units[m.parent_id].parent_id]
        assert m.code.startswith(region.code)
        ring = m.boundary["coordinates"][0]
        assert m.boundary["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) == 7
        assert _inside((m.longitude, m.latitude), ring)
        region_ring = region.boundary["coordinates"][0]
        assert all(_inside(tuple(v), region_ring) for v in ring[:-1]), m.code
    for c in communities:
        assert re.fullmatch(r"HN-\d{4}-\d{3}", c.code)
        assert c.code.startswith(units[c.parent_id].code)


def test_households_and_families_are_complete_and_plausible(demo):
    today = demo.reference_date
    planted = {dup for _orig, dup in demo.planted_duplicates}
    assert Household.objects.count() == demo.households == 300
    assert Person.objects.count() == demo.persons
    roles = list(PersonRole.objects.values_list("person_id", "role", "expected_delivery_date",
                                                "person__household_id", "person__birth_date"))
    caregiver_households = {hh for _p, role, _e, hh, _b in roles if role == "caregiver"}
    assert caregiver_households == set(Household.objects.values_list("pk", flat=True))
    child_ages = [_age(b, today) for _p, role, _e, _hh, b in roles if role == "child"]
    assert child_ages and min(child_ages) >= 0 and max(child_ages) <= 6
    assert len(set(child_ages)) == 7  # every age 0-6 is present
    edds = [e for _p, role, e, _hh, _b in roles if role == "pregnant"]
    assert 0.08 * 300 <= len(edds) <= 0.25 * 300
    assert all(today + dt.timedelta(days=28) <= e <= today + dt.timedelta(days=272) for e in edds)

    persons = list(Person.objects.select_related("household"))
    originals = [p for p in persons if p.pk not in planted]
    assert all(p.territory_id == p.household.territory_id for p in persons)
    assert all(p.second_surname for p in originals)
    assert sum(_has_accent(p.full_name) for p in persons) > len(persons) * 0.3
    assert sum(" " in p.given_names for p in persons) > len(persons) * 0.25
    assert all(p.search_name == search_name(p.given_names, p.first_surname, p.second_surname)
               for p in persons)
    adults = [p for p in originals if _age(p.birth_date, today) >= 18]
    assert sum(bool(p.id_number) for p in adults) > 0.85 * len(adults)
    for p in persons:
        if p.id_number:
            assert p.id_type == IdType.DNI_HN and p.id_country == "HN"
            assert normalize_id(IdType.DNI_HN, p.id_number) == p.id_number
        if p.phone:
            assert re.fullmatch(r"\+504[389]\d{7}", p.phone)
    caregivers = [p for p in originals if any(p.pk == r[0] and r[1] == "caregiver" for r in roles)]
    assert sum(p.sex == "F" for p in caregivers) > 0.75 * len(caregivers)
    assert all(18 <= _age(p.birth_date, today) <= 80 for p in caregivers)
    estimated = sum(p.birth_date_estimated for p in persons)
    assert 0.01 * len(persons) < estimated < 0.1 * len(persons)
    assert len({p.ethnicity for p in persons}) >= 5
    assert {"español", "miskito", "garífuna"} <= {p.language for p in persons}
    assert any(p.disability and p.disability_detail for p in persons)
    kinds = set(Relationship.objects.values_list("kind", flat=True))
    assert {"mother", "father", "grandparent"} <= kinds
    hh = Household.objects.exclude(monthly_income=None).first()
    assert hh.address and hh.area in ("rural", "urban") and hh.poverty_level and hh.rooms
    assert {"rural", "urban"} == set(Household.objects.values_list("area", flat=True))


def test_population_estimates_cover_every_unit_band_and_exceed_the_registry(demo):
    from crecer.territory.models import OrgUnit, PopulationEstimate

    today = demo.reference_date
    years = {today.year - 1, today.year}
    units = OrgUnit.objects.filter(kind="area", depth__in=[3, 4])
    rows = list(PopulationEstimate.objects.values_list("unit_id", "year", "sex", "age_band", "value"))
    keys = {(u, y, s, b) for u, y, s, b, _v in rows}
    for unit in units:
        for year in years:
            for sex in "FM":
                for band in AGE_BANDS:
                    assert (unit.pk, year, sex, band) in keys, (unit.code, year, sex, band)
    assert len(rows) == demo.population_estimates == units.count() * 2 * 2 * len(AGE_BANDS)
    planted = {dup for _orig, dup in demo.planted_duplicates}
    registered: dict[tuple, int] = {}
    for p in Person.objects.exclude(pk__in=planted).select_related("territory__parent"):
        band = age_band(p.birth_date, today)
        for unit in (p.territory, p.territory.parent):
            key = (unit.pk, p.sex, band)
            registered[key] = registered.get(key, 0) + 1
    values = {(u, s, b): v for u, y, s, b, v in rows if y == today.year}
    assert all(values[key] > n for key, n in registered.items())
    # A municipality counts more people than its registered communities.
    parent = dict(units.values_list("pk", "parent_id"))
    totals: dict[int, int] = {}
    for (unit, _sex, _band), value in values.items():
        totals[unit] = totals.get(unit, 0) + value
    for muni in units.filter(depth=3):
        inside = sum(v for u, v in totals.items() if parent[u] == muni.pk)
        assert totals[muni.pk] >= inside > 0


def test_planted_duplicates_are_near_copies_in_the_same_municipality(demo, data_dir):
    pairs = demo.planted_duplicates
    assert len(pairs) == 30
    assert len({d for _o, d in pairs}) == 30 and len({o for o, _d in pairs}) == 30
    persons = Person.objects.select_related("household__territory").in_bulk(
        [i for pair in pairs for i in pair])
    fields = ("given_names", "first_surname", "second_surname", "birth_date", "phone", "id_number")
    for orig_id, dup_id in pairs:
        orig, dup = persons[orig_id], persons[dup_id]
        assert any(getattr(orig, f) != getattr(dup, f) for f in fields), (orig, dup)
        assert orig.household.territory.parent_id == dup.household.territory.parent_id
        assert orig.sex == dup.sex
        assert dup.id_number in ("", orig.id_number)
        assert dup.search_name.split()[0][:1] == orig.search_name.split()[0][:1]
    with (data_dir / "demo" / "planted_duplicates.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["original_id"], r["duplicate_id"]) for r in rows] == [(str(o), str(d)) for o, d in pairs]
    assert {r["placement"] for r in rows} == {"same_household", "other_household"}
    noise = {kind for r in rows for kind in r["noise"].split("+")}
    assert {"typo", "swapped_surnames", "no_second_surname"} <= noise
    assert {r["role"] for r in rows} >= {"child", "caregiver"}


def test_one_account_per_role_in_the_documented_territory(demo):
    from crecer.accounts.models import Role, User

    users = {u.username: u for u in User.objects.prefetch_related("territories")}
    assert [a[0] for a in DEMO_ACCOUNTS] == ["voluntaria", "facilitadora", "municipal",
                                             "municipal2", "regional", "nacional", "datos", "admin"]
    assert {u.role for u in users.values()} == set(Role.values)
    for username, _label, place in DEMO_ACCOUNTS:
        user = users[username]
        assert [t.name for t in user.territories.all()] == [place]
        assert user.check_password(PASSWORD)
        assert (user.is_staff, user.is_superuser) == ((True, True) if username == "admin" else (False, False))
    depth = {name: users[name].territories.get().depth for name in users}
    assert depth == {"voluntaria": 4, "facilitadora": 3, "municipal": 3, "municipal2": 3,
                     "regional": 1, "nacional": 0, "datos": 0, "admin": 0}
    municipal, other = users["municipal"].territories.get(), users["municipal2"].territories.get()
    assert users["facilitadora"].territories.get() == municipal
    assert municipal.path.split("/")[2] != other.path.split("/")[2]  # different regions
    assert users["voluntaria"].territories.get().parent == municipal
    assert municipal.path.startswith(users["regional"].territories.get().path)
    # The volunteer sees households in her community.
    from crecer.registry.queries import households_for

    assert households_for(users["voluntaria"]).exists()


def test_every_household_and_person_is_audited_as_an_import(demo):
    from crecer.core.models import AuditEvent

    events = AuditEvent.objects.filter(actor_username="demo-generator")
    assert events.count() == demo.audit_events == demo.households + demo.persons
    assert set(events.values_list("action", flat=True)) == {"import"}
    assert not events.exclude(actor=None).exists()
    person = Person.objects.select_related("territory").first()
    event = events.get(entity="registry.person", object_id=str(person.pk))
    assert event.person_id == person.pk and event.territory_path == person.territory.path
    assert event.changes["given_names"] == [None, person.given_names]
    assert events.filter(entity="registry.household").count() == demo.households


def test_same_seed_plans_the_same_people_and_another_seed_does_not():
    day = dt.date(2026, 3, 15)
    a = build_plan(seed=7, households=120, duplicates=12, reference_date=day)
    b = build_plan(seed=7, households=120, duplicates=12, reference_date=day)
    c = build_plan(seed=8, households=120, duplicates=12, reference_date=day)
    assert [person_key(p) for p in a.persons] == [person_key(p) for p in b.persons]
    assert a.digest() == b.digest() != c.digest()
    assert [p.pk for p in a.persons] == [p.pk for p in b.persons]
    assert [(d.noise, d.placement) for d in a.planted] == [(d.noise, d.placement) for d in b.planted]
    assert [(u.code, u.boundary) for u in a.units] == [(u.code, u.boundary) for u in b.units]
    assert [(e.unit.code, e.sex, e.age_band, e.value) for e in a.population] == \
        [(e.unit.code, e.sex, e.age_band, e.value) for e in b.population]


def test_database_holds_exactly_the_planned_people(demo):
    plan = build_plan(seed=2026, reference_date=demo.reference_date, **SMALL)
    assert plan.digest() == demo.digest
    stored = sorted(person_key(p) for p in Person.objects.all())
    assert stored == sorted(person_key(p) for p in plan.persons)


def test_refuses_to_load_twice_and_reports_progress(db, data_dir, capsys):
    generate(password=PASSWORD, progress=True, households=60, duplicates=5)
    out = capsys.readouterr().out
    assert "households 60/60" in out and "planted near-duplicates 5" in out
    with pytest.raises(DemoDataExists):
        generate(password=PASSWORD, households=60, duplicates=5)
    assert Household.objects.count() == 60


@pytest.mark.slow
def test_default_size_has_the_documented_volume(db, data_dir):
    report = generate(password=PASSWORD)
    assert report.households == 3000 and len(report.planted_duplicates) == 300
    assert 9000 < report.persons < 12000
