"""Territory pages: browsing within scope only, unit page contents, uploads and downloads."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crecer.registry import actions
from crecer.territory.actions import create_unit
from crecer.territory.io import import_population
from crecer.territory.models import OrgUnit


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client
    return do


def test_index_lists_the_users_roots_with_household_counts(family, users, login, tree):
    response = login(users["municipal_officer"]).get("/territory/")
    assert response.status_code == 200
    roots = response.context["roots"]
    assert [(u.code, n) for u, _level, n in roots] == [("HN-0101", 1)]


def test_unit_page_shows_children_counts_population_and_service_points(family, users, login,
                                                                        tree):
    import_population("code,year,sex,age_band,value\n"
                      "HN-0101-001,2025,F,0-11m,10\nHN-0101-002,2025,M,0-11m,7\n")
    client = login(users["municipal_officer"])
    response = client.get(f"/territory/{tree.muni_a1.pk}/")
    assert response.status_code == 200
    children = {c.code: n for c, n in response.context["children"]}
    assert children == {"HN-0101-001": 1, "HN-0101-002": 0}
    assert [sp.code for sp in response.context["service_points"]] == ["HN-0101-CS1"]
    population = response.context["population"]
    assert population.source == "below" and population.total == 17
    body = response.content.decode()
    assert "CESAMO Sambo Creek" in body and "Sambo Creek" in body and "0-11m" in body


def test_unit_page_query_count_does_not_grow_with_children(users, login, tree):
    client = login(users["admin"])
    client.get(f"/territory/{tree.muni_b1.pk}/")  # warm up (session, user)
    with CaptureQueriesContext(connection) as few:
        client.get(f"/territory/{tree.muni_b1.pk}/")
    for i in range(30):
        unit = create_unit(code=f"HN-0801-{100 + i}", name=f"C{i}", parent=tree.muni_b1)
        actions.create_household(actor=users["admin"], territory=unit, data={"area": "rural"})
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/territory/{tree.muni_b1.pk}/")
    assert len(response.context["children"]) == 31
    assert len(many) == len(few)


@pytest.mark.parametrize("role", ["municipal_officer_b", "volunteer", "facilitator"])
def test_outsiders_get_404(users, login, tree, role):
    client = login(users[role])
    assert client.get(f"/territory/{tree.muni_a2.pk}/").status_code == 404
    assert client.get(f"/territory/{tree.country.pk}/").status_code == 404
    assert client.get(f"/territory/export/tree.csv?root={tree.muni_a2.pk}").status_code == 404


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(f"/territory/{tree.muni_a1.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_regional_manager_browses_down_but_not_up(users, login, tree):
    client = login(users["regional_manager"])
    assert client.get(f"/territory/{tree.comm_a2.pk}/").status_code == 200
    response = client.get(f"/territory/{tree.muni_a1.pk}/")
    assert [a.code for a in response.context["crumbs"]] == ["HN-01", "HN-01-P"]
    assert client.get(f"/territory/{tree.region_b.pk}/").status_code == 404


def test_downloads_are_limited_to_the_subtree(users, login, tree):
    client = login(users["regional_manager"])
    response = client.get(f"/territory/export/tree.csv?root={tree.muni_a1.pk}")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('tree-hn-0101.csv"')
    codes = [r["code"] for r in csv.DictReader(io.StringIO(response.content.decode()))]
    assert codes[0] == "HN-0101" and set(codes) == {"HN-0101", "HN-0101-001", "HN-0101-002",
                                                     "HN-0101-CS1"}
    whole = client.get("/territory/export/tree.csv")  # default: the user's roots
    assert "HN-0801" not in whole.content.decode() and "HN-0102" in whole.content.decode()
    assert client.get("/territory/export/population.csv").status_code == 200
    geo = client.get("/territory/export/boundaries.geojson")
    assert geo.json() == {"type": "FeatureCollection", "features": []}


def test_upload_page_imports_or_reports_errors(users, login, tree):
    client = login(users["data_officer"])
    assert client.get("/territory/import/").status_code == 200
    good = SimpleUploadedFile("t.csv", b"code,name,parent_code\nHN-0101-003,Nueva,HN-0101\n")
    response = client.post("/territory/import/", {"kind": "tree", "tree-kind": "tree",
                                                  "tree-file": good})
    assert response.status_code == 200
    assert response.context["result"].counts["created"] == 1
    assert OrgUnit.objects.filter(code="HN-0101-003").exists()

    bad = SimpleUploadedFile("p.csv", b"code,year,sex,age_band,value\nHN-0101,2025,F,bad,1\n")
    response = client.post("/territory/import/", {"kind": "population",
                                                  "population-kind": "population",
                                                  "population-file": bad})
    assert response.status_code == 400
    assert [(e.row, e.field) for e in response.context["result"].errors] == [(2, "age_band")]
    assert "age_band" in response.content.decode()


def test_upload_page_needs_territory_management(users, login, tree):
    client = login(users["municipal_officer"])
    assert client.get("/territory/import/").status_code == 403
    upload = SimpleUploadedFile("t.csv", b"code,name,parent_code\nX,Y,HN-0101\n")
    response = client.post("/territory/import/", {"kind": "tree", "tree-kind": "tree",
                                                  "tree-file": upload})
    assert response.status_code == 403
    assert not OrgUnit.objects.filter(code="X").exists()


def test_nav_links(users, login, tree):
    body = login(users["data_officer"]).get("/territory/").content.decode()
    assert 'id="nav-territory"' in body and 'id="nav-audit"' in body
    body = login(users["volunteer"]).get("/territory/").content.decode()
    assert 'id="nav-territory"' in body and 'id="nav-audit"' not in body
