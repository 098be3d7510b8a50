"""Shared fixtures: a small territory tree and one user per role in several places."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


def pytest_sessionstart(session):
    """Compile the translation catalogues first: .mo files are not in git, and pages are Spanish
    by default, so every test sees the same (translated) interface whatever was run before."""
    from crecer.core.i18n import ensure_compiled

    ensure_compiled()


@dataclass
class Tree:
    country: object
    region_a: object
    region_b: object
    muni_a1: object
    muni_a2: object
    muni_b1: object
    comm_a1: object
    comm_a1b: object
    comm_a2: object
    comm_b1: object
    health_a1: object


@pytest.fixture
def tree(db) -> Tree:
    from crecer.territory.actions import create_unit
    from crecer.territory.models import Level

    for depth, (code, name) in enumerate(
        [("country", "País"), ("region", "Región"), ("province", "Provincia"),
         ("municipality", "Municipio"), ("community", "Comunidad")]
    ):
        Level.objects.get_or_create(depth=depth, defaults={"code": code, "name": name})
    hn = create_unit(code="HN", name="Honduras", parent=None)
    ra = create_unit(code="HN-01", name="Atlántida", parent=hn)
    rb = create_unit(code="HN-08", name="Francisco Morazán", parent=hn)
    pa = create_unit(code="HN-01-P", name="Provincia A", parent=ra)
    pb = create_unit(code="HN-08-P", name="Provincia B", parent=rb)
    ma1 = create_unit(code="HN-0101", name="La Ceiba", parent=pa)
    ma2 = create_unit(code="HN-0102", name="El Porvenir", parent=pa)
    mb1 = create_unit(code="HN-0801", name="Distrito Central", parent=pb)
    return Tree(
        country=hn, region_a=ra, region_b=rb, muni_a1=ma1, muni_a2=ma2, muni_b1=mb1,
        comm_a1=create_unit(code="HN-0101-001", name="Sambo Creek", parent=ma1),
        comm_a1b=create_unit(code="HN-0101-002", name="Corozal", parent=ma1),
        comm_a2=create_unit(code="HN-0102-001", name="Río Cangrejal", parent=ma2),
        comm_b1=create_unit(code="HN-0801-001", name="Villa Nueva", parent=mb1),
        health_a1=create_unit(code="HN-0101-CS1", name="CESAMO Sambo Creek", parent=ma1,
                              kind="service_point", sector="health"),
    )


PASSWORD = "test-pass-123"


@pytest.fixture
def make_user(db):
    from crecer.accounts.models import User

    def make(username: str, role: str, *units):
        user = User.objects.create_user(username=username, password=PASSWORD, role=role)
        user.territories.set(units)
        return user

    return make


@pytest.fixture
def users(tree, make_user):
    """One user per role, each placed where that role usually works."""
    t = tree
    return {
        "volunteer": make_user("vol", "volunteer", t.comm_a1),
        "facilitator": make_user("fac", "facilitator", t.muni_a1),
        "municipal_officer": make_user("muni", "municipal_officer", t.muni_a1),
        "municipal_officer_b": make_user("muni_b", "municipal_officer", t.muni_b1),
        "regional_manager": make_user("reg", "regional_manager", t.region_a),
        "national_manager": make_user("nat", "national_manager", t.country),
        "data_officer": make_user("data", "data_officer", t.country),
        "admin": make_user("adm", "admin", t.country),
    }


@pytest.fixture
def family(tree, users):
    """A household in comm_a1 with a caregiver and a child, created through the actions."""
    from crecer.registry import actions

    officer = users["municipal_officer"]
    hh = actions.create_household(actor=officer, territory=tree.comm_a1,
                                  data={"code": "H-0001", "address": "Calle 1", "area": "rural"})
    mother = actions.register_person(
        actor=officer, household=hh, roles=["caregiver"],
        data={"given_names": "María José", "first_surname": "Hernández", "second_surname": "López",
              "sex": "F", "birth_date": "1995-03-14", "id_type": "DNI_HN",
              "id_number": "0101-1995-00123", "phone": "+50499887766"})
    child = actions.register_person(
        actor=officer, household=hh, roles=["child"], relationships=[(mother, "mother")],
        data={"given_names": "Luis Ángel", "first_surname": "Hernández", "second_surname": "López",
              "sex": "M", "birth_date": "2024-07-02"})
    return {"household": hh, "mother": mother, "child": child}


@pytest.fixture(autouse=True)
def _analytics_dir(settings, tmp_path):
    """Each test gets its own DuckDB extract and results folder."""
    settings.CRECER_ANALYTICS_DIR = tmp_path / "analytics"
