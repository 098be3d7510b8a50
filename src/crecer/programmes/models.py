"""Programmes (configuration as validated JSON) and enrolments of households in them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.core.models import BaseModel
from crecer.registry.models import Household, Person


class ProgrammeKind(models.TextChoices):
    HOME_VISITS = "home_visits", _("home-visit family accompaniment")
    DAY_CARE = "day_care", _("day care")
    INFANT_PACKAGE = "infant_package", _("infant priority package")
    CASH_TRANSFER = "cash_transfer", _("conditional cash transfer")
    VOLUNTEER_MODEL = "volunteer_model", _("volunteer home-visit model")


class Programme(BaseModel):
    """A programme; everything programme-specific lives in `config`, checked by
    `schema.validate_config` in the actions that write it."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=ProgrammeKind.choices)
    active = models.BooleanField(default=True)
    config = models.JSONField(default=dict)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def message_codes(self) -> set[str]:
        return {m["code"] for m in self.config.get("key_messages", [])}

    def item_codes(self) -> set[str]:
        return set(self.config.get("deliverables", []))

    def coresponsibility_codes(self) -> set[str]:
        return {c["code"] for c in self.config.get("coresponsibilities", [])}


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    EXITED = "exited", _("exited")


class Enrolment(BaseModel):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="enrolments")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="enrolments")
    volunteer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="caseload")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    exit_reason = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=8, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ACTIVE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "household"],
                condition=models.Q(status="active", person__isnull=True),
                name="one_active_household_enrolment"),
            models.UniqueConstraint(
                fields=["programme", "person"],
                condition=models.Q(status="active", person__isnull=False),
                name="one_active_person_enrolment"),
        ]
        indexes = [models.Index(fields=["volunteer", "status"]),
                   models.Index(fields=["household", "status"])]

    def __str__(self) -> str:
        return f"{self.programme_id} · {self.household_id}"
