"""The pages: the map and table of phases, a territory's gate check and decision form, the
decision POST; 404 outside the user's territories, 403 for roles without the rule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import translation

from crecer.scaleup.models import PhaseDecision, TerritoryPhase

from .conftest import place

TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def client_for(user) -> Client:
    """Logged in, with the English interface (the language cookie of the switcher)."""
    from django.conf import settings

    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def square(lat: float, lon: float, half: float = 0.1) -> dict:
    return {"type": "Polygon", "coordinates": [[
        [lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
        [lon - half, lat + half], [lon - half, lat - half]]]}


@pytest.fixture
def placed(tree, honduras):
    from crecer.territory.models import OrgUnit

    for unit, (lat, lon) in ((tree.muni_a1, (15.7, -86.8)), (tree.muni_a2, (15.5, -87.2)),
                             (tree.muni_b1, (14.1, -87.2))):
        OrgUnit.objects.filter(pk=unit.pk).update(boundary=square(lat, lon))
    place(tree.muni_a1, honduras, "consolidacion", TODAY - dt.timedelta(days=200))
    place(tree.muni_a2, honduras, "expansion", TODAY - dt.timedelta(days=100))


def test_index_map_and_table_for_the_national_manager(placed, tree, users):
    page = client_for(users["national_manager"]).get("/scaleup/")
    assert page.status_code == 200
    html = page.content.decode()
    table = page.context["table"]
    assert [(r.unit.name, r.phase.code if r.phase else None) for r in table.rows] == [
        ("Distrito Central", None), ("El Porvenir", "expansion"),
        ("La Ceiba", "consolidacion")]
    # The tablero's SVG map, one shape per municipality, coloured by phase.
    the_map = page.context["map"]
    assert the_map.shapes == 3
    assert html.count('class="map-unit"') == 3
    assert f'href="/scaleup/{tree.muni_a1.pk}/?model=honduras-pi"' in html
    assert [cls.label for cls in the_map.legend] == ["Consolidation", "Expansion"]
    fills = {r.unit.name: r for r in table.rows}
    assert fills["La Ceiba"].phase.label == "Consolidation"
    assert 'id="nav-scaleup"' in html


def test_index_filters_by_model_level_and_phase(placed, tree, users):
    client = client_for(users["national_manager"])
    mas = client.get("/scaleup/", {"model": "mas-bienestar"})
    assert [r.unit.name for r in mas.context["rows"]] == ["Atlántida", "Francisco Morazán"]
    assert 'id="f-level"' in mas.content.decode()
    zones = client.get("/scaleup/", {"model": "mas-bienestar", "level": "province"})
    assert [r.unit.name for r in zones.context["rows"]] == ["Provincia A", "Provincia B"]
    only = client.get("/scaleup/", {"phase": "expansion"})
    assert [r.unit.name for r in only.context["rows"]] == ["El Porvenir"]


def test_index_only_shows_the_users_territories(placed, users):
    page = client_for(users["municipal_officer_b"]).get("/scaleup/")
    assert [r.unit.name for r in page.context["rows"]] == ["Distrito Central"]
    assert "La Ceiba" not in page.content.decode()
    assert client_for(users["volunteer"]).get("/scaleup/").status_code == 403


def test_unit_page_shows_the_gate_and_the_form(gate_world, tree, users):
    page = client_for(users["national_manager"]).get(f"/scaleup/{tree.muni_a1.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["check"].phase.code == "consolidacion"
    assert 'data-indicator="hn-cost-per-beneficiary" data-status="fail"' in html
    assert 'data-indicator="hn-caregiver-registry" data-status="pass"' in html
    assert 'data-indicator="hn-municipal-teams-trained" data-status="no_data"' in html
    assert "512 USD" in html and "≤ 475 USD" in html
    assert f"/tablero/{tree.muni_a1.pk}/indicator/hn-cost-per-beneficiary/" in html
    assert 'id="decision-form"' in html and 'id="gate-warning"' in html
    choices = [v for v, _label in page.context["form"].fields["decision"].choices]
    assert choices == ["advance", "hold"]  # nothing before Consolidation
    regional = client_for(users["regional_manager"]).get(f"/scaleup/{tree.muni_a1.pk}/")
    assert regional.status_code == 200 and 'id="decision-form"' not in regional.content.decode()


def test_unit_page_outside_scope_is_404_and_without_the_rule_403(placed, tree, users):
    assert client_for(users["municipal_officer_b"]).get(
        f"/scaleup/{tree.muni_a1.pk}/").status_code == 404
    assert client_for(users["volunteer"]).get(f"/scaleup/{tree.muni_a1.pk}/").status_code == 404
    assert client_for(users["volunteer"]).get(f"/scaleup/{tree.comm_a1.pk}/").status_code == 403
    assert client_for(users["national_manager"]).get(
        f"/scaleup/{tree.health_a1.pk}/").status_code == 404  # a service point
    community = client_for(users["national_manager"]).get(f"/scaleup/{tree.comm_a1.pk}/")
    assert 'id="no-model"' in community.content.decode()


def test_posting_a_decision(placed, tree, users):
    url = f"/scaleup/{tree.muni_a1.pk}/decide/"
    body = {"model": "honduras-pi", "decision": "hold", "comment": "Sin datos de gasto."}
    done = client_for(users["national_manager"]).post(url, body)
    assert done.status_code == 302
    assert done.url == f"/scaleup/{tree.muni_a1.pk}/?model=honduras-pi#history"
    made = PhaseDecision.objects.get()
    assert (made.decision, made.comment, made.decided_by) == (
        "hold", "Sin datos de gasto.", users["national_manager"])
    page = client_for(users["national_manager"]).get(done.url)
    assert "Sin datos de gasto." in page.content.decode()
    # Refused: no comment (the page again, with the message), a regional manager, outsiders.
    blank = client_for(users["admin"]).post(url, {**body, "decision": "advance", "comment": " "})
    assert blank.status_code == 400 and "This field is required." in blank.content.decode()
    assert client_for(users["regional_manager"]).post(url, body).status_code == 403
    assert client_for(users["municipal_officer_b"]).post(url, body).status_code == 404
    assert client_for(users["admin"]).post(url, {**body, "model": "nope"}).status_code == 404
    revert = client_for(users["admin"]).post(url, {**body, "decision": "revert"})
    assert revert.status_code == 400
    assert "not past the first phase" in revert.content.decode()
    assert PhaseDecision.objects.count() == 1
    assert TerritoryPhase.objects.get(unit=tree.muni_a1).phase.code == "consolidacion"
