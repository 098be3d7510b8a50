"""Decisions: who may record them and where, the comment they need, the history they write,
the audit row, and the gate check frozen with them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from crecer.core.models import AuditEvent
from crecer.scaleup.actions import record_decision
from crecer.scaleup.models import PhaseDecision, TerritoryPhase

from .conftest import place

TODAY = dt.date.today()


@pytest.fixture
def in_consolidation(tree, honduras):
    return place(tree.muni_a1, honduras, "consolidacion", TODAY - dt.timedelta(days=300))


def _current(unit, model):
    return TerritoryPhase.objects.get(unit=unit, model=model, until__isnull=True)


def test_hold_records_who_when_why_and_the_evidence(tree, users, honduras, in_consolidation):
    nat = users["national_manager"]
    made = record_decision(actor=nat, unit=tree.muni_a1, model=honduras, decision="hold",
                           comment="  Costo por beneficiario sobre 475 USD.  ")
    assert made.decided_by == nat and made.decided_by_name == "nat"
    assert made.comment == "Costo por beneficiario sobre 475 USD."
    assert made.from_phase == made.to_phase == in_consolidation.phase
    assert made.effective_on == TODAY
    # No engine results yet: every criterion frozen as "no data".
    assert made.gate_status == "incomplete"
    assert [c["indicator"] for c in made.evidence["criteria"]] == [
        "hn-caregiver-registry", "hn-cost-per-beneficiary", "hn-government-cost-share",
        "hn-municipal-teams-trained"]
    assert {c["status"] for c in made.evidence["criteria"]} == {"no_data"}
    # Holding does not move the territory.
    assert TerritoryPhase.objects.filter(unit=tree.muni_a1).count() == 1
    event = AuditEvent.objects.get(entity="scaleup.phasedecision", object_id=str(made.pk))
    assert event.actor == nat and event.territory_path == tree.muni_a1.path
    assert event.changes["decision"] == [None, "hold"]
    assert event.changes["phase"] == ["consolidacion", "consolidacion"]


def test_advance_and_revert_write_the_history(tree, users, honduras, in_consolidation):
    admin = users["admin"]
    up = record_decision(actor=admin, unit=tree.muni_a1, model=honduras, decision="advance",
                         comment="Cumple la puerta.")
    assert up.from_phase.code == "consolidacion" and up.to_phase.code == "expansion"
    in_consolidation.refresh_from_db()
    assert in_consolidation.until == TODAY
    now = _current(tree.muni_a1, honduras)
    assert (now.phase.code, now.since, now.decision) == ("expansion", TODAY, up)
    down = record_decision(actor=admin, unit=tree.muni_a1, model=honduras, decision="revert",
                           comment="El gobierno dejó de asumir su parte.")
    assert (down.from_phase.code, down.to_phase.code) == ("expansion", "consolidacion")
    history = TerritoryPhase.objects.filter(unit=tree.muni_a1).order_by("id")
    assert [(h.phase.code, h.until) for h in history] == [
        ("consolidacion", TODAY), ("expansion", TODAY), ("consolidacion", None)]
    assert AuditEvent.objects.filter(entity="scaleup.phasedecision").count() == 2


def test_start_last_phase_and_first_phase_limits(tree, users, honduras):
    nat = users["national_manager"]
    with pytest.raises(ValidationError) as exc:
        record_decision(actor=nat, unit=tree.muni_b1, model=honduras, decision="revert",
                        comment="x")
    assert "decision" in exc.value.message_dict
    start = record_decision(actor=nat, unit=tree.muni_b1, model=honduras, decision="advance",
                            comment="Convenio firmado.")
    assert start.from_phase is None and start.to_phase.code == "consolidacion"
    assert start.gate_status == "none"
    for _ in range(2):
        record_decision(actor=nat, unit=tree.muni_b1, model=honduras, decision="advance",
                        comment="Puerta cumplida.")
    assert _current(tree.muni_b1, honduras).phase.code == "institucionalizacion"
    with translation.override("en"), pytest.raises(ValidationError, match="last phase"):
        record_decision(actor=nat, unit=tree.muni_b1, model=honduras, decision="advance",
                        comment="Más allá.")
    assert PhaseDecision.objects.filter(unit=tree.muni_b1).count() == 3


@pytest.mark.parametrize("comment", ["", "   ", None])
def test_comment_is_required_and_nothing_is_saved(tree, users, honduras, in_consolidation,
                                                  comment):
    with pytest.raises(ValidationError) as exc:
        record_decision(actor=users["national_manager"], unit=tree.muni_a1, model=honduras,
                        decision="advance", comment=comment)
    assert "comment" in exc.value.message_dict
    assert not PhaseDecision.objects.exists()
    assert _current(tree.muni_a1, honduras) == in_consolidation
    assert not AuditEvent.objects.filter(entity="scaleup.phasedecision").exists()


@pytest.mark.parametrize("role", ["volunteer", "facilitator", "municipal_officer",
                                  "regional_manager", "data_officer"])
def test_only_national_managers_and_admins_decide(tree, users, honduras, in_consolidation,
                                                  role):
    with pytest.raises(PermissionDenied):
        record_decision(actor=users[role], unit=tree.muni_a1, model=honduras, decision="hold",
                        comment="No.")
    assert not PhaseDecision.objects.exists()


def test_scope_and_level(tree, users, make_user, phase_models, in_consolidation):
    honduras = phase_models["honduras-pi"]
    elsewhere = make_user("nat_b", "national_manager", tree.region_b)
    with pytest.raises(PermissionDenied):
        record_decision(actor=elsewhere, unit=tree.muni_a1, model=honduras, decision="hold",
                        comment="Fuera de mi territorio.")
    with pytest.raises(ValidationError) as exc:
        record_decision(actor=users["national_manager"], unit=tree.region_a, model=honduras,
                        decision="advance", comment="Un departamento no es un municipio.")
    assert "model" in exc.value.message_dict
    zone = record_decision(actor=users["national_manager"], unit=tree.region_a,
                           model=phase_models["mas-bienestar"], decision="advance",
                           comment="Comité estatal instalado.")
    assert zone.to_phase.code == "planeacion-arranque"
    assert not PhaseDecision.objects.filter(unit=tree.muni_a1).exists()


def test_the_evidence_stays_as_it_was(gate_world, tree, users, honduras):
    from crecer.finance.models import Expenditure
    from crecer.indicators import engine
    from crecer.scaleup import queries

    made = record_decision(actor=users["national_manager"], unit=tree.muni_a1, model=honduras,
                           decision="hold", comment="Costo por beneficiario de 512 USD.")
    frozen = {c["indicator"]: c for c in made.evidence["criteria"]}
    assert (frozen["hn-cost-per-beneficiary"]["value"],
            frozen["hn-cost-per-beneficiary"]["status"]) == (512.0, "fail")
    assert made.gate_status == "not_met"
    # The expenditure is corrected and the indicators recomputed: the live gate changes…
    Expenditure.objects.filter(unit=tree.muni_a1, source__code="coop").update(
        amount=Decimal("234.48"))  # 235.52 + 234.48 = 470
    engine.refresh(full=True)
    live = {c.indicator: c for c in queries.gate_check(tree.muni_a1, honduras).criteria}
    assert (live["hn-cost-per-beneficiary"].value,
            live["hn-cost-per-beneficiary"].status) == (470.0, "pass")
    # …the decision's evidence does not.
    made.refresh_from_db()
    assert made.evidence["criteria"][1]["value"] == 512.0
