"""Referrals (derivaciones) to the service points of the territory tree, their answer (the
counter-referral, contrarreferencia) and the full history of each one."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crecer.core.models import BaseModel
from crecer.registry.models import Household, Person
from crecer.territory.models import OrgUnit


class ReasonCode(models.TextChoices):
    FEVER = "fever", _("fever")
    MALNUTRITION = "malnutrition", _("malnutrition")
    DEVELOPMENTAL_DELAY = "developmental_delay", _("developmental delay")
    VIOLENCE = "violence", _("violence or protection concern")
    MISSING_VACCINES = "missing_vaccines", _("missing vaccines")
    PRENATAL_CHECK = "prenatal_check", _("prenatal check")
    SCHOOL_ENROLMENT = "school_enrolment", _("school enrolment")
    OTHER = "other", _("other")


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("routine")
    PRIORITY = "priority", _("priority")
    EMERGENCY = "emergency", _("emergency")


# Days from the referral to its default due date, by urgency.
DUE_DAYS = {Urgency.EMERGENCY: 0, Urgency.PRIORITY: 3, Urgency.ROUTINE: 14}


class Status(models.TextChoices):
    SENT = "sent", _("sent")
    RECEIVED = "received", _("received")
    ATTENDED = "attended", _("attended")
    REJECTED = "rejected", _("rejected")
    EXPIRED = "expired", _("expired")


# Waiting for the receiving service; the others are final.
OPEN = (Status.SENT, Status.RECEIVED)
TRANSITIONS: dict[str, set[str]] = {
    Status.SENT: {Status.RECEIVED, Status.REJECTED, Status.EXPIRED},
    Status.RECEIVED: {Status.ATTENDED, Status.REJECTED, Status.EXPIRED},
}


class Referral(BaseModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="referrals")
    # Where the referral was made: the person's community or a service point.
    from_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    to_service = models.ForeignKey(OrgUnit, on_delete=models.PROTECT,
                                   related_name="referrals_received")
    reason_code = models.CharField(max_length=32, choices=ReasonCode.choices)
    reason = models.TextField(blank=True)
    urgency = models.CharField(max_length=16, choices=Urgency.choices, default=Urgency.ROUTINE)
    referred_on = models.DateField(default=timezone.localdate)
    due_date = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    received_at = models.DateTimeField(null=True, blank=True)
    # The counter-referral.
    attended_at = models.DateTimeField(null=True, blank=True)
    what_was_done = models.TextField(blank=True)
    follow_up_advice = models.TextField(blank=True)
    attended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    attended_by_name = models.CharField(max_length=200, blank=True)
    rejection_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # A contact recorded offline by the field app that raised this referral (no foreign key:
    # the contacts app links to it).
    source_contact_id = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["to_service", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_code_display()} → {self.to_service_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == Status.EXPIRED or (self.is_open and self.due_date < today)


class ReferralEvent(models.Model):
    """One row per change of status (the first one is the referral being sent)."""

    id = models.BigAutoField(primary_key=True)
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status or '-'} → {self.to_status}"
