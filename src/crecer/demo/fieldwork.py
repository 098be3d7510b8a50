"""Demo field work: preset programmes, enrolments with volunteers, a few months of contacts.

Runs after `generator.generate` on the demo territory: the volunteer "voluntaria" and one
more volunteer per community of the facilitator's municipality each accompany up to
`per_volunteer` households (those with a child under 6 or a pregnant woman) in the Honduras
volunteer model, some also in Juntos; contacts follow each household's schedule with some
families left overdue. Bulk inserts, one audit event per row ("demo-generator", import).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from crecer.accounts.models import Role, User
from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.fieldwork.models import Contact, ContactStatus
from crecer.programmes.models import Enrolment
from crecer.programmes.presets import load_presets
from crecer.programmes.schedule import age_in_months, interval_days, messages_for
from crecer.registry.models import Household, Person, PersonRole, RoleKind
from crecer.territory.models import Kind, OrgUnit

ACTOR = "demo-generator"


def _event(obj, path: str) -> AuditEvent:
    return AuditEvent(actor=None, actor_username=ACTOR, action=AuditAction.IMPORT,
                      entity=obj._meta.label_lower, object_id=str(obj.pk), territory_path=path,
                      changes=audit.diff({}, audit.snapshot(obj)), note="demo data")


def _volunteers(facilitator: User, password: str) -> dict[int, User]:
    """community id → volunteer: "voluntaria" in hers, a new one in each other community."""
    volunteer = User.objects.get(username="voluntaria")
    out = {u.pk: volunteer for u in volunteer.territories.all()}
    muni = facilitator.territories.first()
    hashed = make_password(password)
    communities = OrgUnit.objects.filter(parent=muni, kind=Kind.AREA).order_by("code")[:5]
    n = 2
    for unit in communities:
        if unit.pk in out:
            continue
        user, _ = User.objects.get_or_create(
            username=f"voluntaria{n}",
            defaults={"role": Role.VOLUNTEER, "password": hashed, "first_name": f"Voluntaria {n}",
                      "preferred_language": "es"})
        user.territories.add(unit)
        out[unit.pk] = user
        n += 1
    return out


def seed_fieldwork(*, password: str, seed: int = 2026, per_volunteer: int = 23,
                   months: int = 4, today: dt.date | None = None) -> dict[str, int]:
    rng = random.Random(seed)
    today = today or timezone.localdate()
    now = timezone.now()
    programmes = {p.code: p for p in load_presets()}
    model, juntos = programmes["honduras-pi-volunteers"], programmes["juntos-cct"]
    facilitator = User.objects.filter(username="facilitadora").first()
    if facilitator is None or Enrolment.objects.exists():
        return {"enrolments": 0, "contacts": 0}
    volunteers = _volunteers(facilitator, password)
    pregnant_q = PersonRole.objects.filter(person=OuterRef("pk"), role=RoleKind.PREGNANT,
                                           active=True)
    young = today.replace(year=today.year - 6)
    members = (Person.objects.filter(territory_id__in=list(volunteers), merged_into__isnull=True)
               .annotate(preg=Exists(pregnant_q))
               .values("household_id", "birth_date", "preg", "territory_id", "roles__role"))
    info: dict = {}
    for m in members:
        h = info.setdefault(m["household_id"], {"ages": set(), "preg": False,
                                                "unit": m["territory_id"]})
        h["preg"] |= m["preg"]
        if m["roles__role"] == RoleKind.CHILD and m["birth_date"] and m["birth_date"] > young:
            h["ages"].add(age_in_months(m["birth_date"], today))
    households = {h.pk: h for h in Household.objects.filter(pk__in=list(info))
                  .select_related("territory").order_by("code")}
    taken: dict[int, int] = {}
    enrolments, contacts, events = [], [], []
    for hid, hh in households.items():
        h = info[hid]
        if not (h["ages"] or h["preg"]) or taken.get(h["unit"], 0) >= per_volunteer:
            continue
        taken[h["unit"]] = taken.get(h["unit"], 0) + 1
        volunteer = volunteers[h["unit"]]
        start = today - dt.timedelta(days=30 * months - rng.randrange(0, 40))
        progs = [model] + ([juntos] if h["ages"] and min(h["ages"]) < 36 and rng.random() < 0.4
                           else [])
        for prog in progs:
            enrolments.append(Enrolment(id=uuid.uuid4(), programme=prog, household=hh,
                                        volunteer=volunteer, start=start))
        every = interval_days(model.config, child_ages=h["ages"], pregnant=h["preg"])
        codes = [m["code"] for m in messages_for(model.config, child_ages=h["ages"],
                                                 pregnant=h["preg"])]
        day = start + dt.timedelta(days=rng.randrange(0, 4))
        lagging = rng.random() < 0.3  # these families end up overdue
        end = today - dt.timedelta(days=every * 2 if lagging else 0)
        while day < end:
            when = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randrange(8, 17))))
            if when >= now:
                break
            call = rng.random() < 0.15
            old = (today - day).days > 14
            contacts.append(Contact(
                id=uuid.uuid4(), household=hh, volunteer=volunteer, occurred_at=when,
                kind="call" if call else "home_visit",
                remote_outcome=rng.choice(["reached", "reached", "no_answer"]) if call else "",
                messages_given=rng.sample(codes, min(2, len(codes))),
                items_delivered=[{"item_code": "KIT-DIT", "quantity": 1}]
                if not call and rng.random() < 0.1 else [],
                observations={"danger_signs": ["fever"]} if rng.random() < 0.03 else {},
                status=ContactStatus.VALIDATED if old and rng.random() < 0.8
                else ContactStatus.RECORDED,
                validated_by=facilitator if old else None, validated_at=now if old else None))
            if contacts[-1].status != ContactStatus.VALIDATED:
                contacts[-1].validated_by = contacts[-1].validated_at = None
            day += dt.timedelta(days=every + rng.randrange(-1, 3))
    with transaction.atomic():
        Enrolment.objects.bulk_create(enrolments, batch_size=1000)
        Contact.objects.bulk_create(contacts, batch_size=1000)
        events = [_event(e, e.household.territory.path) for e in enrolments]
        events += [_event(c, c.household.territory.path) for c in contacts]
        audit.record_many(events)
    return {"enrolments": len(enrolments), "contacts": len(contacts)}
