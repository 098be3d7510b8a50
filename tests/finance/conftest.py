"""Finance fixtures: the shipped funding sources, and a hand-computed world (see `world`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def sources(db):
    from crecer.finance.actions import load_default_sources
    from crecer.finance.models import FundingSource

    load_default_sources()
    return {s.code: s for s in FundingSource.objects.all()}


def login(client, user):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _household(actor, territory, code):
    from crecer.registry import actions

    return actions.create_household(actor=actor, territory=territory, data={"code": code})


@pytest.fixture
def world(tree, users, sources):
    """Year 2025, by hand:

    La Ceiba (muni_a1)   central 3000 (staff) + municipality in kind 1000 (transport)
                         + community in kind 500 + UNICEF 5500       = 10000, government 4000
                         (and 700 in 2024, 900 in 2026: other years)
                         families active in 2025: 4 (one exited in March 2025, one in two
                         programmes; one exited in 2024 and one enrolled in 2026 do not count)
    El Porvenir (muni_a2) municipality 2000 + UNICEF 2000            =  4000, government 2000
                         families: 2
    Provincia A                                                      = 14000, government 6000
                                                                       (42.857 %), 6 families
    Budgets 2025: La Ceiba municipality 1500 in the early-childhood line, UNICEF 6000;
                  El Porvenir UNICEF 2500 (no early-childhood line).
    """
    from crecer.finance.models import Budget, Expenditure
    from crecer.programmes.models import Enrolment, Programme

    t, s, admin = tree, sources, users["admin"]
    d = dt.date
    rows = [
        (t.muni_a1, d(2025, 2, 1), "staff", "gobierno-central", "3000", False, ""),
        (t.muni_a1, d(2025, 5, 1), "transport", "municipalidad", "1000", True, "10 trips × 100"),
        (t.comm_a1, d(2025, 6, 1), "other", "aporte-comunitario", "500", True, "rooms"),
        (t.muni_a1, d(2025, 12, 31), "materials_kits", "unicef", "5500", False, ""),
        (t.muni_a1, d(2024, 12, 31), "staff", "gobierno-central", "700", False, ""),
        (t.muni_a1, d(2026, 1, 1), "staff", "gobierno-central", "900", False, ""),
        (t.muni_a2, d(2025, 1, 1), "food", "municipalidad", "2000", False, ""),
        (t.comm_a2, d(2025, 3, 3), "training", "unicef", "2000", False, ""),
    ]
    Expenditure.objects.bulk_create([
        Expenditure(unit=u, date=day, category=c, source=s[src], amount=Decimal(a), in_kind=k,
                    valuation_note=v) for u, day, c, src, a, k, v in rows])
    Budget.objects.bulk_create([
        Budget(unit=t.muni_a1, year=2025, category="staff", source=s["municipalidad"],
               amount=Decimal(1500), is_ecd_line=True),
        Budget(unit=t.muni_a1, year=2025, category="training", source=s["unicef"],
               amount=Decimal(6000)),
        Budget(unit=t.muni_a2, year=2025, category="training", source=s["unicef"],
               amount=Decimal(2500)),
    ])
    home = Programme.objects.create(code="home", name="Home visits", kind="home_visits")
    cash = Programme.objects.create(code="cash", name="Cash", kind="cash_transfer")
    a1 = [_household(admin, t.comm_a1, f"A1-{i}") for i in range(4)]
    a1b = _household(admin, t.comm_a1b, "A1B")
    gone = _household(admin, t.comm_a1, "GONE")
    late = _household(admin, t.comm_a1, "LATE")
    a2 = [_household(admin, t.comm_a2, f"A2-{i}") for i in range(2)]
    e = Enrolment.objects.create
    e(programme=home, household=a1[0], start=d(2024, 1, 1))
    e(programme=cash, household=a1[0], start=d(2025, 1, 1))  # the same family, counted once
    e(programme=home, household=a1[1], start=d(2024, 6, 1), end=d(2025, 3, 1), status="exited")
    e(programme=home, household=a1[2], start=d(2025, 7, 1))
    e(programme=cash, household=a1b, start=d(2025, 12, 31))
    e(programme=home, household=gone, start=d(2023, 1, 1), end=d(2024, 12, 31), status="exited")
    e(programme=home, household=late, start=d(2026, 1, 1))
    for h in a2:
        e(programme=home, household=h, start=d(2025, 1, 1))
    return {"province": tree.muni_a1.parent}
