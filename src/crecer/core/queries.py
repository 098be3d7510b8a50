"""Reads of the audit trail, limited to what the caller may see.

An event is visible to a user who may read the audit (`policies.can_view_audit`) when the
territory path recorded with it lies within one of the user's subtrees. Events recorded without a
territory (none concern personal data) are visible to nobody here.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AuditEvent


def audit_events_for(user) -> QuerySet[AuditEvent]:
    """The audit events `user` may read: none unless the role may read the audit, and then only
    those recorded in the user's subtrees."""
    from crecer.accounts import policies, scope
    from crecer.territory.queries import subtree_q

    paths = scope.root_paths(user) if policies.can_view_audit(user) else []
    if not paths:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(subtree_q(paths, field="territory_path"))


def filter_events(events: QuerySet[AuditEvent], *, person_id: uuid.UUID | None = None,
                  username: str = "", date_from: dt.date | None = None,
                  date_to: dt.date | None = None, entity: str = "") -> QuerySet[AuditEvent]:
    """Narrow an (already scoped) queryset of events. Dates are whole days in the local time
    zone, both ends included."""
    if person_id:
        events = events.filter(person_id=person_id)
    if username:
        events = events.filter(actor_username=username)
    if date_from:
        events = events.filter(at__gte=_day_start(date_from))
    if date_to:
        events = events.filter(at__lt=_day_start(date_to + dt.timedelta(days=1)))
    if entity:
        events = events.filter(entity=entity)
    return events


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audited_entities() -> list[tuple[str, str]]:
    """(label, name) of every model of Crecer's apps, for the entity filter."""
    out = []
    for model in apps.get_models():
        if model.__module__.startswith("crecer."):
            out.append((model._meta.label_lower, str(model._meta.verbose_name).capitalize()))
    return sorted(out, key=lambda pair: pair[1])


@dataclass
class Change:
    field: str
    label: str
    old: str
    new: str


def describe_changes(event: AuditEvent) -> list[Change]:
    """The event's changes as readable rows: field label, old value, new value."""
    try:
        model = apps.get_model(event.entity)
    except (LookupError, ValueError):
        model = None
    changes = event.changes if isinstance(event.changes, dict) else {"": [None, event.changes]}
    rows = []
    for name, pair in changes.items():
        old, new = (pair if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair))
        field = _field(model, name)
        label = str(field.verbose_name).capitalize() if field is not None else \
            name.replace("_", " ").capitalize()
        before, after = _readable(field, old), _readable(field, new)
        if before != after:  # e.g. None → "" on creation: nothing a reader needs to see
            rows.append(Change(name, label, before, after))
    return rows


def _field(model, name: str):
    if model is None or not name:
        return None
    try:
        field = model._meta.get_field(name)
        return field if hasattr(field, "verbose_name") else None  # not a reverse relation
    except FieldDoesNotExist:
        for f in model._meta.concrete_fields:
            if f.attname == name:
                return f
    return None


def _readable(field, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field is not None and getattr(field, "choices", None):
        labels = {str(k): str(v) for k, v in field.flatchoices}
        if str(value) in labels:
            return labels[str(value)]
    if isinstance(value, list):
        return ", ".join(_readable(None, v) for v in value) or "—"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
