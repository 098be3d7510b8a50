"""Interop fixtures: a few indicators over the shared tree, and English messages."""

from __future__ import annotations

import pytest
from django.utils import translation

# code: (numerator, denominator, factor, decimals)
INDICATORS = {
    "children": ("count(persons where child)", "", 1, 0),
    "girls_share": ("count(persons where child and sex = 'F')", "count(persons where child)",
                    100, 1),
    "caregivers": ("count(persons where caregiver)", "", 1, 0),
    "calls_reached_pct": ("count(contacts where remote and reached)",
                          "count(contacts where remote)", 100, 1),
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def indicators(db):
    from crecer.indicators.models import Indicator

    return {code: Indicator.objects.create(
        code=code, name=f"Indicator {code}", definition=code, results_chain="output",
        numerator=num, denominator=den, factor=factor, decimals=decimals,
        disaggregations=["sex"] if code == "children" else [])
        for code, (num, den, factor, decimals) in INDICATORS.items()}
