"""Demo scale-up data: every municipality in a phase of the Honduras model, every region and
zone in a phase of MAS-BIENESTAR, each with a plausible history of decisions.

    seed_scaleup(today=None, seed=2026) -> dict

Loads the phase presets, then, for every municipality: it entered Consolidation 26 to 36
months ago (a "start" decision of the national committee), its gate was reviewed every six
months (the seed's biannual evaluation), and at some reviews it advanced, at the others it was
held with the reason; a few went back to Consolidation after losing the government share. The
first municipality by code (La Ceiba, the demo accounts' municipality) is kept in Consolidation
with a hold at its last review, so that its gate check is the one of the issue's story.
Regions and zones follow the MAS-BIENESTAR calendar (planning 2-3 months, operation to month
12, consolidation-evaluation to month 24) from a start 3 to 26 months ago; about one in five
runs late (still planning after 5 months, or operating past month 12).

Decisions carry Spanish comments (data, like the rest of the demo) and a synthetic frozen gate
check marked `"demo": true` (the values a review would have seen, drawn on the right side of the
threshold for an advance and with at least one failing criterion for a hold). Written with bulk
inserts and one audit event per decision (actor: the demo's national manager). Deterministic
for a given seed and date; does nothing when territory phases already exist.
"""

from __future__ import annotations

import datetime as dt
import random
import tomllib

from django.db import transaction
from django.utils import timezone

from crecer.accounts.models import Role, User
from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.indicators import periods
from crecer.scaleup.models import (
    Decision,
    GateCriterion,
    Phase,
    PhaseDecision,
    PhaseModel,
    TerritoryPhase,
)
from crecer.territory.models import Kind, Level, OrgUnit

HONDURAS, MAS = "honduras-pi", "mas-bienestar"
REVIEW_MONTHS = 6  # the gate is reviewed twice a year

HOLD_REASONS = {
    "hn-caregiver-registry": "el registro nominal de cuidadores llega a {v} % (meta ≥ 80 %); "
                             "se refuerza el censo con las voluntarias",
    "hn-cost-per-beneficiary": "el costo por beneficiario es de {v} USD, sobre el tope de "
                               "{t} USD; el consejo municipal revisará los aportes en especie",
    "hn-government-cost-share": "el gobierno asume {v} % de los costos (meta ≥ {t} %); falta "
                                "incluir el rubro en el plan de inversión",
    "hn-municipal-teams-trained": "los equipos municipales no completaron todo el currículo "
                                  "({v} %)",
    "hn-workshops-local-staff": "el personal local imparte {v} % de los talleres (meta ≥ 60 %)",
    "hn-ecd-budget-line-share": "el presupuesto municipal aún no tiene rubro de primera infancia",
    "hn-parenting-scale-gain": "la mejora en la escala parental es de {v} puntos (meta ≥ 25)",
}
ADVANCE_TEXT = {
    "expansion": "Cumple los indicadores-puerta de Consolidación ({facts}). El comité nacional "
                 "aprueba el paso a Expansión.",
    "institucionalizacion": "Cumple los indicadores-puerta de Expansión ({facts}). Se aprueba "
                            "el paso a Institucionalización.",
}
START_TEXT = ("El Consejo Municipal de Garantía de Derechos firmó el convenio de adopción del "
              "Modelo PI; inicia la fase de Consolidación.")
REVERT_TEXT = ("Tras el cambio de corporación municipal el gobierno dejó de asumir la parte de "
               "los costos acordada ({v} %); se regresa a Consolidación hasta recuperarla.")
MAS_TEXT = {
    "planeacion-arranque": "Comité estatal de implementación instalado; inicia la planeación y "
                           "el arranque en la zona.",
    "operacion-continuidad": "Equipos regionales y zonales integrados y capacitados; "
                             "diagnóstico de infraestructura y abasto concluido. Pasa a "
                             "operación y continuidad.",
    "consolidacion-evaluacion": "Supervisión regular y tablero de control en uso; la "
                                "referencia y contrarreferencia funciona. Pasa a "
                                "consolidación y evaluación.",
}
MAS_HOLD = ("Se mantiene en {phase}: {reason}.")
MAS_HOLD_REASONS = [
    "faltan integrar los equipos zonales de supervisión",
    "el abasto de medicamentos e insumos sigue incompleto",
    "el listado nominal no alcanza la meta",
]


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30,
            31, 31, 30, 31, 30, 31][month0]
    return dt.date(year, month0 + 1, min(day.day, last))


def _indicator_facts() -> dict[str, dict]:
    """Name, unit, decimals, periodicity and labels of the catalogue's indicators (from the
    database when loaded, else from the shipped files)."""
    from crecer.indicators.catalogue import CATALOGUE_DIR
    from crecer.indicators.models import Indicator

    out: dict[str, dict] = {}
    for file in sorted(CATALOGUE_DIR.glob("*.toml")):
        with file.open("rb") as fh:
            data = tomllib.load(fh)
        for raw in data.get("indicator", []):
            full = {**data.get("defaults", {}), **raw}
            out[full["code"]] = {
                "name": full.get("name", full["code"]), "name_en": full.get("name_en", ""),
                "short_name": full.get("short_name", ""),
                "unit": full.get("unit", ""), "decimals": int(full.get("decimals", 1)),
                "periodicity": full.get("periodicity", "month"),
                "numerator_label": full.get("numerator_label", ""),
                "denominator_label": full.get("denominator_label", ""),
                "factor": float(full.get("factor", 1))}
    for ind in Indicator.objects.all():
        out[ind.code] = {"name": ind.name, "name_en": ind.name_en,
                         "short_name": ind.short_name, "unit": ind.unit,
                         "decimals": ind.decimals, "periodicity": ind.periodicity,
                         "numerator_label": ind.numerator_label,
                         "denominator_label": ind.denominator_label, "factor": ind.factor}
    return out


class _Builder:
    def __init__(self, today: dt.date, rng: random.Random, actor: User | None):
        self.today = today
        self.rng = rng
        self.actor = actor
        self.actor_name = (actor.get_full_name() or actor.username) if actor else "demo-generator"
        self.facts = _indicator_facts()
        self.decisions: list[PhaseDecision] = []
        self.phases: list[TerritoryPhase] = []
        self.criteria: dict[int, list[GateCriterion]] = {}

    def criteria_of(self, phase: Phase) -> list[GateCriterion]:
        if phase.pk not in self.criteria:
            self.criteria[phase.pk] = list(phase.criteria.all())
        return self.criteria[phase.pk]

    # -- a synthetic frozen gate check ------------------------------------------------------

    def _value(self, c: GateCriterion, passes: bool) -> float:
        """A value on the right (or wrong) side of the threshold, with the indicator's
        decimals; shares that count whole teams or budget lines are 0 or 100 %."""
        from crecer.scaleup.queries import compare

        t, r = c.threshold, self.rng
        f = self.facts.get(c.indicator, {})
        if t >= 100 and f.get("unit") == "%" and c.comparison in (">=", ">"):
            return 100.0 if passes else r.choice((0.0, 50.0))
        span = max(abs(t) * 0.15, 1.0)
        if c.comparison in (">=", ">"):
            v = t + r.uniform(0.5, span) if passes else t - r.uniform(0.5, span)
        elif c.comparison in ("<=", "<"):
            v = t - r.uniform(0.5, span) if passes else t + r.uniform(0.5, span)
        else:
            v = t if passes else t + span
        decimals = int(f.get("decimals", 1))
        v = max(0.0, round(v, decimals))
        step = 10.0 ** -decimals
        for _ in range(3):  # rounding must not cross the threshold
            if compare(v, c.comparison, t) == passes:
                break
            upward = (c.comparison in (">=", ">")) == passes
            v = round(v + (step if upward else -step), decimals)
        return v

    def evidence(self, unit: OrgUnit, model: PhaseModel, phase: Phase, following: Phase | None,
                 on: dt.date, passes: bool) -> tuple[str, dict, list[tuple]]:
        """(gate status, the frozen check, [(criterion, value, passed)…])."""
        crits = self.criteria_of(phase)
        failing = set() if passes else {self.rng.randrange(len(crits))} if crits else set()
        if not passes and len(crits) > 2 and self.rng.random() < 0.4:
            failing.add(self.rng.randrange(len(crits)))
        rows, drawn = [], []
        for n, c in enumerate(crits, start=1):
            f = self.facts.get(c.indicator, {})
            value = self._value(c, n - 1 not in failing)
            drawn.append((c, value, n - 1 not in failing))
            kind = f.get("periodicity", "month")
            period = (periods.current(periods.YEAR, on) if kind == periods.YEAR
                      else periods.previous(periods.current(kind, on)))
            factor = f.get("factor", 1) or 1
            denominator = float(self.rng.randint(20, 400))
            numerator = round(value * denominator / factor, 2)
            rows.append({
                "position": n, "indicator": c.indicator, "name": f.get("name", c.indicator),
                "unit": f.get("unit", ""), "decimals": f.get("decimals", 1),
                "comparison": c.comparison, "threshold": c.threshold, "note": c.note,
                "status": "fail" if n - 1 in failing else "pass", "value": value,
                "period": period.code, "period_label": periods.label(period),
                "numerator": numerator,
                "denominator": denominator,
                "numerator_label": f.get("numerator_label", ""),
                "denominator_label": f.get("denominator_label", ""), "approved": True,
                "url": "", "loaded": True})
        status = "met" if passes or not crits else "not_met"
        return status, {
            "demo": True, "model": model.code, "unit_id": unit.pk, "unit": unit.name,
            "phase": phase.code, "phase_name": phase.name,
            "next_phase": following.code if following else "",
            "next_phase_name": following.name if following else "",
            "as_of": on.isoformat(), "computed_at": "", "status": status,
            "counts": {"pass": len(crits) - len(failing), "fail": len(failing), "no_data": 0},
            "criteria": rows}, drawn

    # -- rows -------------------------------------------------------------------------------

    def decide(self, unit, model, kind, before: Phase | None, after: Phase | None, on: dt.date,
               comment: str, gate: str = "", evidence: dict | None = None) -> PhaseDecision:
        at = timezone.make_aware(dt.datetime.combine(on, dt.time(10 + self.rng.randint(0, 6),
                                                                 self.rng.randint(0, 59))))
        d = PhaseDecision(unit=unit, model=model, decision=kind, from_phase=before,
                          to_phase=after, comment=comment, effective_on=on, gate_status=gate,
                          evidence=evidence or {}, decided_by=self.actor,
                          decided_by_name=self.actor_name, decided_at=at)
        self.decisions.append(d)
        return d

    def enter(self, unit, model, phase: Phase, since: dt.date, decision: PhaseDecision):
        if self.phases and self.phases[-1].unit_id == unit.pk and \
                self.phases[-1].model_id == model.pk and self.phases[-1].until is None:
            self.phases[-1].until = since
        self.phases.append(TerritoryPhase(unit=unit, model=model, phase=phase, since=since,
                                          decision=decision))


def _num(v: float) -> str:
    """A number the Spanish way (comma for decimals)."""
    return f"{v:g}".replace(".", ",")


def _facts_text(drawn: list[tuple], facts: dict) -> str:
    parts = []
    for c, v, _passed in drawn:
        f = facts.get(c.indicator, {})
        name = (f.get("short_name") or f.get("name") or c.indicator).lower()
        parts.append(f"{name} {_num(v)} {f.get('unit', '')}".strip())
    return "; ".join(parts)


def _honduras(b: _Builder, unit: OrgUnit, model: PhaseModel, phases: list[Phase],
              story: bool) -> None:
    r = b.rng
    start = b.today - dt.timedelta(days=r.randint(26 * 30, 36 * 30))
    reviews = []
    day = _add_months(start, REVIEW_MONTHS)
    while day <= b.today - dt.timedelta(days=14):
        reviews.append(day)
        day = _add_months(day, REVIEW_MONTHS)
    final = 0 if story else r.choices([0, 1, 2], weights=[50, 35, 15])[0]
    final = min(final, len(reviews))
    # Advances at `final` distinct reviews, never at the first (the phase needs time).
    candidates = list(range(1, len(reviews)))
    advance_at = sorted(r.sample(candidates, min(final, len(candidates))))
    revert = (not story and final == 0 and len(reviews) >= 4 and r.random() < 0.15)
    if revert:
        advance_at = [1]
    first = b.decide(unit, model, Decision.ADVANCE, None, phases[0], start, START_TEXT,
                     gate="none", evidence={"demo": True, "criteria": [], "status": "none"})
    b.enter(unit, model, phases[0], start, first)
    position = 0
    for n, on in enumerate(reviews):
        phase = phases[position]
        following = phases[position + 1] if position + 1 < len(phases) else None
        if revert and n == 3:
            previous = phases[position - 1]
            gate, evidence, drawn = b.evidence(unit, model, phase, following, on, passes=False)
            share = next((v for c, v, _p in drawn if c.indicator == "hn-government-cost-share"),
                         45)
            d = b.decide(unit, model, Decision.REVERT, phase, previous, on,
                         REVERT_TEXT.format(v=_num(min(share, 48.0))), gate, evidence)
            b.enter(unit, model, previous, on, d)
            position -= 1
            continue
        if n in advance_at and following is not None:
            gate, evidence, drawn = b.evidence(unit, model, phase, following, on, passes=True)
            text = ADVANCE_TEXT.get(following.code, "Se aprueba el paso a {next}.").format(
                facts=_facts_text(drawn, b.facts), next=following.name)
            d = b.decide(unit, model, Decision.ADVANCE, phase, following, on, text, gate,
                         evidence)
            b.enter(unit, model, following, on, d)
            position += 1
            continue
        gate, evidence, drawn = b.evidence(unit, model, phase, following, on,
                                           passes=following is None and r.random() < 0.3)
        failing = [(c, v) for c, v, passed in drawn if not passed]
        reasons = [HOLD_REASONS.get(c.indicator, "{v}").format(v=_num(v), t=_num(c.threshold))
                   for c, v in failing] or ["se completan los hitos operativos de la fase"]
        text = f"Se mantiene en {phase.name}: " + "; ".join(reasons) + "."
        b.decide(unit, model, Decision.HOLD, phase, phase, on, text, gate, evidence)


def _mas(b: _Builder, unit: OrgUnit, model: PhaseModel, phases: list[Phase]) -> None:
    r = b.rng
    months = r.randint(3, 26)
    start = _add_months(b.today, -months)
    late = r.random() < 0.2
    first = b.decide(unit, model, Decision.ADVANCE, None, phases[0], start,
                     MAS_TEXT[phases[0].code], gate="none",
                     evidence={"demo": True, "criteria": [], "status": "none"})
    b.enter(unit, model, phases[0], start, first)
    ends = [r.choice((2, 3)) + (3 if late else 0), 12 + (r.randint(1, 4) if late else 0)]
    for n, month in enumerate(ends):
        on = _add_months(start, month)
        phase, following = phases[n], phases[n + 1]
        if on > b.today:
            # Not there yet; a late zone had its planned review and was held.
            if late and n == 0 and months > 3:
                review = _add_months(start, 3)
                gate, evidence, _drawn = b.evidence(unit, model, phase, following, review,
                                                    passes=False)
                b.decide(unit, model, Decision.HOLD, phase, phase, review,
                         MAS_HOLD.format(phase=phase.name, reason=r.choice(MAS_HOLD_REASONS)),
                         gate, evidence)
            return
        gate, evidence, _drawn = b.evidence(unit, model, phase, following, on, passes=True)
        d = b.decide(unit, model, Decision.ADVANCE, phase, following, on,
                     MAS_TEXT[following.code], gate, evidence)
        b.enter(unit, model, following, on, d)


def _units(level_codes: list[str]) -> list[OrgUnit]:
    depths = list(Level.objects.filter(code__in=level_codes).values_list("depth", flat=True))
    return list(OrgUnit.objects.filter(depth__in=depths, kind=Kind.AREA).order_by("depth",
                                                                                  "code"))


def seed_scaleup(*, today: dt.date | None = None, seed: int = 2026) -> dict:
    """See the module docstring. Returns what was made (or {"skipped": True})."""
    from crecer.scaleup.presets import load_models

    if TerritoryPhase.objects.exists():
        return {"skipped": True}
    load_models()
    today = today or timezone.localdate()
    rng = random.Random(f"scaleup-{seed}-{today.isoformat()}")
    actor = (User.objects.filter(username="nacional").first()
             or User.objects.filter(role=Role.NATIONAL_MANAGER).order_by("username").first())
    b = _Builder(today, rng, actor)
    models = {m.code: m for m in PhaseModel.objects.all()}
    report: dict = {"models": len(models)}
    with transaction.atomic():
        hn = models[HONDURAS]
        hn_phases = list(hn.phases.order_by("position"))
        municipalities = _units(hn.levels)
        for n, unit in enumerate(municipalities):
            _honduras(b, unit, hn, hn_phases, story=n == 0)
        mas = models[MAS]
        mas_phases = list(mas.phases.order_by("position"))
        zones = _units(mas.levels)
        for unit in zones:
            _mas(b, unit, mas, mas_phases)
        PhaseDecision.objects.bulk_create(b.decisions, batch_size=1000)
        TerritoryPhase.objects.bulk_create(b.phases, batch_size=1000)
        paths = {u.pk: u.path for u in municipalities + zones}
        audit.record_many([
            AuditEvent(actor=actor, actor_username=actor.username if actor else "demo-generator",
                       action=AuditAction.IMPORT, entity="scaleup.phasedecision",
                       object_id=str(d.pk), territory_path=paths.get(d.unit_id, ""),
                       changes={"decision": [None, d.decision], "comment": [None, d.comment]},
                       note="demo") for d in b.decisions])
    current = [p for p in b.phases if p.until is None]
    by_phase: dict[str, int] = {}
    for p in current:
        by_phase[f"{p.model.code}:{p.phase.code}"] = by_phase.get(
            f"{p.model.code}:{p.phase.code}", 0) + 1
    report.update(municipalities=len(municipalities), zones=len(zones),
                  decisions=len(b.decisions), phases=len(b.phases), current=by_phase)
    return report
