"""Stock ledger and deliveries: balances, refusals, idempotency, alerts and scope."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from crecer.core.models import AuditEvent
from crecer.deliveries import actions, queries
from crecer.deliveries.models import Delivery, Item, StockMovement


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def today():
    return timezone.localdate()


def _receive(user, muni, qty, day, code="food-basket"):
    return actions.receive_stock(actor=user, municipality=muni, item=code, quantity=qty,
                                 occurred_on=day, reference="waybill 1")


def _balance(user, muni, code="food-basket"):
    rows = [b for b in queries.balances_for(user)
            if b["municipality_id"] == muni.pk and b["item__code"] == code]
    return rows[0]["balance"] if rows else None


def test_starter_catalogue_is_seeded(db):
    codes = set(Item.objects.values_list("code", flat=True))
    assert {"kit-stimulation", "kit-hygiene", "food-basket", "iron-drops", "mmn-sachets",
            "kit-covid"} <= codes
    from crecer.deliveries.catalogue import load_items
    assert load_items() == 0  # idempotent


def test_receipts_and_deliveries_give_the_balance(tree, users, family, today):
    officer, volunteer = users["municipal_officer"], users["volunteer"]
    hh = family["household"]
    _receive(officer, tree.muni_a1, 10, today)
    _receive(officer, tree.muni_a1, 5, today)
    d1 = actions.deliver(actor=volunteer, household=hh, item="food-basket", quantity=3,
                         delivered_on=today)
    actions.deliver(actor=officer, household=hh, item="food-basket", quantity=2,
                    delivered_on=today)
    assert _balance(officer, tree.muni_a1) == 10
    assert d1.municipality_id == tree.muni_a1.pk  # derived from the household's community
    assert d1.movement.quantity == -3 and d1.movement.kind == "delivery"
    event = AuditEvent.objects.get(entity="deliveries.delivery", object_id=str(d1.pk))
    assert event.person_id is None and event.territory_path == tree.comm_a1.path
    assert event.actor_username == volunteer.username


def test_overdraw_is_refused_and_nothing_saved(tree, users, family, today):
    officer = users["municipal_officer"]
    _receive(officer, tree.muni_a1, 2, today)
    before = (StockMovement.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        actions.deliver(actor=officer, household=family["household"], item="food-basket",
                        quantity=3, delivered_on=today)
    message = exc.value.message_dict["quantity"][0]
    assert "Food basket" in message and "2 basket" in message
    assert not Delivery.objects.exists()
    assert (StockMovement.objects.count(), AuditEvent.objects.count()) == before
    assert _balance(officer, tree.muni_a1) == 2


def test_delivery_id_is_idempotent(tree, users, family, today):
    officer = users["municipal_officer"]
    _receive(officer, tree.muni_a1, 5, today)
    did, contact = uuid.uuid4(), uuid.uuid4()
    first = actions.deliver(actor=officer, household=family["household"], item="food-basket",
                            quantity=2, delivered_on=today, delivery_id=did, contact_id=contact)
    again = actions.deliver(actor=officer, household=family["household"], item="food-basket",
                            quantity=2, delivered_on=today, delivery_id=str(did))
    assert first.pk == again.pk == did and first.contact_id == contact
    assert Delivery.objects.count() == 1
    assert _balance(officer, tree.muni_a1) == 3
    from crecer.registry import actions as registry

    hh2 = registry.create_household(actor=officer, territory=tree.comm_a1b, data={"code": "H-2"})
    with pytest.raises(ValidationError):
        actions.deliver(actor=officer, household=hh2, item="food-basket", quantity=1,
                        delivered_on=today, delivery_id=did)


@pytest.mark.parametrize("kwargs, field", [
    ({"item": "no-such-item"}, "item"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": -2}, "quantity"),
    ({"quantity": "two"}, "quantity"),
    ({"delivered_on": "future"}, "delivered_on"),
    ({"delivery_id": "not-a-uuid"}, "delivery_id"),
])
def test_bad_deliveries_are_refused(tree, users, family, today, kwargs, field):
    officer = users["municipal_officer"]
    _receive(officer, tree.muni_a1, 5, today)
    args = {"item": "food-basket", "quantity": 1, "delivered_on": today, **kwargs}
    if args["delivered_on"] == "future":
        args["delivered_on"] = today + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        actions.deliver(actor=officer, household=family["household"], **args)
    assert field in exc.value.message_dict
    assert not Delivery.objects.exists()


def test_inactive_item_and_outsiders_are_refused(tree, users, family, today):
    officer = users["municipal_officer"]
    _receive(officer, tree.muni_a1, 5, today)
    _receive(officer, tree.muni_a1, 5, today, code="kit-covid")
    Item.objects.filter(code="kit-covid").update(active=False)
    with pytest.raises(ValidationError, match="no longer delivered"):
        actions.deliver(actor=officer, household=family["household"], item="kit-covid",
                        quantity=1, delivered_on=today)
    for who in ("municipal_officer_b", "regional_manager", "data_officer"):
        with pytest.raises(PermissionDenied):
            actions.deliver(actor=users[who], household=family["household"],
                            item="food-basket", quantity=1, delivered_on=today)
    assert not Delivery.objects.exists()


def test_receipts_are_refused_for_outsiders_and_bad_input(tree, users, today):
    officer = users["municipal_officer"]
    for who in ("volunteer", "facilitator", "regional_manager", "municipal_officer_b"):
        with pytest.raises(PermissionDenied):
            _receive(users[who], tree.muni_a1, 5, today)
    with pytest.raises(ValidationError, match="not a municipality"):
        _receive(officer, tree.comm_a1, 5, today)
    with pytest.raises(ValidationError, match="future"):
        _receive(officer, tree.muni_a1, 5, today + dt.timedelta(days=2))
    with pytest.raises(ValidationError):
        _receive(officer, tree.muni_a1, 0, today)
    assert not StockMovement.objects.exists()
    _receive(users["admin"], tree.muni_a1, 5, today)  # an administrator of the country may
    event = AuditEvent.objects.get(entity="deliveries.stockmovement")
    assert event.territory_path == tree.muni_a1.path


def test_stock_out_and_low_stock_alerts(tree, users, family, today):
    officer = users["municipal_officer"]
    hh = family["household"]
    _receive(officer, tree.muni_a1, 1, today - dt.timedelta(days=100), code="kit-hygiene")
    actions.deliver(actor=officer, household=hh, item="kit-hygiene", quantity=1,
                    delivered_on=today)
    # 100 baskets, 90 delivered over the last three months: 10 left, under a month's use.
    _receive(officer, tree.muni_a1, 100, today - dt.timedelta(days=80))
    for days_ago in (60, 30, 5):
        actions.deliver(actor=officer, household=hh, item="food-basket", quantity=30,
                        delivered_on=today - dt.timedelta(days=days_ago))
    # Plenty of iron drops, none delivered: no alert.
    _receive(officer, tree.muni_a1, 50, today, code="iron-drops")
    alerts = {a["item__code"]: a["status"] for a in queries.stock_alerts(officer)}
    assert alerts == {"kit-hygiene": "out", "food-basket": "low"}
    # Ten baskets last more than three days at 1 a day.
    alerts = {a["item__code"]: a["status"]
              for a in queries.stock_alerts(officer, threshold_days=3)}
    assert alerts == {"kit-hygiene": "out"}
    # Deliveries older than the window do not count towards the average.
    later = today + dt.timedelta(days=120)
    assert {a["item__code"] for a in queries.stock_alerts(officer, today=later)} == {
        "kit-hygiene"}


def test_balances_are_scoped(tree, users, today):
    _receive(users["municipal_officer"], tree.muni_a1, 7, today)
    _receive(users["municipal_officer_b"], tree.muni_b1, 9, today)

    def seen(who):
        return {(b["municipality__name"], b["balance"]) for b in queries.balances_for(users[who])}

    assert seen("municipal_officer") == {("La Ceiba", 7)}
    assert seen("volunteer") == {("La Ceiba", 7)}  # the municipality above her community
    assert seen("municipal_officer_b") == {("Distrito Central", 9)}
    assert seen("regional_manager") == {("La Ceiba", 7)}
    assert seen("national_manager") == {("La Ceiba", 7), ("Distrito Central", 9)}
    from crecer.accounts.models import User

    nobody = User.objects.create_user(username="nobody", password="x", role="admin")
    assert queries.balances_for(nobody) == []
    assert list(queries.municipalities_for(users["volunteer"])) == [tree.muni_a1]
    assert list(queries.managed_municipalities(users["volunteer"])) == []


def test_adjustments_and_transfers(tree, users, today):
    officer, admin = users["municipal_officer"], users["admin"]
    _receive(officer, tree.muni_a1, 10, today)
    actions.adjust_stock(actor=officer, municipality=tree.muni_a1, item="food-basket",
                         quantity=-3, occurred_on=today, reference="3 spoiled by rain")
    with pytest.raises(ValidationError, match="below zero"):
        actions.adjust_stock(actor=officer, municipality=tree.muni_a1, item="food-basket",
                             quantity=-8, occurred_on=today, reference="count")
    with pytest.raises(ValidationError):
        actions.adjust_stock(actor=officer, municipality=tree.muni_a1, item="food-basket",
                             quantity=2, occurred_on=today, reference=" ")
    with pytest.raises(PermissionDenied):  # she does not cover the target
        actions.transfer_stock(actor=officer, source=tree.muni_a1, target=tree.muni_b1,
                               item="food-basket", quantity=2, occurred_on=today)
    with pytest.raises(ValidationError, match="Not enough"):
        actions.transfer_stock(actor=admin, source=tree.muni_a1, target=tree.muni_b1,
                               item="food-basket", quantity=8, occurred_on=today)
    actions.transfer_stock(actor=admin, source=tree.muni_a1, target=tree.muni_b1,
                           item="food-basket", quantity=5, occurred_on=today)
    balances = {b["municipality__name"]: b["balance"] for b in queries.balances_for(admin)}
    assert balances == {"La Ceiba": 2, "Distrito Central": 5}
    assert StockMovement.objects.count() == 4
