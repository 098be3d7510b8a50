"""The demo's scale-up data: every municipality in a Honduras phase and every region and zone in
a MAS-BIENESTAR phase, with a consistent history of commented decisions over the last three
years; deterministic and run once."""

from __future__ import annotations

import datetime as dt

from crecer.core.models import AuditEvent
from crecer.scaleup.models import PhaseDecision, TerritoryPhase

TODAY = dt.date(2026, 5, 20)


def test_seed_scaleup(tree, users):
    from crecer.demo.scaleup import seed_scaleup

    report = seed_scaleup(today=TODAY)
    assert report["municipalities"] == 3 and report["zones"] == 4  # 2 regions, 2 provinces
    current = TerritoryPhase.objects.filter(until__isnull=True).select_related("model", "unit")
    by_model = {}
    for tp in current:
        by_model.setdefault(tp.model.code, set()).add(tp.unit.code)
    assert by_model["honduras-pi"] == {"HN-0101", "HN-0102", "HN-0801"}
    assert by_model["mas-bienestar"] == {"HN-01", "HN-08", "HN-01-P", "HN-08-P"}
    # The story's municipality: still in Consolidation, held at its last review.
    la_ceiba = current.get(unit=tree.muni_a1, model__code="honduras-pi")
    assert la_ceiba.phase.code == "consolidacion"
    last = PhaseDecision.objects.filter(unit=tree.muni_a1).order_by("-decided_at").first()
    assert last.decision == "hold" and last.comment.startswith("Se mantiene en Consolidación")
    decisions = list(PhaseDecision.objects.all())
    assert len(decisions) == report["decisions"] > 7
    assert all(d.comment.strip() and d.decided_by == users["national_manager"]
               for d in decisions)
    three_years = TODAY - dt.timedelta(days=3 * 366)
    assert all(three_years <= d.effective_on <= TODAY for d in decisions)
    assert {d.decision for d in decisions} >= {"advance", "hold"}
    held = [d for d in decisions if d.decision == "hold"]
    assert all(d.evidence["demo"] and d.evidence["criteria"] for d in held)
    assert all(any(c["status"] == "fail" for c in d.evidence["criteria"])
               for d in held if d.gate_status == "not_met")
    # Each territory's history is a chain: a phase ends the day the next one starts.
    for unit_id, model_id in {(t.unit_id, t.model_id) for t in TerritoryPhase.objects.all()}:
        chain = list(TerritoryPhase.objects.filter(unit_id=unit_id, model_id=model_id)
                     .order_by("since", "id"))
        assert [t.until for t in chain[:-1]] == [t.since for t in chain[1:]]
        assert chain[-1].until is None and chain[0].decision.from_phase is None
    assert AuditEvent.objects.filter(entity="scaleup.phasedecision").count() == len(decisions)
    # Once only.
    assert seed_scaleup(today=TODAY) == {"skipped": True}
    assert PhaseDecision.objects.count() == len(decisions)


def test_seed_scaleup_is_deterministic(tree, users):
    from crecer.demo.scaleup import seed_scaleup

    def story():
        return sorted((d.unit.code, d.model.code, d.decision, d.effective_on, d.comment)
                      for d in PhaseDecision.objects.select_related("unit", "model"))

    seed_scaleup(today=TODAY)
    first = story()
    TerritoryPhase.objects.all().delete()
    PhaseDecision.objects.all().delete()
    seed_scaleup(today=TODAY)
    assert story() == first
