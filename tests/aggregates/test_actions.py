"""save_values, approve_period and undo_approval: validation, all-or-nothing, locks, audit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from crecer.aggregates import actions, queries
from crecer.aggregates.models import AggregateValue, PeriodApproval
from crecer.core.models import AuditEvent

VALUE_ENTITY = "aggregates.aggregatevalue"
APPROVAL_ENTITY = "aggregates.periodapproval"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def save(user, unit, period, **values):
    return actions.save_values(actor=user, unit=unit, period=period, values=values)


def stored(unit, period) -> dict[str, Decimal]:
    return {code: v.value for code, v in queries.values_of(unit, period).items()}


def rejected(call) -> list[actions.FieldError]:
    with pytest.raises(actions.ValuesRejected) as err:
        call()
    return err.value.errors


# --- saving and validation ---------------------------------------------------------------------

def test_values_are_saved_and_each_change_audited(tree, users, elements, past):
    officer = users["municipal_officer"]
    result = save(officer, tree.muni_a1, past["quarter"], workshops_total="12",
                  workshops_local_staff="7", health_committees_formed="")
    assert result.created == ["workshops_total", "workshops_local_staff"]
    assert stored(tree.muni_a1, past["quarter"]) == {"workshops_total": Decimal("12.00"),
                                                     "workshops_local_staff": Decimal("7.00")}
    events = AuditEvent.objects.filter(entity=VALUE_ENTITY).order_by("id")
    assert [e.action for e in events] == ["create", "create"]
    assert events[0].changes["value"] == [None, "12.00"]
    assert events[0].changes["element"] == "workshops_total"
    assert events[0].territory_path == tree.muni_a1.path
    assert events[0].actor_id == officer.pk
    row = AggregateValue.objects.get(element__code="workshops_total")
    assert row.entered_by == officer and row.period == "2025Q1"


def test_update_records_old_and_new_and_unchanged_values_are_not_audited(tree, users, elements,
                                                                       past):
    officer = users["municipal_officer"]
    save(officer, tree.muni_a1, past["quarter"], workshops_total="12", workshops_local_staff="7")
    result = save(officer, tree.muni_a1, past["quarter"], workshops_total="15",
                  workshops_local_staff="7")
    assert result.updated == ["workshops_total"] and result.unchanged == ["workshops_local_staff"]
    update = AuditEvent.objects.filter(entity=VALUE_ENTITY, action="update").get()
    assert update.changes["value"] == ["12.00", "15.00"]
    assert AuditEvent.objects.filter(entity=VALUE_ENTITY).count() == 3


def test_blank_input_deletes_the_value_and_audits_it(tree, users, elements, past):
    officer = users["municipal_officer"]
    save(officer, tree.muni_a1, past["month"], committee_meetings="3")
    result = save(officer, tree.muni_a1, past["month"], committee_meetings="  ")
    assert result.deleted == ["committee_meetings"]
    assert stored(tree.muni_a1, past["month"]) == {}
    deleted = AuditEvent.objects.filter(entity=VALUE_ENTITY, action="delete").get()
    assert deleted.changes["value"] == ["3.00", None]
    assert deleted.territory_path == tree.muni_a1.path


def test_a_bad_number_names_the_field_and_nothing_is_saved(tree, users, elements, past):
    officer = users["municipal_officer"]
    errors = rejected(lambda: save(officer, tree.muni_a1, past["year"], budget_total="mucho",
                                   expenditure_programme="25000",
                                   municipal_teams_total="1.5"))
    by_code = {e.code: e for e in errors}
    assert set(by_code) == {"budget_total", "municipal_teams_total"}
    assert str(by_code["budget_total"]).startswith("Municipal budget, total: “mucho” is not a "
                                                   "number")
    assert "not a whole number" in str(by_code["municipal_teams_total"])
    assert by_code["municipal_teams_total"].field == "Municipal early-childhood teams"
    assert not AggregateValue.objects.exists()
    assert not AuditEvent.objects.filter(entity=VALUE_ENTITY).exists()


def test_field_names_follow_the_users_language(tree, users, elements, past):
    with translation.override("es"):
        errors = rejected(lambda: save(users["municipal_officer"], tree.muni_a1, past["quarter"],
                                       workshops_total="x"))
    assert errors[0].field == "Talleres impartidos"


def test_out_of_range_and_too_many_decimals(tree, users, elements, past):
    officer = users["municipal_officer"]
    errors = rejected(lambda: save(officer, tree.muni_a1, past["year"],
                                   parenting_scale_baseline="120", budget_total="-5",
                                   expenditure_programme="10.555"))
    messages = {e.code: e.message for e in errors}
    assert messages["parenting_scale_baseline"] == "120 is above the maximum, 100."
    assert messages["budget_total"] == "-5 is below the minimum, 0."
    assert messages["expenditure_programme"] == "10.555 has more than 2 decimals."
    assert not AggregateValue.objects.exists()


def test_numbers_accept_a_decimal_comma_and_booleans_yes_or_no(tree, users, elements, past):
    officer = users["municipal_officer"]
    save(officer, tree.muni_a1, past["year"], parenting_scale_baseline="47,5",
         budget_total="1 250 000.75", has_ecd_budget_line="sí")
    assert stored(tree.muni_a1, past["year"]) == {
        "parenting_scale_baseline": Decimal("47.50"), "budget_total": Decimal("1250000.75"),
        "has_ecd_budget_line": Decimal("1.00")}
    errors = rejected(lambda: save(officer, tree.muni_a1, past["year"],
                                   has_ecd_budget_line="maybe", budget_total="1.250,75"))
    assert {e.code for e in errors} == {"has_ecd_budget_line", "budget_total"}


def test_wrong_period_type_is_refused(tree, users, elements, past):
    officer = users["municipal_officer"]
    errors = rejected(lambda: save(officer, tree.muni_a1, past["month"], workshops_total="4",
                                   committee_meetings="2"))
    assert [e.code for e in errors] == ["workshops_total"]
    assert errors[0].message == "it is entered quarterly, and 202503 is a month."
    assert not AggregateValue.objects.exists()
    errors = rejected(lambda: save(officer, tree.muni_a1, "2025-03", committee_meetings="2"))
    assert errors[0].code == "period" and "is not a period" in errors[0].message


def test_level_of_the_territory_must_match(tree, users, elements, past):
    errors = rejected(lambda: save(users["municipal_officer"], tree.comm_a1, past["month"],
                                   committee_meetings="2"))
    assert errors[0].code == "committee_meetings"
    assert "Sambo Creek is not one" in errors[0].message
    errors = rejected(lambda: save(users["admin"], tree.health_a1, past["month"],
                                   committee_meetings="2"))
    assert errors[0].code == "unit"


def test_a_figure_may_not_exceed_its_total(tree, users, elements, past):
    officer = users["municipal_officer"]
    errors = rejected(lambda: save(officer, tree.muni_a1, past["quarter"],
                                   workshops_total="10", workshops_local_staff="12"))
    assert [e.code for e in errors] == ["workshops_local_staff"]
    assert errors[0].message == "12 is more than “Workshops given” (10)."
    # the stored total counts when the total is not in the form
    save(officer, tree.muni_a1, past["quarter"], workshops_total="10")
    rejected(lambda: save(officer, tree.muni_a1, past["quarter"], workshops_local_staff="11"))
    save(officer, tree.muni_a1, past["quarter"], workshops_local_staff="10")
    assert stored(tree.muni_a1, past["quarter"])["workshops_local_staff"] == Decimal("10.00")


def test_unknown_elements_are_refused(tree, users, elements, past):
    errors = rejected(lambda: save(users["municipal_officer"], tree.muni_a1, past["month"],
                                   nonsense="1"))
    assert errors[0].code == "nonsense"


def test_only_entering_roles_within_their_territories(tree, users, elements, past):
    with pytest.raises(PermissionDenied):  # another municipality
        save(users["municipal_officer"], tree.muni_b1, past["month"], committee_meetings="1")
    for role in ("volunteer", "facilitator", "national_manager"):
        with pytest.raises(PermissionDenied):
            save(users[role], tree.muni_a1, past["month"], committee_meetings="1")
    save(users["regional_manager"], tree.muni_a2, past["month"], committee_meetings="1")
    save(users["data_officer"], tree.muni_b1, past["month"], committee_meetings="1")
    assert AggregateValue.objects.count() == 2


# --- locks ---------------------------------------------------------------------------------------

def approve(user, unit, period):
    return actions.approve_period(actor=user, unit=unit, period=period)


def assert_locked(user, unit, period, **values):
    errors = rejected(lambda: save(user, unit, period, **values))
    assert len(errors) == 1 and errors[0].message.startswith("The period is locked")
    assert queries.is_locked(unit, period) is not None


def test_approval_of_the_unit_locks_its_period(tree, users, elements, past):
    officer = users["municipal_officer"]
    save(officer, tree.muni_a1, past["month"], committee_meetings="2")
    approval = approve(users["regional_manager"], tree.muni_a1, past["month"])
    assert approval.active and approval.approved_by == users["regional_manager"]
    assert_locked(officer, tree.muni_a1, past["month"], committee_meetings="5")
    assert_locked(officer, tree.muni_a1, past["month"], committee_meetings="")  # no delete
    assert_locked(officer, tree.muni_a1, past["month"], committee_meetings="abc")  # lock first
    assert stored(tree.muni_a1, past["month"]) == {"committee_meetings": Decimal("2.00")}
    # other months, other municipalities stay open
    assert queries.is_locked(tree.muni_a1, "202504") is None
    assert queries.is_locked(tree.muni_a2, past["month"]) is None
    save(officer, tree.muni_a1, "202504", committee_meetings="1")


def test_approval_of_an_ancestor_locks_the_subtree(tree, users, elements, past):
    approval = approve(users["data_officer"], tree.region_a, past["month"])
    assert_locked(users["municipal_officer"], tree.muni_a1, past["month"], committee_meetings="1")
    assert queries.is_locked(tree.muni_a2, past["month"]) == approval
    assert queries.is_locked(tree.muni_b1, past["month"]) is None  # another region
    save(users["municipal_officer_b"], tree.muni_b1, past["month"], committee_meetings="1")


def test_approval_of_a_containing_period_locks_the_shorter_ones(tree, users, elements, past):
    approve(users["regional_manager"], tree.muni_a1, past["year"])
    officer = users["municipal_officer"]
    assert_locked(officer, tree.muni_a1, "202503", committee_meetings="1")
    assert_locked(officer, tree.muni_a1, "2025Q4", workshops_total="1")
    assert_locked(officer, tree.muni_a1, "2025", budget_total="1")
    save(officer, tree.muni_a1, "202601", committee_meetings="1")  # another year


def test_approving_a_month_does_not_lock_its_quarter(tree, users, elements, past):
    approve(users["regional_manager"], tree.muni_a1, "202503")
    assert queries.is_locked(tree.muni_a1, "2025Q1") is None
    save(users["municipal_officer"], tree.muni_a1, "2025Q1", workshops_total="3")


def test_approval_is_audited_and_refused_twice_or_under_a_lock(tree, users, elements, past):
    manager = users["regional_manager"]
    approval = approve(manager, tree.region_a, past["quarter"])
    event = AuditEvent.objects.get(entity=APPROVAL_ENTITY, action="create")
    assert event.object_id == str(approval.pk) and event.territory_path == tree.region_a.path
    assert event.changes["period"] == [None, "2025Q1"]
    errors = rejected(lambda: approve(manager, tree.region_a, past["quarter"]))
    assert errors[0].message.startswith("Already approved")
    errors = rejected(lambda: approve(manager, tree.muni_a1, "202502"))  # inside the quarter
    assert "Atlántida" in errors[0].message
    assert PeriodApproval.objects.count() == 1


def test_approval_needs_the_role_the_scope_and_a_started_period(tree, users, elements, past):
    for role in ("municipal_officer", "volunteer", "facilitator"):
        with pytest.raises(PermissionDenied):
            approve(users[role], tree.muni_a1, past["month"])
    with pytest.raises(PermissionDenied):
        approve(users["regional_manager"], tree.muni_b1, past["month"])
    errors = rejected(lambda: approve(users["national_manager"], tree.muni_a1, "2999"))
    assert errors[0].code == "period" and "has not started" in errors[0].message
    assert not PeriodApproval.objects.exists()


def test_undo_needs_the_permission_and_a_reason(tree, users, elements, past):
    approval = approve(users["regional_manager"], tree.muni_a1, past["month"])
    with pytest.raises(PermissionDenied):  # approvers may not undo
        actions.undo_approval(actor=users["regional_manager"], approval=approval, reason="x")
    with pytest.raises(PermissionDenied):
        actions.undo_approval(actor=users["municipal_officer"], approval=approval, reason="x")
    errors = rejected(lambda: actions.undo_approval(actor=users["data_officer"],
                                                    approval=approval, reason="  "))
    assert errors[0].code == "reason"
    approval.refresh_from_db()
    assert approval.active
    assert_locked(users["municipal_officer"], tree.muni_a1, past["month"], committee_meetings="1")

    undone = actions.undo_approval(actor=users["data_officer"], approval=approval,
                                   reason="The budget figure was wrong")
    assert not undone.active and undone.revoked_by == users["data_officer"]
    assert undone.revoke_reason == "The budget figure was wrong"
    event = AuditEvent.objects.get(entity=APPROVAL_ENTITY, action="update")
    assert event.changes["revoke_reason"] == [None, "The budget figure was wrong"]
    assert event.actor_id == users["data_officer"].pk
    save(users["municipal_officer"], tree.muni_a1, past["month"], committee_meetings="1")
    errors = rejected(lambda: actions.undo_approval(actor=users["data_officer"],
                                                    approval=approval, reason="again"))
    assert "already undone" in errors[0].message
    # the period can be approved again
    again = approve(users["regional_manager"], tree.muni_a1, past["month"])
    assert again.pk != approval.pk and again.active


def test_undo_outside_the_territories_is_refused(tree, users, elements, past):
    approval = approve(users["data_officer"], tree.muni_b1, past["month"])
    outsider = users["admin"].__class__.objects.create_user(username="adm_a", password="x",
                                                            role="admin")
    outsider.territories.set([tree.region_a])
    with pytest.raises(PermissionDenied):
        actions.undo_approval(actor=outsider, approval=approval, reason="not mine")


def test_approvals_in_scope(tree, users, elements, past):
    a_muni = approve(users["data_officer"], tree.muni_a1, past["month"])
    a_region = approve(users["data_officer"], tree.region_a, past["quarter"])
    b_muni = approve(users["data_officer"], tree.muni_b1, past["month"])
    officer = set(queries.approvals_for(users["municipal_officer"]))
    assert officer == {a_muni, a_region}  # hers, and the region's that locks hers
    assert set(queries.approvals_for(users["municipal_officer_b"])) == {b_muni}
    assert set(queries.approvals_for(users["national_manager"])) == {a_muni, a_region, b_muni}
    assert not queries.approvals_for(users["volunteer"]).filter(pk=b_muni.pk).exists()


def test_a_change_queues_the_indicator_refresh(tree, users, elements, past, settings,
                                               django_capture_on_commit_callbacks):
    settings.CRECER_INDICATORS_AUTO_REFRESH = True
    officer = users["municipal_officer"]
    with django_capture_on_commit_callbacks() as queued:
        save(officer, tree.muni_a1, past["month"], committee_meetings="2")
    assert queued  # the refresh is enqueued after commit
    with django_capture_on_commit_callbacks() as queued:
        save(officer, tree.muni_a1, past["month"], committee_meetings="2")  # unchanged
    assert queued == []
