"""The mapping of Crecer's indicators and territories to a DHIS2 instance's identifiers.

Written only through `actions.py` (policy `can_manage_indicators`, audited)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.indicators.models import Indicator
from crecer.territory.models import OrgUnit

# DHIS2 object identifiers: 11 characters, a letter then letters or digits.
UID_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9]{10}$")


def validate_uid(value: str) -> None:
    if not UID_RE.match(value or ""):
        raise ValidationError(
            _("“%(value)s” is not a DHIS2 identifier (11 letters or digits, starting with a "
              "letter, e.g. f7n9E0hX8qk)."),
            code="uid", params={"value": value})


class IndicatorMapping(models.Model):
    """Where an indicator's value goes in DHIS2: a data element, optionally with a category
    option combination (disaggregation) and an attribute option combination, and the data set
    it is reported in (required by ADX, optional in dataValueSets)."""

    indicator = models.OneToOneField(Indicator, on_delete=models.CASCADE,
                                     related_name="dhis2_mapping")
    data_element = models.CharField(_("data element"), max_length=11, validators=[validate_uid])
    category_option_combo = models.CharField(_("category option combo"), max_length=11,
                                             blank=True, validators=[validate_uid])
    attribute_option_combo = models.CharField(_("attribute option combo"), max_length=11,
                                              blank=True, validators=[validate_uid])
    data_set = models.CharField(_("data set"), max_length=11, blank=True,
                                validators=[validate_uid])
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["indicator__code"]
        constraints = [models.UniqueConstraint(
            fields=["data_element", "category_option_combo", "attribute_option_combo"],
            name="one_indicator_per_dhis2_value")]

    def __str__(self) -> str:
        return f"{self.indicator_id} → {self.data_element}"


class UnitMapping(models.Model):
    """The DHIS2 organisation unit of a Crecer territory."""

    unit = models.OneToOneField(OrgUnit, on_delete=models.CASCADE, related_name="dhis2_mapping")
    org_unit = models.CharField(_("organisation unit"), max_length=11, unique=True,
                                validators=[validate_uid])
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["unit__path"]

    def __str__(self) -> str:
        return f"{self.unit_id} → {self.org_unit}"
