"""The indicator pages: catalogue, reference sheet, the M&E officer's form (errors next to the
field, live check), targets (list and import), and who may do what."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from crecer.indicators.catalogue import load_catalogue
from crecer.indicators.models import Indicator, Target


@pytest.fixture
def loaded(db):
    load_catalogue()


def client_for(user, language="en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


FORM = {"code": "girls-registered", "name": "Niñas registradas", "name_en": "Girls registered",
        "definition": "Niñas en el registro", "numerator": 'count(persons where sex = "F" and '
        'child)', "factor": "1", "decimals": "0", "periodicity": "month",
        "results_chain": "output", "direction": "higher", "green_at": "100",
        "yellow_at": "80", "disaggregations": ["age_band", "area"], "active": "on"}


def test_catalogue_grouped_by_results_chain_and_programme(users, loaded):
    page = client_for(users["facilitator"]).get(reverse("indicators:list"))
    assert page.status_code == 200
    html = page.content.decode()
    order = [html.index(f'id="chain-{c}"') for c in ("structure", "process", "output",
                                                     "outcome")]
    assert order == sorted(order)
    structure = html[html.index('id="chain-structure"'):html.index('id="chain-process"')]
    assert "Modelo PI Honduras — indicadores-puerta" in structure
    assert "Cost per beneficiary" in structure
    assert 'id="nav-indicators"' in html
    assert 'id="new-indicator"' not in html  # a facilitator reads, does not edit
    spanish = client_for(users["facilitator"], "es").get(reverse("indicators:list"))
    assert "Costo por beneficiario" in spanish.content.decode()


def test_reference_sheet_shows_every_field_and_the_targets_in_scope(users, tree, loaded):
    ind = Indicator.objects.get(code="hn-caregiver-registry")
    Target.objects.create(indicator=ind, unit=tree.country, period="2026", value=80)
    Target.objects.create(indicator=ind, unit=tree.muni_a1, period="2026", value=85)
    Target.objects.create(indicator=ind, unit=tree.muni_b1, period="2026", value=75)
    page = client_for(users["municipal_officer"]).get(
        reverse("indicators:detail", args=[ind.code]))
    html = page.content.decode()
    assert page.status_code == 200
    for text in (ind.name_en, "<code>count(persons where caregiver)</code>",
                 "sum(population.value where age_band in (&quot;0-11m&quot;",
                 ind.numerator_label, ind.denominator_label, ind.data_source,
                 ind.responsible, "Modelo PI Honduras", "green at or above 100 % of the target",
                 "value = 100 × numerator ÷ denominator", "El denominador es una estimación"):
        assert text in html, text
    targets = html[html.index('id="targets"'):]
    assert "HN-0101" in targets and ">HN<" in targets  # her municipality and its ancestor
    assert "HN-0801" not in targets  # another municipality
    export = client_for(users["municipal_officer"]).get(
        reverse("indicators:export", args=[ind.code]))
    assert export.status_code == 200
    assert 'code = "hn-caregiver-registry"' in export.content.decode()


def test_the_me_officer_adds_an_indicator_from_the_page(users, loaded):
    client = client_for(users["data_officer"])
    assert client.get(reverse("indicators:new")).status_code == 200
    response = client.post(reverse("indicators:new"), FORM)
    assert response.status_code == 302
    assert response.url == reverse("indicators:detail", args=["girls-registered"])
    ind = Indicator.objects.get(code="girls-registered")
    assert (ind.origin, ind.disaggregations, ind.denominator) == ("ui", ["age_band", "area"],
                                                                  "")
    response = client.post(reverse("indicators:edit", args=[ind.code]),
                           {**FORM, "code": "ignored", "unit": "niñas"})
    assert response.status_code == 302
    ind.refresh_from_db()
    assert ind.unit == "niñas" and not Indicator.objects.filter(code="ignored").exists()


def test_formula_errors_are_shown_next_to_the_field(users, loaded):
    client = client_for(users["data_officer"])
    response = client.post(reverse("indicators:new"), {
        **FORM, "numerator": "count(persons where sexo = 'F')",
        "denominator": "sum(deliveries.quantity)", "disaggregations": ["ethnicity"]})
    assert response.status_code == 400
    html = response.content.decode()
    numerator = html[html.index('id="id_numerator_error"'):]
    assert numerator.startswith('id="id_numerator_error"><li>Numerator, line 1, column 21: '
                                "&#x27;sexo&#x27; is not a field of persons")
    assert 'id="id_denominator_error"' not in html  # the denominator is fine
    assert not Indicator.objects.filter(code="girls-registered").exists()
    response = client.post(reverse("indicators:new"), {
        **FORM, "numerator": "sum(deliveries.quantity)", "disaggregations": ["sex"]})
    html = response.content.decode()
    assert "The numerator cannot be split by sex" in html[html.index('id="id_disaggregations'
                                                                     '_error"'):]


def test_live_check_of_a_formula(users, loaded):
    client = client_for(users["data_officer"])
    url = reverse("indicators:check") + "?field=denominator"
    ok = client.post(url, {"denominator": "count(referrals where counter_referred)"},
                     HTTP_HX_REQUEST="true").content.decode()
    assert 'id="denominator-check-ok"' in ok and "referrals" in ok and "age band" in ok
    bad = client.post(url, {"denominator": "count(referrals where counter_referred"}
                      ).content.decode()
    assert 'id="denominator-check-error"' in bad and "Denominator" in bad
    assert "ends too early" in bad
    form = client.get(reverse("indicators:new")).content.decode()
    assert f'hx-post="{reverse("indicators:check")}?field=numerator"' in form


def test_targets_import_from_the_page(users, tree, loaded):
    client = client_for(users["data_officer"])
    page = client.get(reverse("indicators:targets"))
    assert page.status_code == 200 and 'id="import-targets"' in page.content.decode()
    bad = SimpleUploadedFile("t.csv", b"indicator,unit_code,period,value\n"
                                      b"hn-caregiver-registry,HN,2026,80\n"
                                      b"hn-caregiver-registry,HN-0101,2026,muchos\n")
    response = client.post(reverse("indicators:targets_import"), {"file": bad})
    assert response.status_code == 400
    assert "Row 3, value: &#x27;muchos&#x27; is not a number." in response.content.decode()
    assert not Target.objects.exists()
    good = SimpleUploadedFile("t.csv", b"indicator,unit_code,period,value\n"
                                       b"hn-caregiver-registry,HN,2026,80\n"
                                       b"hn-cost-per-beneficiary,HN-0101,2026,475\n")
    response = client.post(reverse("indicators:targets_import"), {"file": good}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("indicators:targets")
    html = response.content.decode()
    assert "2 new" in html and "HN-0101" in html and "475" in html
    filtered = client.get(reverse("indicators:targets"), {"indicator": "hn-caregiver-registry"})
    assert "HN-0101" not in filtered.content.decode().split('id="targets"')[1]


def test_a_viewer_sees_targets_without_the_import_form(users, tree, loaded):
    page = client_for(users["regional_manager"]).get(reverse("indicators:targets"))
    assert page.status_code == 200
    assert 'id="import-targets"' not in page.content.decode()


@pytest.mark.parametrize("role,read,write", [
    ("volunteer", 403, 403),
    ("facilitator", 200, 403),
    ("municipal_officer", 200, 403),
    ("regional_manager", 200, 403),
    ("national_manager", 200, 403),
    ("data_officer", 200, 200),
    ("admin", 200, 200),
])
def test_who_may_read_and_edit(users, loaded, role, read, write):
    client = client_for(users[role])
    code = "mb-nominal-listing"
    assert client.get(reverse("indicators:list")).status_code == read
    assert client.get(reverse("indicators:detail", args=[code])).status_code == read
    assert client.get(reverse("indicators:targets")).status_code == read
    assert client.get(reverse("indicators:new")).status_code == write
    assert client.get(reverse("indicators:edit", args=[code])).status_code == write
    assert client.post(reverse("indicators:check"), {"numerator": "count(persons)"}
                       ).status_code == write
    if write == 403:
        assert client.post(reverse("indicators:edit", args=[code]),
                           {**FORM, "code": code}).status_code == 403
        assert Indicator.objects.get(code=code).origin == "catalogue"


def test_anonymous_is_sent_to_log_in(db):
    response = Client().get(reverse("indicators:list"))
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_unknown_indicator_is_404(users, loaded):
    client = client_for(users["data_officer"])
    assert client.get(reverse("indicators:detail", args=["nope"])).status_code == 404
    assert client.get(reverse("indicators:edit", args=["nope"])).status_code == 404
