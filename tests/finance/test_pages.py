"""The finance pages: overview figures, entry with errors next to fields, import, group
purchases, sources, the projection and its download; 404 outside scope, 403 without the rule."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crecer.finance.models import Budget, Expenditure, GroupPurchase

from .conftest import login

pytestmark = pytest.mark.django_db


def unit_url(unit, **query):
    url = reverse("finance:unit", args=[unit.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_overview_shows_shares_cost_and_ecd_flags(client, world, users):
    login(client, users["regional_manager"])
    html = client.get(unit_url(world["province"], year=2025)).content.decode()
    assert 'id="kpi-government-share"' in html and "42.9 %" in html
    assert "2,333" in html  # cost per beneficiary 14000 / 6
    assert 'id="chart-years"' in html and 'id="fig-sources"' in html
    assert "La Ceiba" in html and "El Porvenir" in html
    assert html.count('class="ecd-yes"') == 1 and html.count('class="ecd-no"') == 1
    assert '<span class="value">1</span> / 2' in html


def test_overview_download_of_the_children_table(client, world, users):
    login(client, users["admin"])
    response = client.get(unit_url(world["province"], year=2025, format="csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert "La Ceiba,HN-0101,7500.0,10000.0,4000.0,40.0,4,2500.0,true" in text


def test_default_year_is_the_latest_with_data(client, world, users):
    login(client, users["admin"])
    response = client.get(unit_url(world["province"]))
    assert response.context["year"] == 2026


def test_outside_her_territories_is_404_and_without_the_rule_403(client, world, users, tree):
    login(client, users["municipal_officer_b"])
    assert client.get(unit_url(tree.muni_a1)).status_code == 404
    assert client.get(reverse("finance:budget_new", args=[tree.muni_a1.pk])).status_code == 404
    budget = Budget.objects.filter(unit=tree.muni_a1).first()
    assert client.post(reverse("finance:budget_delete", args=[budget.pk])).status_code == 404
    login(client, users["volunteer"])
    assert client.get(unit_url(tree.comm_a1)).status_code == 403
    assert client.get(unit_url(tree.muni_b1)).status_code == 404
    login(client, users["regional_manager"])
    assert client.get(reverse("finance:budget_new", args=[tree.muni_a1.pk])).status_code == 403


def test_nav_link_for_finance_roles_only(client, tree, users):
    login(client, users["municipal_officer"])
    assert 'id="nav-finance"' in client.get(reverse("home")).content.decode()
    login(client, users["volunteer"])
    assert 'id="nav-finance"' not in client.get(reverse("home")).content.decode()


def test_recording_an_expenditure_from_the_form(client, tree, users, sources):
    login(client, users["municipal_officer"])
    url = reverse("finance:expenditure_new", args=[tree.muni_a1.pk])
    html = client.get(url).content.decode()
    assert "La Ceiba (HN-0101)" in html and "Sambo Creek" in html
    response = client.post(url, {"unit": tree.comm_a1.pk, "date": "2025-05-02",
                                 "category": "transport", "source": "municipalidad",
                                 "amount": "120.5", "in_kind": "on",
                                 "valuation_note": "4 trips × 30"})
    assert response.status_code == 302
    spent = Expenditure.objects.get()
    assert (spent.unit, spent.amount, spent.in_kind) == (tree.comm_a1, Decimal("120.50"), True)
    assert "kind=expenditures" in response.url
    lines = client.get(response.url).content.decode()
    assert "4 trips × 30" in lines


def test_errors_are_shown_next_to_each_field_and_nothing_is_saved(client, tree, users, sources):
    login(client, users["municipal_officer"])
    url = reverse("finance:budget_new", args=[tree.muni_a1.pk])
    response = client.post(url, {"unit": tree.muni_a1.pk, "year": "2025", "category": "staff",
                                 "source": "atlantis", "amount": "-3"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="form-errors"' in html
    assert "Amount: -3 is negative: amounts are 0 or more." in html
    assert "Funding source: “atlantis” is not a known funding source" in html
    assert html.count('class="errorlist"') >= 2
    assert not Budget.objects.exists()


def test_import_page_lists_row_errors(client, tree, users, sources):
    login(client, users["municipal_officer"])
    content = ("unit,year,category,source,amount\r\nHN-0101,2025,staff,municipalidad,-1\r\n")
    response = client.post(reverse("finance:import"), {
        "kind": "budgets", "file": SimpleUploadedFile("b.csv", content.encode())})
    assert "Row 2, amount: -1 is negative" in response.content.decode()
    assert not Budget.objects.exists()
    content = content.replace("-1", "15")
    response = client.post(reverse("finance:import"), {
        "kind": "budgets", "file": SimpleUploadedFile("b.csv", content.encode())})
    assert response.status_code == 302 and Budget.objects.count() == 1


def test_import_template(client, tree, users):
    login(client, users["regional_manager"])
    response = client.get(reverse("finance:import_template", args=["expenditures"]),
                          {"format": "csv"})
    assert response.content.decode("utf-8-sig").startswith(
        "unit,date,category,source,amount,in_kind,valuation_note,description")


def test_group_purchase_pages(client, tree, users, sources):
    login(client, users["admin"])
    response = client.post(reverse("finance:purchase_new"), {
        "name": "Kits 2025", "date": "2025-04-20", "category": "materials_kits",
        "source": "municipalidad", "total_amount": "900",
        "share_unit_1": tree.muni_a1.pk, "share_percent_1": "60",
        "share_unit_2": tree.muni_b1.pk, "share_percent_2": "40"})
    assert response.status_code == 302
    purchase = GroupPurchase.objects.get()
    assert sorted(e.amount for e in purchase.expenditures.all()) == [Decimal(360), Decimal(540)]
    # La Ceiba's officer sees the purchase with her share only
    login(client, users["municipal_officer"])
    assert "Kits 2025" in client.get(reverse("finance:purchases")).content.decode()
    html = client.get(reverse("finance:purchase", args=[purchase.pk])).content.decode()
    assert "La Ceiba" in html and "Distrito Central" not in html
    assert 'id="other-shares"' in html and 'id="delete-form"' not in html
    # a bad form keeps the input and names the problem
    login(client, users["admin"])
    response = client.post(reverse("finance:purchase_new"), {
        "name": "Kits", "date": "2025-04-20", "category": "materials_kits",
        "source": "municipalidad", "total_amount": "900",
        "share_unit_1": tree.muni_a1.pk, "share_percent_1": "60",
        "share_unit_2": tree.muni_b1.pk, "share_percent_2": "30"})
    assert "the percentages add up to 90 %, not 100 %." in response.content.decode()
    assert GroupPurchase.objects.count() == 1


def test_sources_page_adds_a_source_for_data_officers_only(client, users, sources):
    login(client, users["data_officer"])
    response = client.post(reverse("finance:sources"), {"code": "fundacion-x",
                                                        "name": "Fundación X",
                                                        "kind": "private_sector"})
    assert response.status_code == 302
    assert "Fundación X" in client.get(reverse("finance:sources")).content.decode()
    login(client, users["municipal_officer"])
    html = client.get(reverse("finance:sources")).content.decode()
    assert 'id="source-form"' not in html
    assert client.post(reverse("finance:sources"), {"code": "y", "name": "Y",
                                                    "kind": "private_sector"}).status_code == 403


PLAN = {"start_year": "2027", "years": "3", "existing_municipalities": "10",
        "beneficiaries_per_municipality": "150", "unit_cost": "475", "yearly_reduction": "5",
        "mode": "phases", "new_1": "0", "new_2": "10", "new_3": "20",
        "phase_1": "consolidation", "phase_2": "expansion", "phase_3": "institutionalisation",
        "government_consolidation": "50", "government_expansion": "70",
        "government_institutionalisation": "90",
        "government_split_central_government": "60", "government_split_municipality": "40",
        "other_split_community_in_kind": "30", "other_split_international_cooperation": "50",
        "other_split_private_sector": "10", "other_split_social_impact_bond": "10"}


def test_projection_page_shows_charts_table_and_downloads(client, tree, users):
    login(client, users["national_manager"])
    url = reverse("finance:projection")
    assert 'id="projection-form"' in client.get(url).content.decode()
    response = client.get(url, PLAN)
    html = response.content.decode()
    assert 'id="chart-coverage"' in html and 'id="fig-cost"' in html and 'id="fig-share"' in html
    figure = json.loads(response.context["cost_json"])
    assert [trace["y"][0] for trace in figure["data"]][:2] == [213750.0, 142500.0]
    assert "4638375" in html.replace(",", "").replace(".", "")  # 712500 + 1353750 + 2572125
    csv = client.get(url, {**PLAN, "format": "csv"}).content.decode("utf-8-sig")
    lines = csv.splitlines()
    assert lines[0].startswith("year,phase,new municipalities,municipalities covered")
    assert lines[1].startswith("2027,Consolidation,0,10,1500,475.00,712500.00,712500.00,50.0")
    assert lines[3].startswith("2029,Institutionalisation,20,40,6000,428.69,2572125.00")


def test_projection_with_impossible_parameters(client, tree, users):
    login(client, users["national_manager"])
    bad = {**PLAN, "years": "0", "unit_cost": "-5", "yearly_reduction": "100"}
    html = client.get(reverse("finance:projection"), bad).content.decode()
    assert 'id="form-errors"' in html and 'id="result"' not in html
    assert "Number of years: the plan needs at least 1 year." in html
    assert "Cost per beneficiary in the first year (USD): a cost cannot be negative." in html
    assert "must be below 100 %" in html
    bad = {**PLAN, "government_split_central_government": "50"}
    html = client.get(reverse("finance:projection"), bad).content.decode()
    assert "Shares within government: the shares within government add up to 90 %" in html


def test_projection_defaults_to_the_current_coverage(client, world, users):
    login(client, users["admin"])
    form = client.get(reverse("finance:projection")).context["form"]
    # the admin's country: municipalities with an expenditure last year (today's year - 1)
    from django.utils import timezone

    from crecer.finance.queries import covered_municipalities

    expected = covered_municipalities(world["province"].parent.parent,
                                      timezone.localdate().year - 1)
    assert form.fields["existing_municipalities"].initial == str(expected)
