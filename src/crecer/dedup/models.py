"""Likely duplicate pairs waiting for review, and merges (which can be undone)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from crecer.core.models import BaseModel
from crecer.registry.models import Person


class Source(models.TextChoices):
    ENTRY = "entry", _("at registration")
    BATCH = "batch", _("registry-wide search")


class Status(models.TextChoices):
    PENDING = "pending", _("pending review")
    CONFIRMED_SAME = "confirmed_same", _("confirmed same person")
    REJECTED = "rejected", _("not the same person")
    MERGED = "merged", _("merged")


class Decision(models.TextChoices):
    SAME = "same", _("same person")
    DIFFERENT = "different", _("not the same person")


class DuplicateCandidate(BaseModel):
    """Two persons that may be the same. `person_a` has the smaller id (one row per pair)."""

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.BATCH)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    merge = models.ForeignKey(
        "Merge", null=True, blank=True, on_delete=models.SET_NULL, related_name="candidates"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="dedup_one_row_per_pair"),
            models.CheckConstraint(condition=Q(person_a__lt=F("person_b")),
                                   name="dedup_pair_ordered"),
        ]
        indexes = [
            models.Index(fields=["status", "-score"]),
            models.Index(fields=["person_b"]),
        ]

    def __str__(self) -> str:
        return f"{self.person_a_id} ~ {self.person_b_id} ({self.score:.2f}, {self.status})"

    @staticmethod
    def ordered(a, b):
        """The pair's ids (or persons) in storage order: smaller id first."""
        ida, idb = getattr(a, "pk", a), getattr(b, "pk", b)
        return (a, b) if str(ida) < str(idb) else (b, a)

    def other(self, person: Person) -> Person:
        return self.person_b if person.pk == self.person_a_id else self.person_a


class Merge(BaseModel):
    """`merged` was folded into `survivor` by `actor`. Everything needed to undo it is kept:
    the ids of the roles and relationships moved to the survivor, and the survivor's fields
    filled from the merged record (with their previous values)."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_survived")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_absorbed")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    moved_roles = models.JSONField(default=list, blank=True)  # PersonRole ids
    # Relationship ids whose from_person / to_person was re-pointed to the survivor.
    moved_relations_out = models.JSONField(default=list, blank=True)
    moved_relations_in = models.JSONField(default=list, blank=True)
    filled_fields = models.JSONField(default=dict, blank=True)  # field -> [old, new]
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["merged", "undone_at"])]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None
