"""Indicator definitions (reference sheets), targets, and values frozen by a period approval."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.territory.models import OrgUnit


class ResultsChain(models.TextChoices):
    STRUCTURE = "structure", _("structure / inputs")
    PROCESS = "process", _("process")
    OUTPUT = "output", _("output")
    OUTCOME = "outcome", _("outcome")
    IMPACT = "impact", _("impact")


class Periodicity(models.TextChoices):
    MONTH = "month", _("monthly")
    QUARTER = "quarter", _("quarterly")
    SEMESTER = "semester", _("half-yearly")
    YEAR = "year", _("yearly")


class Direction(models.TextChoices):
    HIGHER = "higher", _("higher is better")
    LOWER = "lower", _("lower is better")


class Indicator(models.Model):
    """One reference sheet (cédula). Numerator and denominator are expressions of the
    indicator language (`expression.py`), checked by `actions.save_indicator` before saving.

    value = factor × numerator / denominator (or factor × numerator without a denominator).
    Thresholds colour the value against its target: with `direction` higher, a value at or
    above `green_at` % of the target is green, at or above `yellow_at` % yellow, else red
    (mirrored when lower is better)."""

    code = models.SlugField(max_length=64, unique=True)
    # Spanish (the interface's first language) in name/definition, English in the *_en fields;
    # `label()` / `description()` pick by the active language (see the app's README).
    name = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200, blank=True)
    short_name = models.CharField(max_length=80, blank=True)
    definition = models.TextField()
    definition_en = models.TextField(blank=True)
    numerator = models.TextField()
    numerator_label = models.CharField(max_length=200, blank=True)
    denominator = models.TextField(blank=True)
    denominator_label = models.CharField(max_length=200, blank=True)
    factor = models.FloatField(default=1)
    unit = models.CharField(max_length=32, blank=True)  # "%", "USD", "personas"…
    decimals = models.PositiveSmallIntegerField(default=1)
    periodicity = models.CharField(max_length=8, choices=Periodicity.choices,
                                   default=Periodicity.MONTH)
    disaggregations = models.JSONField(default=list, blank=True)  # subset of sources.DIMENSIONS
    results_chain = models.CharField(max_length=10, choices=ResultsChain.choices)
    programme_group = models.CharField(max_length=64, blank=True)  # "Honduras gates", "Juntos"…
    data_source = models.CharField(max_length=255, blank=True)
    responsible = models.CharField(max_length=255, blank=True)
    direction = models.CharField(max_length=6, choices=Direction.choices,
                                 default=Direction.HIGHER)
    green_at = models.FloatField(default=100)  # % of the target
    yellow_at = models.FloatField(default=80)
    limitations = models.TextField(blank=True)
    field_level = models.BooleanField(
        default=False, help_text=_("Can be split by volunteer (contacts and enrolments)."))
    active = models.BooleanField(default=True)
    # "catalogue" when loaded from the shipped files, "ui" when added or edited on the page.
    origin = models.CharField(max_length=10, default="ui")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def label(self) -> str:
        """The name in the active language (Spanish when there is no English one)."""
        return self.name_en if _english() and self.name_en else self.name

    def description(self) -> str:
        """The definition in the active language (Spanish when there is no English one)."""
        return self.definition_en if _english() and self.definition_en else self.definition


def _english() -> bool:
    from django.utils.translation import get_language

    return (get_language() or "").startswith("en")


class Target(models.Model):
    """The value an indicator should reach in a territory and period (DHIS2 period code)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8)
    value = models.FloatField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["indicator", "unit", "period"],
                                               name="one_target")]
        indexes = [models.Index(fields=["unit", "period"])]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.unit_id} {self.period}: {self.value}"


class FrozenValue(models.Model):
    """An indicator value as it stood when its territory's period was approved. Refreshes keep
    it instead of the recomputed value until the approval is undone."""

    approval_id = models.BigIntegerField(db_index=True)  # aggregates.PeriodApproval
    indicator = models.CharField(max_length=64)
    unit_id = models.IntegerField()
    period = models.CharField(max_length=8)
    dim = models.CharField(max_length=16, blank=True)
    dim_value = models.CharField(max_length=64, blank=True)
    numerator = models.FloatField(null=True)
    denominator = models.FloatField(null=True)
    value = models.FloatField(null=True)

    class Meta:
        indexes = [models.Index(fields=["unit_id", "period"])]

    def __str__(self) -> str:
        return f"{self.indicator} {self.unit_id} {self.period}: {self.value}"
