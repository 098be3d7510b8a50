"""Every write to the stock: permission check, one transaction, one audit row.

Balances are never stored: each movement is a signed row and a balance is their SUM. To keep
two deliveries from overdrawing the same stock at once, `deliver` locks the item's row
(SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE transactions already serialise writers)
before reading the balance.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core import audit
from crecer.core.models import AuditAction
from crecer.registry.models import Household
from crecer.territory.models import OrgUnit

from .models import Delivery, Item, MovementKind, StockMovement
from .queries import balance_of, municipality_depth, municipality_id_of


def _item(item: Item | str) -> Item:
    """The active item given as a row or by its code."""
    code = item if isinstance(item, str) else item.code
    found = Item.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({"item": _("Unknown item “%(code)s”.") % {"code": code}})
    if not found.active:
        raise ValidationError({"item": _("The item “%(name)s” is no longer delivered.")
                               % {"name": found.name}})
    return found


def _quantity(quantity) -> int:
    """A whole number above zero (an int, or its digits as text)."""
    value = None
    if isinstance(quantity, int) and not isinstance(quantity, bool):
        value = quantity
    elif isinstance(quantity, str) and quantity.strip().isdigit():
        value = int(quantity.strip())
    if value is None or value <= 0:
        raise ValidationError({"quantity": _("The quantity must be a whole number above zero.")})
    return value


def _date(value: dt.date | None, field: str) -> dt.date:
    if not isinstance(value, dt.date):
        raise ValidationError({field: _("Give a date.")})
    if value > timezone.localdate():
        raise ValidationError({field: _("The date %(date)s is in the future.")
                               % {"date": value.isoformat()}})
    return value


def receive_stock(*, actor, municipality: OrgUnit, item: Item | str, quantity: int,
                  occurred_on: dt.date, reference: str = "") -> StockMovement:
    """Record items received by a municipality (a positive movement)."""
    _check_manager(actor, municipality)
    found = _item(item)
    qty = _quantity(quantity)
    day = _date(occurred_on, "occurred_on")
    with transaction.atomic():
        movement = StockMovement.objects.create(
            item=found, municipality=municipality, kind=MovementKind.RECEIPT, quantity=qty,
            occurred_on=day, reference=(reference or "").strip()[:120], created_by=actor)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=movement,
                     changes=audit.diff({}, audit.snapshot(movement)),
                     territory_path=municipality.path)
    return movement


def deliver(*, actor, household: Household, item: Item | str, quantity: int,
            delivered_on: dt.date, delivery_id: uuid.UUID | str | None = None,
            contact_id: uuid.UUID | str | None = None) -> Delivery:
    """Hand `quantity` units of an item to a household from its municipality's stock.

    Idempotent on `delivery_id` (made by an offline client): sending the same delivery again
    returns the one already recorded and changes nothing. Refuses an unknown or retired item, a
    quantity that is not a positive whole number, a future date, a household outside the
    actor's territories and more than the municipality's balance; nothing is saved then.
    """
    if not policies.can_deliver(actor) or not scope.covers(actor, household.territory):
        raise PermissionDenied(_("You cannot record deliveries for this household."))
    if delivery_id is not None:
        delivery_id = _uuid(delivery_id, "delivery_id")
        existing = Delivery.objects.filter(pk=delivery_id).first()
        if existing is not None:
            return _same(existing, household)
    found = _item(item)
    qty = _quantity(quantity)
    day = _date(delivered_on, "delivered_on")
    muni_id = municipality_id_of(household.territory)
    if muni_id is None:
        raise ValidationError({"household": _("Household %(code)s is not placed in a "
                                              "municipality.") % {"code": household}})
    try:
        with transaction.atomic():
            list(Item.objects.select_for_update().filter(pk=found.pk).values_list("pk"))
            balance = balance_of(muni_id, found)
            if qty > balance:
                raise ValidationError({"quantity": _(
                    "Not enough “%(item)s” in stock: the balance of the municipality is "
                    "%(balance)d %(unit)s, %(quantity)d asked.") % {
                    "item": found.name, "balance": balance, "unit": found.unit,
                    "quantity": qty}})
            movement = StockMovement.objects.create(
                item=found, municipality_id=muni_id, kind=MovementKind.DELIVERY,
                quantity=-qty, occurred_on=day, reference=f"household {household}"[:120],
                created_by=actor)
            delivery = Delivery.objects.create(
                id=delivery_id or uuid.uuid4(), household=household, item=found, quantity=qty,
                delivered_on=day, delivered_by=actor, municipality_id=muni_id,
                contact_id=_uuid(contact_id, "contact_id") if contact_id else None,
                movement=movement)
            audit.record(actor=actor, action=AuditAction.CREATE, obj=delivery,
                         changes=audit.diff({}, audit.snapshot(delivery)),
                         territory_path=household.territory.path, person_id=None)
    except IntegrityError:
        # The same delivery id arrived twice at once: the other request recorded it.
        existing = Delivery.objects.filter(pk=delivery_id).first() if delivery_id else None
        if existing is None:
            raise
        return _same(existing, household)
    return delivery


def _uuid(value, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ValidationError({field: _("“%(value)s” is not a valid id.")
                               % {"value": value}}) from None


def _same(existing: Delivery, household: Household) -> Delivery:
    if existing.household_id != household.pk:
        raise ValidationError({"delivery_id": _(
            "The delivery %(id)s was already recorded for another household.")
            % {"id": existing.pk}})
    return existing


def _check_manager(actor, *municipalities: OrgUnit) -> None:
    if not policies.can_manage_stock(actor) or not all(
            scope.covers(actor, m) for m in municipalities):
        raise PermissionDenied(_("You cannot record stock in this municipality."))
    for m in municipalities:
        if m.depth != municipality_depth():
            raise ValidationError({"municipality": _("“%(name)s” is not a municipality.")
                                   % {"name": m.name}})


def adjust_stock(*, actor, municipality: OrgUnit, item: Item | str, quantity: int,
                 occurred_on: dt.date, reference: str) -> StockMovement:
    """Correct a balance after a physical count or a loss (`quantity` signed, not zero; the
    reason in `reference` is required). The balance may not go below zero."""
    _check_manager(actor, municipality)
    found = _item(item)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0:
        raise ValidationError({"quantity": _("The adjustment must be a whole number, not zero.")})
    day = _date(occurred_on, "occurred_on")
    if not (reference or "").strip():
        raise ValidationError({"reference": _("Say why the stock is adjusted.")})
    with transaction.atomic():
        list(Item.objects.select_for_update().filter(pk=found.pk).values_list("pk"))
        balance = balance_of(municipality.pk, found)
        if balance + quantity < 0:
            raise ValidationError({"quantity": _(
                "The balance of “%(item)s” in %(municipality)s is %(balance)d %(unit)s; it "
                "cannot go below zero.") % {"item": found.name, "municipality": municipality.name,
                                            "balance": balance, "unit": found.unit}})
        movement = StockMovement.objects.create(
            item=found, municipality=municipality, kind=MovementKind.ADJUSTMENT,
            quantity=quantity, occurred_on=day, reference=reference.strip()[:120],
            created_by=actor)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=movement,
                     changes=audit.diff({}, audit.snapshot(movement)),
                     territory_path=municipality.path)
    return movement


def transfer_stock(*, actor, source: OrgUnit, target: OrgUnit, item: Item | str,
                   quantity: int, occurred_on: dt.date,
                   reference: str = "") -> tuple[StockMovement, StockMovement]:
    """Move units of an item from one municipality's stock to another's: two movements of kind
    transfer (out of `source`, into `target`) in one transaction. The actor must cover both."""
    _check_manager(actor, source, target)
    if source.pk == target.pk:
        raise ValidationError({"target": _("Choose another municipality to transfer to.")})
    found = _item(item)
    qty = _quantity(quantity)
    day = _date(occurred_on, "occurred_on")
    ref = (reference or "").strip()
    with transaction.atomic():
        list(Item.objects.select_for_update().filter(pk=found.pk).values_list("pk"))
        balance = balance_of(source.pk, found)
        if qty > balance:
            raise ValidationError({"quantity": _(
                "Not enough “%(item)s” in stock: the balance of the municipality is "
                "%(balance)d %(unit)s, %(quantity)d asked.") % {
                "item": found.name, "balance": balance, "unit": found.unit, "quantity": qty}})
        out = StockMovement.objects.create(
            item=found, municipality=source, kind=MovementKind.TRANSFER, quantity=-qty,
            occurred_on=day, reference=(ref or f"to {target.code}")[:120], created_by=actor)
        into = StockMovement.objects.create(
            item=found, municipality=target, kind=MovementKind.TRANSFER, quantity=qty,
            occurred_on=day, reference=(ref or f"from {source.code}")[:120], created_by=actor)
        for movement, unit in ((out, source), (into, target)):
            audit.record(actor=actor, action=AuditAction.CREATE, obj=movement,
                         changes=audit.diff({}, audit.snapshot(movement)),
                         territory_path=unit.path)
    return out, into
