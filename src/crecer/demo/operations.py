"""Demo operations after field work and referrals: stock and deliveries, co-responsibility
verification.

- `seed_deliveries`: the administrator records a receipt of every active item in every
  municipality (about three months ago), then deliveries to households enrolled in the
  facilitator's municipality through `crecer.deliveries.actions.deliver` (so balances,
  movements and audit rows are the real ones). One item is left out of stock in that
  municipality (received and all handed out), so the stock page shows an alert.
- `seed_compliance`: marks the co-responsibility codes of Juntos-like programmes as seen on
  last month's visits of the households enrolled in them (60 % of households all codes, 20 %
  all but one, 20 % none), then runs
  `crecer.coresponsibility.actions.verify_period` for last month in each municipality of the
  municipal officers: the compliance list and the payment roster have data, with reasons for
  the households that did not comply.

Deterministic (seeded `random.Random`, lists ordered by primary key or code).
"""

from __future__ import annotations

import datetime as dt
import random

from django.db.models import Q
from django.utils import timezone

from crecer.accounts.models import Role, User
from crecer.coresponsibility.actions import verify_period
from crecer.deliveries import actions as deliveries
from crecer.deliveries.models import StockMovement
from crecer.deliveries.queries import active_items, managed_municipalities, municipality_depth
from crecer.fieldwork.models import Contact
from crecer.programmes.models import Enrolment, Programme

RECEIPT = 200
DELIVERIES = 60
OUT_OF_STOCK_RECEIPT = 5


def _demo_municipality(admin: User):
    """The facilitator's municipality (La Ceiba in the demo), else the first one."""
    depth = municipality_depth()
    fac = User.objects.filter(username="facilitadora").first()
    unit = fac.territories.first() if fac else None
    if unit is not None and unit.depth >= depth:
        ids = unit.ancestor_ids()
        return managed_municipalities(admin).filter(pk=ids[depth]).first()
    return managed_municipalities(admin).first()


def seed_deliveries(*, seed: int = 2026, today: dt.date | None = None) -> dict[str, int]:
    admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
    if admin is None or StockMovement.objects.exists():
        return {"receipts": 0, "deliveries": 0}
    rng = random.Random(seed)
    today = today or timezone.localdate()
    items = list(active_items().order_by("code"))
    municipalities = list(managed_municipalities(admin).order_by("code"))
    home = _demo_municipality(admin)
    if not items or home is None:
        return {"receipts": 0, "deliveries": 0}
    scarce = items[-1]  # left out of stock in the demo municipality
    received_on = today - dt.timedelta(days=100)
    receipts = 0
    for muni in municipalities:
        for item in items:
            qty = OUT_OF_STOCK_RECEIPT if (muni.pk == home.pk and item.pk == scarce.pk) \
                else RECEIPT
            deliveries.receive_stock(actor=admin, municipality=muni, item=item, quantity=qty,
                                     occurred_on=received_on,
                                     reference=f"Remesa {received_on:%Y-%m} (demo)")
            receipts += 1
    households = list({e.household_id: e.household for e in Enrolment.objects.filter(
        household__territory__path__startswith=home.path, end__isnull=True)
        .select_related("household__territory").order_by("household__code")}.values())
    made = 0
    plenty = [i for i in items if i.pk != scarce.pk]
    for hh in rng.sample(households, min(DELIVERIES, len(households))):
        deliveries.deliver(actor=admin, household=hh, item=rng.choice(plenty),
                           quantity=rng.randint(1, 3),
                           delivered_on=today - dt.timedelta(days=rng.randint(1, 80)))
        made += 1
    left = OUT_OF_STOCK_RECEIPT
    for hh in households[:OUT_OF_STOCK_RECEIPT]:
        deliveries.deliver(actor=admin, household=hh, item=scarce, quantity=1,
                           delivered_on=today - dt.timedelta(days=rng.randint(1, 20)))
        made += 1
        left -= 1
    if left:  # too few households: the rest was lost
        deliveries.adjust_stock(actor=admin, municipality=home, item=scarce, quantity=-left,
                                occurred_on=today, reference="Pérdida (demo)")
    return {"receipts": receipts, "deliveries": made}


def _juntos_like() -> list[Programme]:
    """Programmes with co-responsibilities (the conditional cash transfer presets)."""
    return [p for p in Programme.objects.order_by("code")
            if (p.config or {}).get("coresponsibilities") and p.kind == "cash_transfer"] or \
        [p for p in Programme.objects.filter(code="juntos-cct")]


def seed_compliance(*, seed: int = 2026, today: dt.date | None = None) -> dict[str, int]:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    last_end = today.replace(day=1) - dt.timedelta(days=1)
    period = f"{last_end:%Y-%m}"
    start = timezone.make_aware(dt.datetime.combine(last_end.replace(day=1), dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last_end + dt.timedelta(days=1), dt.time.min))
    officers = list(User.objects.filter(role=Role.MUNICIPAL_OFFICER).order_by("username"))
    counts = {"checks_compliant": 0, "checks_not_compliant": 0, "households": 0}
    for programme in _juntos_like():
        codes = [c["code"] for c in programme.config.get("coresponsibilities", [])]
        enrolled = Enrolment.objects.filter(programme=programme).values("household_id")
        seen: dict = {}
        for pk, hid in (Contact.objects.filter(household_id__in=enrolled,
                                               occurred_at__gte=start, occurred_at__lt=end)
                        .exclude(Q(kind="call") | Q(kind="text_message"))
                        .order_by("household_id", "pk").values_list("pk", "household_id")):
            seen.setdefault(hid, []).append(pk)
        full, partial = [], []
        for hid in sorted(seen, key=str):  # most comply, some miss one condition, some all
            draw = rng.random()
            (full if draw < 0.6 else partial if draw < 0.8 else []).extend(seen[hid])
        Contact.objects.filter(pk__in=full).update(coresponsibility_evidence=codes)
        Contact.objects.filter(pk__in=partial).update(coresponsibility_evidence=codes[1:])
        for officer in officers:
            for muni in officer.territories.all():
                got = verify_period(actor=officer, programme=programme, period=period,
                                    municipality=muni)
                counts["households"] += got.get("households", 0)
                counts["checks_compliant"] += got.get("compliant", 0)
                counts["checks_not_compliant"] += got.get("not_compliant", 0)
    return counts
