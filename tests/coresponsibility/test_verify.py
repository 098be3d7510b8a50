from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from crecer.core.models import AuditEvent
from crecer.coresponsibility.actions import verify_period
from crecer.coresponsibility.models import ComplianceCheck, Source

from .conftest import PERIOD


def _verify(users, juntos, tree, actor="municipal_officer"):
    return verify_period(actor=users[actor], programme=juntos, period=PERIOD,
                         municipality=tree.muni_a1)


def test_contact_evidence_makes_household_compliant(users, tree, family, juntos, enrolled, visit):
    contact = visit("2026-10-12", ["CRED", "IRON-SUP"])
    counts = _verify(users, juntos, tree)
    assert counts == {"households": 1, "compliant": 2, "not_compliant": 0}
    checks = ComplianceCheck.objects.filter(household=family["household"], period=PERIOD)
    assert {c.condition for c in checks} == {"CRED", "IRON-SUP"}
    assert all(c.compliant and c.person == family["child"] for c in checks)
    assert all(c.source == Source.VOLUNTEER and c.evidence_ref == str(contact.pk) for c in checks)
    assert AuditEvent.objects.filter(entity="programmes.programme",
                                     note="co-responsibility verification").count() == 1


def test_missing_evidence_gives_reason_naming_condition_and_child(users, tree, family, juntos,
                                                                  enrolled, visit):
    visit("2026-10-12", ["CRED"])
    visit("2026-09-30", ["IRON-SUP"])  # the month before does not count
    counts = _verify(users, juntos, tree)
    assert counts["compliant"] == 1 and counts["not_compliant"] == 1
    bad = ComplianceCheck.objects.get(condition="IRON-SUP", period=PERIOD)
    assert not bad.compliant
    assert "Iron supplementation" in bad.reason
    assert "Luis Ángel Hernández López" in bad.reason
    assert PERIOD in bad.reason


def test_verify_again_updates_without_duplicates(users, tree, juntos, enrolled, visit):
    _verify(users, juntos, tree)
    assert ComplianceCheck.objects.filter(compliant=False).count() == 2
    visit("2026-10-20", ["CRED", "IRON-SUP"])
    _verify(users, juntos, tree)
    assert ComplianceCheck.objects.count() == 2
    assert ComplianceCheck.objects.filter(compliant=True).count() == 2


def test_health_system_compliance_is_kept(users, tree, family, juntos, enrolled):
    ComplianceCheck.objects.create(household=family["household"], programme=juntos,
                                   period=PERIOD, condition="CRED", person=family["child"],
                                   compliant=True, source=Source.HEALTH_SYSTEM,
                                   evidence_ref="f.csv row 2")
    counts = _verify(users, juntos, tree)
    assert counts["compliant"] == 1
    kept = ComplianceCheck.objects.get(condition="CRED")
    assert kept.compliant and kept.source == Source.HEALTH_SYSTEM


def test_not_enrolled_or_other_municipality_not_checked(users, tree, family, juntos):
    assert _verify(users, juntos, tree)["households"] == 0
    assert not ComplianceCheck.objects.exists()


def test_roles_and_scope_refused(users, tree, juntos, enrolled):
    with pytest.raises(PermissionDenied):
        _verify(users, juntos, tree, actor="facilitator")
    with pytest.raises(PermissionDenied):
        verify_period(actor=users["municipal_officer_b"], programme=juntos, period=PERIOD,
                      municipality=tree.muni_a1)
    assert not ComplianceCheck.objects.exists()


def test_vaccine_missing_for_a_baby_named(users, tree, family, juntos, enrolled, visit):
    from crecer.registry import actions

    baby = actions.register_person(
        actor=users["municipal_officer"], household=family["household"], roles=["child"],
        data={"given_names": "Ana", "first_surname": "Hernández", "sex": "F",
              "birth_date": "2026-05-20"})
    visit("2026-10-02", ["VAC-PCV", "CRED", "IRON-SUP"])
    _verify(users, juntos, tree)
    rota = ComplianceCheck.objects.get(condition="VAC-ROTA")
    assert rota.person == baby and not rota.compliant
    assert rota.reason == ("No evidence of “Rotavirus vaccine (2 doses)” (VAC-ROTA) for Ana "
                           "Hernández in 2026-10.")
    assert ComplianceCheck.objects.get(condition="VAC-PCV").compliant
    assert ComplianceCheck.objects.filter(condition="CRED", compliant=True).count() == 2
