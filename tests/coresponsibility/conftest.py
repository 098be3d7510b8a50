from __future__ import annotations

import datetime as dt
import uuid

import pytest

PERIOD = "2026-10"


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def juntos(db):
    from crecer.programmes.presets import load_presets

    return next(p for p in load_presets() if p.code == "juntos-cct")


@pytest.fixture
def enrolled(users, family, juntos):
    """The family (child born 2024-07-02: 27 months in October 2026, so IRON-SUP and CRED
    apply, the vaccines do not) enrolled in Juntos with the volunteer `vol`."""
    from crecer.programmes import actions

    return actions.enrol(actor=users["municipal_officer"], programme=juntos,
                         household=family["household"], volunteer=users["volunteer"],
                         start=dt.date(2026, 1, 1))


@pytest.fixture
def visit(users, family):
    """Record a home visit of the family on a day with the evidence codes seen."""
    from crecer.fieldwork.actions import record_contact

    def make(day: str, codes: list[str]):
        return record_contact(actor=users["volunteer"], household=family["household"], data={
            "id": str(uuid.uuid4()), "occurred_at": f"{day}T10:00:00",
            "coresponsibility_evidence": codes})

    return make
