"""Contacts with households: home visits, calls, text messages, group sessions, attendance."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crecer.registry.models import Household


class ContactKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("home visit")
    CALL = "call", _("phone call")
    TEXT = "text", _("text message")
    GROUP_SESSION = "group_session", _("group session")
    DAYCARE_ATTENDANCE = "daycare_attendance", _("day-care attendance")


REMOTE_KINDS = {ContactKind.CALL, ContactKind.TEXT}


class RemoteOutcome(models.TextChoices):
    NONE = "", _("—")
    REACHED = "reached", _("reached")
    NO_ANSWER = "no_answer", _("no answer")
    WRONG_NUMBER = "wrong_number", _("wrong number")


class ContactStatus(models.TextChoices):
    RECORDED = "recorded", _("recorded")
    VALIDATED = "validated", _("validated")
    RETURNED = "returned", _("returned")


class Contact(models.Model):
    """One contact. The id is made by the client (offline capture), so sending the same contact
    twice finds the first row instead of making a second."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="contacts")
    kind = models.CharField(max_length=20, choices=ContactKind.choices)
    volunteer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="contacts")
    occurred_at = models.DateTimeField()
    persons_present = models.JSONField(default=list, blank=True)  # person ids (strings)
    messages_given = models.JSONField(default=list, blank=True)  # key-message codes
    items_delivered = models.JSONField(default=list, blank=True)  # [{item_code, quantity}]
    observations = models.JSONField(default=dict, blank=True)  # danger_signs, weight_kg, height_cm
    coresponsibility_evidence = models.JSONField(default=list, blank=True)  # codes seen
    remote_outcome = models.CharField(max_length=16, choices=RemoteOutcome.choices, blank=True)
    status = models.CharField(max_length=10, choices=ContactStatus.choices,
                              default=ContactStatus.RECORDED)
    validated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    validated_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["household", "occurred_at"]),
                   models.Index(fields=["volunteer", "occurred_at"]),
                   models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"


# The supervision checklist of an accompanied visit: fixed items, answered yes / no.
CHECKLIST = [
    ("greeted_family", _("greeted the family and explained the visit")),
    ("key_messages_for_age", _("used the key messages for the children's ages")),
    ("checked_danger_signs", _("checked for danger signs")),
    ("recorded_correctly", _("recorded the visit correctly")),
    ("respectful_communication", _("communicated respectfully, listening to the family")),
    ("involved_caregivers", _("involved the caregivers in play or practice")),
]
CHECKLIST_CODES = [code for code, _label in CHECKLIST]


class AccompaniedVisit(models.Model):
    """A facilitator (or administrator) accompanies a volunteer on a visit and fills in the
    supervision checklist."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="accompanied_visits_made")
    volunteer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="accompanied_visits")
    household = models.ForeignKey(Household, on_delete=models.PROTECT,
                                  related_name="accompanied_visits")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="accompanied_visits")
    visited_on = models.DateField()
    checklist = models.JSONField(default=dict)  # {code: true/false} for every CHECKLIST code
    comments = models.TextField(blank=True)

    class Meta:
        ordering = ["-visited_on", "-created_at"]
        indexes = [models.Index(fields=["volunteer", "visited_on"])]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} {self.volunteer}"

    @property
    def score(self) -> str:
        return f"{sum(bool(v) for v in self.checklist.values())}/{len(CHECKLIST_CODES)}"
