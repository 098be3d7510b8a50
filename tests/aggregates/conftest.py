"""Aggregate data fixtures: the shipped data elements, loaded through `load_elements`."""

from __future__ import annotations

import pytest


@pytest.fixture
def elements(db):
    from crecer.aggregates.catalogue import load_elements
    from crecer.aggregates.models import DataElement

    load_elements()
    return {e.code: e for e in DataElement.objects.all()}


@pytest.fixture
def past():
    """Past periods of every type (approvals refuse periods that have not started)."""
    return {"month": "202503", "quarter": "2025Q1", "year": "2025"}
