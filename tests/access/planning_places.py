"""Planning objects of a place of the access matrix (a cycle with an opportunity, an objective,
an action and a project; an evaluation round with a finding; a risk), all in the place's own
territory and made by its officer through the planning actions; and the planning pages' entries
of the matrix (`pages(Case)`, merged into `matrix.PAGES`; Case is passed in because
matrix.py imports this module)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from crecer.accounts import policies as P

VIEW = P.can_view_planning
MANAGE = P.can_manage_planning


def _today():
    return timezone.localdate()


def cycle(p):
    if "plan_cycle" not in p._made:
        from crecer.planning import actions

        p._made["plan_cycle"] = actions.create_cycle(
            actor=p.officer, territory=p.territory, name=f"Ciclo Matriz{p.name}",
            starts_on=_today())
    return p._made["plan_cycle"]


def cycle_pk(p) -> dict:
    return {"pk": cycle(p).pk}


def cycle_name(p) -> str:
    return f"Ciclo Matriz{p.name}"


def opportunity(p):
    if "plan_opportunity" not in p._made:
        from crecer.planning import actions

        p._made["plan_opportunity"] = actions.add_opportunity(
            actor=p.officer, cycle=cycle(p), data={"title": f"Oportunidad {p.name}",
                                                   "criticality": 3, "horizon": 1})
    return p._made["plan_opportunity"]


def objective(p):
    if "plan_objective" not in p._made:
        from crecer.planning import actions

        p._made["plan_objective"] = actions.add_objective(actor=p.officer, cycle=cycle(p),
                                                          title=f"Objetivo {p.name}")
    return p._made["plan_objective"]


def action(p):
    if "plan_action" not in p._made:
        from crecer.planning import actions

        p._made["plan_action"] = actions.add_action(
            actor=p.officer, objective=objective(p), title=f"Acción {p.name}", owner="Ana",
            starts_on=_today(), ends_on=_today())
    return p._made["plan_action"]


def project(p):
    if "plan_project" not in p._made:
        from crecer.planning import actions

        p._made["plan_project"] = actions.add_project(actor=p.officer, cycle=cycle(p),
                                                      title=f"Proyecto {p.name}")
    return p._made["plan_project"]


def indicator_code() -> str:
    from crecer.indicators.models import Indicator

    return Indicator.objects.get_or_create(code="matrix-planning", defaults={
        "name": "Matriz", "definition": "Matriz", "numerator": "count(persons where caregiver)",
        "results_chain": "output"})[0].code


def round_(p):
    if "plan_round" not in p._made:
        import datetime as dt

        from crecer.planning import evaluation

        p._made["plan_round"] = evaluation.create_round(
            actor=p.officer, territory=p.territory, name=f"Ronda Matriz{p.name}", year=2026,
            baseline_on=_today() - dt.timedelta(days=90),
            follow_up_on=_today() - dt.timedelta(days=1))
    return p._made["plan_round"]


def round_pk(p) -> dict:
    return {"pk": round_(p).pk}


def round_name(p) -> str:
    return f"Ronda Matriz{p.name}"


def finding(p):
    if "plan_finding" not in p._made:
        from crecer.planning import evaluation

        p._made["plan_finding"] = evaluation.add_finding(
            actor=p.officer, rnd=round_(p), title="Hallazgo", published_on=_today(),
            file=SimpleUploadedFile("informe.pdf", b"%PDF-1.4 matrix"))
    return p._made["plan_finding"]


def risk(p):
    if "plan_risk" not in p._made:
        from crecer.planning import risks

        p._made["plan_risk"] = risks.add_risk(actor=p.officer, territory=p.territory, data={
            "category": "insecurity", "title": f"Riesgo Matriz{p.name}", "likelihood": 2,
            "impact": 2})
    return p._made["plan_risk"]


def risk_name(p) -> str:
    return f"Riesgo Matriz{p.name}"


def score(p) -> dict:
    return {"person": str(p.mother.pk), "moment": "baseline", "score": "50",
            "assessed_on": _today().isoformat()}


def scores_csv(p) -> dict:
    content = ("person_id,moment,score,assessed_on\r\n"
               f"{p.mother.pk},follow_up,61,{_today().isoformat()}\r\n")
    return {"file": SimpleUploadedFile("scores.csv", content.encode())}


def pages(Case) -> dict:
    return {
        # planning: cycles, rounds and risks of the territories in scope; caregivers' scores are
        # personal data (scoped by the caregiver's territory, written by planning managers)
        "planning:index": Case(VIEW, shows=cycle_name, setup=cycle),
        "planning:cycle_new": Case(MANAGE),
        "planning:cycle": Case(VIEW, path=cycle_pk),
        "planning:stage_edit": Case(MANAGE, method="POST", ok=302,
                                    path=lambda p: {"pk": cycle(p).pk, "stage": "team"},
                                    body=lambda p: {"planned_start": "2026-05-01",
                                                    "planned_end": "2026-05-31"}),
        "planning:diagnosis": Case(VIEW, path=cycle_pk),
        "planning:results": Case(VIEW, path=cycle_pk),
        "planning:suggest": Case(MANAGE, method="POST", ok=302, path=cycle_pk),
        "planning:opportunities": Case(VIEW, path=cycle_pk),
        "planning:opportunity_edit": Case(MANAGE, method="POST", ok=302,
                                          path=lambda p: {"pk": opportunity(p).pk},
                                          body=lambda p: {"status": "confirmed", "criticality": 2,
                                                          "horizon": 1}),
        "planning:plan": Case(VIEW, path=cycle_pk),
        "planning:metric_new": Case(MANAGE, method="POST", ok=302,
                                    path=lambda p: {"pk": objective(p).pk},
                                    body=lambda p: {"indicator": indicator_code(), "baseline": "1",
                                                    "target": "2", "target_period": "2027"}),
        "planning:action_new": Case(MANAGE, method="POST", ok=302,
                                    path=lambda p: {"pk": objective(p).pk},
                                    body=lambda p: {"title": "Acción", "owner": "Ana",
                                                    "starts_on": "2026-01-01",
                                                    "ends_on": "2026-02-01", "status": "planned"}),
        "planning:action_status": Case(MANAGE, method="POST", ok=302,
                                       path=lambda p: {"pk": action(p).pk},
                                       body=lambda p: {"status": "in_progress"}),
        "planning:projects": Case(VIEW, path=cycle_pk),
        "planning:project_stage": Case(MANAGE, method="POST", ok=302,
                                       path=lambda p: {"pk": project(p).pk},
                                       body=lambda p: {"stage": "pilot"}),
        "planning:rounds": Case(VIEW, shows=round_name, setup=round_),
        "planning:round_new": Case(MANAGE),
        "planning:scores_template": Case(MANAGE),
        "planning:round": Case(VIEW, path=round_pk),
        "planning:score_new": Case(MANAGE, method="POST", ok=302, path=round_pk, body=score),
        "planning:scores_import": Case(MANAGE, method="POST", ok=302, path=round_pk,
                                       body=scores_csv, multipart=True),
        "planning:finding_new": Case(MANAGE, method="POST", ok=302, path=round_pk,
                                     body=lambda p: {"title": "Hallazgo",
                                                     "published_on": _today().isoformat()}),
        "planning:round_publish": Case(MANAGE, method="POST", ok=302, path=round_pk),
        "planning:finding_download": Case(VIEW, path=lambda p: {"pk": finding(p).pk}),
        "planning:risks": Case(VIEW, shows=risk_name, setup=risk),
        "planning:risk_new": Case(MANAGE),
        "planning:risk_edit": Case(VIEW, path=lambda p: {"pk": risk(p).pk}),
    }
