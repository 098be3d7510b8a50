"""The audit trail through the API (policy + territory scope), the OpenAPI document and the
docs page (served locally, no CDN)."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client


def test_auditor_reads_events_of_her_subtrees_only(api_as, family, family_b, make_user, tree):
    events = api_as("data_officer").get("audit", {"limit": 500}).json()
    paths = {e["territory_path"] for e in events["items"]}
    assert paths == {tree.comm_a1.path, tree.comm_b1.path}

    auditor_b = make_user("data_b", "data_officer", tree.region_b)
    items = api_as(auditor_b).get("audit").json()["items"]
    assert items and {e["territory_path"] for e in items} == {tree.comm_b1.path}
    assert {e["actor_username"] for e in items} == {"muni_b"}


def test_audit_filters(api_as, family, family_b):
    api = api_as("admin")
    child = family["child"]
    about_child = api.get("audit", {"person": str(child.pk)}).json()["items"]
    assert [e["action"] for e in about_child] == ["create"]
    assert about_child[0]["changes"]["given_names"] == [None, "Luis Ángel"]
    by_muni_b = api.get("audit", {"user": "muni_b"}).json()["items"]
    assert by_muni_b and all(e["actor_username"] == "muni_b" for e in by_muni_b)
    households = api.get("audit", {"entity": "registry.household"}).json()["items"]
    assert {e["object_id"] for e in households} == {str(family["household"].pk),
                                                    str(family_b["household"].pk)}
    assert api.get("audit", {"date_from": "2000-13-01"}).json() == {
        "errors": {"date_from": "Enter a valid date (YYYY-MM-DD)."}}


@pytest.mark.parametrize("role", ["volunteer", "facilitator", "municipal_officer",
                                  "regional_manager", "national_manager"])
def test_audit_needs_the_policy(api_as, family, role):
    api = api_as(role)
    assert api.get("audit").status_code == 403
    # In scope but not allowed: 403; a person she cannot see: 404 (nothing learnt).
    assert api.get(f"audit/persons/{family['child'].pk}").status_code == 403


def test_audit_of_one_person(api_as, family, family_b):
    api = api_as("data_officer")
    trail = api.get(f"audit/persons/{family['mother'].pk}").json()
    assert trail["count"] == 1 and trail["items"][0]["person_id"] == str(family["mother"].pk)
    assert api_as("municipal_officer_b").get(
        f"audit/persons/{family['mother'].pk}").status_code == 404
    assert api_as("admin").get(
        "audit/persons/00000000-0000-0000-0000-000000000000").status_code == 404


def test_audit_of_a_person_outside_is_404_for_everyone(api_as, family, family_b, make_user, tree):
    auditor_b = make_user("data_b", "data_officer", tree.region_b)
    assert api_as(auditor_b).get(f"audit/persons/{family['child'].pk}").status_code == 404
    assert api_as("volunteer").get(f"audit/persons/{family_b['mother'].pk}").status_code == 404


def test_openapi_document_describes_every_resource(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = json.loads(response.content)
    assert doc["openapi"].startswith("3.") and doc["info"]["version"] == "1"
    paths = doc["paths"]
    for prefix in ("territories", "households", "persons", "audit", "duplicates", "imports",
                   "referrals"):
        assert any(p.startswith(f"/api/v1/{prefix}") for p in paths), prefix
    assert {"get", "post"} <= set(paths["/api/v1/households"])
    assert "patch" in paths["/api/v1/persons/{person_id}"]
    schemes = doc["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    # Every operation requires authentication.
    for path, methods in paths.items():
        for method, operation in methods.items():
            assert operation.get("security"), f"{method.upper()} {path} is not protected"


def test_docs_page_loads_nothing_from_a_cdn(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/static/") for s in sources), sources
    assert "cdn" not in html.lower()
    # …and those files are served from the installed package.
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
