"""Completions derived from attendance (set-based), and certification."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from crecer.core.models import AuditEvent
from crecer.workforce import actions
from crecer.workforce.models import Attendance, Completion, TrainingSession

D = dt.date


def _attend(module, worker, trainer, territory, day, attended=True):
    s = TrainingSession.objects.create(module=module, trainer=trainer, territory=territory,
                                       date=day)
    Attendance.objects.create(session=s, worker=worker, attended=attended)
    return s


def test_volunteer_completes_core_and_her_own_modules(staff, curriculum, tree):
    vol, fac, c = staff.volunteers[0], staff.fac, curriculum
    _attend(c.core_a, vol, fac, tree.comm_a1, D(2025, 1, 10))
    _attend(c.core_b, vol, fac, tree.comm_a1, D(2025, 2, 10))
    _attend(c.fac_a, vol, fac, tree.comm_a1, D(2025, 2, 20))  # not hers: does not count
    _attend(c.vol_a, vol, fac, tree.comm_a1, D(2025, 3, 1), attended=False)  # absent
    assert actions.derive_completions() == []
    _attend(c.vol_a, vol, fac, tree.comm_a1, D(2025, 4, 2))
    made = actions.derive_completions()
    assert [(m.worker_id, m.curriculum_id, m.completed_on) for m in made] == [
        (vol.pk, c.curriculum.pk, D(2025, 4, 2))]
    assert actions.derive_completions() == []  # idempotent
    assert Completion.objects.count() == 1
    event = AuditEvent.objects.get(entity="workforce.completion")
    assert event.note == "derived from attendance" and event.territory_path == vol.territory.path


def test_municipal_staff_need_their_module_not_the_volunteers(staff, curriculum, tree):
    staffer, fac, c = staff.muni_staff[0], staff.fac, curriculum
    for n, module in enumerate([c.core_a, c.core_b, c.vol_a]):
        _attend(module, staffer, fac, tree.muni_a1, D(2025, 1, 10 + n))
    assert actions.derive_completions() == []
    _attend(c.muni_a, staffer, fac, tree.muni_a1, D(2025, 1, 20))
    assert [m.worker_id for m in actions.derive_completions()] == [staffer.pk]


def test_kinds_the_curriculum_is_not_for_never_complete(staff, curriculum, tree):
    curriculum.curriculum.for_kinds = ["volunteer"]
    curriculum.curriculum.save()
    staffer, c = staff.muni_staff[0], curriculum
    for module in (c.core_a, c.core_b, c.muni_a):
        _attend(module, staffer, staff.fac, tree.muni_a1, D(2025, 1, 10))
    assert actions.derive_completions() == []


def test_derivation_can_be_limited_to_some_workers(staff, curriculum, tree):
    c = curriculum
    a, b = staff.volunteers[:2]
    for w in (a, b):
        for module in (c.core_a, c.core_b, c.vol_a):
            _attend(module, w, staff.fac, tree.comm_a1, D(2025, 1, 10))
    assert [m.worker_id for m in actions.derive_completions(workers=[a.pk])] == [a.pk]
    assert [m.worker_id for m in actions.derive_completions()] == [b.pk]


def test_recording_the_last_module_derives_the_completion(staff, curriculum, tree, users):
    c, fac_user = curriculum, users["facilitator"]
    vols = staff.volunteers[:3]
    for module in (c.core_a, c.core_b):
        actions.record_session(actor=fac_user, territory=tree.muni_a1, module=module,
                               trainer=staff.fac, date=D(2025, 1, 10), attendees=vols)
    assert not Completion.objects.exists()
    session = actions.record_session(actor=fac_user, territory=tree.muni_a1, module=c.vol_a,
                                     trainer=staff.fac, date=D(2025, 2, 1), attendees=vols[:2])
    assert len(session.new_completions) == 2
    assert set(Completion.objects.values_list("worker_id", flat=True)) == {v.pk for v in vols[:2]}


@pytest.fixture
def completion(staff, curriculum):
    return Completion.objects.create(worker=staff.volunteers[0], curriculum=curriculum.curriculum,
                                     completed_on=D(2025, 3, 1))


def test_facilitator_certifies_and_the_level_rises(completion, users):
    fac_user = users["facilitator"]
    actions.certify(actor=fac_user, completion=completion)
    completion.refresh_from_db()
    worker = completion.worker
    worker.refresh_from_db()
    assert completion.certified and completion.certified_by == fac_user
    assert worker.certification_level == "basic"
    notes = set(AuditEvent.objects.filter(note="certified").values_list("entity", flat=True))
    assert notes == {"workforce.completion", "workforce.worker"}
    with pytest.raises(ValidationError) as exc:
        actions.certify(actor=fac_user, completion=completion)
    assert "already certified" in str(exc.value.message_dict["certified"])


def test_a_level_never_goes_down(completion, users):
    worker = completion.worker
    worker.certification_level = "advanced"
    worker.save()
    actions.certify(actor=users["facilitator"], completion=completion)
    worker.refresh_from_db()
    assert worker.certification_level == "advanced"


def test_nobody_certifies_her_own_training(staff, curriculum, users):
    own = Completion.objects.create(worker=staff.fac, curriculum=curriculum.curriculum,
                                    completed_on=D(2025, 3, 1))
    with pytest.raises(ValidationError) as exc:
        actions.certify(actor=users["facilitator"], completion=own)
    assert exc.value.message_dict["certified"] == ["You cannot certify your own training."]
    assert not Completion.objects.get(pk=own.pk).certified


@pytest.mark.parametrize("who", ["volunteer", "regional_manager", "municipal_officer_b"])
def test_certification_needs_the_policy_and_the_territory(completion, users, who):
    with pytest.raises(PermissionDenied):
        actions.certify(actor=users[who], completion=completion)
    assert not Completion.objects.get(pk=completion.pk).certified
