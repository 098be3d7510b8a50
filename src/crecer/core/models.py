"""Shared base model and the append-only audit trail."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """UUID primary key (safe to make on a device offline) and timestamps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("updated")
    DELETE = "delete", _("deleted")
    MERGE = "merge", _("merged")
    UNMERGE = "unmerge", _("merge undone")
    LINK = "link", _("linked")
    IMPORT = "import", _("imported")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise PermissionError("audit events are append-only")

    def delete(self):  # type: ignore[override]
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """Who changed which record, when, from which territory, and the old and new values.

    Rows are append-only: the model refuses updates and deletes, and database triggers
    (migration 0002) refuse them at the SQL level too.
    """

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=AuditAction.choices)
    entity = models.CharField(max_length=64, db_index=True)  # e.g. "registry.person"
    object_id = models.CharField(max_length=64, db_index=True)
    # The person the change concerns (for the per-person trail), if any.
    person_id = models.UUIDField(null=True, blank=True, db_index=True)
    # Territory path of the record at the time of change (scopes who may read the event).
    territory_path = models.CharField(max_length=255, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=255, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.entity}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")

