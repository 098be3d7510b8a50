"""The planning demo: a cycle in every region, actions in every status, rounds whose follow-up
is higher than the baseline, risks; deterministic and run once."""

from __future__ import annotations

import datetime as dt

import pytest

from crecer.planning.models import (
    ActionStatus,
    Cycle,
    EvaluationRound,
    Metric,
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
            sorted(Risk.objects.values_list("territory__code", "title", "status", "review_on")))


def test_seed_planning(small_demo):
    from crecer.demo.planning import seed_planning
    from crecer.planning.evaluation import results
    from crecer.territory.models import OrgUnit

    made = seed_planning()
    assert made["cycles"] == Cycle.objects.count() >= 5
    regions = {c.territory.ancestor_ids()[1] for c in Cycle.objects.select_related("territory")}
    assert regions == set(OrgUnit.objects.filter(depth=1).values_list("pk", flat=True))
    assert set(PlanAction.objects.values_list("status", flat=True)) == set(ActionStatus.values)
    assert PlanAction.objects.filter(status__in=["planned", "in_progress", "blocked"],
                                     ends_on__lt=dt.date.today()).exists()
    assert Metric.objects.filter(indicator__code="hn-caregiver-registry").exists()
    assert {OpportunityStatus.CONFIRMED, OpportunityStatus.SUGGESTED} <= set(
        Cycle.objects.values_list("opportunities__status", flat=True))
    assert set(Cycle.objects.values_list("projects__stage", flat=True)) == set(
        ProjectStage.values)
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
    assert _fingerprint()[0] == first[0] and _fingerprint()[1] == first[1]
    assert _fingerprint()[3] == first[3]
    assert [s[1:] for s in _fingerprint()[2]] == [s[1:] for s in first[2]]
