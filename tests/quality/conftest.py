"""A small month of field work to compute reporting completeness and timeliness by hand.

March 2025 (31 days), looked at on 10 April 2025, Honduras volunteer model (weekly under 12
months, fortnightly 12-35 months, monthly 36-71 months and in pregnancy):

    household  where      volunteer  caseload in March        interval  expected  contacts in March (late = synced > 7 days after)
    BABY       comm_a1    vol        all month                7 days    4         3 (1 late), 1 by the facilitator
    OLDER      comm_a1    vol        all month                30 days   1         2
    NEW        comm_a1    vol        from 20 March (12 days)  14 days   1         0
    GONE       comm_a1    vol        exited 28 February       –         0         0
    PREG       comm_a1b   vol2       all month                30 days   1         1 (late)
    FAR        comm_b1    vol_b      all month                30 days   1         1

    vol:  6 expected, 4 recorded (3 of BABY's 4, 1 of OLDER's 1);  5 contacts, 4 on time
    fac:  0 expected;                                              1 contact, on time
    vol2: 1 expected, 1 recorded;                                  1 contact, 0 on time
    La Ceiba (muni_a1): 7 expected, 5 recorded; 7 contacts, 5 on time
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from django.utils import timezone

MONTH = "202503"
TODAY = dt.date(2025, 4, 10)
START = dt.date(2025, 1, 1)


@pytest.fixture(autouse=True)
def english_and_empty_results(settings, tmp_path):
    """English pages, and a data folder with no indicator results."""
    from django.utils import translation

    settings.DATA_DIR = tmp_path
    with translation.override("en"):
        yield


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@dataclass
class FieldWork:
    vol: object
    vol2: object
    vol_b: object
    households: dict


@pytest.fixture
def fieldwork(tree, users, make_user):
    from crecer.fieldwork.models import Contact
    from crecer.programmes import actions as programmes
    from crecer.programmes.presets import load_presets
    from crecer.registry import actions as registry

    model = next(p for p in load_presets() if p.code == "honduras-pi-volunteers")
    officer, officer_b = users["municipal_officer"], users["municipal_officer_b"]
    vol, fac = users["volunteer"], users["facilitator"]
    vol2 = make_user("vol2", "volunteer", tree.comm_a1b)
    vol_b = make_user("vol_b", "volunteer", tree.comm_b1)
    n = iter(range(1, 100))
    made = {}

    def household(code, unit, actor, volunteer, *, child=None, pregnant=False, start=START):
        hh = registry.create_household(actor=actor, territory=unit,
                                       data={"code": code, "area": "rural"})
        registry.register_person(
            actor=actor, household=hh, roles=["caregiver", "pregnant"] if pregnant else
            ["caregiver"], expected_delivery_date=timezone.localdate() + dt.timedelta(days=60)
            if pregnant else None,
            data={"given_names": f"Madre{next(n)}", "first_surname": "Calidad", "sex": "F",
                  "birth_date": "1995-01-01"})
        if child:
            registry.register_person(actor=actor, household=hh, roles=["child"], data={
                "given_names": f"Hijo{next(n)}", "first_surname": "Calidad", "sex": "M",
                "birth_date": child.isoformat()})
        made[code] = hh
        return programmes.enrol(actor=actor, programme=model, household=hh, volunteer=volunteer,
                                start=start)

    household("BABY", tree.comm_a1, officer, vol, child=dt.date(2024, 12, 1))
    household("OLDER", tree.comm_a1, officer, vol, child=dt.date(2021, 6, 1))
    household("NEW", tree.comm_a1, officer, vol, child=dt.date(2023, 7, 1),
              start=dt.date(2025, 3, 20))
    gone = household("GONE", tree.comm_a1, officer, vol, child=dt.date(2024, 11, 1))
    programmes.exit_enrolment(actor=officer, enrolment=gone, reason="moved",
                              on=dt.date(2025, 2, 28))
    household("PREG", tree.comm_a1b, officer, vol2, pregnant=True)
    household("FAR", tree.comm_b1, officer_b, vol_b, child=dt.date(2021, 1, 1))

    def contact(code, who, day, synced_days=0, kind="home_visit"):
        c = Contact.objects.create(id=uuid.uuid4(), household=made[code], kind=kind,
                                   volunteer=who, occurred_at=at(day),
                                   remote_outcome="reached" if kind == "call" else "")
        Contact.objects.filter(pk=c.pk).update(
            created_at=at(day) + dt.timedelta(days=synced_days, hours=1))
        return c

    D = dt.date
    contact("BABY", vol, D(2025, 3, 3))
    contact("BABY", vol, D(2025, 3, 10), synced_days=10)  # late
    contact("BABY", vol, D(2025, 3, 24), kind="call")
    contact("BABY", fac, D(2025, 3, 25))  # the facilitator's visit
    contact("BABY", vol, D(2025, 2, 24))  # February: not this month
    contact("OLDER", vol, D(2025, 3, 5))
    contact("OLDER", vol, D(2025, 3, 6), synced_days=6)  # on time (under 7 days)
    contact("GONE", vol, D(2025, 4, 2))  # April
    contact("PREG", vol2, D(2025, 3, 12), synced_days=8)  # late
    contact("FAR", vol_b, D(2025, 3, 14))
    return FieldWork(vol=vol, vol2=vol2, vol_b=vol_b, households=made)
