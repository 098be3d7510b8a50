"""Reads of stock and deliveries, each limited to what the caller may see.

A user sees the stock of every municipality her territories touch: the municipalities inside
her subtrees, and the municipality above a territory of hers (a volunteer of a community sees
the stock she delivers from). Deliveries are personal data: they follow the household's scope.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.db.models.lookups import LessThan
from django.utils import timezone

from crecer.accounts.scope import root_paths, within
from crecer.territory.models import Kind, Level, OrgUnit
from crecer.territory.queries import subtree_q

from .models import Delivery, Item, MovementKind, StockMovement

MUNICIPALITY_LEVEL = "municipality"
DEFAULT_MUNICIPALITY_DEPTH = 3
RECENT_DAYS = 90  # the window of the average consumption (about three months)


def municipality_depth() -> int:
    """The depth of the level coded "municipality" (3 when the levels do not say)."""
    depth = Level.objects.filter(code=MUNICIPALITY_LEVEL).values_list("depth", flat=True).first()
    return DEFAULT_MUNICIPALITY_DEPTH if depth is None else depth


def _depth(user) -> int:
    """`municipality_depth()`, read once per request (kept on the user object, like her
    territories' paths in `scope.root_paths`)."""
    cached = getattr(user, "_crecer_municipality_depth", None)
    if cached is None:
        cached = municipality_depth()
        if user is not None:
            user._crecer_municipality_depth = cached
    return cached


def municipality_id_of(unit: OrgUnit, depth: int | None = None) -> int | None:
    """The id of the municipality holding `unit` (read from its path, no query beyond the
    level's), or None when the unit lies above the municipal level."""
    depth = municipality_depth() if depth is None else depth
    ids = unit.ancestor_ids()
    return ids[depth] if len(ids) > depth else None


def _above_ids(paths: list[str], depth: int) -> list[int]:
    """The municipalities above (or at) the given territory paths."""
    out = []
    for p in paths:
        ids = [int(x) for x in p.strip("/").split("/") if x]
        if len(ids) > depth:
            out.append(ids[depth])
    return out


def municipality_scope(user, field: str = "municipality") -> Q:
    """Q restricting an OrgUnit foreign key `field` (a municipality) to those the user's
    territories touch: inside her subtrees, or above one of her territories."""
    paths = root_paths(user)
    if not paths:
        return Q(pk__in=[])
    above = _above_ids(paths, _depth(user))
    return subtree_q(paths, field=f"{field}__path") | Q(**{f"{field}_id__in": above})


def municipalities_for(user) -> QuerySet[OrgUnit]:
    """The municipalities whose stock the user sees."""
    paths = root_paths(user)
    if not paths:
        return OrgUnit.objects.none()
    depth = _depth(user)
    return OrgUnit.objects.filter(
        (subtree_q(paths) & Q(depth=depth, kind=Kind.AREA)) | Q(pk__in=_above_ids(paths, depth))
    ).order_by("name")


def managed_municipalities(user) -> QuerySet[OrgUnit]:
    """The municipalities where the user may record receipts: those inside her subtrees."""
    paths = root_paths(user)
    if not paths:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(subtree_q(paths), depth=_depth(user),
                                  kind=Kind.AREA).order_by("name")


def active_items() -> QuerySet[Item]:
    return Item.objects.filter(active=True).order_by("name")


def _balances(user, *, threshold_days: int, today: dt.date | None = None,
              municipality_id: int | None = None) -> QuerySet:
    """Per municipality × item: `balance` (SUM of signed quantities), `delivered_recent` (units
    delivered in the last RECENT_DAYS days) and `status` ("out", "low" or "ok"), all in ONE
    grouped query. Low means the balance covers less than `threshold_days` days of the
    average consumption of the recent window: balance × RECENT_DAYS < delivered × days."""
    today = today or timezone.localdate()
    since = today - dt.timedelta(days=RECENT_DAYS)
    delivered = Coalesce(Sum(-F("quantity"), filter=Q(kind=MovementKind.DELIVERY,
                                                      occurred_on__gt=since)), 0)
    rows = StockMovement.objects.filter(municipality_scope(user))
    if municipality_id is not None:
        rows = rows.filter(municipality_id=municipality_id)
    return (
        rows.values("municipality_id", "municipality__name", "municipality__code",
                "item_id", "item__code", "item__name", "item__unit")
        .annotate(balance=Sum("quantity"), delivered_recent=delivered)
        .annotate(status=Case(
            When(balance__lte=0, then=Value("out")),
            When(LessThan(F("balance") * RECENT_DAYS, F("delivered_recent") * threshold_days),
                 then=Value("low")),
            default=Value("ok"), output_field=CharField()))
        .order_by("municipality__name", "item__name")
    )


def balances_for(user, *, threshold_days: int = 30, today: dt.date | None = None,
                 municipality_id: int | None = None) -> list[dict]:
    """The stock of every municipality and item the user sees (or of one municipality), with
    its alert status, in one grouped query."""
    return list(_balances(user, threshold_days=threshold_days, today=today,
                          municipality_id=municipality_id))


def stock_alerts(user, *, threshold_days: int = 30, today: dt.date | None = None) -> list[dict]:
    """Items out of stock (balance at or below zero) or running low (less than
    `threshold_days` days of the recent average consumption left), in the user's scope."""
    return list(_balances(user, threshold_days=threshold_days, today=today)
                .exclude(status="ok").order_by("status", "municipality__name", "item__name"))


def balance_of(municipality_id: int, item: Item) -> int:
    total = StockMovement.objects.filter(municipality_id=municipality_id, item=item).aggregate(
        t=Sum("quantity"))["t"]
    return total or 0


def deliveries_for(user) -> QuerySet[Delivery]:
    """Deliveries to households in the user's scope."""
    return Delivery.objects.filter(within(user, "household__territory")).select_related(
        "item", "household", "household__territory", "delivered_by")


def recent_movements(user, limit: int = 20) -> QuerySet[StockMovement]:
    return (StockMovement.objects.filter(municipality_scope(user))
            .exclude(kind=MovementKind.DELIVERY)
            .select_related("item", "municipality", "created_by")[:limit])
