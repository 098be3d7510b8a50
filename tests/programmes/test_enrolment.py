import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crecer.core.models import AuditEvent
from crecer.programmes import actions
from crecer.programmes.models import Enrolment, EnrolmentStatus
from crecer.registry import actions as registry

START = dt.date(2025, 1, 15)  # the family's child (born 2024-07-02) is 6 months old


def test_enrol_household_with_volunteer_is_audited(users, family, presets, volunteer):
    officer = users["municipal_officer"]
    e = actions.enrol(actor=officer, programme=presets["cuna-mas-saf"],
                      household=family["household"], volunteer=volunteer, start=START)
    assert e.status == EnrolmentStatus.ACTIVE and e.volunteer == volunteer
    assert AuditEvent.objects.filter(entity="programmes.enrolment", object_id=str(e.pk)).exists()
    # one household in several programmes
    actions.enrol(actor=officer, programme=presets["honduras-pi-volunteers"],
                  household=family["household"], volunteer=volunteer, start=START)
    assert Enrolment.objects.filter(household=family["household"]).count() == 2
    with pytest.raises(ValidationError, match="already enrolled"):
        actions.enrol(actor=officer, programme=presets["cuna-mas-saf"],
                      household=family["household"], start=START)


def test_age_out_of_range_gives_the_reason(users, family, presets):
    with pytest.raises(actions.NotEligible) as exc:
        actions.enrol(actor=users["municipal_officer"], programme=presets["itpi-infant-package"],
                      household=family["household"], person=family["child"],
                      start=dt.date(2025, 9, 1))
    assert "Luis Ángel Hernández López is 13 months old" in exc.value.reasons[0]
    # the same child was eligible at 11 months
    actions.enrol(actor=users["municipal_officer"], programme=presets["itpi-infant-package"],
                  household=family["household"], person=family["child"],
                  start=dt.date(2025, 6, 1))


def test_wrong_area_gives_the_reason(users, family, presets):
    registry.update_household(actor=users["municipal_officer"], household=family["household"],
                              data={"code": "H-0001", "area": "urban"})
    with pytest.raises(actions.NotEligible) as exc:
        actions.enrol(actor=users["municipal_officer"], programme=presets["cuna-mas-saf"],
                      household=family["household"], start=START)
    assert any("urban" in r and "rural" in r for r in exc.value.reasons)


def test_pregnancy_required_and_accepted(users, family, presets, tree):
    officer = users["municipal_officer"]
    # a household with only adults: not eligible for Juntos until the caregiver is pregnant
    hh = registry.create_household(actor=officer, territory=tree.comm_a1,
                                   data={"code": "H-0002", "area": "rural"})
    woman = registry.register_person(actor=officer, household=hh, roles=["caregiver"], data={
        "given_names": "Rosa", "first_surname": "Martínez", "sex": "F",
        "birth_date": "1998-05-05"})
    with pytest.raises(actions.NotEligible) as exc:
        actions.enrol(actor=officer, programme=presets["juntos-cct"], household=hh, start=START)
    assert "no child from 0 to 36 months and no pregnant woman" in exc.value.reasons[0]
    presets["juntos-cct"].config["eligibility"]["pregnancy"] = "required"
    with pytest.raises(actions.NotEligible) as exc:
        actions.enrol(actor=officer, programme=presets["juntos-cct"], household=hh,
                      person=woman, start=START)
    assert exc.value.reasons == ["Rosa Martínez is not pregnant; the programme serves "
                                 "pregnant women."]
    registry.set_pregnancy(actor=officer, person=woman,
                           expected_delivery_date=dt.date.today() + dt.timedelta(days=90))
    e = actions.enrol(actor=officer, programme=presets["juntos-cct"], household=hh,
                      person=woman, start=START)
    assert e.person == woman


def test_enrol_checks_role_scope_and_volunteer(users, family, presets, make_user, tree):
    hh = family["household"]
    with pytest.raises(PermissionDenied):
        actions.enrol(actor=users["volunteer"], programme=presets["cuna-mas-saf"], household=hh,
                      start=START)
    with pytest.raises(PermissionDenied):
        actions.enrol(actor=users["municipal_officer_b"], programme=presets["cuna-mas-saf"],
                      household=hh, start=START)
    far = make_user("vol_far", "volunteer", tree.comm_b1)
    with pytest.raises(ValidationError, match="does not work in the territory"):
        actions.enrol(actor=users["municipal_officer"], programme=presets["cuna-mas-saf"],
                      household=hh, volunteer=far, start=START)
    with pytest.raises(ValidationError, match="not an active community volunteer"):
        actions.enrol(actor=users["municipal_officer"], programme=presets["cuna-mas-saf"],
                      household=hh, volunteer=users["facilitator"], start=START)


def test_reassign_caseload_and_exit(users, family, presets, volunteer, make_user, tree):
    officer = users["municipal_officer"]
    e = actions.enrol(actor=officer, programme=presets["cuna-mas-saf"],
                      household=family["household"], volunteer=volunteer, start=START)
    far = make_user("vol_far", "volunteer", tree.comm_b1)
    with pytest.raises(ValidationError):
        actions.reassign_caseload(actor=officer, from_volunteer=volunteer, to_volunteer=far)
    e.refresh_from_db()
    assert e.volunteer == volunteer  # all or nothing
    other = make_user("vol2", "volunteer", tree.comm_a1)
    assert actions.reassign_caseload(actor=officer, from_volunteer=volunteer,
                                     to_volunteer=other) == 1
    e.refresh_from_db()
    assert e.volunteer == other
    assert AuditEvent.objects.filter(object_id=str(e.pk), note="caseload reassigned").exists()
    with pytest.raises(ValidationError, match="reason"):
        actions.exit_enrolment(actor=officer, enrolment=e, reason=" ")
    actions.exit_enrolment(actor=officer, enrolment=e, reason="moved away")
    e.refresh_from_db()
    assert e.status == EnrolmentStatus.EXITED and e.exit_reason == "moved away" and e.end
    with pytest.raises(ValidationError):
        actions.exit_enrolment(actor=officer, enrolment=e, reason="again")
