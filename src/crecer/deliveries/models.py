"""Items handed to families (kits, food baskets, supplements), the stock ledger of each
municipality, and the deliveries to households.

The ledger is append-only in spirit: a balance is the SUM of the signed quantities of the
movements of one municipality and item (receipts positive, deliveries negative), computed by one
aggregate query, never stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.core.models import BaseModel
from crecer.registry.models import Household
from crecer.territory.models import OrgUnit


class ItemKind(models.TextChoices):
    KIT = "kit", _("kit")
    FOOD_BASKET = "food_basket", _("food basket")
    SUPPLEMENT = "supplement", _("supplement")
    OTHER = "other", _("other")


class Item(models.Model):
    """An item of the catalogue (edited by administrators in the Django admin)."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=ItemKind.choices, default=ItemKind.OTHER)
    unit = models.CharField(max_length=32, help_text=_("Counting unit: kit, basket, bottle…"))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("receipt")
    DELIVERY = "delivery", _("delivery")
    ADJUSTMENT = "adjustment", _("adjustment")
    TRANSFER = "transfer", _("transfer")


class StockMovement(BaseModel):
    """One signed change of a municipality's stock of an item."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    municipality = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    quantity = models.IntegerField()  # signed: receipts > 0, deliveries < 0
    occurred_on = models.DateField()
    reference = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_on", "-created_at"]
        indexes = [models.Index(fields=["municipality", "item", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.kind} {self.quantity:+d} {self.item_id}"


class Delivery(BaseModel):
    """Items handed to a household. The id may be made by an offline client, so that sending
    the same delivery twice records it once."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="deliveries")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="deliveries")
    quantity = models.PositiveIntegerField()
    delivered_on = models.DateField()
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The fieldwork contact (home visit) during which the item was handed over, if any.
    contact_id = models.UUIDField(null=True, blank=True, db_index=True)
    # The municipality whose stock paid for it (an ancestor of the household's territory).
    municipality = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    movement = models.OneToOneField(
        StockMovement, null=True, blank=True, on_delete=models.PROTECT, related_name="delivery"
    )

    class Meta:
        ordering = ["-delivered_on", "-created_at"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["household", "delivered_on"])]

    def __str__(self) -> str:
        return f"{self.delivered_on} {self.quantity} × {self.item_id}"
