"""Demo data of the planning app: a RIL cycle with its diagnosis and improvement opportunities
in every municipality; the full action plan and a co-designed project in one municipality of
every region (and La Ceiba); evaluation rounds with parenting-scale scores of the caregivers of
a few municipalities, and a risk register.

The "pioneer" municipalities (one per region and La Ceiba) started their cycle five months ago
or more and go through the planning actions (audited) as the demo administrator: diagnosis (low
in data management and planning), suggestions confirmed, objectives with metrics, actions in
every status, a project. Every other municipality started its cycle 45-120 days ago and is
between the diagnosis and the planning stage: its cycle, stages, diagnosis (a maturity level
from its scale-up phase when it has one, two weak dimensions of its own, noise per question),
the opportunities the rule of `actions.suggest_opportunities` gives (confirmed once the
prioritisation stage is done; the first one confirmed already otherwise) and now and then one
added by the team are bulk-created, with one audit row per created or completed row.

Deterministic: all randomness comes from `random.Random` seeded from `seed`, iterated over
lists ordered by code, and dates are relative to `today`. The scores are bulk-created with one
audit row each. Does nothing when a cycle already exists."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

# Objectives of the action plan and the catalogue indicators that measure them:
# (title, horizon, [(indicator code, baseline, target, target is for next year)]).
OBJECTIVES = [
    ("Inscribir a todas las personas cuidadoras del municipio en el registro nominal", 1,
     [("hn-caregiver-registry", 58.0, 80.0)]),
    ("Mejorar las prácticas de crianza con visitas domiciliarias y talleres", 3,
     [("hn-parenting-scale-gain", 0.0, 25.0)]),
    ("Financiar la primera infancia desde el presupuesto municipal", 2,
     [("hn-ecd-budget-share", 1.2, 5.0), ("hn-government-cost-share", 32.0, 50.0)]),
    ("Acompañar con regularidad a las familias inscritas", 2,
     [("cm-families-accompanied", 55.0, 85.0)]),
]
ACTIONS = [  # per objective: (title, owner, start offset days, length days)
    [("Registro casa por casa en las comunidades rurales", "Equipo municipal de primera infancia",
      -150, 60),
     ("Depurar duplicados del registro con el censo del centro de salud", "Oficial de datos",
      -80, 45),
     ("Inscribir cuidadores en las jornadas de vacunación", "Centro de salud", -20, 90)],
    [("Capacitar a las facilitadoras en el currículo de crianza", "Coordinación de formación", -140, 30),
     ("Talleres mensuales de crianza en cada comunidad", "Facilitadoras comunitarias", -100, 200),
     ("Línea de base y seguimiento de la escala parental", "Equipo evaluador", -300, 280)],
    [("Proponer un rubro de primera infancia en el plan de inversión", "Gerencia financiera municipal",
      -120, 60),
     ("Valorizar los aportes en especie de la comunidad", "Consejo municipal", -60, 40),
     ("Compra conjunta de materiales didácticos con municipios vecinos",
      "Asociación de municipios", 10, 90)],
    [("Asignar cada familia inscrita a una voluntaria", "Supervisión municipal", -90, 30),
     ("Seguimiento a distancia de las familias no visitadas", "Voluntariado", -45, 120),
     ("Revisar cada mes la carga de cada voluntaria", "Supervisión municipal", -30, 14)],
]
STATUSES = ["done", "in_progress", "planned", "blocked", "cancelled", "in_progress"]
PROJECTS = [
    ("Círculos de crianza en el centro comunitario", "Mentoría en crianza (especialista)"),
    ("Ruta de derivación entre centro de salud y cuidado infantil", "Mentoría en salud integral"),
    ("Rincones de juego en las salas de espera", "Mentoría en educación inicial"),
    ("Mensajes para padres por WhatsApp", "Mentoría en comunicación"),
]
RISKS = [  # (category, title, likelihood, impact, mitigation, owner)
    ("insecurity", "La presencia de maras limita las visitas en dos barrios", 4, 4,
     "Visitas en pareja y de día; sesiones grupales en la escuela en lugar de visitas.",
     "Coordinación municipal"),
    ("staff_turnover", "Las facilitadoras se retiran tras el ciclo electoral", 4, 3,
     "Plan de carrera y certificación de facilitadoras; formación de reemplazos.",
     "Consejo Municipal de Garantía de Derechos"),
    ("over_centralisation", "Las decisiones esperan a la oficina nacional", 3, 3,
     "Delegar la aprobación del plan local al consejo municipal.", "Coordinación nacional"),
    ("funding", "Los fondos de cooperación terminan antes de que el municipio absorba los costos", 3, 5,
     "Rubro de primera infancia en el plan de inversión; aportes en especie valorizados.",
     "Gerencia financiera municipal"),
    ("political_change", "Un nuevo gobierno municipal cambia las prioridades", 2, 4,
     "Compromiso firmado por la corporación; resultados presentados en cabildo abierto.", "Alcaldía"),
    ("participation", "Baja asistencia de los padres a los talleres", 3, 2, "",
     "Facilitadoras comunitarias"),
]
SUGGESTED = {"data": 1, "planning": 1}  # dimensions that score low in every pioneer city
# The other municipalities' overall maturity by the position of their current phase in the
# Honduras model (1 Consolidation, 2 Expansion, 3 Institutionalisation); without a phase, a
# level drawn from 2.0-3.2.
PHASE_LEVELS = {1: 2.4, 2: 3.0, 3: 3.5}
TEAM_OPPORTUNITIES = [  # (title, dimension, criticality, horizon), added by a team
    ("Reducir la espera de la primera visita domiciliaria", "services", 2, 1),
    ("Incluir a las iglesias y patronatos en la mesa de primera infancia", "actors", 2, 1),
    ("Publicar cada trimestre el tablero de gestión social", "data", 1, 2),
    ("Ruta de atención a la violencia contra la niñez con el juzgado de paz", "rights", 3, 2),
]
COMMENTS = {  # a remark of the team on the weakest question of a dimension
    "team": "Nadie tiene horas asignadas a primera infancia.",
    "actors": "Las ONG trabajan cada una por su lado.",
    "data": "Los datos están en cuadernos de cada centro.",
    "planning": "No hay rubro propio en el presupuesto municipal.",
    "services": "Salud y educación no se derivan casos entre sí.",
    "rights": "Sin campañas de crianza positiva desde hace dos años.",
}


def _admin():
    from crecer.accounts.models import Role, User

    return (User.objects.filter(username="admin").first()
            or User.objects.filter(role=Role.ADMIN).order_by("pk").first())


def _all_municipalities():
    """Every municipality (an area of the municipality level), by code."""
    from crecer.territory.models import Kind, Level, OrgUnit

    depth = Level.objects.filter(code="municipality").values_list("depth", flat=True).first()
    if depth is None:
        return []
    return list(OrgUnit.objects.filter(depth=depth, kind=Kind.AREA).order_by("code"))


def _pioneers(munis):
    """One municipality per region (the first by code) and La Ceiba (the demo users')."""
    by_region: dict[int, object] = {}
    for m in munis:
        by_region.setdefault(m.ancestor_ids()[1] if len(m.ancestor_ids()) > 1 else m.pk, m)
    chosen = {m.pk: m for m in by_region.values()}
    ceiba = next((m for m in munis if m.name == "La Ceiba"), None)
    if ceiba is not None:
        chosen.setdefault(ceiba.pk, ceiba)
    return sorted(chosen.values(), key=lambda m: m.code)


def _ensure_indicators() -> None:
    from crecer.indicators.catalogue import load_catalogue
    from crecer.indicators.models import Indicator

    codes = {code for _t, _h, metrics in OBJECTIVES for code, _b, _t2 in metrics}
    if Indicator.objects.filter(code__in=codes).count() < len(codes):
        load_catalogue()


def seed_planning(*, seed: int = 2026, today: dt.date | None = None) -> dict:
    """Cycles, diagnoses, opportunities, action plans, projects, evaluation rounds with scores,
    findings and risks. Returns what it made."""
    from crecer.planning.models import Cycle

    made = {"cycles": 0, "diagnoses": 0, "answers": 0, "opportunities": 0, "objectives": 0,
            "metrics": 0, "actions": 0, "projects": 0, "rounds": 0, "scores": 0, "findings": 0,
            "risks": 0}
    actor = _admin()
    if actor is None or Cycle.objects.exists():
        return made
    today = today or timezone.localdate()
    rng = random.Random(seed)
    everyone = _all_municipalities()
    munis = _pioneers(everyone)
    if not munis:
        return made
    _ensure_indicators()
    with transaction.atomic():
        for i, muni in enumerate(munis):
            _cycle(actor, muni, i, rng, today, made)
        pioneers = {m.pk for m in munis}
        _diagnosed(actor, [m for m in everyone if m.pk not in pioneers],
                   random.Random(f"{seed}-diagnosis"), today, made)
        for muni in munis[:3]:
            _round(actor, muni, rng, today, made)
        _risks(actor, munis, rng, today, made)
    return made


def _cycle(actor, muni, index: int, rng: random.Random, today: dt.date, made: dict) -> None:
    from crecer.indicators.models import Indicator
    from crecer.planning import actions
    from crecer.planning import template as tpl
    from crecer.planning.models import OpportunityStatus

    starts = today - dt.timedelta(days=150 + 15 * index)
    cycle = actions.create_cycle(actor=actor, territory=muni, name=f"RIL {starts.year}",
                                 starts_on=starts)
    made["cycles"] += 1
    for stage in cycle.stages.all():  # stages whose end has passed are done (but one is late)
        if stage.planned_end < today and not (index % 2 and stage.stage == "planning"):
            actions.update_stage(actor=actor, stage=stage, planned_start=stage.planned_start,
                                 planned_end=stage.planned_end, completed_on=stage.planned_end)
    # The diagnosis: a city level, lower in data management and planning (the RIL's usual
    # starting point), with noise per question.
    t = tpl.template()
    level = rng.choice([2.4, 2.8, 3.1, 3.4])
    scores = {}
    for d in t.dimensions:
        offset = -1.2 if d.code in SUGGESTED else rng.uniform(-0.4, 0.9)
        for q in d.questions:
            value = round(level + offset + rng.uniform(-0.8, 0.8))
            scores[q.code] = str(min(t.scale_max, max(t.scale_min, value)))
    actions.save_diagnosis(actor=actor, cycle=cycle, scores=scores,
                           assessed_on=min(today, starts + dt.timedelta(days=35)),
                           participants="Equipo municipal de primera infancia; Consejo municipal")
    made["diagnoses"] += 1
    made["answers"] += len(scores)
    suggested = actions.suggest_opportunities(actor=actor, cycle=cycle)
    for n, opp in enumerate(suggested):  # the team confirms all but the last suggestion
        if n < len(suggested) - 1 or len(suggested) == 1:
            actions.update_opportunity(actor=actor, opportunity=opp,
                                       data={"status": OpportunityStatus.CONFIRMED})
    team = actions.add_opportunity(actor=actor, cycle=cycle, data={
        "title": "Reducir la espera de la primera visita domiciliaria", "dimension": "services",
        "criticality": 2, "horizon": 1})
    made["opportunities"] += len(suggested) + 1
    opps = [o for o in suggested if o.status == OpportunityStatus.CONFIRMED] + [team]
    indicators = {i.code: i for i in Indicator.objects.filter(active=True)}
    for k, (title, horizon, metrics) in enumerate(OBJECTIVES):
        objective = actions.add_objective(actor=actor, cycle=cycle, title=title, horizon=horizon,
                                          opportunity=opps[k % len(opps)])
        made["objectives"] += 1
        for code, baseline, target in metrics:
            if code not in indicators:
                continue
            actions.add_metric(actor=actor, objective=objective, indicator=code,
                               baseline=round(baseline * rng.uniform(0.9, 1.1), 1),
                               target=target, baseline_period=str(starts.year - 1),
                               target_period=str(today.year + 1))
            made["metrics"] += 1
        for a, (atitle, owner, start, length) in enumerate(ACTIONS[k]):
            status = STATUSES[(index + k + a) % len(STATUSES)]
            begin = today + dt.timedelta(days=start)
            action = actions.add_action(actor=actor, objective=objective, title=atitle,
                                        owner=owner, starts_on=begin,
                                        ends_on=begin + dt.timedelta(days=length),
                                        status="planned")
            if status != "planned":
                actions.set_action_status(actor=actor, action=action, status=status)
            made["actions"] += 1
    ptitle, mentors = PROJECTS[index % len(PROJECTS)]
    actions.add_project(actor=actor, cycle=cycle, title=ptitle, mentors=mentors,
                        opportunity=opps[0], stage=["idea", "prototype", "pilot", "scaled"][
                            index % 4], description="Co-diseñado con la comunidad.")
    made["projects"] += 1


def _phase_levels(munis) -> dict[int, float]:
    """Each municipality's overall maturity from its current phase of the Honduras model
    (when the scale-up demo placed it); municipalities without a phase are left out."""
    from crecer.scaleup.models import TerritoryPhase

    rows = (TerritoryPhase.objects.filter(unit__in=munis, model__code="honduras-pi",
                                          until__isnull=True)
            .values_list("unit_id", "phase__position"))
    return {unit: PHASE_LEVELS.get(position, 2.4) for unit, position in rows}


def _scores(t, level: float, weak: set[str], rng: random.Random) -> dict[str, int]:
    """Answers around `level`, lower in the `weak` dimensions (at most the middle of the scale
    there, so that they are suggested), with noise per dimension and per question."""
    middle = (t.scale_min + t.scale_max) // 2
    out = {}
    for d in t.dimensions:
        offset = -1.1 if d.code in weak else rng.uniform(-0.5, 0.9)
        for q in d.questions:
            value = min(t.scale_max, max(t.scale_min, round(level + offset + rng.uniform(-0.7,
                                                                                           0.7))))
            out[q.code] = min(value, middle) if d.code in weak else value
    return out


def _suggestions(t, scores: dict[str, int]) -> list[tuple[str, float]]:
    """(dimension, percent) that `actions.suggest_opportunities` would suggest for these
    answers: under SUGGEST_BELOW % of the scale, the SUGGEST_AT_MOST lowest, lowest first."""
    from crecer.planning.actions import SUGGEST_AT_MOST, SUGGEST_BELOW

    low = []
    for d in t.dimensions:
        values = [scores[q.code] for q in d.questions if q.code in scores]
        if values:
            mean = sum(values) / len(values)
            percent = round(100 * (mean - t.scale_min) / (t.scale_max - t.scale_min), 1)
            if percent < SUGGEST_BELOW:
                low.append((percent, d.code))
    return [(code, percent) for percent, code in sorted(low)[:SUGGEST_AT_MOST]]


def _diagnosed(actor, munis, rng: random.Random, today: dt.date, made: dict) -> None:
    """The municipalities that are not pioneers: a cycle between the diagnosis and the action
    plan, bulk-created (see the module docstring)."""
    from crecer.core import audit
    from crecer.core.models import AuditAction, AuditEvent
    from crecer.planning import template as tpl
    from crecer.planning.actions import DEFAULT_CYCLE_DAYS, default_stage_dates
    from crecer.planning.models import (
        Answer,
        Criticality,
        Cycle,
        CycleStage,
        Diagnosis,
        Opportunity,
        OpportunityStatus,
        Stage,
    )

    if not munis:
        return
    t = tpl.template()
    levels = _phase_levels(munis)
    dims = [d.code for d in t.dimensions]
    early = (Stage.TEAM, Stage.DIAGNOSIS, Stage.PRIORITISATION)
    cycles, stages, diagnoses, answers, opps = [], [], [], [], []
    events: list[AuditEvent] = []

    def event(obj, territory, action=AuditAction.CREATE, changes=None, note="demo"):
        events.append(AuditEvent(
            actor=actor, actor_username=actor.username, action=action,
            entity=obj._meta.label_lower, object_id=str(obj.pk),
            territory_path=territory.path, note=note[:255],
            changes=changes if changes is not None else audit.diff({}, audit.snapshot(obj))))

    for n, muni in enumerate(munis):
        starts = today - dt.timedelta(days=rng.randint(45, 105))
        cycle = Cycle(territory=muni, name=f"RIL {starts.year}", starts_on=starts,
                      ends_on=starts + dt.timedelta(days=DEFAULT_CYCLE_DAYS - 1),
                      created_by=actor)
        cycles.append(cycle)
        event(cycle, muni)
        # Team, diagnosis and prioritisation are done once their end has passed (a
        # prioritisation is left late now and then); the action plan is not started.
        prioritised, dated = False, {}
        for position, (stage, first, last) in enumerate(default_stage_dates(cycle.starts_on,
                                                                             cycle.ends_on)):
            dated[stage] = (first, last)
            done = (last < today and stage in early
                    and not (stage == Stage.PRIORITISATION and n % 3 == 2))
            row = CycleStage(cycle=cycle, stage=stage, position=position, planned_start=first,
                             planned_end=last, completed_on=last if done else None)
            stages.append(row)
            if done:
                event(row, muni, AuditAction.UPDATE, {"completed_on": [None, last.isoformat()]},
                      note=stage)
            prioritised = prioritised or (done and stage == Stage.PRIORITISATION)
        # The diagnosis, in its stage: the municipality's level, two weak dimensions of its own.
        level = levels.get(muni.pk) or rng.choice([2.0, 2.4, 2.8, 3.2])
        weak = set(rng.sample(dims, 2))
        scores = _scores(t, level + rng.uniform(-0.3, 0.3), weak, rng)
        assessed = dated[Stage.DIAGNOSIS][0] + dt.timedelta(days=rng.randint(3, 25))
        diagnosis = Diagnosis(cycle=cycle, template=t.code, template_version=t.version,
                              assessed_on=min(today, assessed),
                              participants="Equipo municipal de primera infancia; Consejo "
                                           "municipal")
        diagnoses.append(diagnosis)
        weakest = min(t.questions.values(), key=lambda q: (scores[q.code], q.code))
        changes = audit.diff({}, audit.snapshot(diagnosis))
        for code, value in scores.items():
            question = t.questions[code]
            comment = COMMENTS.get(question.dimension, "") if question is weakest else ""
            answers.append(Answer(diagnosis=diagnosis, dimension=question.dimension,
                                  question=code, score=value, comment=comment))
            changes[f"answer:{code}"] = [None, value]
        event(diagnosis, muni, changes=changes)
        # The suggested opportunities; the team confirms them once it has prioritised (and
        # discards a third one now and then), the first one already before.
        suggested = _suggestions(t, scores)
        for k, (code, percent) in enumerate(suggested):
            dim = t.dimension(code)
            if prioritised:
                status = (OpportunityStatus.DISCARDED if k == 2 and n % 2
                          else OpportunityStatus.CONFIRMED)
            else:
                status = OpportunityStatus.CONFIRMED if k == 0 else OpportunityStatus.SUGGESTED
            opp = Opportunity(
                cycle=cycle, dimension=code, title=dim.suggestion_text()[:200] or dim.label(),
                description=_("Suggested because “%(dimension)s” scored %(percent)s %% of the "
                              "scale in the diagnosis.") % {"dimension": dim.label(),
                                                            "percent": percent},
                criticality=Criticality.HIGH if percent < 35 else Criticality.MEDIUM,
                horizon=dim.suggestion_horizon, status=status, generated=True)
            opps.append(opp)
            event(opp, muni, note="suggested")
        if prioritised and n % 2 == 0:
            title, code, criticality, horizon = TEAM_OPPORTUNITIES[n // 2 % len(
                TEAM_OPPORTUNITIES)]
            opp = Opportunity(cycle=cycle, dimension=code, title=title, criticality=criticality,
                              horizon=horizon, status=OpportunityStatus.CONFIRMED)
            opps.append(opp)
            event(opp, muni)
    for model, rows in ((Cycle, cycles), (CycleStage, stages), (Diagnosis, diagnoses),
                        (Answer, answers), (Opportunity, opps)):
        model.objects.bulk_create(rows, batch_size=1000)
    audit.record_many(events)
    made["cycles"] += len(cycles)
    made["diagnoses"] += len(diagnoses)
    made["answers"] += len(answers)
    made["opportunities"] += len(opps)


def _round(actor, muni, rng: random.Random, today: dt.date, made: dict) -> None:
    """A biannual round: baseline ten months ago, follow-up last month, scores of the
    municipality's caregivers (most assessed twice, with a gain of about 14 points)."""
    from crecer.core import audit
    from crecer.core.models import AuditAction, AuditEvent
    from crecer.planning import evaluation
    from crecer.planning.models import Moment, ScaleScore
    from crecer.registry.models import Person, RoleKind

    rnd = evaluation.create_round(
        actor=actor, territory=muni, name=f"Evaluación bianual {today.year}", year=today.year,
        baseline_on=today - dt.timedelta(days=300), follow_up_on=today - dt.timedelta(days=30),
        notes="Escala de prácticas parentales aplicada por el equipo evaluador.")
    made["rounds"] += 1
    caregivers = list(Person.objects.filter(
        territory__path__startswith=muni.path, merged_into__isnull=True,
        roles__role=RoleKind.CAREGIVER, roles__active=True).distinct()
        .order_by("search_name", "pk").values_list("pk", "territory__path")[:400])
    rows = []
    for pk, _path in caregivers:
        base = min(95.0, max(10.0, rng.gauss(52, 12)))
        rows.append(ScaleScore(round=rnd, person_id=pk, moment=Moment.BASELINE,
                               score=Decimal(f"{base:.1f}"), assessed_on=rnd.baseline_on))
        if rng.random() < 0.85:  # some caregivers could not be found at follow-up
            follow = min(100.0, max(0.0, base + rng.gauss(14, 8)))
            rows.append(ScaleScore(round=rnd, person_id=pk, moment=Moment.FOLLOW_UP,
                                   score=Decimal(f"{follow:.1f}"), assessed_on=rnd.follow_up_on))
    ScaleScore.objects.bulk_create(rows, batch_size=1000)
    paths = dict(caregivers)
    audit.record_many([AuditEvent(actor=actor, actor_username=actor.username,
                                  action=AuditAction.IMPORT, entity="planning.scalescore",
                                  object_id=str(r.pk), person_id=r.person_id,
                                  territory_path=paths[r.person_id],
                                  changes={"moment": [None, r.moment],
                                           "score": [None, str(r.score)]},
                                  note=f"demo · {rnd.name}") for r in rows])
    made["scores"] += len(rows)
    result = evaluation.results([rnd])[rnd.pk]
    report = (f"Evaluación bianual {today.year} — {muni.name}\n"
              f"Línea de base: {result.baseline_mean} (n={result.baseline_n})\n"
              f"Seguimiento: {result.follow_up_mean} (n={result.follow_up_n})\n"
              f"Cambio: {result.change}\n")
    evaluation.add_finding(
        actor=actor, rnd=rnd, title="Las prácticas de crianza mejoran tras un año de visitas",
        summary=f"El puntaje promedio pasó de {result.baseline_mean} a "
                f"{result.follow_up_mean} puntos.", published_on=today - dt.timedelta(days=7),
        file=ContentFile(report.encode(), name=f"informe-{muni.code}.txt"))
    made["findings"] += 1


def _risks(actor, munis, rng: random.Random, today: dt.date, made: dict) -> None:
    from crecer.planning import risks

    statuses = ["open", "mitigating", "open", "closed", "mitigating"]
    for i, muni in enumerate(munis):
        picks = [RISKS[(i + k) % len(RISKS)] for k in range(3)]
        for k, (category, title, likelihood, impact, mitigation, owner) in enumerate(picks):
            risks.add_risk(actor=actor, territory=muni, data={
                "category": category, "title": title, "likelihood": likelihood,
                "impact": impact, "mitigation": mitigation or "", "owner": owner,
                "status": statuses[(i + k) % len(statuses)],
                "review_on": today + dt.timedelta(days=rng.choice([-20, 15, 45, 90]))})
            made["risks"] += 1
    country = munis[0].parent
    while country is not None and country.parent is not None:
        country = country.parent
    if country is not None:
        risks.add_risk(actor=actor, territory=country, data={
            "category": "over_centralisation", "title": "La oficina nacional aprueba cada plan "
            "municipal", "likelihood": 4, "impact": 3, "status": "mitigating",
            "mitigation": "Los consejos municipales aprueban sus planes desde el próximo ciclo.",
            "owner": "Coordinación nacional del Modelo PI",
            "review_on": today + dt.timedelta(days=30)})
        made["risks"] += 1
