"""Demo referrals in every state, made through the actions (so with history and audit rows).

`seed_referrals(password=...)` runs after the demo generator: for each municipal officer it refers
children and pregnant women of her territories to the service points near them over the last
two months, answers most of them as the service would (received, attended with a
counter-referral, rejected), leaves some open and overdue, and expires the oldest unanswered
ones. It also creates "enfermera", a nurse whose territory is the first health centre of the
first officer's municipality (she sees that centre's inbox).
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from crecer.accounts.models import Role, User
from crecer.registry.models import RoleKind
from crecer.registry.queries import persons_for
from crecer.territory.models import Sector

from . import actions
from .models import DUE_DAYS, ReasonCode, Referral, Urgency
from .queries import services_for

REASON_SECTOR = {
    ReasonCode.FEVER: Sector.HEALTH, ReasonCode.MALNUTRITION: Sector.NUTRITION,
    ReasonCode.DEVELOPMENTAL_DELAY: Sector.HEALTH, ReasonCode.VIOLENCE: Sector.PROTECTION,
    ReasonCode.MISSING_VACCINES: Sector.HEALTH, ReasonCode.PRENATAL_CHECK: Sector.HEALTH,
    ReasonCode.SCHOOL_ENROLMENT: Sector.EDUCATION, ReasonCode.OTHER: Sector.SOCIAL,
}
DONE = {
    ReasonCode.FEVER: "Evaluada; paracetamol; prueba de malaria negativa",
    ReasonCode.MALNUTRITION: "Peso y talla; inicio de alimento terapéutico",
    ReasonCode.DEVELOPMENTAL_DELAY: "Evaluación del desarrollo; referida a estimulación",
    ReasonCode.VIOLENCE: "Entrevista con la familia; plan de protección",
    ReasonCode.MISSING_VACCINES: "Vacunas puestas al día",
    ReasonCode.PRENATAL_CHECK: "Control prenatal; hierro y ácido fólico",
    ReasonCode.SCHOOL_ENROLMENT: "Matriculado en preescolar",
    ReasonCode.OTHER: "Orientación a la familia",
}
# target state → share of the referrals
STATES = [("attended", 40), ("received", 12), ("rejected", 8), ("sent", 15), ("overdue", 10),
          ("expired", 15)]


def _nurse(officer: User, password: str) -> User | None:
    health = services_for(officer, Sector.HEALTH).first()
    if health is None:
        return None
    nurse, created = User.objects.get_or_create(
        username="enfermera", defaults={"role": Role.FACILITATOR, "first_name": "Enfermera",
                                        "password": make_password(password),
                                        "preferred_language": "es"})
    if created:
        nurse.territories.add(health)
    return nurse


def seed_referrals(*, password: str, seed: int = 2026, per_officer: int = 30,
                   today: dt.date | None = None) -> dict[str, int]:
    if Referral.objects.exists():
        return {"referrals": 0}
    rng = random.Random(seed)
    today = today or timezone.localdate()
    officers = list(User.objects.filter(role=Role.MUNICIPAL_OFFICER).order_by("username"))
    if officers:
        _nurse(officers[0], password)
    made = 0
    states = [s for s, weight in STATES for _ in range(weight)]
    for officer in officers:
        services = {}
        for unit in services_for(officer):
            services.setdefault(unit.sector, []).append(unit)
        if not services:
            continue
        people = list(persons_for(officer).filter(
            roles__role__in=[RoleKind.CHILD, RoleKind.PREGNANT], roles__active=True)
            .distinct().order_by("pk")[:per_officer * 4])
        rng.shuffle(people)
        for person in people[:per_officer]:
            reason = rng.choice([r for r in ReasonCode if r != ReasonCode.OTHER])
            sector = REASON_SECTOR[reason] if REASON_SECTOR[reason] in services else (
                Sector.HEALTH if Sector.HEALTH in services else next(iter(services)))
            urgency = rng.choice([Urgency.ROUTINE] * 3 + [Urgency.PRIORITY] * 2
                                 + [Urgency.EMERGENCY])
            state = rng.choice(states)
            days = DUE_DAYS[urgency]
            if state in ("sent", "received"):  # still within the due date
                back = rng.randint(0, days)
            elif state == "overdue":  # open, past due by 1-6 days
                back = days + rng.randint(1, 6)
            else:
                back = days + rng.randint(8, 50)
            referred_on = today - dt.timedelta(days=back)
            referral = actions.create_referral(
                actor=officer, person=person, to_service=rng.choice(services[sector]),
                reason_code=reason, urgency=urgency, referred_on=referred_on)
            made += 1
            if state in ("received", "attended") or (state == "rejected" and rng.random() < .5):
                referral = actions.receive_referral(actor=officer, referral=referral)
            if state == "attended":
                at = timezone.make_aware(dt.datetime.combine(
                    min(today, referred_on + dt.timedelta(days=rng.randint(0, days + 2))),
                    dt.time(10, rng.randint(0, 59))))
                actions.record_counter_referral(
                    actor=officer, referral=referral, what_was_done=DONE[reason],
                    follow_up_advice="Visita de seguimiento en 15 días",
                    attended_at=min(at, timezone.now()))
            elif state == "rejected":
                actions.reject_referral(actor=officer, referral=referral,
                                        reason="No corresponde a este servicio")
    expired = actions.expire_overdue_referrals(today=today - dt.timedelta(days=7))
    return {"referrals": made, "expired": expired}
