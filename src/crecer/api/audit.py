"""/api/v1/audit: the audit trail of the caller's subtrees (data officers and administrators).

Events are read through `crecer.core.queries.audit_events_for`, which applies both the policy
(`can_view_audit`) and the territory scope (the path recorded with each event).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from crecer.accounts import policies
from crecer.core.queries import audit_events_for, filter_events
from crecer.registry import queries

from .pagination import PageParams, page_of, paginate
from .schemas import AuditEventOut

router = Router(tags=["audit"])


class AuditFilters(PageParams):
    person: uuid.UUID | None = Field(None, description="Only events about this person")
    user: str = Field("", max_length=150, description="Only events by this username")
    entity: str = Field("", max_length=64, description="Only this model, e.g. registry.person")
    date_from: dt.date | None = Field(None, description="From this day (local time), included")
    date_to: dt.date | None = Field(None, description="To this day (local time), included")


def _require_auditor(user) -> None:
    if not policies.can_view_audit(user):
        raise PermissionDenied(_("Your role cannot read the audit trail."))


def _filtered(events, f: AuditFilters):
    return filter_events(events, person_id=f.person, username=f.user.strip(),
                         date_from=f.date_from, date_to=f.date_to, entity=f.entity.strip())


@router.get("", response=page_of(AuditEventOut), summary="Audit events in my territories")
def list_audit_events(request, filters: Query[AuditFilters]):
    user = request.auth
    _require_auditor(user)
    events = _filtered(audit_events_for(user), filters).order_by("-at", "-id")
    return paginate(events, filters)


@router.get("/persons/{uuid:person_id}", response=page_of(AuditEventOut),
            summary="The audit trail of one person")
def list_person_audit_events(request, person_id: uuid.UUID, filters: Query[AuditFilters]):
    """404 unless the person is in the caller's territories (or, for an auditor, has events
    there); 403 when she is but the role may not read the audit."""
    user = request.auth
    visible = queries.persons_for(user, include_merged=True).filter(pk=person_id).exists()
    if not policies.can_view_audit(user):
        if not visible:
            raise Http404
        _require_auditor(user)
    events = _filtered(audit_events_for(user), filters).filter(person_id=person_id)
    if not visible and not events.exists():
        raise Http404
    return paginate(events.order_by("-at", "-id"), filters)
