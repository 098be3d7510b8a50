"""DHIS2 exports over the engine's results: the dataValueSets JSON and the ADX XML are parsed
back and every value is checked against `crecer.indicators.queries.values`; what has no mapping
is left out and reported; the export page and download respect roles and territories."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from crecer.indicators import engine, periods, queries
from crecer.interop import actions, dhis2
from crecer.interop.dhis2 import ADX_NS, adx_period, format_value

THIS_MONTH = periods.current("month")
A = f"{{{ADX_NS}}}"
DS, COC, AOC = "pBOMPrpg1QX", "Prlt0C1RF0s", "HllvX50cXC0"
ELEMENTS = {"children": "ChildrenDE1", "girls_share": "GirlsShare2", "caregivers": "Caregivers3",
            "calls_reached_pct": "CallsReach4"}


@pytest.fixture
def mapped(tree, users, family, indicators):
    """A second household with a girl, every indicator but `households` mapped (caregivers
    without a data set, girls_share with both combos), and five territories mapped."""
    from crecer.indicators.models import Indicator
    from crecer.registry import actions as registry

    officer = users["municipal_officer"]
    hh = registry.create_household(actor=officer, territory=tree.comm_a1b,
                                   data={"code": "H-2", "area": "urban"})
    registry.register_person(actor=officer, household=hh, roles=["child"],
                             data={"given_names": "Ana", "first_surname": "Paz", "sex": "F",
                                   "birth_date": "2025-01-10"})
    Indicator.objects.create(code="households", name="Households", definition="-",
                             results_chain="output", numerator="count(households)")
    admin = users["admin"]
    for code, element in ELEMENTS.items():
        data = {"data_element": element, "data_set": "" if code == "caregivers" else DS}
        if code == "girls_share":
            data.update(category_option_combo=COC, attribute_option_combo=AOC)
        actions.save_indicator_mapping(actor=admin, indicator=indicators[code], data=data)
    units = [tree.country, tree.region_a, tree.muni_a1, tree.comm_a1, tree.comm_a1b]
    for n, unit in enumerate(units):
        actions.save_unit_mapping(actor=admin, unit=unit, org_unit=f"OrgUnit{n:04d}")
    engine.refresh(full=True)
    return {unit.pk: f"OrgUnit{n:04d}" for n, unit in enumerate(units)}


def _expected(unit_ids, org_units, period):
    """(data element, org unit) -> value, straight from the engine, for mapped pairs."""
    from crecer.indicators.models import Indicator

    decimals = dict(Indicator.objects.values_list("code", "decimals"))
    out = {}
    for v in queries.values(indicators=list(ELEMENTS), unit_ids=unit_ids, periods=[period]):
        if v.unit_id in org_units and v.value is not None:
            out[(ELEMENTS[v.indicator], org_units[v.unit_id])] = round(v.value, decimals[
                v.indicator])
    return out


@pytest.mark.parametrize(("code", "expected"), [
    ("202603", "2026-03-01/P1M"), ("202612", "2026-12-01/P1M"), ("2026Q1", "2026-01-01/P3M"),
    ("2026Q4", "2026-10-01/P3M"), ("2026S1", "2026-01-01/P6M"), ("2026S2", "2026-07-01/P6M"),
    ("2026", "2026-01-01/P1Y"),
])
def test_adx_periods(code, expected):
    assert adx_period(code) == expected


def test_value_format():
    assert format_value(12.5, 1) == "12.5"
    assert format_value(12.0, 1) == "12"
    assert format_value(200 / 3, 1) == "66.7"
    assert format_value(3, 0) == "3"
    assert format_value(2.5, 0) == "2"  # round half to even, as Python rounds
    assert format_value(-0.01, 1) == "0"
    assert format_value(1234567.891, 2) == "1234567.89"


def test_data_value_set_matches_the_engine(mapped, tree):
    unit_ids = [tree.country.pk, tree.muni_a1.pk, tree.comm_a1.pk, tree.comm_a1b.pk,
                tree.comm_a2.pk]
    body = json.loads(json.dumps(dhis2.data_value_set(THIS_MONTH.code, unit_ids)))
    assert set(body) == {"dataValues"}
    expected = _expected(unit_ids, mapped, THIS_MONTH.code)
    got = {}
    for dv in body["dataValues"]:
        assert dv["period"] == THIS_MONTH.code
        assert isinstance(dv["value"], str)
        if dv["dataElement"] == ELEMENTS["girls_share"]:
            assert (dv["categoryOptionCombo"], dv["attributeOptionCombo"]) == (COC, AOC)
        else:
            assert "categoryOptionCombo" not in dv and "attributeOptionCombo" not in dv
        key = (dv["dataElement"], dv["orgUnit"])
        assert key not in got
        got[key] = float(dv["value"])
    assert got == pytest.approx(expected)
    # three indicators with a value in four mapped units (calls have no denominator)
    assert len(got) == 12
    assert got[(ELEMENTS["children"], mapped[tree.country.pk])] == 2
    assert got[(ELEMENTS["girls_share"], mapped[tree.muni_a1.pk])] == pytest.approx(50)
    assert got[(ELEMENTS["caregivers"], mapped[tree.comm_a1.pk])] == 1


def test_report_lists_what_was_left_out(mapped, tree):
    export = dhis2.collect(THIS_MONTH.code, [tree.country.pk, tree.comm_a2.pk, tree.muni_b1.pk])
    assert [s.code for s in export.unmapped_indicators] == ["households"]
    assert [s.code for s in export.unmapped_units] == ["HN-0102-001", "HN-0801"]
    assert [s.code for s in export.without_data_set] == ["caregivers"]
    assert export.without_value == [("calls_reached_pct", "HN")]
    assert {v.indicator for v in export.values} == {"children", "girls_share", "caregivers"}
    only = dhis2.collect(THIS_MONTH.code, [tree.country.pk], ["children"])
    assert [(v.indicator, v.value) for v in only.values] == [("children", "2")]
    assert only.unmapped_indicators == []


def test_adx_matches_the_engine(mapped, tree):
    unit_ids = list(mapped)
    root = ET.fromstring(dhis2.adx(THIS_MONTH.code, unit_ids))
    assert root.tag == f"{A}adx"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", root.get("exported"))
    expected = {k: v for k, v in _expected(unit_ids, mapped, THIS_MONTH.code).items()
                if k[0] != ELEMENTS["caregivers"]}  # no data set: not in ADX
    got = {}
    groups = root.findall(f"{A}group")
    assert groups and len(root) == len(groups)
    for group in groups:
        assert group.get("period") == adx_period(THIS_MONTH.code)
        assert group.get("dataSet") == DS
        assert group.get("orgUnit") in mapped.values()
        for dv in group:
            assert dv.tag == f"{A}dataValue"
            element = dv.get("dataElement")
            if element == ELEMENTS["girls_share"]:
                assert group.get("attributeOptionCombo") == AOC
                assert dv.get("categoryOptionCombo") == COC
            else:
                assert group.get("attributeOptionCombo") is None
                assert dv.get("categoryOptionCombo") is None
            key = (element, group.get("orgUnit"))
            assert key not in got
            got[key] = float(dv.get("value"))
    assert got == pytest.approx(expected)
    assert len(got) == 10  # children and girls_share in five mapped units


def test_adx_of_a_quarter_and_a_year(mapped, tree):
    for period in (periods.current("quarter"), periods.current("year")):
        root = ET.fromstring(dhis2.adx(period.code, [tree.country.pk], ["children"]))
        (group,) = root.findall(f"{A}group")
        assert group.get("period") == adx_period(period)
        (dv,) = group.findall(f"{A}dataValue")
        (v,) = queries.values(indicators=["children"], unit_ids=[tree.country.pk],
                              periods=[period.code])
        assert float(dv.get("value")) == v.value


def test_nothing_mapped_gives_empty_documents(tree, family, indicators):
    engine.refresh(full=True)
    assert dhis2.data_value_set(THIS_MONTH.code, [tree.country.pk]) == {"dataValues": []}
    root = ET.fromstring(dhis2.adx(THIS_MONTH.code, [tree.country.pk]))
    assert root.tag == f"{A}adx" and len(root) == 0
    with pytest.raises(ValueError):
        dhis2.collect("2026-03", [tree.country.pk])


# --- pages -------------------------------------------------------------------------------------

def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"  # the pages' text is asserted in English
    return client


def test_export_page_and_downloads(mapped, tree, users):
    client = _client(users["regional_manager"])
    page = client.get(reverse("interop:dhis2"))
    assert page.status_code == 200 and b"export-form" in page.content
    query = {"unit": tree.muni_a1.pk, "period": THIS_MONTH.code, "children": "1"}
    page = client.get(reverse("interop:dhis2"), query).content.decode()
    assert "households" in page  # listed as left out
    assert "HN-0101-002" in page and "OrgUnit0004" in page
    json_file = client.get(reverse("interop:dhis2_download"), {**query, "format": "json"})
    assert json_file["Content-Type"].startswith("application/json")
    assert json_file["Content-Disposition"] == (
        f'attachment; filename="dhis2-HN-0101-{THIS_MONTH.code}.json"')
    unit_ids = [tree.muni_a1.pk, tree.comm_a1.pk, tree.comm_a1b.pk]
    assert json.loads(json_file.content) == dhis2.data_value_set(THIS_MONTH.code, unit_ids)
    adx_file = client.get(reverse("interop:dhis2_download"), {**query, "format": "adx"})
    assert adx_file["Content-Type"] == "application/adx+xml"
    groups = ET.fromstring(adx_file.content).findall(f"{A}group")
    assert {g.get("orgUnit") for g in groups} == {mapped[pk] for pk in unit_ids}
    bad = client.get(reverse("interop:dhis2"), {**query, "period": "2026-13"})
    assert bad.status_code == 400
    assert "“2026-13” is not a period" in bad.content.decode()
    assert client.get(reverse("interop:dhis2_download"),
                      {**query, "format": "pdf"}).status_code == 400


def test_export_access(mapped, tree, users):
    url = reverse("interop:dhis2_download")
    query = {"unit": tree.muni_a1.pk, "period": THIS_MONTH.code, "format": "json"}
    assert _client(users["municipal_officer_b"]).get(url, query).status_code == 404
    assert _client(users["volunteer"]).get(
        url, {**query, "unit": tree.comm_a1.pk}).status_code == 403
    assert _client(users["municipal_officer"]).get(url, query).status_code == 200
    # children of a unit never reach beyond it
    body = _client(users["municipal_officer"]).get(url, {**query, "children": "1"}).json()
    assert {dv["orgUnit"] for dv in body["dataValues"]} == {
        mapped[tree.muni_a1.pk], mapped[tree.comm_a1.pk], mapped[tree.comm_a1b.pk]}
