"""The shipped data elements: loaded idempotently, checked before anything is written."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from crecer.aggregates.catalogue import CatalogueError, group, load_elements, read
from crecer.aggregates.models import DataElement

GATE_ELEMENTS = {
    "budget_total", "budget_ecd", "has_ecd_budget_line", "expenditure_programme",
    "expenditure_government", "workshops_total", "workshops_local_staff",
    "health_committees_formed", "committee_meetings", "promotion_sessions_childhood",
    "promotion_sessions_adolescence", "promotion_sessions_adulthood",
    "promotion_sessions_elderly", "municipal_teams_trained_full", "municipal_teams_total",
    "parenting_scale_baseline", "parenting_scale_followup",
}


def test_shipped_file_has_the_seed_elements_with_spanish_names():
    data = read()
    by_code = {e["code"]: e for e in data["element"]}
    assert GATE_ELEMENTS <= set(by_code)
    assert all(e.get("name_es") and e.get("description_es") for e in data["element"])
    assert by_code["workshops_total"]["period_type"] == "quarter"
    assert by_code["committee_meetings"]["period_type"] == "month"
    assert by_code["has_ecd_budget_line"]["value_type"] == "boolean"
    assert by_code["workshops_local_staff"]["not_above"] == "workshops_total"


def test_load_elements_is_an_idempotent_upsert(db):
    first = load_elements()
    assert first["created"] == len(read()["element"]) and first["updated"] == 0
    assert load_elements() == {"created": 0, "updated": 0,
                               "unchanged": len(read()["element"])}
    DataElement.objects.filter(code="budget_total").update(name="edited", max_value=5)
    again = load_elements()
    assert again["updated"] == 1
    element = DataElement.objects.get(code="budget_total")
    assert element.name == "Municipal budget, total" and element.max_value is None
    # elements added in the admin are left alone
    DataElement.objects.create(code="local_extra", name="Extra", value_type="integer",
                               period_type="month")
    load_elements()
    assert DataElement.objects.filter(code="local_extra", active=True).exists()


def test_label_follows_the_active_language(elements):
    element = elements["workshops_total"]
    with translation.override("es"):
        assert element.label == "Talleres impartidos"
        assert group(element.group).label == "Talleres y capacitación"
    with translation.override("en"):
        assert element.label == "Workshops given"
        assert group(element.group).label == "Workshops and training"


@pytest.mark.parametrize("body, message", [
    ('code = "x"\nname = "X"\nvalue_type = "text"\nperiod_type = "month"', "value_type"),
    ('code = "x"\nname = "X"\nvalue_type = "integer"\nperiod_type = "week"', "period_type"),
    ('code = "x"\nvalue_type = "integer"\nperiod_type = "month"', "'name' is missing"),
    ('code = "x"\nname = "X"\nvalue_type = "integer"\nperiod_type = "month"\nnot_above = "y"',
     "not_above"),
    ('code = "x"\nname = "X"\nvalue_type = "integer"\nperiod_type = "month"\ncolour = "red"',
     "unknown keys"),
])
def test_malformed_file_is_refused_naming_the_element(tmp_path, db, body, message):
    path = tmp_path / "elements.toml"
    path.write_text("[[element]]\n" + body + "\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_elements(path)
    assert "element 1 (x)" in str(err.value) or "element x" in str(err.value)
    assert message in str(err.value)
    assert not DataElement.objects.exists()


def test_command_loads_the_elements(db):
    out = StringIO()
    call_command("aggregates", "load-elements", stdout=out)
    assert f"{len(read()['element'])} created" in out.getvalue()
    out = StringIO()
    call_command("aggregates", "load-elements", stdout=out)
    assert "0 created, 0 updated" in out.getvalue()
