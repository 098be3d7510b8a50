"""Reads of referrals and of the directory of services, each limited to what the caller may see.

A referral is visible to the people of the person's territory (who sent it or follow her up) and
to the staff of the receiving service point (whose territory is the service point, or above it).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from crecer.accounts.scope import root_paths, within
from crecer.territory.models import Kind, Level, OrgUnit
from crecer.territory.queries import subtree_q

from .models import OPEN, Referral, ReferralEvent, Status


def _municipality_depth() -> int | None:
    return Level.objects.filter(code="municipality").values_list("depth", flat=True).first()


def _near_paths(user) -> list[str]:
    """The user's subtrees, each widened up to its municipality (a volunteer of a community, or
    the nurse of a health centre, sees the services of the whole municipality)."""
    depth = _municipality_depth()
    out = set()
    for path in root_paths(user):
        ids = [p for p in path.strip("/").split("/") if p]
        if depth is not None and len(ids) - 1 > depth:
            ids = ids[: depth + 1]
        out.add("/" + "/".join(ids) + "/")
    return sorted(out)


def services_for(user, sector: str | None = None) -> QuerySet[OrgUnit]:
    """The directory: service points in or near the user's territories, by sector and name."""
    paths = _near_paths(user)
    qs = OrgUnit.objects.filter(subtree_q(paths), kind=Kind.SERVICE_POINT)
    if sector:
        qs = qs.filter(sector=sector)
    return qs.select_related("parent").order_by("sector", "name", "pk")


def _base() -> QuerySet[Referral]:
    return Referral.objects.select_related(
        "person", "person__territory", "to_service", "from_unit", "created_by")


def referrals_for(user) -> QuerySet[Referral]:
    """Every referral the user may open: about a person in her territories, or to a service
    point in them."""
    return _base().filter(within(user, "person__territory") | within(user, "to_service"))


def sent_referrals_for(user) -> QuerySet[Referral]:
    """Referrals of persons in the user's territories (the municipal team's list)."""
    return _base().filter(within(user, "person__territory"))


def inbox_for(user) -> QuerySet[Referral]:
    """Referrals to the service points in the user's territories (the receiving staff's page)."""
    return _base().filter(within(user, "to_service"))


def overdue_q(today: dt.date | None = None) -> Q:
    """Past due with no answer: still open after the due date, or already expired."""
    today = today or timezone.localdate()
    return Q(status__in=OPEN, due_date__lt=today) | Q(status=Status.EXPIRED)


def with_overdue(qs: QuerySet[Referral], today: dt.date | None = None) -> QuerySet[Referral]:
    """Annotate `overdue` (bool) in the same query."""
    return qs.annotate(overdue=Case(When(overdue_q(today), then=Value(True)), default=Value(False),
                                    output_field=BooleanField()))


def filtered(qs: QuerySet[Referral], *, status: str = "", overdue: bool = False,
             today: dt.date | None = None) -> QuerySet[Referral]:
    if status == "open":
        qs = qs.filter(status__in=OPEN)
    elif status in Status.values:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(overdue_q(today))
    return with_overdue(qs, today).order_by("due_date", "-created_at", "pk")


def history(referral: Referral) -> QuerySet[ReferralEvent]:
    return referral.events.order_by("at", "id")
