"""The risk register of each territory: reads (scoped, ranked by level = likelihood × impact)
and the audited writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from crecer.accounts.scope import get_in_scope, within
from crecer.core import audit
from crecer.core.models import AuditAction
from crecer.territory.models import Kind, OrgUnit

from .actions import _choice, _created, _record, _text, check
from .models import Impact, Likelihood, Risk, RiskCategory, RiskStatus

HIGH_LEVEL = 15  # likelihood × impact at or above this is a high risk (red)
MEDIUM_LEVEL = 8


def risks_for(user) -> QuerySet[Risk]:
    """Risks of the territories in scope, ranked (see `ranked`)."""
    return ranked(Risk.objects.filter(within(user)).select_related("territory"))


def ranked(risks: QuerySet[Risk]) -> QuerySet[Risk]:
    """Open and mitigating risks first, by level (likelihood × impact, highest first), then by
    review date; closed ones last. Computed by the database."""
    closed = Case(When(status=RiskStatus.CLOSED, then=Value(1)), default=Value(0),
                  output_field=IntegerField())
    return risks.annotate(score=F("likelihood") * F("impact"), is_closed=closed).order_by(
        "is_closed", "-score", "review_on", "title")


def risk_for(user, pk) -> Risk:
    return get_in_scope(Risk.objects.select_related("territory"), user, pk=pk)


def band(level: int) -> str:
    return "high" if level >= HIGH_LEVEL else "medium" if level >= MEDIUM_LEVEL else "low"


def review_due(risks: QuerySet[Risk], today: dt.date) -> QuerySet[Risk]:
    """Risks still open whose review date has passed."""
    return risks.exclude(status=RiskStatus.CLOSED).filter(review_on__lt=today)


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "category": _choice(data.get("category"), RiskCategory, "category"),
        "title": _text(data.get("title"), "title"),
        "description": str(data.get("description") or "").strip(),
        "likelihood": _choice(data.get("likelihood"), Likelihood, "likelihood"),
        "impact": _choice(data.get("impact"), Impact, "impact"),
        "mitigation": str(data.get("mitigation") or "").strip(),
        "owner": _text(data.get("owner"), "owner", required=False, max_length=150),
        "status": _choice(data.get("status") or RiskStatus.OPEN, RiskStatus, "status"),
        "review_on": data.get("review_on") or None,
    }
    if fields["review_on"] is not None and not isinstance(fields["review_on"], dt.date):
        raise ValidationError({"review_on": _("Enter a valid date.")})
    if fields["status"] != RiskStatus.CLOSED and not fields["mitigation"] \
            and fields["likelihood"] * fields["impact"] >= HIGH_LEVEL:
        raise ValidationError({"mitigation": _("A high risk needs a mitigation plan.")})
    return fields


def add_risk(*, actor, territory: OrgUnit, data: dict[str, Any]) -> Risk:
    check(actor, territory)
    if territory.kind != Kind.AREA:
        raise ValidationError({"territory": _("Choose an area, not a service point.")})
    fields = _fields(data)
    with transaction.atomic():
        risk = Risk.objects.create(territory=territory, **fields)
        _created(actor, risk, territory)
    return risk


def update_risk(*, actor, risk: Risk, data: dict[str, Any]) -> Risk:
    check(actor, risk.territory)
    fields = _fields(data)
    with transaction.atomic():
        before = audit.snapshot(risk)
        for k, v in fields.items():
            setattr(risk, k, v)
        risk.save()
        changes = audit.diff(before, audit.snapshot(risk))
        if changes:
            _record(actor, AuditAction.UPDATE, risk, risk.territory, changes)
    return risk
