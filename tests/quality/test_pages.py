"""The data-quality page: access per role, scope, the numbers shown, downloads."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from .conftest import MONTH

ALLOWED = {"facilitator", "municipal_officer", "regional_manager", "national_manager",
           "data_officer", "admin"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.parametrize("role", ["volunteer", "facilitator", "municipal_officer",
                                  "municipal_officer_b", "regional_manager", "national_manager",
                                  "data_officer", "admin"])
def test_access_per_role_and_scope(tree, users, role):
    user = users[role]
    client = _client(user)
    inside = tree.muni_b1 if role == "municipal_officer_b" else tree.comm_a1
    outside = tree.comm_a1 if role == "municipal_officer_b" else tree.comm_b1
    index = client.get(reverse("quality:index"))
    page = client.get(reverse("quality:unit", args=[inside.pk]))
    other = client.get(reverse("quality:unit", args=[outside.pk]))
    if role == "volunteer":
        assert (index.status_code, page.status_code) == (403, 403)
    else:
        assert index.status_code == 302 and "/quality/" in index["Location"]
        assert page.status_code == 200
    covers_everything = role in {"national_manager", "data_officer", "admin"}
    assert other.status_code == (200 if covers_everything and role != "volunteer" else 404)


def test_outsider_gets_404_before_403(tree, users):
    """A volunteer (no tablero role) asking for a unit outside her community: 404, not 403."""
    client = _client(users["volunteer"])
    assert client.get(reverse("quality:unit", args=[tree.comm_b1.pk])).status_code == 404
    assert client.get(reverse("quality:unit", args=[999999])).status_code == 404
    assert client.get(reverse("quality:unit", args=[tree.health_a1.pk])).status_code == 404


def test_page_shows_the_month(tree, users, fieldwork):
    client = _client(users["municipal_officer"])
    r = client.get(reverse("quality:unit", args=[tree.muni_a1.pk]), {"month": MONTH})
    assert r.status_code == 200
    html = r.content.decode()
    ctx = r.context
    assert ctx["month"].code == MONTH
    assert (ctx["reporting"].total.expected, ctx["reporting"].total.recorded) == (7, 5)
    assert "5 of 7 expected contacts recorded" in html
    assert "71.4 %" in html  # completeness card
    assert 'id="volunteers"' in html and "vol2" in html and "vol_b" not in html
    assert 'id="territories"' in html and "Sambo Creek" in html
    assert 'id="nav-quality"' in html
    client.cookies["django_language"] = "es"
    r = client.get(reverse("quality:unit", args=[tree.muni_a1.pk]), {"month": MONTH})
    assert "71,4 %" in r.content.decode()
    # the municipality's officer cannot open the other municipality
    other = client.get(reverse("quality:unit", args=[tree.muni_b1.pk]), {"month": MONTH})
    assert other.status_code == 404


def test_malformed_month_falls_back(tree, users):
    client = _client(users["national_manager"])
    for bad in ("2025Q1", "nonsense", "209913"):
        r = client.get(reverse("quality:unit", args=[tree.country.pk]), {"month": bad})
        assert r.status_code == 200


def test_downloads(tree, users, fieldwork):
    client = _client(users["municipal_officer"])
    url = reverse("quality:unit", args=[tree.muni_a1.pk])
    r = client.get(url, {"month": MONTH, "table": "volunteers", "format": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["volunteer", "territories of the households",
                           "households in caseload", "expected contacts"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["vol"][2:9] == ["3", "6", "4", "66.7", "5", "4", "80.0"]
    assert set(by_name) == {"vol", "vol2", "fac"}

    r = client.get(url, {"month": MONTH, "table": "territories", "format": "xlsx"})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][1] == "territory"
    total = values[-1]
    assert total[0] == "HN-0101" and total[3:6] == [7, 5, 71.4]

    for name in ("duplicates", "outliers", "aggregate_outliers", "denominators", "approvals"):
        r = client.get(url, {"month": MONTH, "table": name, "format": "csv"})
        assert r.status_code == 200, name
    assert client.get(url, {"table": "persons", "format": "csv"}).status_code == 404
    assert client.get(url, {"table": "volunteers", "format": "pdf"}).status_code == 404


def test_page_query_count_does_not_grow_with_households(tree, users, fieldwork):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crecer.programmes import actions as programmes
    from crecer.programmes.models import Programme
    from crecer.registry import actions as registry

    client = _client(users["national_manager"])
    url = reverse("quality:unit", args=[tree.country.pk])
    client.get(url, {"month": MONTH})  # warm up (session, translations)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url, {"month": MONTH}).status_code == 200
    officer = users["municipal_officer"]
    model = Programme.objects.get(code="honduras-pi-volunteers")
    for n in range(5):
        hh = registry.create_household(actor=officer, territory=tree.comm_a1b,
                                       data={"code": f"MORE-{n}"})
        registry.register_person(actor=officer, household=hh, roles=["child"], data={
            "given_names": f"Más{n}", "first_surname": "Calidad", "sex": "F",
            "birth_date": "2024-01-01"})
        programmes.enrol(actor=officer, programme=model, household=hh,
                         volunteer=fieldwork.vol2, start=fieldwork.households["BABY"]
                         .enrolments.first().start)
    with CaptureQueriesContext(connection) as after:
        r = client.get(url, {"month": MONTH})
    assert r.context["reporting"].total.households == 5 + 5
    assert len(after) == len(before) <= 25, len(before)
