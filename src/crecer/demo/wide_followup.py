"""Follow-up of the wide demo field work (`wide.py`): the monthly co-responsibility checks of
the Juntos families and the referrals raised from danger-sign visits, with their history.

`FollowUp` is a mixin of `wide._Maker`: it reads the households, visits and people planned
there and adds unsaved rows through `_add`; `_Maker._save` writes everything.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.coresponsibility.actions import missing_reason
from crecer.coresponsibility.models import ComplianceCheck, Source
from crecer.coresponsibility.rules import Member as RuleMember
from crecer.coresponsibility.rules import applicable
from crecer.programmes.schedule import age_in_months
from crecer.referrals.demo import DONE
from crecer.referrals.models import DUE_DAYS, ReasonCode, Referral, ReferralEvent, Urgency
from crecer.registry.models import PovertyLevel

if TYPE_CHECKING:
    from crecer.fieldwork.models import Contact
    from crecer.territory.models import OrgUnit

    from .wide import Home

CASH = "juntos-cct"
# danger sign → (reason code, urgency, reason text)
CHILD_SIGNS = {
    "fever": (ReasonCode.FEVER, Urgency.PRIORITY, "Fiebre"),
    "fast_breathing": (ReasonCode.OTHER, Urgency.PRIORITY, "Respiración rápida o difícil"),
    "not_feeding": (ReasonCode.MALNUTRITION, Urgency.PRIORITY, "No come o vomita todo"),
    "diarrhoea_blood": (ReasonCode.OTHER, Urgency.EMERGENCY, "Diarrea con sangre"),
    "convulsions": (ReasonCode.OTHER, Urgency.EMERGENCY, "Convulsiones o muy somnoliento"),
}
PREGNANCY_SIGNS = {
    "pregnancy_bleeding": (ReasonCode.PRENATAL_CHECK, Urgency.EMERGENCY, "Sangrado en el embarazo"),
    "oedema": (ReasonCode.PRENATAL_CHECK, Urgency.PRIORITY, "Hinchazón de cara o manos"),
}
HEALTH_REASONS = {
    "VAC-ROTA": "Vacuna contra rotavirus no registrada en el establecimiento de salud",
    "VAC-PCV": "Vacuna contra neumococo pendiente: no asistió a la cita",
    "IRON-SUP": "Sin entrega de hierro: desabastecimiento en el establecimiento",
    "CRED": "No asistió al control de crecimiento y desarrollo",
    "PRENATAL": "No asistió al control prenatal del mes",
}


class FollowUp:
    """Checks and referrals (see the module docstring); state lives on `wide._Maker`."""

    def _vaccine_due(self, home: Home, begin: dt.date, end: dt.date | None) -> bool:
        """Is a vaccine checked for the household in the last complete month?"""
        _p, first, last = self.periods[-1]
        return begin <= last and not (end and end < first) and any(
            2 <= age_in_months(c.birth, last) < 24 for c in home.children if c.birth <= last)

    def _ensure_vaccine_checks(self, chosen: list[Home]) -> None:
        """At least one Juntos family per municipality with a vaccine due last month."""
        if any(j[0].muni_id == self.muni_id and self._vaccine_due(j[0], j[1], j[2])
               for j in self.juntos):
            return
        in_juntos = {j[0].pk for j in self.juntos}
        poor = (PovertyLevel.EXTREME, PovertyLevel.POOR)
        for home in sorted(chosen, key=lambda h: h.poverty not in poor):  # the poor first
            start, end, reason, volunteer = self.base[home.pk]
            if home.pk not in in_juntos and self._vaccine_due(home, start, end):
                _p, _first, last = self.periods[-1]
                begin = max([start] + [c.birth for c in home.children
                                       if 2 <= age_in_months(c.birth, last) < 24])
                self._enrol(home, CASH, volunteer, begin, end, reason)
                self.juntos.append((home, begin, end, self.comply, self.fac, set()))
                return

    def _checks(self) -> None:
        rng, config = self.rng, self.programmes[CASH].config
        for home, begin, end, comply, checker, skip in self.juntos:
            for period, first, last in self.periods:
                if begin > last or (end and end < first) or period in skip:
                    continue
                members = [RuleMember(m.pk, m.name, m.birth, bool(
                    m.edd and m.edd - dt.timedelta(days=280) <= last and m.edd > first))
                    for m in home.members]
                due = applicable(config, members, last)
                if not due:
                    continue
                visits = [v for v in self.visits.get((home.pk, period), [])
                          if v.occurred_at.date() >= begin]
                created = min(self.at(last + dt.timedelta(days=3), rng.randint(32400, 57600)),
                              self.now)
                seen = {}
                if visits and rng.random() < 0.8:  # seen on the month's first home visit
                    for code in dict.fromkeys(cond["code"] for cond, _m in due):
                        seen[code] = rng.random() < comply
                    visits[0].coresponsibility_evidence = [c for c, ok in seen.items() if ok]
                for cond, m in due:
                    code = cond["code"]
                    if seen:
                        ok, source, ref = seen[code], Source.VOLUNTEER, str(visits[0].pk)
                        reason = "" if ok else missing_reason(cond, m.name, period)
                        ref = ref if ok else ""
                    else:
                        ok, source = rng.random() < comply, Source.HEALTH_SYSTEM
                        ref = f"sesal-{period}.csv fila {rng.randint(2, 4000)}"
                        reason = "" if ok else HEALTH_REASONS.get(code, "No cumplió")
                    self._add("checks", ComplianceCheck(
                        id=self.new_id(), household_id=home.pk, programme=self.programmes[CASH],
                        period=period, condition=code, person_id=m.pk, compliant=ok,
                        source=source, evidence_ref=ref, reason=reason, checked_by=checker,
                        created_at=created), home.path, m.pk)

    # -- referrals -----------------------------------------------------------------------------

    def _referrals(self, munis: list[OrgUnit]) -> None:
        rng = self.rng
        referred = set()
        for c, home, sign in self.danger:
            if rng.random() < 0.5:
                self._refer(c, home, sign)
                referred.add((home.muni_id, f"{c.occurred_at:%Y-%m}"))
        for muni in munis:  # at least one referral a month in each municipality
            for period, _first, _last in self.periods[-3:]:
                if (muni.pk, period) in referred:
                    continue
                visits = [(c, h) for c, h in self.by_muni.get((muni.pk, period), [])
                          if not c.observations.get("danger_signs") and any(
                              str(k.pk) in c.persons_present for k in h.children)]
                if visits:
                    c, home = rng.choice(visits)
                    c.observations = {**c.observations, "danger_signs": ["fever"]}
                    self._refer(c, home, "fever")

    def _refer(self, c: Contact, home: Home, sign: str) -> None:
        rng = self.rng
        day = timezone.localtime(c.occurred_at).date()
        by_pk = {str(m.pk): m for m in home.members}
        present = [by_pk[p] for p in c.persons_present if p in by_pk]
        if sign in PREGNANCY_SIGNS:
            person = next(m for m in present if m.pregnant_on(day))
            reason, urgency, text = PREGNANCY_SIGNS[sign]
        else:
            person = max((m for m in present if m.child and m.birth), key=lambda m: m.birth)
            reason, urgency, text = CHILD_SIGNS[sign]
        due = day + dt.timedelta(days=DUE_DAYS[urgency])
        fac = self.facilitator_of[home.muni_id]
        r = rng.random()
        if due >= self.today:  # still within its due date
            state = "sent" if r < 0.35 else "received" if r < 0.65 else \
                "attended" if r < 0.92 else "rejected"
        elif (self.today - due).days <= 7:  # open and overdue, not expired yet
            state = "sent" if r < 0.5 else "received"
        else:
            state = "attended" if r < 0.68 else "rejected" if r < 0.78 else "expired"
        last_day = max(day, min(due + dt.timedelta(days=2), self.yesterday))
        when = c.occurred_at + dt.timedelta(minutes=rng.randint(5, 40))
        volunteer = self.volunteer_of[c.volunteer_id]
        events = [("", "sent", volunteer, when, "")]

        def later() -> dt.datetime:  # a working hour after the last event, by last_day
            pick = self.at(day + dt.timedelta(days=rng.randint(0, (last_day - day).days)),
                           rng.randint(8 * 3600, 17 * 3600))
            return min(max(pick, events[-1][3] + dt.timedelta(minutes=30)), self.now)

        received = attended = None
        if state in ("received", "attended") or (state == "rejected" and rng.random() < 0.6):
            received = later()
            events.append(("sent", "received", fac, received, ""))
        if state == "attended":
            attended = later()
            events.append(("received", "attended", fac, attended, DONE[reason]))
        elif state == "rejected":
            events.append((events[-1][1], "rejected", fac, later(), "No corresponde a este "
                                                                    "servicio"))
        elif state == "expired":
            events.append((events[-1][1], "expired", None,
                           min(self.at(due + dt.timedelta(days=8), 6 * 3600), self.now),
                           _("past its due date with no answer")))
        _sex, first, last = self._person_name()
        referral = Referral(
            id=self.new_id(), person_id=person.pk, household_id=home.pk,
            from_unit_id=home.unit_id, to_service=rng.choice(self.services[home.muni_id]),
            reason_code=reason, reason=f"Signo de peligro en la visita: {text}",
            urgency=urgency, referred_on=day, due_date=due, status=events[-1][1],
            received_at=received, attended_at=attended,
            what_was_done=DONE[reason] if attended else "",
            follow_up_advice="Visita de seguimiento en 15 días" if attended else "",
            attended_by=fac if attended else None,
            attended_by_name=f"Lic. {first} {last}" if attended else "",
            rejection_reason="No corresponde a este servicio" if state == "rejected" else "",
            created_by=volunteer, source_contact_id=c.pk, created_at=when)
        self._add("referrals", referral, home.path, person.pk)
        for old, new, actor, at, note in events:
            self.rows["events"].append(ReferralEvent(
                referral=referral, from_status=old, to_status=new, actor=actor,
                actor_username=actor.username if actor else "system", at=at, note=note))
