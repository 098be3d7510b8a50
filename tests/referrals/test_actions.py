"""Referral actions: due dates, validation, transitions, history, audit, expiry, directory."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from crecer.core.models import AuditEvent
from crecer.referrals import actions, queries
from crecer.referrals.models import Referral, ReferralEvent, Status

from .conftest import days_ago

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("urgency, days", [("emergency", 0), ("priority", 3), ("routine", 14)])
def test_due_date_defaults_by_urgency(refer, today, urgency, days):
    r = refer(urgency=urgency)
    assert r.due_date == today + dt.timedelta(days=days)
    assert actions.default_due_date(urgency, dt.date(2026, 1, 30)) == (
        dt.date(2026, 1, 30) + dt.timedelta(days=days))


def test_due_date_counts_from_the_referral_date_across_month_end():
    assert actions.default_due_date("routine", dt.date(2026, 2, 20)) == dt.date(2026, 3, 6)
    assert actions.default_due_date("priority", dt.date(2026, 12, 30)) == dt.date(2027, 1, 2)


def test_create_sets_everything_and_records_history_and_audit(refer, family, users, tree):
    r = refer(reason="39 °C since yesterday")
    assert r.status == Status.SENT
    assert r.household_id == family["household"].pk
    assert r.from_unit == tree.comm_a1
    assert r.created_by == users["municipal_officer"]
    assert [(e.from_status, e.to_status) for e in r.events.all()] == [("", "sent")]
    event = AuditEvent.objects.get(entity="referrals.referral", object_id=str(r.pk))
    assert event.person_id == family["child"].pk and event.action == "create"
    assert event.territory_path == tree.comm_a1.path


def test_create_rejects_bad_input_naming_each_field(refer, services, tree, today):
    with pytest.raises(ValidationError) as exc:
        refer(to_service=services["health_b1"], reason_code="other", urgency="routine",
              due_date=today - dt.timedelta(days=1))
    errors = exc.value.message_dict
    assert "not in the directory" in errors["to_service"][0]
    assert "Describe the reason" in errors["reason"][0]
    assert "cannot be before" in errors["due_date"][0]
    with pytest.raises(ValidationError) as exc:
        refer(to_service=tree.comm_a1b, reason_code="nope", urgency="soon",
              referred_on=today + dt.timedelta(days=1))
    errors = exc.value.message_dict
    assert set(errors) == {"to_service", "reason_code", "urgency", "referred_on"}
    assert Referral.objects.count() == 0


def test_create_needs_the_policy_and_the_person_in_scope(refer, users):
    with pytest.raises(PermissionDenied):
        refer(actor=users["regional_manager"])  # in scope, but may not refer
    with pytest.raises(PermissionDenied):
        refer(actor=users["municipal_officer_b"])  # may refer, but not this person
    refer(actor=users["volunteer"])  # her community
    assert Referral.objects.count() == 1


def test_receive_then_counter_referral_closes_it_with_full_history(refer, nurse):
    r = refer()
    r = actions.receive_referral(actor=nurse, referral=r, note="Turno 8:00")
    assert r.status == Status.RECEIVED and r.received_at is not None
    r = actions.record_counter_referral(
        actor=nurse, referral=r, what_was_done="Paracetamol; malaria test negative",
        follow_up_advice="Fluids; come back if the fever lasts 3 days",
        attended_by_name="Dra. Ana Pérez")
    r.refresh_from_db()
    assert r.status == Status.ATTENDED and not r.is_open
    assert r.attended_by == nurse and r.attended_by_name == "Dra. Ana Pérez"
    assert r.what_was_done.startswith("Paracetamol") and r.attended_at is not None
    history = list(queries.history(r).values_list("from_status", "to_status", "actor_username",
                                                  "note"))
    assert history == [
        ("", "sent", "muni", ""),
        ("sent", "received", "nurse", "Turno 8:00"),
        ("received", "attended", "nurse", "Paracetamol; malaria test negative"),
    ]
    audits = AuditEvent.objects.filter(object_id=str(r.pk)).order_by("id")
    assert [a.action for a in audits] == ["create", "update", "update"]
    assert all(a.person_id == r.person_id for a in audits)
    assert audits.last().changes["status"] == ["received", "attended"]


def test_invalid_transitions_are_refused_with_a_clear_message(refer, nurse):
    r = refer()
    with pytest.raises(ValidationError) as exc:
        actions.record_counter_referral(actor=nurse, referral=r, what_was_done="x")
    assert exc.value.message_dict["status"] == [
        "This referral is sent: it cannot become attended."]
    r = actions.reject_referral(actor=nurse, referral=r, reason="Wrong service: needs a school")
    assert r.status == Status.REJECTED and r.rejection_reason.startswith("Wrong service")
    for call in (lambda: actions.receive_referral(actor=nurse, referral=r),
                 lambda: actions.reject_referral(actor=nurse, referral=r, reason="again")):
        with pytest.raises(ValidationError) as exc:
            call()
        assert "This referral is rejected" in exc.value.message_dict["status"][0]
    assert r.events.count() == 2  # sent, rejected: nothing partial


def test_transitions_use_the_stored_status_not_a_stale_copy(refer, nurse):
    r = refer()
    stale = Referral.objects.get(pk=r.pk)
    actions.receive_referral(actor=nurse, referral=r)
    with pytest.raises(ValidationError):
        actions.receive_referral(actor=nurse, referral=stale)


def test_required_texts_and_dates_of_the_answer(refer, nurse):
    r = actions.receive_referral(actor=nurse, referral=refer())
    with pytest.raises(ValidationError) as exc:
        actions.record_counter_referral(actor=nurse, referral=r, what_was_done="  ")
    assert "what_was_done" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        actions.record_counter_referral(actor=nurse, referral=r, what_was_done="ok",
                                        attended_at=timezone.now() + dt.timedelta(days=1))
    assert "future" in exc.value.message_dict["attended_at"][0]
    with pytest.raises(ValidationError) as exc:
        actions.reject_referral(actor=nurse, referral=r, reason="")
    assert "rejection_reason" in exc.value.message_dict
    assert Referral.objects.get(pk=r.pk).status == Status.RECEIVED


def test_only_staff_of_the_receiving_service_may_answer(refer, users, make_user, services):
    r = refer()
    other_nurse = make_user("nurse_b", "facilitator", services["health_b1"])
    for actor in (users["volunteer"], users["regional_manager"], users["municipal_officer_b"],
                  other_nurse):
        with pytest.raises(PermissionDenied):
            actions.receive_referral(actor=actor, referral=r)
    # the municipal team above the service point may answer for it
    assert actions.receive_referral(actor=users["facilitator"], referral=r).status == "received"


def test_expiry_is_set_based_with_history_and_audit_in_bulk(
        refer, nurse, django_assert_max_num_queries):
    stale_sent = [refer(referred_on=days_ago(20)) for _ in range(5)]  # due 6 days ago
    stale_received = actions.receive_referral(actor=nurse, referral=refer(referred_on=days_ago(4),
                                                                          urgency="priority"))
    due_today = refer(urgency="emergency")
    attended = actions.receive_referral(actor=nurse, referral=refer(referred_on=days_ago(30)))
    attended = actions.record_counter_referral(actor=nurse, referral=attended,
                                               what_was_done="Vaccinated")
    with django_assert_max_num_queries(8):  # independent of how many expire
        n = actions.expire_overdue_referrals()
    assert n == 6
    expired = set(Referral.objects.filter(status="expired").values_list("pk", flat=True))
    assert expired == {r.pk for r in stale_sent} | {stale_received.pk}
    assert Referral.objects.get(pk=due_today.pk).status == "sent"
    assert Referral.objects.get(pk=attended.pk).status == "attended"
    events = ReferralEvent.objects.filter(to_status="expired")
    assert events.count() == 6
    assert events.get(referral=stale_received).from_status == "received"
    assert set(events.values_list("actor_username", flat=True)) == {"system"}
    audits = AuditEvent.objects.filter(entity="referrals.referral", actor_username="system")
    assert audits.count() == 6 and all(a.person_id for a in audits)
    assert actions.expire_overdue_referrals() == 0  # idempotent


def test_expire_command_and_task(refer, capsys):
    from crecer.referrals.tasks import expire_referrals

    r = refer(referred_on=days_ago(20))
    call_command("expire_referrals", "--today", days_ago(10).isoformat())
    assert Referral.objects.get(pk=r.pk).status == "sent"  # not yet due on that day
    call_command("expire_referrals")
    assert "expired referrals: 1" in capsys.readouterr().out
    assert Referral.objects.get(pk=r.pk).status == "expired"
    refer(referred_on=days_ago(20))
    assert expire_referrals.enqueue().return_value == {"expired": 1}


def test_directory_lists_service_points_near_the_user(users, services, nurse, make_user, tree):
    near = queries.services_for(users["volunteer"])  # her community's municipality
    assert set(near) == {services["health_a1"], services["protection_a1"]}
    assert list(queries.services_for(users["volunteer"], "protection")) == [
        services["protection_a1"]]
    assert set(queries.services_for(nurse)) == {services["health_a1"], services["protection_a1"]}
    assert set(queries.services_for(users["national_manager"])) == set(services.values())
    assert list(queries.services_for(users["municipal_officer_b"])) == [services["health_b1"]]
    assert not queries.services_for(make_user("nobody", "volunteer")).exists()


def test_inbox_and_lists_are_scoped(refer, users, nurse, services, family):
    to_health = refer()
    to_protection = refer(to_service=services["protection_a1"], reason_code="violence")
    assert list(queries.inbox_for(nurse)) == [to_health]
    assert set(queries.inbox_for(users["facilitator"])) == {to_health, to_protection}
    assert not queries.inbox_for(users["municipal_officer_b"]).exists()
    assert not queries.sent_referrals_for(nurse).exists()  # persons are not in her scope
    assert set(queries.referrals_for(nurse)) == {to_health}
    assert set(queries.sent_referrals_for(users["volunteer"])) == {to_health, to_protection}
    assert not queries.referrals_for(users["municipal_officer_b"]).exists()


def test_overdue_filter(refer, nurse):
    late = refer(referred_on=days_ago(20))
    on_time = refer()
    expired = refer(referred_on=days_ago(20))
    actions.expire_overdue_referrals()
    late2 = refer(referred_on=days_ago(5), urgency="priority")  # due 2 days ago, still sent
    rows = queries.filtered(Referral.objects.all(), overdue=True)
    assert {r.pk for r in rows} == {late.pk, expired.pk, late2.pk}
    flags = {r.pk: r.overdue for r in queries.filtered(Referral.objects.all())}
    assert flags[on_time.pk] is False and flags[late2.pk] is True
    assert [r.pk for r in queries.filtered(Referral.objects.all(), status="open")] == [
        late2.pk, on_time.pk]


def test_demo_seed_makes_every_state(users, family, services):
    from crecer.referrals.demo import seed_referrals

    result = seed_referrals(password="x", per_officer=2)
    assert result["referrals"] == 1  # the family's only child
    assert Referral.objects.exists()
    assert seed_referrals(password="x") == {"referrals": 0}  # only once
