from __future__ import annotations

import datetime as dt

import pytest


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def presets(db):
    from crecer.programmes.presets import load_presets

    return {p.code: p for p in load_presets()}


@pytest.fixture
def enrolled(users, family, presets):
    """The family enrolled in the Honduras volunteer model with the volunteer `vol`."""
    from crecer.programmes import actions

    return actions.enrol(actor=users["municipal_officer"],
                         programme=presets["honduras-pi-volunteers"],
                         household=family["household"], volunteer=users["volunteer"],
                         start=dt.date(2025, 1, 1))
