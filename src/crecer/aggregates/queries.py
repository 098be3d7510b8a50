"""Reads over data elements, aggregate values and period approvals.

Aggregates hold no personal record, but they are still read per territory: the pages look a
territory up with `territory_for(user, unit_id)` (404 outside the user's subtrees).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404

from crecer.accounts import scope
from crecer.indicators import periods
from crecer.territory.models import Kind, Level, OrgUnit
from crecer.territory.queries import subtree_q

from .models import AggregateValue, DataElement, PeriodApproval, ValueType


def level_code(unit: OrgUnit) -> str:
    """The code of the unit's level ("municipality"), "" when the levels do not say."""
    return Level.objects.filter(depth=unit.depth).values_list("code", flat=True).first() or ""


def elements_for(unit: OrgUnit, period_type: str | None = None) -> QuerySet[DataElement]:
    """Active elements entered at the unit's level (and those for any level), optionally only
    those of one period type."""
    qs = DataElement.objects.filter(active=True).filter(
        Q(level_code="") | Q(level_code=level_code(unit)))
    if period_type:
        qs = qs.filter(period_type=period_type)
    return qs.order_by("group", "position", "code")


def entry_levels() -> set[str] | None:
    """The level codes that enter some active element; None when an element is for any level."""
    codes = set(DataElement.objects.filter(active=True).values_list("level_code", flat=True))
    return None if "" in codes else codes


def territories_for(user) -> QuerySet[OrgUnit]:
    """The areas in the user's subtrees at a level that enters some element."""
    qs = scope.units_for(user).filter(kind=Kind.AREA)
    levels = entry_levels()
    if levels is not None:
        depths = Level.objects.filter(code__in=levels).values_list("depth", flat=True)
        qs = qs.filter(depth__in=list(depths))
    return qs.order_by("path")


def territory_for(user, unit_id: int) -> OrgUnit:
    """An area in the user's subtrees, or 404 (outsiders learn nothing)."""
    unit = scope.units_for(user).filter(pk=unit_id, kind=Kind.AREA).first()
    if unit is None:
        raise Http404
    return unit


def values_of(unit: OrgUnit, period: str) -> dict[str, AggregateValue]:
    """The unit's values for one period, by element code."""
    rows = AggregateValue.objects.filter(unit=unit, period=period).select_related("element",
                                                                                  "entered_by")
    return {v.element.code: v for v in rows}


def containing_periods(period: str) -> list[str]:
    """The codes of the period itself and of every period (month, quarter, semester, year) that
    contains it: an approval of any of them locks it."""
    p = periods.parse(period)
    out = []
    for kind in periods.PERIOD_TYPES:
        candidate = periods.of_type(kind, p.start)
        if candidate.contains(p):
            out.append(candidate.code)
    return out


def active_approvals() -> QuerySet[PeriodApproval]:
    return PeriodApproval.objects.filter(revoked_at__isnull=True)


def is_locked(unit: OrgUnit, period: str) -> PeriodApproval | None:
    """The active approval that locks the unit's period, if any: one of the unit or of an
    ancestor, for the same period or for a period that contains it."""
    return (active_approvals()
            .filter(unit_id__in=unit.ancestor_ids(), period__in=containing_periods(period))
            .select_related("unit", "approved_by").order_by("approved_at", "id").first())


def approvals_for(user, *, active_only: bool = False) -> QuerySet[PeriodApproval]:
    """Approvals of the territories in the user's subtrees and of the territories above them
    (which lock hers too), newest first."""
    roots = scope.root_paths(user)
    if not roots:
        return PeriodApproval.objects.none()
    above = {int(x) for p in roots for x in p.strip("/").split("/") if x}
    qs = PeriodApproval.objects.filter(subtree_q(roots, field="unit__path") | Q(unit_id__in=above))
    if active_only:
        qs = qs.filter(revoked_at__isnull=True)
    return qs.select_related("unit", "approved_by", "revoked_by").order_by("-approved_at", "-id")


def undoable_approval(user, pk: int) -> PeriodApproval:
    """An approval of a territory in the user's subtrees, or 404."""
    approval = (PeriodApproval.objects.filter(scope.within(user, "unit"), pk=pk)
                .select_related("unit").first())
    if approval is None:
        raise Http404
    return approval


def as_text(element: DataElement, value: Decimal | None) -> str:
    """A stored value as the form shows it (round-trips through `actions.save_values`)."""
    if value is None:
        return ""
    if element.value_type == ValueType.BOOLEAN:
        return "1" if value else "0"
    if element.value_type == ValueType.INTEGER:
        return str(int(value))
    text = format(value.normalize(), "f")
    return text
