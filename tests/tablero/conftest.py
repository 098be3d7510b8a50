"""A small world for the tablero: the shared tree with square boundaries, population estimates,
households in four communities (caregivers, girls and boys, rural and urban), home visits of a
volunteer, four indicators and a few targets; the engine refreshed over it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crecer.indicators import periods

THIS_MONTH = periods.current("month")
LAST_MONTH = periods.previous(THIS_MONTH)

INDICATORS = [
    # code, name, name_en, numerator, denominator, factor, unit, decimals, chain, dims, field
    ("caregiver-registry", "Cobertura del registro de cuidadores", "Caregiver registry coverage",
     "count(persons where caregiver)",
     'sum(population.value where age_band in ("0-11m", "12-23m", "24-35m", "3y", "4y", "5y"))',
     100, "%", 1, "output", [], False),
    ("children-registered", "Niñas y niños registrados", "Children registered",
     "count(persons where child)", "", 1, "personas", 0, "process",
     ["sex", "age_band", "area"], False),
    ("girls-share", "Proporción de niñas", "Share of girls",
     "count(persons where child and sex = 'F')", "count(persons where child)", 100, "%", 1,
     "outcome", ["area"], False),
    ("home-visits", "Visitas domiciliarias", "Home visits",
     "count(contacts where kind = 'home_visit')", "", 1, "", 0, "output", ["area"], True),
]


def square(lat: float, lon: float, half: float = 0.1) -> dict:
    return {"type": "Polygon", "coordinates": [[
        [lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
        [lon - half, lat + half], [lon - half, lat - half]]]}


def at(period: periods.Period, day: int) -> dt.datetime:
    d = periods.month_start(period.start) + dt.timedelta(days=day)
    return timezone.make_aware(dt.datetime(d.year, d.month, d.day, 10))


def make_indicators():
    from crecer.indicators.models import Indicator

    out = {}
    for (code, name, name_en, num, den, factor, unit, decimals, chain, dims,
         field_level) in INDICATORS:
        out[code] = Indicator.objects.create(
            code=code, name=name, name_en=name_en, definition=f"Definición de {name}",
            numerator=num, denominator=den, factor=factor, unit=unit, decimals=decimals,
            results_chain=chain, disaggregations=dims, field_level=field_level,
            programme_group="Pruebas" if code != "home-visits" else "Campo")
    return out


@pytest.fixture
def dashboard(tree, users, family):
    """The data of the tablero tests, with the engine's results computed."""
    from crecer.fieldwork.models import Contact
    from crecer.indicators import engine
    from crecer.indicators.models import Target
    from crecer.registry import actions
    from crecer.territory.models import OrgUnit, PopulationEstimate

    t = tree
    centres = {
        t.country: (15.0, -86.5, 1.2), t.region_a: (15.6, -87.0, 0.5),
        t.region_b: (14.2, -87.2, 0.5), t.muni_a1: (15.7, -86.8, 0.2),
        t.muni_a2: (15.5, -87.2, 0.2), t.muni_b1: (14.1, -87.2, 0.2),
        t.comm_a1: (15.75, -86.75, 0.04), t.comm_a1b: (15.65, -86.85, 0.04),
        t.comm_a2: (15.5, -87.2, 0.04), t.comm_b1: (14.1, -87.2, 0.04),
    }
    for unit, (lat, lon, half) in centres.items():
        OrgUnit.objects.filter(pk=unit.pk).update(boundary=square(lat, lon, half),
                                                  latitude=lat, longitude=lon)
        unit.refresh_from_db()
    year = THIS_MONTH.year
    for unit, n in ((t.comm_a1, 10), (t.comm_a1b, 4), (t.comm_a2, 5), (t.comm_b1, 20)):
        PopulationEstimate.objects.create(unit=unit, year=year, sex="F", age_band="3y", value=n)

    officer, officer_b = users["municipal_officer"], users["municipal_officer_b"]
    vol = users["volunteer"]
    vol.first_name, vol.last_name = "Rosa", "Mejía"
    vol.save()

    def household(actor, unit, code, area, people):
        hh = actions.create_household(actor=actor, territory=unit,
                                      data={"code": code, "area": area})
        for n, (role, sex, born) in enumerate(people):
            actions.register_person(actor=actor, household=hh, roles=[role], data={
                "given_names": f"{code}-{n}", "first_surname": "Prueba", "sex": sex,
                "birth_date": born})
        return hh

    hh_a1b = household(officer, t.comm_a1b, "H-A1B", "urban", [
        ("caregiver", "F", "1990-01-01"), ("child", "F", "2024-02-01"),
        ("child", "F", "2021-05-01")])
    household(users["admin"], t.comm_a2, "H-A2", "rural", [
        ("caregiver", "F", "1988-01-01"), ("caregiver", "M", "1985-01-01"),
        ("child", "M", "2023-03-01")])
    household(officer_b, t.comm_b1, "H-B1", "rural", [
        ("caregiver", "F", "1992-01-01"), ("child", "F", "2025-01-01")])
    from crecer.programmes.actions import enrol
    from crecer.programmes.presets import load_presets

    programme = next(x for x in load_presets() if x.code == "honduras-pi-volunteers")
    enrol(actor=officer, programme=programme, household=family["household"], volunteer=vol,
          start=periods.month_start(LAST_MONTH.start))
    Contact.objects.bulk_create([
        Contact(household=family["household"], kind="home_visit", volunteer=vol,
                occurred_at=at(THIS_MONTH, 0)),
        Contact(household=family["household"], kind="home_visit", volunteer=vol,
                occurred_at=at(THIS_MONTH, 1)),
        Contact(household=hh_a1b, kind="home_visit", volunteer=vol,
                occurred_at=at(LAST_MONTH, 2)),
    ])
    inds = make_indicators()
    cov = inds["caregiver-registry"]
    for unit, value in ((t.muni_a1, 20), (t.muni_a2, 50), (t.muni_b1, 50), (t.region_a, 25),
                        (t.region_b, 50), (t.country, 30), (t.comm_a1, 20)):
        Target.objects.create(indicator=cov, unit=unit, period=THIS_MONTH.code, value=value)
    engine.refresh(full=True)
    return {"indicators": inds, "volunteer": vol, "programme": programme}
