"""/api/v1/indicators: the catalogue, values of territories in scope (outsiders 404, roles
without the tablero 403), and the DHIS2 dataValueSets document."""

from __future__ import annotations

import pytest

from crecer.indicators import engine, periods, queries

THIS_MONTH = periods.current("month").code


@pytest.fixture
def computed(tree, family):
    from crecer.indicators.models import Indicator

    Indicator.objects.create(code="children", name="Children", definition="Children registered",
                             results_chain="output", numerator="count(persons where child)",
                             disaggregations=["sex"], decimals=0)
    Indicator.objects.create(code="boys_share", name="Boys", definition="Share of boys",
                             results_chain="outcome", factor=100, unit="%",
                             numerator="count(persons where child and sex = 'M')",
                             denominator="count(persons where child)")
    Indicator.objects.create(code="retired", name="Old", definition="-", results_chain="output",
                             numerator="count(households)", active=False)
    engine.refresh(full=True)


def test_catalogue(api_as, computed):
    body = api_as("volunteer").get("indicators").json()
    assert [i["code"] for i in body] == ["boys_share", "children"]
    boys = body[0]
    assert (boys["factor"], boys["unit"], boys["results_chain"]) == (100, "%", "outcome")
    assert boys["denominator"] == "count(persons where child)"


def test_values_of_my_territory(api_as, computed, tree):
    api = api_as("municipal_officer")
    body = api.get("indicators/values", {"unit": "hn-0101", "period": THIS_MONTH}).json()
    assert {(v["indicator"], v["unit"]["code"], v["value"]) for v in body} == {
        ("children", "HN-0101", 1), ("boys_share", "HN-0101", 100)}
    boys = next(v for v in body if v["indicator"] == "boys_share")
    assert (boys["numerator"], boys["denominator"], boys["approved"]) == (1, 1, False)
    # children, disaggregated, for the municipality and its communities
    rows = api.get("indicators/values", {"unit": "HN-0101", "period": [THIS_MONTH],
                                         "indicator": "children", "dim": "sex",
                                         "children": "true"}).json()
    engine_rows = queries.values(indicators=["children"], periods=[THIS_MONTH], dim="sex",
                                 unit_ids=[tree.muni_a1.pk, tree.comm_a1.pk, tree.comm_a1b.pk])
    assert sorted((r["unit"]["id"], r["dim_value"], r["value"]) for r in rows) == sorted(
        (v.unit_id, v.dim_value, v.value) for v in engine_rows)
    assert {r["unit"]["code"] for r in rows} <= {"HN-0101", "HN-0101-001", "HN-0101-002"}
    assert ("HN-0101-001", "M", 1) in {(r["unit"]["code"], r["dim_value"], r["value"])
                                       for r in rows}
    girls = api.get("indicators/values", {"unit": "HN-0101", "period": THIS_MONTH,
                                          "indicator": "children", "sex": "F"}).json()
    assert [(r["unit"]["code"], r["value"]) for r in girls] == [("HN-0101", 0)]  # a boy only
    boys = api.get("indicators/values", {"unit": "HN-0101", "period": THIS_MONTH,
                                         "indicator": "children", "sex": "M"}).json()
    assert [r["value"] for r in boys] == [1]


def test_values_scope_and_roles(api_as, computed):
    params = {"unit": "HN-0101", "period": THIS_MONTH}
    assert api_as("municipal_officer_b").get("indicators/values", params).status_code == 404
    assert api_as("municipal_officer").get(
        "indicators/values", {**params, "unit": "HN-9999"}).status_code == 404
    assert api_as("volunteer").get(
        "indicators/values", {**params, "unit": "HN-0101-001"}).status_code == 403
    denied = api_as("municipal_officer_b").get("indicators/dhis2/dataValueSets", params)
    assert denied.status_code == 404


def test_values_validation(api_as, computed):
    api = api_as("national_manager")
    assert api.get("indicators/values", {"unit": "HN", "period": "2026-03"}).json() == {
        "errors": {"period": "“2026-03” is not a period: use 202603 (month), 2026Q1 (quarter), "
                             "2026S1 (half-year) or 2026 (year)."}}
    assert api.get("indicators/values", {"unit": "HN", "period": THIS_MONTH,
                                         "indicator": "nope"}).json() == {
        "errors": {"indicator": "Unknown indicator “nope”."}}
    assert api.get("indicators/values", {"unit": "HN", "period": THIS_MONTH,
                                         "dim": "colour"}).status_code == 422
    assert api.get("indicators/values", {"unit": "HN"}).json() == {
        "errors": {"period": "This field is required."}}


def test_dhis2_data_value_sets(api_as, computed, tree, users):
    from crecer.indicators.models import Indicator
    from crecer.interop import actions, dhis2

    admin = users["admin"]
    actions.save_indicator_mapping(actor=admin, indicator=Indicator.objects.get(code="children"),
                                   data={"data_element": "ChildrenDE1"})
    for unit, uid in ((tree.muni_a1, "LaCeibaOU01"), (tree.comm_a1, "SamboOU0001")):
        actions.save_unit_mapping(actor=admin, unit=unit, org_unit=uid)
    api = api_as("municipal_officer")
    body = api.get("indicators/dhis2/dataValueSets",
                   {"unit": "HN-0101", "period": THIS_MONTH, "children": "true"}).json()
    assert body == {"dataValues": [
        {"dataElement": "ChildrenDE1", "period": THIS_MONTH, "orgUnit": "LaCeibaOU01",
         "value": "1"},
        {"dataElement": "ChildrenDE1", "period": THIS_MONTH, "orgUnit": "SamboOU0001",
         "value": "1"}]}
    assert body == dhis2.data_value_set(THIS_MONTH, [tree.muni_a1.pk, tree.comm_a1.pk])
    only_muni = api.get("indicators/dhis2/dataValueSets", {"unit": "HN-0101",
                                                           "period": THIS_MONTH}).json()
    assert [dv["orgUnit"] for dv in only_muni["dataValues"]] == ["LaCeibaOU01"]


def test_openapi_documents_the_indicator_endpoints(api_as):
    schema = api_as("admin").get("/api/v1/openapi.json").json()
    assert {"/api/v1/indicators", "/api/v1/indicators/values",
            "/api/v1/indicators/dhis2/dataValueSets"} <= set(schema["paths"])
    components = schema["components"]["schemas"]
    assert {"IndicatorOut", "ValueOut", "DataValueSetOut", "DataValueOut"} <= set(components)
    assert set(components["DataValueOut"]["properties"]) == {
        "dataElement", "period", "orgUnit", "categoryOptionCombo", "attributeOptionCombo",
        "value"}
