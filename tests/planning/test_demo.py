"""The planning demo: a cycle with a diagnosis and opportunities in every municipality, the full
action plan in one municipality of every region, actions in every status, rounds whose follow-up
is higher than the baseline, risks; deterministic and run once."""

from __future__ import annotations

import datetime as dt

import pytest

from crecer.planning.models import (
    ActionStatus,
    Answer,
    Cycle,
    EvaluationRound,
    Metric,
    Opportunity,
    OpportunityStatus,
    PlanAction,
    ProjectStage,
    Risk,
    ScaleScore,
)

PASSWORD = "demo-pass-123"


@pytest.fixture
def small_demo(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    from crecer.demo.generator import generate

    generate(password=PASSWORD, households=200, duplicates=5)


def _fingerprint():
    return (sorted(Cycle.objects.values_list("territory__code", "name", "starts_on")),
            sorted(PlanAction.objects.values_list("title", "status", "ends_on")),
            sorted(ScaleScore.objects.values_list("person_id", "moment", "score")),
            sorted(Risk.objects.values_list("territory__code", "title", "status", "review_on")),
            sorted(Answer.objects.values_list("diagnosis__cycle__territory__code", "question",
                                              "score", "comment")),
            sorted(Opportunity.objects.values_list("cycle__territory__code", "dimension",
                                                   "status", "criticality", "horizon")))


def test_seed_planning(small_demo):
    from crecer.demo.planning import seed_planning
    from crecer.planning.evaluation import results
    from crecer.territory.models import OrgUnit

    made = seed_planning()
    assert made["cycles"] == Cycle.objects.count() >= 5
    # The full action plan in at least one municipality of every region.
    planned = Cycle.objects.filter(objectives__actions__isnull=False).distinct()
    regions = {c.territory.ancestor_ids()[1] for c in planned.select_related("territory")}
    assert regions == set(OrgUnit.objects.filter(depth=1).values_list("pk", flat=True))
    assert set(PlanAction.objects.values_list("status", flat=True)) == set(ActionStatus.values)
    assert PlanAction.objects.filter(status__in=["planned", "in_progress", "blocked"],
                                     ends_on__lt=dt.date.today()).exists()
    assert Metric.objects.filter(indicator__code="hn-caregiver-registry").exists()
    assert {OpportunityStatus.CONFIRMED, OpportunityStatus.SUGGESTED} <= set(
        Cycle.objects.values_list("opportunities__status", flat=True))
    assert set(Cycle.objects.filter(projects__isnull=False).values_list(
        "projects__stage", flat=True)) == set(ProjectStage.values)
    rounds = list(EvaluationRound.objects.all())
    assert len(rounds) == made["rounds"] == 3
    for rnd, res in results(rounds).items():
        assert res.baseline_n > 0 and res.follow_up_n > 0, rnd
        assert 8 < res.change < 22 and 8 < res.paired_change < 22
    assert made["scores"] == ScaleScore.objects.count()
    assert {"insecurity", "over_centralisation", "staff_turnover", "funding"} <= set(
        Risk.objects.values_list("category", flat=True))
    first = _fingerprint()
    assert seed_planning()["cycles"] == 0  # runs once
    # deterministic: the same data again after wiping it
    for model in (Cycle, EvaluationRound, Risk):
        model.objects.all().delete()
    seed_planning()
    again = _fingerprint()
    assert again[0] == first[0] and again[1] == first[1]
    assert again[3:] == first[3:]
    assert [s[1:] for s in again[2]] == [s[1:] for s in first[2]]


def test_every_municipality_has_a_diagnosis(small_demo):
    """Every municipality has one cycle whose diagnosis answers every question, with varied
    scores; its suggestions follow the rule of `suggest_opportunities`; some are confirmed in
    each; the cycles without an action plan are still before the planning stage; every row
    made in bulk has its audit row."""
    from crecer.core.models import AuditEvent
    from crecer.demo.planning import seed_planning
    from crecer.planning import actions, queries
    from crecer.planning import template as tpl
    from crecer.planning.models import Diagnosis
    from crecer.territory.models import Kind, Level, OrgUnit

    made = seed_planning()
    depth = Level.objects.get(code="municipality").depth
    munis = set(OrgUnit.objects.filter(depth=depth, kind=Kind.AREA).values_list("pk", flat=True))
    assert len(munis) > 6
    assert sorted(Cycle.objects.values_list("territory_id", flat=True)) == sorted(munis)
    t = tpl.template()
    diagnoses = list(Diagnosis.objects.select_related("cycle__territory"))
    assert len(diagnoses) == len(munis) == made["diagnoses"]
    assert made["answers"] == Answer.objects.count() == len(munis) * len(t.questions)
    assert made["opportunities"] == Opportunity.objects.count()
    # Varied: the municipalities differ in their overall maturity and in their weakest dimension.
    overall, weakest = set(), set()
    for d in diagnoses:
        scores = queries.dimension_scores(d)
        assert all(s.answered == s.questions for s in scores), d.cycle.territory
        overall.add(queries.overall_score(scores))
        weakest.add(min(scores, key=lambda s: (s.percent, s.code)).code)
        assert d.cycle.starts_on <= d.assessed_on <= dt.date.today()
        assert len({a.score for a in d.answers.all()}) >= 2
        # The suggestions are those the action would make (lowest three under 60 %).
        low = sorted((s.percent, s.code) for s in scores if s.percent < actions.SUGGEST_BELOW)
        generated = d.cycle.opportunities.filter(generated=True)
        assert sorted(generated.values_list("dimension", flat=True)) == sorted(
            code for _p, code in low[:actions.SUGGEST_AT_MOST]), d.cycle.territory
        assert d.cycle.opportunities.filter(status=OpportunityStatus.CONFIRMED).exists()
    assert len(overall) >= len(munis) // 2 and len(weakest) >= 3
    assert set(Answer.objects.values_list("score", flat=True)) >= {1, 2, 3, 4}
    assert set(Opportunity.objects.values_list("status", flat=True)) == set(
        OpportunityStatus.values)
    assert Answer.objects.exclude(comment="").exists()
    # Cycles without a plan are at the diagnosis or prioritisation: the planning stage not done.
    unplanned = Cycle.objects.filter(objectives__isnull=True)
    assert unplanned.exists()
    for cycle in unplanned:
        done = set(cycle.stages.filter(completed_on__isnull=False).values_list("stage",
                                                                                flat=True))
        assert done <= {"team", "diagnosis", "prioritisation"}, cycle.territory
        assert actions.suggest_opportunities(actor=cycle.created_by, cycle=cycle) == []
    # One audit row per cycle, diagnosis and opportunity, with the territory's path.
    for model, entity in ((Cycle, "planning.cycle"), (Diagnosis, "planning.diagnosis"),
                          (Opportunity, "planning.opportunity")):
        ids = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
        audited = set(AuditEvent.objects.filter(entity=entity, action="create")
                      .values_list("object_id", flat=True))
        assert ids <= audited, entity
    cycle = unplanned.select_related("territory").first()
    event = AuditEvent.objects.get(entity="planning.diagnosis",
                                   object_id=str(cycle.diagnosis.pk))
    assert event.territory_path == cycle.territory.path
    assert len([k for k in event.changes if k.startswith("answer:")]) == len(t.questions)
