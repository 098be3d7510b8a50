"""Referral fixtures: service points in municipalities A1 and B1, a nurse whose territory is the
health centre itself, and a helper that refers the `family` child."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def services(tree):
    from crecer.territory.actions import create_unit

    return {
        "health_a1": tree.health_a1,
        "protection_a1": create_unit(code="HN-0101-DP1", name="Defensoría La Ceiba",
                                     parent=tree.muni_a1, kind="service_point",
                                     sector="protection"),
        "health_b1": create_unit(code="HN-0801-CS1", name="CESAMO Villa Nueva",
                                 parent=tree.muni_b1, kind="service_point", sector="health"),
    }


@pytest.fixture
def nurse(make_user, tree):
    """Staff of the health centre: her territory is the service point itself."""
    return make_user("nurse", "facilitator", tree.health_a1)


@pytest.fixture
def refer(users, family, services):
    """refer(**overrides): the family's child referred to the health centre by the officer."""
    from crecer.referrals import actions

    def make(**kw):
        args = {"actor": users["municipal_officer"], "person": family["child"],
                "to_service": services["health_a1"], "reason_code": "fever",
                "urgency": "routine"}
        args.update(kw)
        return actions.create_referral(**args)

    return make


@pytest.fixture
def today():
    return timezone.localdate()


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)
