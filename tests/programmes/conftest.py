from __future__ import annotations

import pytest


@pytest.fixture
def presets(db):
    from crecer.programmes.presets import load_presets

    return {p.code: p for p in load_presets()}


@pytest.fixture
def volunteer(users):
    return users["volunteer"]


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield
