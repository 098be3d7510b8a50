"""A cycle of municipality A1 (La Ceiba) made through the actions, and caregivers to score."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def officer(users):
    return users["municipal_officer"]


@pytest.fixture
def cycle(tree, officer):
    from crecer.planning import actions

    return actions.create_cycle(actor=officer, territory=tree.muni_a1, name="RIL 2026",
                                starts_on=TODAY - dt.timedelta(days=60))


@pytest.fixture
def caregivers(tree, users, family):
    """Four caregivers: the family's mother and three more in La Ceiba; a child (not a
    caregiver); and a caregiver in Distrito Central (another region)."""
    from crecer.registry import actions

    officer = users["municipal_officer"]
    hh = actions.create_household(actor=officer, territory=tree.comm_a1b,
                                  data={"code": "H-0002", "area": "urban"})
    more = [actions.register_person(
        actor=officer, household=hh, roles=["caregiver"],
        data={"given_names": name, "first_surname": "Paz", "sex": "F",
              "birth_date": "1990-01-01", "id_type": "DNI_HN", "id_number": number})
        for name, number in (("Ana", "0101-1990-00001"), ("Bea", "0101-1990-00002"),
                             ("Carla", "0101-1990-00003"))]
    officer_b = users["municipal_officer_b"]
    hh_b = actions.create_household(actor=officer_b, territory=tree.comm_b1,
                                    data={"code": "H-B1", "area": "urban"})
    outside = actions.register_person(
        actor=officer_b, household=hh_b, roles=["caregiver"],
        data={"given_names": "Dora", "first_surname": "Cruz", "sex": "F",
              "birth_date": "1991-01-01"})
    return {"inside": [family["mother"], *more], "child": family["child"], "outside": outside}
