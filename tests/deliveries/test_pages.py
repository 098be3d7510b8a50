"""The stock pages: balances with alerts, receipts, the delivery page and its history."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from crecer.deliveries import actions
from crecer.deliveries.models import Delivery, StockMovement


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _client(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def today():
    return timezone.localdate()


def test_stock_page_shows_balances_alerts_and_receipt_form(tree, users, family, today):
    officer = users["municipal_officer"]
    actions.receive_stock(actor=officer, municipality=tree.muni_a1, item="kit-hygiene",
                          quantity=1, occurred_on=today, reference="waybill 77")
    actions.deliver(actor=officer, household=family["household"], item="kit-hygiene",
                    quantity=1, delivered_on=today)
    page = _client(officer).get(reverse("deliveries:stock"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="stock-alerts"' in body and "Hygiene kit" in body and "waybill 77" in body
    assert 'id="receipt-form"' in body
    volunteer_page = _client(users["volunteer"]).get(reverse("deliveries:stock")).content.decode()
    assert "La Ceiba" in volunteer_page and 'id="receipt-form"' not in volunteer_page


def test_receipt_form_records_stock(tree, users, today):
    client = _client(users["municipal_officer"])
    data = {"municipality": tree.muni_a1.pk, "item": "iron-drops", "quantity": "12",
            "occurred_on": today.isoformat(), "reference": "donation"}
    response = client.post(reverse("deliveries:receive"), data)
    assert response.status_code == 302
    assert StockMovement.objects.get().quantity == 12
    bad = client.post(reverse("deliveries:receive"),
                      {**data, "occurred_on": (today + dt.timedelta(days=3)).isoformat()})
    assert bad.status_code == 200 and "is in the future" in bad.content.decode()
    assert StockMovement.objects.count() == 1
    outside = client.post(reverse("deliveries:receive"), {**data, "municipality": tree.muni_b1.pk})
    assert outside.status_code == 404
    volunteer = _client(users["volunteer"]).post(reverse("deliveries:receive"), data)
    assert volunteer.status_code == 403
    assert StockMovement.objects.count() == 1


def test_deliver_page_records_once_and_shows_history(tree, users, family, today):
    hh = family["household"]
    actions.receive_stock(actor=users["municipal_officer"], municipality=tree.muni_a1,
                          item="food-basket", quantity=3, occurred_on=today)
    url = reverse("deliveries:deliver", kwargs={"pk": hh.pk})
    client = _client(users["volunteer"])
    page = client.get(url)
    assert page.status_code == 200 and "Nothing delivered yet" in page.content.decode()
    data = {"item": "food-basket", "quantity": "2", "delivered_on": today.isoformat(),
            "delivery_id": str(uuid.uuid4())}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # sent twice: recorded once
    assert Delivery.objects.count() == 1
    history = client.get(url).content.decode()
    assert "Food basket" in history and "1 basket" in history  # left in stock
    overdraw = client.post(url, {**data, "delivery_id": str(uuid.uuid4())})
    assert overdraw.status_code == 200
    assert "Not enough “Food basket” in stock" in overdraw.content.decode()
    assert Delivery.objects.count() == 1
    assert _client(users["municipal_officer_b"]).get(url).status_code == 404
    assert _client(users["regional_manager"]).get(url).status_code == 403


def test_delivery_list_is_scoped(tree, users, family, today):
    officer = users["municipal_officer"]
    actions.receive_stock(actor=officer, municipality=tree.muni_a1, item="food-basket",
                          quantity=3, occurred_on=today)
    actions.deliver(actor=officer, household=family["household"], item="food-basket",
                    quantity=1, delivered_on=today)
    mine = _client(officer).get(reverse("deliveries:list"))
    assert mine.status_code == 200 and "H-0001" in mine.content.decode()
    theirs = _client(users["municipal_officer_b"]).get(reverse("deliveries:list"))
    assert theirs.status_code == 200 and "H-0001" not in theirs.content.decode()


def test_stock_page_query_count_does_not_grow(tree, users, family, today,
                                              django_assert_max_num_queries):
    from crecer.deliveries.models import Item

    admin = users["admin"]
    client = _client(admin)
    client.get(reverse("deliveries:stock"))  # warm the session
    for muni in (tree.muni_a1, tree.muni_a2, tree.muni_b1):
        for item in Item.objects.all():
            actions.receive_stock(actor=admin, municipality=muni, item=item, quantity=5,
                                  occurred_on=today)
    actions.deliver(actor=admin, household=family["household"], item="food-basket", quantity=5,
                    delivered_on=today)
    # session, user, her territories, the municipal level, the balances (one grouped query),
    # the two forms' municipalities and items, the recent receipts: whatever the number of rows.
    with django_assert_max_num_queries(10):
        page = client.get(reverse("deliveries:stock"))
    assert page.status_code == 200
    assert page.content.decode().count("<tr>") >= 18


def test_adjustment_form(tree, users, family, today):
    officer = users["municipal_officer"]
    actions.receive_stock(actor=officer, municipality=tree.muni_a1, item="food-basket",
                          quantity=4, occurred_on=today)
    client = _client(officer)
    data = {"adjust-municipality": tree.muni_a1.pk, "adjust-item": "food-basket",
            "adjust-quantity": "-5", "adjust-occurred_on": today.isoformat(),
            "adjust-reference": "rats"}
    refused = client.post(reverse("deliveries:adjust"), data)
    assert refused.status_code == 200 and "cannot go below zero" in refused.content.decode()
    assert client.post(reverse("deliveries:adjust"),
                       {**data, "adjust-quantity": "-1"}).status_code == 302
    assert StockMovement.objects.get(kind="adjustment").quantity == -1
    # the household page links to the delivery page for those who may deliver
    page = client.get(reverse("registry:household", kwargs={"pk": family["household"].pk}))
    assert reverse("deliveries:deliver", kwargs={"pk": family["household"].pk}) in (
        page.content.decode())
