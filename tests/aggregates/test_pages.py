"""The aggregate pages: choose, enter (errors next to fields and summarised), approve, undo;
Spanish by default; 404 outside the user's territories, 403 without the role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from crecer.aggregates import actions
from crecer.aggregates.models import AggregateValue, PeriodApproval


def login(client, user, english: bool = False):
    client.force_login(user)
    if english:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def entry_url(unit, period):
    return reverse("aggregates:entry", kwargs={"unit_id": unit.pk, "period": period})


def test_form_is_spanish_by_default_and_grouped(client, tree, users, elements, past):
    login(client, users["municipal_officer"])
    html = client.get(entry_url(tree.muni_a1, past["quarter"]),
                      HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert '<html lang="es">' in html
    assert "Talleres impartidos" in html and "Comités de salud formados" in html
    assert "Workshops given" not in html
    assert 'id="group-workshops"' in html and 'id="group-community"' in html
    assert "Talleres y capacitación" in html
    # only the quarterly elements of a municipality
    assert 'name="value-workshops_total"' in html
    assert 'name="value-committee_meetings"' not in html
    assert 'name="value-budget_total"' not in html


def test_saving_shows_current_values(client, tree, users, elements, past):
    login(client, users["municipal_officer"], english=True)
    url = entry_url(tree.muni_a1, past["year"])
    response = client.post(url, {"value-budget_total": "1500000", "value-has_ecd_budget_line": "1",
                                 "value-budget_ecd": "30000.5",
                                 "comment-budget_ecd": "Acta 12/2025"})
    assert response.status_code == 302 and response.url == url
    html = client.get(url).content.decode()
    assert 'value="1500000"' in html and 'value="30000.5"' in html
    assert '<option value="1" selected>' in html
    assert 'value="Acta 12/2025"' in html
    assert "entered by muni" in html
    assert AggregateValue.objects.get(element__code="budget_ecd").value == Decimal("30000.50")


def test_errors_are_shown_next_to_each_field_and_summarised(client, tree, users, elements, past):
    login(client, users["municipal_officer"], english=True)
    response = client.post(entry_url(tree.muni_a1, past["quarter"]), {
        "value-workshops_total": "ten", "value-workshops_local_staff": "4",
        "value-health_committees_formed": "9999"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert "<li>Workshops given: “ten” is not a number" in html
    assert "<li>Health committees formed: 9999 is above the maximum, 200.</li>" in html
    assert 'id="value-workshops_total_error"' in html
    assert 'id="value-health_committees_formed_error"' in html
    assert 'id="value-workshops_local_staff_error"' not in html
    assert 'value="ten"' in html and 'value="4"' in html  # what was typed is kept
    assert not AggregateValue.objects.exists()


def test_locked_page_says_who_approved_and_offers_undo_to_authorised_users(
        client, tree, users, elements, past):
    actions.save_values(actor=users["municipal_officer"], unit=tree.muni_a1,
                        period=past["month"], values={"committee_meetings": "2"})
    approval = actions.approve_period(actor=users["regional_manager"], unit=tree.region_a,
                                      period=past["month"])
    url = entry_url(tree.muni_a1, past["month"])
    html = login(client, users["municipal_officer"], english=True).get(url).content.decode()
    assert 'id="locked"' in html
    assert "Atlántida" in html and "was approved by reg" in html
    assert 'id="save"' not in html and "disabled" in html
    assert 'id="undo-form"' not in html and 'id="approve-form"' not in html
    # a post is refused with the lock reason, nothing changes
    html = client.post(url, {"value-committee_meetings": "7"}).content.decode()
    assert "The period is locked" in html
    assert AggregateValue.objects.get().value == Decimal("2.00")

    html = login(client, users["regional_manager"], english=True).get(url).content.decode()
    assert 'id="undo-form"' not in html  # approvers may not undo
    html = login(client, users["data_officer"], english=True).get(url).content.decode()
    assert f'action="{reverse("aggregates:undo", kwargs={"pk": approval.pk})}"' in html


def test_approve_and_undo_through_the_pages(client, tree, users, elements, past):
    url = entry_url(tree.muni_a1, past["month"])
    html = login(client, users["regional_manager"], english=True).get(url).content.decode()
    assert 'id="approve-form"' in html
    approve_url = reverse("aggregates:approve", kwargs={"unit_id": tree.muni_a1.pk,
                                                        "period": past["month"]})
    assert client.post(approve_url).status_code == 302
    approval = PeriodApproval.objects.get()
    assert approval.unit == tree.muni_a1 and approval.period == "202503"

    login(client, users["data_officer"], english=True)
    undo_url = reverse("aggregates:undo", kwargs={"pk": approval.pk})
    response = client.post(undo_url, {"reason": ""}, follow=True)
    assert "Say why the approval is undone." in response.content.decode()
    approval.refresh_from_db()
    assert approval.active
    response = client.post(undo_url, {"reason": "Wrong month"})
    assert response.status_code == 302 and response.url == url
    approval.refresh_from_db()
    assert not approval.active and approval.revoke_reason == "Wrong month"


def test_roles_without_the_rules_get_403(client, tree, users, elements, past):
    login(client, users["volunteer"])
    assert client.get(entry_url(tree.comm_a1, past["month"])).status_code == 403
    assert client.get(reverse("aggregates:index")).status_code == 403
    login(client, users["national_manager"])  # may approve, may not enter
    url = entry_url(tree.muni_a1, past["month"])
    html = client.get(url).content.decode()
    assert 'id="save"' not in html and 'id="approve-form"' in html
    assert client.post(url, {"value-committee_meetings": "1"}).status_code == 403
    login(client, users["municipal_officer"])
    approve_url = reverse("aggregates:approve", kwargs={"unit_id": tree.muni_a1.pk,
                                                        "period": past["month"]})
    assert client.post(approve_url).status_code == 403
    assert not AggregateValue.objects.exists() and not PeriodApproval.objects.exists()


def test_territories_outside_scope_are_404(client, tree, users, elements, past):
    other = actions.approve_period(actor=users["data_officer"], unit=tree.muni_b1,
                                   period=past["month"])
    login(client, users["municipal_officer"])
    assert client.get(entry_url(tree.muni_b1, past["month"])).status_code == 404
    assert client.post(entry_url(tree.muni_b1, past["month"]),
                       {"value-committee_meetings": "1"}).status_code == 404
    assert client.get(reverse("aggregates:index"),
                      {"unit": tree.muni_b1.pk, "period": "202503"}).status_code == 404
    login(client, users["regional_manager"])
    assert client.post(reverse("aggregates:approve", kwargs={
        "unit_id": tree.muni_b1.pk, "period": "202504"})).status_code == 404
    login(client, users["data_officer"])
    assert client.get(entry_url(tree.muni_a1, "2025-13")).status_code == 404  # not a period
    adm_a = users["admin"].__class__.objects.create_user(username="adm_a", password="x",
                                                         role="admin")
    adm_a.territories.set([tree.region_a])
    login(client, adm_a)
    assert client.post(reverse("aggregates:undo", kwargs={"pk": other.pk}),
                       {"reason": "x"}).status_code == 404
    assert not AggregateValue.objects.exists()
    other.refresh_from_db()
    assert other.active


def test_index_lists_the_municipalities_in_scope_and_opens_the_form(client, tree, users, elements):
    login(client, users["regional_manager"], english=True)
    html = client.get(reverse("aggregates:index")).content.decode()
    assert "La Ceiba" in html and "El Porvenir" in html
    assert "Distrito Central" not in html  # another region
    assert "Sambo Creek" not in html  # communities enter no element
    response = client.get(reverse("aggregates:index"),
                          {"unit": tree.muni_a2.pk, "period": "2025Q2"})
    assert response.status_code == 302
    assert response.url == entry_url(tree.muni_a2, "2025Q2")
    response = client.get(reverse("aggregates:index"), {"unit": tree.muni_a2.pk,
                                                        "period": "March"})
    assert "is not a period" in response.content.decode()


def test_approvals_list_shows_those_in_scope(client, tree, users, elements, past):
    actions.approve_period(actor=users["data_officer"], unit=tree.muni_a2, period=past["month"])
    actions.approve_period(actor=users["data_officer"], unit=tree.muni_b1, period=past["month"])
    login(client, users["regional_manager"], english=True)
    html = client.get(reverse("aggregates:approvals")).content.decode()
    assert "El Porvenir" in html and "Distrito Central" not in html
    assert "in force" in html
    assert 'name="reason"' not in html  # may not undo
    html = login(client, users["data_officer"], english=True).get(
        reverse("aggregates:approvals")).content.decode()
    assert html.count('name="reason"') == 2


@pytest.mark.parametrize("role, shown", [("volunteer", False), ("facilitator", False),
                                         ("municipal_officer", True), ("national_manager", True),
                                         ("data_officer", True)])
def test_nav_link_only_for_roles_that_may_open_the_pages(client, users, role, shown):
    html = login(client, users[role]).get("/").content.decode()
    assert ('id="nav-aggregates"' in html) is shown
