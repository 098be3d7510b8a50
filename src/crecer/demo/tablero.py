"""Demo data for the tablero: registration dates spread over the past, generated boundaries,
the indicator catalogue, aggregate figures with a few approved months, national targets, a
DHIS2 mapping, and a first full refresh of the indicators."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.db import transaction
from django.utils import timezone

# National targets of the ratio indicators for each demo year (the Honduras gate values come
# from seeds/001; the others are plausible programme targets). Ratios inherit them downwards
# and from the year to its months and quarters (see indicators/targets.py).
DEMO_TARGETS = {
    "cm-families-accompanied": 85, "cm-remote-follow-up": 60, "cm-families-with-kit": 70,
    "juntos-vaccine-compliance": 90, "juntos-iron-compliance": 80, "hn-caregiver-registry": 80,
    "hn-cost-per-beneficiary": 475, "hn-government-cost-share": 50,
    "hn-workshops-local-staff": 60, "hn-municipal-teams-trained": 100,
    "hn-parenting-scale-gain": 25, "hn-ecd-budget-line-share": 100, "hn-ecd-budget-share": 5,
    "mb-referrals-counter-referred": 70, "mb-nominal-listing": 90, "mb-proactive-search": 50,
    "mb-referral-criteria-met": 80, "mb-prenatal-coverage": 85, "mb-vaccination-coverage": 95,
    "mb-growth-monitoring": 80, "mb-danger-signs-referred": 90, "mb-child-development": 70,
    "wf-volunteer-turnover": 15, "wf-workers-certified": 60, "wf-volunteer-retention": 85,
}
REGISTRATION_MONTHS = 30  # households were registered over the last 30 months


def _days_ago(key: str, span_days: int) -> int:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % span_days


@transaction.atomic
def backdate_registry(today: dt.date | None = None) -> int:
    """Spread the registration dates (created_at) of the demo households and their members over
    the past months, deterministically, so that the registry stocks have a history; a household
    is never registered after its first contact. Contacts get a plausible arrival time (hours
    after the visit, one in ten more than a week late) for the timeliness of reporting."""
    from django.db.models import Min

    from crecer.fieldwork.models import Contact
    from crecer.registry.models import Household, Person

    now = timezone.now() if today is None else timezone.make_aware(
        dt.datetime.combine(today, dt.time(12)))
    first_contact = dict(Contact.objects.values("household_id").annotate(first=Min("occurred_at"))
                         .values_list("household_id", "first"))
    households = list(Household.objects.only("id", "created_at"))
    for h in households:
        when = now - dt.timedelta(days=_days_ago(str(h.pk), REGISTRATION_MONTHS * 30))
        h.created_at = min(when, first_contact.get(h.pk, when))
    Household.objects.bulk_update(households, ["created_at"], batch_size=1000)
    by_household = {h.pk: h.created_at for h in households}
    persons = list(Person.objects.filter(household__isnull=False).only("id", "household_id",
                                                                        "created_at"))
    for p in persons:
        p.created_at = by_household[p.household_id]
    Person.objects.bulk_update(persons, ["created_at"], batch_size=1000)
    # Contacts reach the server some hours after the visit; one in ten is synced late.
    # (Only the contacts bulk-created without an arrival time: written at build time, long
    # after their visit. `wide.py` sets its own.)
    contacts = [c for c in Contact.objects.only("id", "occurred_at", "created_at")
                if c.created_at - c.occurred_at > dt.timedelta(days=20)]
    for c in contacts:
        hours = _days_ago(f"sync-{c.pk}", 240)
        c.created_at = c.occurred_at + dt.timedelta(hours=hours % 48 if hours < 216 else hours)
    Contact.objects.bulk_update(contacts, ["created_at"], batch_size=1000)
    return len(households)


def seed_targets(today: dt.date | None = None) -> int:
    from crecer.indicators import periods
    from crecer.indicators.models import Indicator, Target
    from crecer.territory.models import OrgUnit

    country = OrgUnit.objects.filter(parent=None).order_by("id").first()
    year = periods.current("year", today).year
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=DEMO_TARGETS)}
    rows = [Target(indicator=indicators[code], unit=country, period=str(y), value=value)
            for code, value in DEMO_TARGETS.items() if code in indicators
            for y in (year - 1, year)]
    Target.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def seed_tablero(*, progress=print) -> dict:
    from crecer.demo.aggregates import approve_demo_months, fill_aggregates
    from crecer.demo.boundaries import make_boundaries
    from crecer.indicators import engine
    from crecer.indicators.catalogue import load_catalogue
    from crecer.interop.demo import make_mapping

    out = {"households_backdated": backdate_registry(), "boundaries": make_boundaries()}
    catalogue = load_catalogue()
    out["indicators"] = len(catalogue.created + catalogue.updated + catalogue.unchanged)
    out["targets"] = seed_targets()
    out["dhis2_mapping"] = make_mapping()
    aggregates = fill_aggregates(approve=False)
    out["aggregate_values"] = aggregates["values"]
    report = engine.refresh(full=True, progress=progress)
    out["indicator_values"] = report.values
    # Approve three past months of one region now that there are values to freeze, and show
    # them as approved.
    out["approvals"] = approve_demo_months()
    engine.refresh(progress=progress)
    return out
