"""The risk register: categories from the seeds, level = likelihood × impact, ranking, review
dates, checks and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crecer.core.models import AuditEvent
from crecer.planning import risks
from crecer.planning.models import Risk, RiskCategory

from .conftest import TODAY


def _risk(actor, territory, title, likelihood, impact, **extra):
    return risks.add_risk(actor=actor, territory=territory, data={
        "category": extra.pop("category", "insecurity"), "title": title,
        "likelihood": likelihood, "impact": impact,
        "mitigation": extra.pop("mitigation", "Plan"), **extra})


def test_categories_name_the_seeds_risks():
    assert {"insecurity", "over_centralisation", "staff_turnover", "funding"} <= set(
        RiskCategory.values)


def test_register_is_ranked_and_scoped(tree, users, officer, django_assert_max_num_queries):
    _risk(officer, tree.muni_a1, "medio", 3, 3, category="staff_turnover")
    _risk(officer, tree.muni_a1, "alto", 4, 5, review_on=TODAY - dt.timedelta(days=1))
    _risk(officer, tree.muni_a1, "cerrado", 5, 5, status="closed")
    _risk(officer, tree.comm_a1, "bajo", 1, 2, mitigation="")
    _risk(users["municipal_officer_b"], tree.muni_b1, "otro municipio", 5, 5)
    with django_assert_max_num_queries(2):  # her territories (unless cached), the register
        found = list(risks.risks_for(officer))
    assert [(r.title, r.score) for r in found] == [("alto", 20), ("medio", 9), ("bajo", 2),
                                                   ("cerrado", 25)]
    assert [r.title for r in risks.risks_for(users["national_manager"])][:2] == [
        "otro municipio", "alto"]
    assert len(risks.risks_for(users["national_manager"])) == 5
    assert [r.title for r in risks.review_due(Risk.objects.all(), TODAY)] == ["alto"]
    assert [risks.band(n) for n in (20, 9, 2)] == ["high", "medium", "low"]


def test_bad_input_is_named_and_nothing_is_saved(tree, officer):
    with pytest.raises(ValidationError) as exc:
        _risk(officer, tree.muni_a1, "x", 6, 3)
    assert "likelihood" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        _risk(officer, tree.muni_a1, "x", 3, 3, category="aliens")
    assert "category" in exc.value.error_dict
    with pytest.raises(ValidationError) as exc:
        _risk(officer, tree.muni_a1, "grave sin plan", 5, 4, mitigation="")
    assert "mitigation" in exc.value.error_dict
    with pytest.raises(ValidationError):
        _risk(officer, tree.health_a1, "centro de salud", 2, 2)
    with pytest.raises(PermissionDenied):
        _risk(officer, tree.muni_b1, "fuera", 2, 2)
    assert not Risk.objects.exists()


def test_update_is_audited(tree, officer):
    risk = _risk(officer, tree.muni_a1, "rotación", 4, 3, category="staff_turnover")
    risks.update_risk(actor=officer, risk=risk, data={
        "category": "staff_turnover", "title": "rotación", "likelihood": 2, "impact": 3,
        "mitigation": "Plan de carrera", "status": "mitigating", "owner": "Consejo"})
    risk.refresh_from_db()
    assert (risk.level, risk.status, risk.owner) == (6, "mitigating", "Consejo")
    event = AuditEvent.objects.filter(entity="planning.risk", action="update").get()
    assert event.changes["likelihood"] == [4, 2]
    assert event.territory_path == tree.muni_a1.path
