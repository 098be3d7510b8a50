"""The MAS-BIENESTAR template (components, numbered steps, key factors, progression indicators
from seeds/002) and the calendar of phases."""

from __future__ import annotations

import datetime as dt

import pytest

from crecer.implementation.template import TemplateError, add_months, load, parse


def test_mas_bienestar_template_has_the_seed_components():
    tpl = load("mas-bienestar")
    numbers = [c.number for c in tpl.components]
    assert numbers == ["1", "2", "3", "4a", "4b", "5", "6", "7", "8", "9", "10", "11"]
    by_code = {c.code: c for c in tpl.components}
    # step counts of the seed's "Pasos para la implementación"
    assert len(by_code["coordination"].steps) == 9
    assert len(by_code["state_structure"].steps) == 11
    assert len(by_code["provision_models"].steps) == 20
    assert len(by_code["information_systems"].steps) == 7
    assert by_code["coordination"].steps[5].title_es == "Integración de CEIM"
    assert all(c.factors and c.indicators for c in tpl.components)
    staged = [i.stage for i in by_code["community_action"].indicators]
    assert "weeks 1-2" in staged and "week 4 onwards" in staged
    assert list(tpl.phases) == ["planning_start", "operation", "consolidation"]
    assert [p.ends_month for p in tpl.phases.values()] == [3, 12, 24]
    assert tpl.step_count == sum(len(c.steps) for c in tpl.components) == 110
    for c in tpl.components:
        assert [s.number for s in c.steps] == list(range(1, len(c.steps) + 1))
        assert {s.phase for s in c.steps} <= set(tpl.phases)


def test_due_dates_follow_the_calendar():
    tpl = load("mas-bienestar")
    start = dt.date(2025, 11, 30)
    assert tpl.due_date(start, "planning_start") == dt.date(2026, 2, 28)
    assert tpl.due_date(start, "operation") == dt.date(2026, 11, 30)
    assert tpl.due_date(start, "consolidation") == dt.date(2027, 11, 30)
    assert tpl.due_date(start, "operation", due_month=6) == dt.date(2026, 5, 30)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2026, 3, 15), -3) == dt.date(2025, 12, 15)


def minimal(**step) -> dict:
    return {"template": {"code": "t", "name": "T"},
            "phases": {"a": {"ends_month": 3, "name": "A"}},
            "component": [{"code": "c", "name": "C",
                           "step": [{"number": 1, "phase": "a", "title": "S", **step}]}]}


@pytest.mark.parametrize("change,message", [
    ({"phase": "zzz"}, "unknown phase 'zzz'"),
    ({"number": 0}, "step numbers"),
    ({"title": ""}, "`title`"),
    ({"due_month": "soon"}, "due_month"),
])
def test_malformed_templates_name_the_entry(change, message):
    assert parse(minimal()).step_count == 1
    with pytest.raises(TemplateError) as info:
        parse(minimal(**change), where="mine.toml")
    assert message in str(info.value) and "mine.toml component c" in str(info.value)


def test_unknown_template():
    with pytest.raises(TemplateError):
        load("no-such-template")
