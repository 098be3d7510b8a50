"""Write audit events. Every action that changes personal data calls `record`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.db import models

from .models import AuditAction, AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    return value


def snapshot(obj: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a row, JSON-ready (foreign keys as their ids)."""
    out: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in ("created_at", "updated_at") or (fields and f.name not in fields):
            continue
        out[f.attname] = _plain(getattr(obj, f.attname))
    return out


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


# Called (after the transaction commits) whenever an audited change is recorded: the indicators
# app registers its refresh scheduler here, so that core does not depend on it.
CHANGE_LISTENERS: list[Callable[[], None]] = []


def _changed() -> None:
    for listener in CHANGE_LISTENERS:
        listener()


def record(
    *,
    actor,
    action: AuditAction | str,
    obj: models.Model,
    changes: dict[str, Any],
    territory_path: str = "",
    person_id: uuid.UUID | None = None,
    note: str = "",
) -> AuditEvent:
    _changed()
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "system",
        action=action,
        entity=obj._meta.label_lower,
        object_id=str(obj.pk),
        person_id=person_id,
        territory_path=territory_path,
        changes=changes,
        note=note[:255],
    )


def record_many(events: list[AuditEvent]) -> None:
    _changed()
    AuditEvent.objects.bulk_create(events, batch_size=1000)
