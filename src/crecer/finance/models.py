"""Funding sources, budgets and expenditures per territory, year, category and source (in-kind
contributions valued), and group purchases shared by several municipalities.

Money is in US dollars, like the aggregate figures. Every row keeps `created_at` / `updated_at`
(indexed) so that the indicator engine can refresh its extract incrementally.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.core.models import BaseModel
from crecer.territory.models import OrgUnit

MAX_DIGITS, DECIMALS = 14, 2  # up to 999 999 999 999.99


class SourceKind(models.TextChoices):
    CENTRAL_GOVERNMENT = "central_government", _("central government")
    STATE_GOVERNMENT = "state_government", _("state or departmental government")
    MUNICIPALITY = "municipality", _("municipality")
    COMMUNITY_IN_KIND = "community_in_kind", _("community (in kind)")
    INTERNATIONAL_COOPERATION = "international_cooperation", _("international cooperation")
    PRIVATE_SECTOR = "private_sector", _("private sector and philanthropy")
    SOCIAL_IMPACT_BOND = "social_impact_bond", _("social impact bond")


# The kinds whose money counts in the government share.
GOVERNMENT_KINDS = (SourceKind.CENTRAL_GOVERNMENT, SourceKind.STATE_GOVERNMENT,
                    SourceKind.MUNICIPALITY)


def is_government_kind(kind: str) -> bool:
    return kind in {k.value for k in GOVERNMENT_KINDS}


class Category(models.TextChoices):
    STAFF = "staff", _("staff")
    TRAINING = "training", _("training")
    MATERIALS_KITS = "materials_kits", _("materials and kits")
    FOOD = "food", _("food")
    TRANSPORT = "transport", _("transport")
    SUPERVISION = "supervision", _("supervision")
    MANAGEMENT = "management", _("management")
    OTHER = "other", _("other")


class FundingSource(BaseModel):
    """Who pays: a ministry, the municipalities, the community (in kind), a cooperation agency,
    a company, a social impact bond. Configuration shared by every territory."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=SourceKind.choices)
    # Derived from `kind` (set on save, and checked by the database).
    is_government = models.BooleanField(default=False, editable=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.CheckConstraint(
            condition=(models.Q(is_government=True, kind__in=[k.value for k in GOVERNMENT_KINDS])
                       | (models.Q(is_government=False)
                          & ~models.Q(kind__in=[k.value for k in GOVERNMENT_KINDS]))),
            name="finance_source_government_matches_kind")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.is_government = is_government_kind(self.kind)
        if kwargs.get("update_fields") is not None and "kind" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "is_government"}
        super().save(*args, **kwargs)


def _money_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMALS, **kwargs)


class Budget(BaseModel):
    """A budgeted amount of one territory, year, category and source."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=16, choices=Category.choices)
    source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="budgets")
    amount = _money_field()
    in_kind = models.BooleanField(default=False)
    valuation_note = models.CharField(max_length=255, blank=True)  # how in kind was valued
    # This amount is in the early-childhood line of the municipality's budget.
    is_ecd_line = models.BooleanField(default=False)
    note = models.CharField(max_length=255, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-year", "category", "-created_at"]
        indexes = [models.Index(fields=["unit", "year"]), models.Index(fields=["year"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0),
                                              name="finance_budget_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.category} {self.source_id}: {self.amount}"


class GroupPurchase(BaseModel):
    """One order placed together by several municipalities (volume discounts); each
    municipality's share is recorded as one of its expenditures."""

    name = models.CharField(max_length=200)
    date = models.DateField()
    description = models.CharField(max_length=255, blank=True)  # the item bought
    category = models.CharField(max_length=16, choices=Category.choices,
                                default=Category.MATERIALS_KITS)
    source = models.ForeignKey(FundingSource, on_delete=models.PROTECT, related_name="+")
    total_amount = _money_field()
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-date", "name"]
        constraints = [models.CheckConstraint(condition=models.Q(total_amount__gt=0),
                                              name="finance_purchase_total_positive")]

    def __str__(self) -> str:
        return self.name


class GroupPurchaseShare(BaseModel):
    """One municipality's part of a group purchase: its percentage and amount (the amounts of
    a purchase add up to its total exactly)."""

    purchase = models.ForeignKey(GroupPurchase, on_delete=models.CASCADE, related_name="shares")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    percent = models.DecimalField(max_digits=7, decimal_places=4)
    amount = _money_field()

    class Meta:
        ordering = ["purchase", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["purchase", "unit"], name="finance_one_share_per_unit"),
            models.CheckConstraint(condition=models.Q(amount__gte=0, percent__gte=0,
                                                      percent__lte=100),
                                   name="finance_share_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_id} {self.unit_id}: {self.percent} %"


class Expenditure(BaseModel):
    """Money spent (or an in-kind contribution received, valued) by one territory."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    category = models.CharField(max_length=16, choices=Category.choices)
    source = models.ForeignKey(FundingSource, on_delete=models.PROTECT,
                               related_name="expenditures")
    amount = _money_field()
    in_kind = models.BooleanField(default=False)
    valuation_note = models.CharField(max_length=255, blank=True)
    description = models.CharField(max_length=255, blank=True)
    group_purchase = models.ForeignKey(GroupPurchase, null=True, blank=True,
                                       on_delete=models.CASCADE, related_name="expenditures")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-date", "category", "-created_at"]
        indexes = [models.Index(fields=["unit", "date"]), models.Index(fields=["date"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0),
                                              name="finance_expenditure_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.date} {self.category} {self.source_id}: {self.amount}"
