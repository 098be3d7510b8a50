"""Values that come from no record (budgets, expenditures, workshops, committee meetings),
entered per territory and period, and the approvals that lock a territory's period."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from crecer.territory.models import OrgUnit


class ValueType(models.TextChoices):
    INTEGER = "integer", _("whole number")
    NUMBER = "number", _("number")
    MONEY = "money", _("amount of money")
    PERCENTAGE = "percentage", _("percentage")
    BOOLEAN = "boolean", _("yes / no")


class PeriodType(models.TextChoices):
    MONTH = "month", _("monthly")
    QUARTER = "quarter", _("quarterly")
    YEAR = "year", _("yearly")


def _spanish() -> bool:
    return (get_language() or "").startswith("es")


class DataElement(models.Model):
    """One figure to be entered, with its validation rules.

    Names are data (shipped in `data/elements.toml`, not in the gettext catalogue): `name` is
    the English one, `name_es` the Spanish one; `label` picks the one of the active language.
    """

    code = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    name_es = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    description_es = models.TextField(blank=True)
    value_type = models.CharField(max_length=10, choices=ValueType.choices)
    period_type = models.CharField(max_length=8, choices=PeriodType.choices)
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    # The value may not exceed this other element's value (same territory and period):
    # workshops given by local staff ≤ workshops given.
    not_above = models.SlugField(max_length=64, blank=True)
    # Which level of the tree enters it ("municipality"); blank: any area.
    level_code = models.CharField(max_length=32, blank=True)
    group = models.CharField(max_length=64, blank=True)  # form section code: "budget"…
    position = models.PositiveSmallIntegerField(default=0)  # order inside its group
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["group", "position", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return self.name_es if self.name_es and _spanish() else self.name

    @property
    def help(self) -> str:
        return self.description_es if self.description_es and _spanish() else self.description


class AggregateValue(models.Model):
    """One entered figure. Booleans are stored as 1 (yes) and 0 (no)."""

    element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="values")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=8)  # DHIS2 code of the element's period type
    value = models.DecimalField(max_digits=16, decimal_places=2)
    comment = models.CharField(max_length=255, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["element", "unit", "period"],
                                               name="one_aggregate_value")]
        indexes = [models.Index(fields=["unit", "period"])]

    def __str__(self) -> str:
        return f"{self.element_id} {self.unit_id} {self.period}: {self.value}"


class PeriodApproval(models.Model):
    """A territory's period approved: its aggregate values (and those of its subtree, and of
    the shorter periods inside it) can no longer change, and its indicator values are frozen,
    until an authorised user undoes it."""

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    period = models.CharField(max_length=8)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-approved_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["unit", "period"], condition=models.Q(revoked_at__isnull=True),
            name="one_active_approval")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.period}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
