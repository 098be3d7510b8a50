"""One chunk's field work over the last three years: enrolments with volunteers, contacts (home
visits, calls, texts, group sessions), deliveries with their stock movements, referrals in every
state with their history, and monthly co-responsibility checks of the cash-transfer programme.

About 90 % of households are enrolled in the volunteer home-visit model, each with a volunteer
of its community; poor households with a child under 3 or a pregnancy are also in the
conditional cash transfer (Juntos) in 60 % of cases. A household gets about 10 contacts a year
(6-14) while enrolled: 60 % home visits, 22 % calls, 12 % text messages, 6 % group sessions.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter

from django.utils.translation import gettext as _

from crecer.coresponsibility.actions import missing_reason
from crecer.coresponsibility.rules import Member as RuleMember
from crecer.coresponsibility.rules import applicable
from crecer.programmes.schedule import age_in_months, messages_for
from crecer.referrals.demo import DONE, REASON_SECTOR
from crecer.referrals.models import DUE_DAYS, ReasonCode, Status, Urgency
from crecer.registry.models import PovertyLevel, RoleKind
from crecer.territory.models import Sector

from . import names
from .families import Home
from .values import Clock, Uuids, dashed, month_periods
from .world import World

YEARS = 3
VOLUNTEER_MODEL, CASH_TRANSFER = "honduras-pi-volunteers", "juntos-cct"
DANGER_SIGNS = ("fever", "fast breathing", "diarrhoea", "vomiting everything", "convulsions",
                "not feeding")
EXIT_REASONS = ("Cambio de domicilio", "La niña o el niño cumplió la edad del programa",
                "La familia ya no desea participar", "Traslado a otro programa")
CHILD_REASONS = ((ReasonCode.FEVER, 25), (ReasonCode.MALNUTRITION, 15),
                 (ReasonCode.DEVELOPMENTAL_DELAY, 12), (ReasonCode.VIOLENCE, 5),
                 (ReasonCode.MISSING_VACCINES, 25), (ReasonCode.OTHER, 5))
URGENCIES = ((Urgency.ROUTINE, 3), (Urgency.PRIORITY, 2), (Urgency.EMERGENCY, 1))
KIT = {"item_code": "KIT-DIT", "quantity": 1}  # the volunteer model's deliverable
CHECK_MONTHS = 6  # co-responsibility checks: the last six complete months


class ActivityMaker:
    def __init__(self, world: World, chunk: int, clock: Clock, sink) -> None:
        self.world, self.clock, self.sink = world, clock, sink
        self.rng = random.Random(f"synth:{world.seed}:{chunk}:activity")
        self.staff_rng = random.Random(f"synth:{world.seed}:{chunk}:volunteers")
        self.uuids = Uuids(random.Random(f"synth:{world.seed}:{chunk}:activity-ids"), chunk,
                           world.salt ^ 0x5A5A5A5A)
        self.today = world.today
        self.start = world.today - dt.timedelta(days=365 * YEARS)
        self.vm_id, self.vm_config = world.programmes[VOLUNTEER_MODEL]
        self.cct_id, self.cct_config = world.programmes[CASH_TRANSFER]
        self.kit_json = json.dumps([KIT])
        self.periods = month_periods(self.today, CHECK_MONTHS)
        self.receipts: Counter = Counter()  # (municipality id, item id, quarter start) -> units
        self._json: dict[tuple, str] = {}
        self.expired_note = _("past its due date with no answer")

    # -- small helpers ---------------------------------------------------------------------------

    def dumps(self, values: tuple) -> str:
        text = self._json.get(values)
        if text is None:
            text = self._json[values] = json.dumps(list(values))
        return text

    def at(self, day: dt.date, low: int = 8, high: int = 17) -> str:
        return self.clock.utc(day, low * 3600 + int(self.rng.random() * (high - low) * 3600))

    def day_between(self, first: dt.date, last: dt.date) -> dt.date:
        span = max(0, (last - first).days) + 1
        return first + dt.timedelta(days=int(self.rng.random() * span))

    # -- one household -------------------------------------------------------------------------

    def household(self, home: Home) -> None:
        rng, world = self.rng, self.world
        comm = world.communities[home.comm]
        muni = world.munis[comm.muni]
        yesterday = self.today - dt.timedelta(days=1)
        # A stream of its own: the other draws do not depend on how many volunteers the size
        # of the data set gave the community (so a chunk is the same at every size).
        volunteer = comm.volunteers[int(self.staff_rng.random() * len(comm.volunteers))]
        enrolled = rng.random() < 0.9
        if enrolled:
            begin = max(home.registered, self.start + dt.timedelta(days=rng.randint(0, 45)))
            begin = min(begin + dt.timedelta(days=rng.randint(0, 20)), yesterday)
            end = None
            if rng.random() < 0.12 and (yesterday - begin).days > 120:
                end = self.day_between(begin + dt.timedelta(days=60), yesterday)
            self.enrol(home, self.vm_id, volunteer, begin, end)
            children = [m for m in home.members if RoleKind.CHILD in m.roles]
            young = any(age_in_months(c.birth, self.today) < 36 for c in children)
            pregnant = any(m.edd for m in home.members)
            cct = None
            if (young or pregnant) and home.poverty in (PovertyLevel.EXTREME, PovertyLevel.POOR) \
                    and rng.random() < 0.6:
                cct_begin = min(begin + dt.timedelta(days=rng.randint(0, 90)), end or yesterday)
                self.enrol(home, self.cct_id, volunteer, cct_begin, end)
                cct = (cct_begin, end)
            evidence = self.contacts(home, muni, volunteer, begin, end or self.today, cct)
            if cct is not None:
                self.checks(home, muni, cct, evidence)
                if home.poverty == PovertyLevel.EXTREME:
                    self.food_baskets(home, muni, volunteer, cct)
        self.referrals(home, muni, volunteer if enrolled else muni.facilitator)

    def enrol(self, home: Home, programme, volunteer, begin: dt.date, end: dt.date | None):
        created = self.at(begin)
        updated = self.at(end) if end else created
        self.sink.add("enrolments", (
            self.uuids.new(), created, updated, programme, home.id, None, volunteer[0],
            begin.isoformat(), end.isoformat() if end else None,
            self.rng.choice(EXIT_REASONS) if end else "", "exited" if end else "active"))

    # -- contacts ------------------------------------------------------------------------------

    def contacts(self, home: Home, muni, volunteer, begin: dt.date, stop: dt.date,
                 cct) -> dict[tuple[str, str], str]:
        """Write the household's contacts; return (period, condition) -> first contact id that
        carried the condition as evidence (for the co-responsibility checks)."""
        rng, clock = self.rng, self.clock
        span = (stop - begin).days
        evidence: dict[tuple[str, str], str] = {}
        if span <= 0:
            return evidence
        rate = 10 * rng.uniform(0.6, 1.4) * (1.3 if cct else 1.0)
        n = round(rate * span / 365 * rng.uniform(0.9, 1.1))
        children = [m for m in home.members if RoleKind.CHILD in m.roles]
        pregnant = any(m.edd for m in home.members)
        ages = [age_in_months(c.birth, self.today) for c in children]
        codes = tuple(m["code"] for m in messages_for(self.vm_config, child_ages=ages,
                                                      pregnant=pregnant)) \
            or tuple(m["code"] for m in self.vm_config["key_messages"][:3])
        caregiver = dashed(home.members[0].id)
        kids = [(c.birth, dashed(c.id)) for c in children]
        youngest = max((c.birth for c in children), default=None)
        facilitator = muni.facilitator[0]
        cutoff = self.today - dt.timedelta(days=14)
        yesterday = self.today - dt.timedelta(days=1)
        applicable_codes: dict[str, tuple[str, ...]] = {}
        rnd, utc, add, uid, dumps = rng.random, clock.utc, self.sink.add, self.uuids.new, self.dumps
        n_codes = len(codes)
        for offset in sorted(int(rnd() * span) for _i in range(n)):
            day = begin + dt.timedelta(days=offset)
            roll = rnd()
            kind = "home_visit" if roll < 0.6 else "call" if roll < 0.82 else \
                "text" if roll < 0.94 else "group_session"
            visit = kind == "home_visit"
            secs = 28800 + int(rnd() * (32400 if visit else 39600))  # 8:00-17:00 or 19:00
            occurred = utc(day, secs)
            cid = uid()
            outcome, present, items, obs, seen = "", "[]", "[]", "{}", "[]"
            if kind == "call" or kind == "text":
                r = rnd()
                outcome = "reached" if r < 0.7 else "no_answer" if r < 0.92 else "wrong_number"
                given = (codes[int(rnd() * n_codes)],) if r < 0.7 and rnd() < 0.7 else ()
            else:
                given = tuple(codes[i] for i in sorted({int(rnd() * n_codes)
                                                        for _i in range(1 + int(rnd() * 3))}))
            if visit:
                ids = [caregiver] + [pid for born, pid in kids if born <= day and rnd() < 0.85]
                present = '["' + '", "'.join(ids) + '"]'
                r = rnd()
                if r < 0.03:
                    obs = json.dumps({"danger_signs": [DANGER_SIGNS[int(rnd() * 6)]]})
                elif r < 0.13 and youngest and youngest <= day and (day - youngest).days < 1825:
                    months = (day - youngest).days / 30.4
                    weight = 3.3 + 0.6 * min(months, 12) + 0.19 * max(0.0, months - 12)
                    height = 50 + 2.1 * min(months, 12) + 0.75 * max(0.0, months - 12)
                    obs = json.dumps({"weight_kg": round(weight * (0.85 + 0.27 * rnd()), 1),
                                      "height_cm": round(height * (0.95 + 0.09 * rnd()), 1)})
                if rnd() < 0.12:
                    items = self.kit_json
                    self.delivery(home, muni, volunteer, day, "kit-stimulation", 1, cid)
                if cct and day >= cct[0]:
                    period = f"{day:%Y-%m}"
                    if period not in applicable_codes:
                        applicable_codes[period] = self._due_codes(home, day)
                    got = tuple(c for c in applicable_codes[period] if rnd() < 0.8)
                    if got:
                        seen = dumps(got)
                        for code in got:
                            evidence.setdefault((period, code), cid)
            status, validated_by, validated_at, note = "recorded", None, None, ""
            if day < cutoff:
                r = rnd()
                if r < 0.82:
                    status = "validated" if r >= 0.02 else "returned"
                    validated_by = facilitator
                    validated_at = utc(min(day + dt.timedelta(days=1 + int(rnd() * 10)),
                                           yesterday), 28800 + int(rnd() * 36000))
                    note = "" if status == "validated" else "Faltan los mensajes clave de la visita"
            if visit and rnd() < 0.5 and day < yesterday:  # captured offline, synced later
                created = utc(min(day + dt.timedelta(days=1 + int(rnd() * 2)), yesterday),
                              25200 + int(rnd() * 46800))
            else:
                created = utc(day, secs + 60 + int(rnd() * 3540))
            if status == "returned" and seen != "[]":  # a returned visit is no evidence
                for code in json.loads(seen):
                    if evidence.get((f"{day:%Y-%m}", code)) == cid:
                        del evidence[(f"{day:%Y-%m}", code)]
            add("contacts", (cid, created, validated_at or created, home.id, kind, volunteer[0],
                             occurred, present, dumps(given), items, obs, seen, outcome, status,
                             validated_by, validated_at, note))
        return evidence

    def _members(self, home: Home, first: dt.date, last: dt.date) -> list[RuleMember]:
        out = []
        for m in home.members:
            pregnant = bool(m.edd and m.edd - dt.timedelta(days=280) <= last and m.edd > first)
            if (RoleKind.CHILD in m.roles and m.birth <= last) or pregnant:
                out.append(RuleMember(m.id, m.name, m.birth, pregnant))
        return out

    def _due_codes(self, home: Home, day: dt.date) -> tuple[str, ...]:
        first = day.replace(day=1)
        last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        found = applicable(self.cct_config, self._members(home, first, last), last)
        return tuple(dict.fromkeys(cond["code"] for cond, _m in found))

    # -- co-responsibility checks ----------------------------------------------------------------

    def checks(self, home: Home, muni, cct, evidence: dict[tuple[str, str], str]) -> None:
        rng = self.rng
        begin, end = cct
        checker = muni.facilitator[0]
        for period, first, last in self.periods:
            if begin > last or (end is not None and end < first):
                continue
            created = self.at(last + dt.timedelta(days=3), 9, 12)
            for cond, m in applicable(self.cct_config, self._members(home, first, last), last):
                code = cond["code"]
                if code.startswith("VAC") and rng.random() < 0.25:
                    ok = rng.random() < 0.85
                    row = (ok, "health_system",
                           f"registro-vacunas-{period}.csv fila {rng.randint(2, 5000)}",
                           "" if ok else "Vacuna no registrada en el sistema de salud")
                else:
                    ref = evidence.get((period, code))
                    row = (ref is not None, "volunteer", dashed(ref) if ref else "",
                           "" if ref else missing_reason(cond, m.name, period))
                self.sink.add("compliance_checks", (
                    self.uuids.new(), created, created, home.id, self.cct_id, period, code,
                    m.pk) + row + (checker,))

    # -- deliveries ------------------------------------------------------------------------------

    def delivery(self, home: Home, muni, volunteer, day: dt.date, item_code: str, qty: int,
                 contact: str | None) -> None:
        item = self.world.items[item_code]
        created = self.at(day, 8, 18)
        movement = self.uuids.new()
        self.sink.add("stock_movements", (
            movement, created, created, item, muni.id, "delivery", -qty, day.isoformat(),
            f"household {home.code}", volunteer[0]))
        self.sink.add("deliveries", (
            self.uuids.new(), created, created, home.id, item, qty, day.isoformat(),
            volunteer[0], contact, muni.id, movement))
        quarter = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        self.receipts[(muni.id, item, quarter)] += qty

    def food_baskets(self, home: Home, muni, volunteer, cct) -> None:
        begin, end = cct
        stop = end or self.today
        day = begin + dt.timedelta(days=self.rng.randint(5, 30))
        while day < stop and day < self.today:
            self.delivery(home, muni, volunteer, day, "food-basket", 1, None)
            day += dt.timedelta(days=self.rng.randint(80, 100))

    # -- referrals -------------------------------------------------------------------------------

    def referrals(self, home: Home, muni, creator) -> None:
        rng = self.rng
        comm_id = self.world.communities[home.comm].id
        yesterday = self.today - dt.timedelta(days=1)
        for m in home.members:
            child = RoleKind.CHILD in m.roles
            if not (child or m.edd):
                continue
            n = (rng.random() < (0.18 if child else 0.35)) + (rng.random() < 0.03)
            first = max(self.start, home.registered, m.birth if child else self.start)
            if m.edd:
                first = max(first, m.edd - dt.timedelta(days=250))
            for _i in range(n):
                if first > yesterday:
                    break
                day = self.day_between(first, yesterday)
                if child:
                    reason = rng.choices(*zip(*CHILD_REASONS, strict=True))[0]
                    if reason == ReasonCode.OTHER and (day - m.birth).days > 3 * 365:
                        reason = ReasonCode.SCHOOL_ENROLMENT
                else:
                    reason = ReasonCode.PRENATAL_CHECK if rng.random() < 0.85 else ReasonCode.FEVER
                self.referral(home, muni, comm_id, m, reason, day, creator)

    def referral(self, home: Home, muni, comm_id: int, m, reason: str, day: dt.date,
                 creator) -> None:
        rng, at = self.rng, self.at
        sector = REASON_SECTOR[reason]
        service = rng.choice(muni.services.get(sector) or muni.services[Sector.HEALTH])
        urgency = rng.choices(*zip(*URGENCIES, strict=True))[0]
        due = day + dt.timedelta(days=DUE_DAYS[urgency])
        r = rng.random()
        if due >= self.today:  # still within its due date
            state = "sent" if r < 0.4 else "received" if r < 0.7 else \
                "attended" if r < 0.9 else "rejected"
        elif (self.today - due).days <= 30 and r < 0.1:
            state = "sent" if r < 0.05 else "received"  # open and overdue
        else:
            state = "attended" if r < 0.6 else "rejected" if r < 0.7 else "expired"
        rid = self.uuids.new()
        fac_id, fac_name = muni.facilitator
        sent = at(day, 8, 16)
        events = [("", Status.SENT, creator, sent, "")]
        received_at = attended_at = None
        done = advice = rejection = attender = ""
        attended_by = None
        last_day = min(due + dt.timedelta(days=2), self.today - dt.timedelta(days=1))
        if state in ("received", "attended") or (state == "rejected" and r < 0.65):
            received_day = self.day_between(day, min(day + dt.timedelta(days=2), last_day))
            received_at = at(received_day, 8, 17)
            events.append((Status.SENT, Status.RECEIVED, (fac_id, fac_name), received_at, ""))
        if state == "attended":
            attended_at = at(self.day_between(day, last_day), 9, 17)
            done, advice = DONE[reason], "Visita de seguimiento en 15 días"
            attended_by = fac_id
            attender = f"Lic. {names.given_names(rng, 'F')} {names.surname(rng)}"
            events.append((Status.RECEIVED, Status.ATTENDED, (fac_id, fac_name), attended_at,
                           done))
        elif state == "rejected":
            rejection = "No corresponde a este servicio"
            events.append((events[-1][1], Status.REJECTED, (fac_id, fac_name),
                           at(self.day_between(day, last_day), 9, 17), rejection))
        elif state == "expired":
            events.append((events[-1][1], Status.EXPIRED, None,
                           self.clock.utc(due + dt.timedelta(days=1), 6 * 3600),
                           self.expired_note))
        status = events[-1][1]
        self.sink.add("referrals", (
            rid, sent, max(e[3] for e in events), m.id, home.id, comm_id, service, reason, "",
            urgency, day.isoformat(), due.isoformat(), status, received_at, attended_at, done,
            advice, attended_by, attender, rejection, creator[0], None))
        for old, new, actor, when, note in events:
            self.sink.add("referral_events", (
                rid, old, new, actor[0] if actor else None, actor[1] if actor else "system",
                when, note))
