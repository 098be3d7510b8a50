"""Workforce fixtures: a small curriculum (two core modules plus one module per role) and a
staff of workers in the shared tree (municipality A1, with one volunteer in B1 outside)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from crecer.workforce.models import Curriculum, Institution, Module, Worker

PAST = dt.date(2025, 1, 6)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def login():
    """login(user) -> a client logged in, in English."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


@pytest.fixture
def curriculum(db):
    c = Curriculum.objects.create(code="t-initial", name="Initial training",
                                  for_kinds=["volunteer", "facilitator", "municipal_staff"],
                                  grants_level="basic")
    specs = [("core-a", ""), ("core-b", ""), ("vol-a", "volunteer"), ("fac-a", "facilitator"),
             ("muni-a", "municipal_staff")]
    modules = {code.replace("-", "_"): Module.objects.create(
        curriculum=c, code=code, name=f"Module {code}", order=n, is_core=not kind,
        for_kind=kind) for n, (code, kind) in enumerate(specs, start=1)}
    return SimpleNamespace(curriculum=c, **modules)


def make_worker(territory, kind="volunteer", given="Ana", surnames="López", start=None,
                leave=None, user=None, institution=None) -> Worker:
    return Worker.objects.create(
        territory=territory, kind=kind, given_names=given, surnames=surnames,
        start_date=start or dt.date(2020, 1, 1), leave_date=leave,
        leave_reason="resigned" if leave else "", user=user, institution=institution)


@pytest.fixture
def staff(tree, users, curriculum):
    """The facilitator (linked to the `fac` user) in La Ceiba, 14 volunteers in its two
    communities, two municipal staff; a volunteer and a facilitator in Distrito Central."""
    salud = Institution.objects.create(code="salud", name="Secretaría de Salud", local=True)
    Institution.objects.create(code="proyecto", name="Equipo del proyecto", local=False)
    fac = make_worker(tree.muni_a1, "facilitator", "Fabiola", "Facilitadora",
                      user=users["facilitator"], institution=salud)
    volunteers = [make_worker(tree.comm_a1 if n % 2 else tree.comm_a1b, given=f"Vol{n:02d}",
                              surnames="Voluntaria") for n in range(1, 15)]
    muni_staff = [make_worker(tree.muni_a1, "municipal_staff", f"Muni{n}", "Staff")
                  for n in (1, 2)]
    outsider = make_worker(tree.comm_b1, given="Berta", surnames="Fuera")
    fac_b = make_worker(tree.muni_b1, "facilitator", "Fausta", "Central")
    return SimpleNamespace(fac=fac, volunteers=volunteers, muni_staff=muni_staff,
                           outsider=outsider, fac_b=fac_b, salud=salud)
