"""Co-responsibility checks: for one household, programme, month and condition (and the person
it concerns), whether it was met, where the evidence came from and why not."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.core.models import BaseModel
from crecer.programmes.models import Programme
from crecer.registry.models import Household, Person


class Source(models.TextChoices):
    VOLUNTEER = "volunteer", _("volunteer")
    HEALTH_SYSTEM = "health_system", _("health system")
    EDUCATION_SYSTEM = "education_system", _("education system")


class ComplianceCheck(BaseModel):
    household = models.ForeignKey(Household, on_delete=models.PROTECT,
                                  related_name="compliance_checks")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT,
                                  related_name="compliance_checks")
    period = models.CharField(max_length=7)  # "YYYY-MM"
    condition = models.CharField(max_length=40)  # a code of the programme's co-responsibilities
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="compliance_checks")
    compliant = models.BooleanField()
    source = models.CharField(max_length=16, choices=Source.choices)
    evidence_ref = models.CharField(max_length=120, blank=True)  # contact id or "file.csv row 4"
    reason = models.CharField(max_length=255, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["period", "condition"]
        constraints = [
            # NULLs are distinct in unique constraints: one constraint for each case.
            models.UniqueConstraint(
                fields=["household", "programme", "period", "condition", "person"],
                condition=models.Q(person__isnull=False), name="one_check_per_person"),
            models.UniqueConstraint(
                fields=["household", "programme", "period", "condition"],
                condition=models.Q(person__isnull=True), name="one_check_per_household"),
        ]
        indexes = [models.Index(fields=["programme", "period"])]

    def __str__(self) -> str:
        return f"{self.period} {self.condition} {self.household_id}"
