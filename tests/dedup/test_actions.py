"""Merging, undoing a merge and reviewing pairs: state, scope, policy and audit rows."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from crecer.core.models import AuditAction, AuditEvent
from crecer.dedup import actions
from crecer.dedup.models import DuplicateCandidate, Merge, Source, Status
from crecer.registry import actions as registry
from crecer.registry.models import Person, PersonRole, Relationship


@pytest.fixture
def duplicate(family, users):
    """A second record of the child, registered in another household of the same community,
    with her own role, a relationship to her grandmother and a phone the first lacks."""
    officer = users["municipal_officer"]
    hh = registry.create_household(actor=officer, territory=family["household"].territory,
                                   data={"code": "H-0002"})
    grandma = registry.register_person(
        actor=officer, household=hh, roles=["caregiver"],
        data={"given_names": "Carmen", "first_surname": "López", "second_surname": "Ruiz",
              "sex": "F", "birth_date": "1960-01-20"})
    copy = registry.register_person(
        actor=officer, household=hh, roles=["child", "other"],
        relationships=[(grandma, "grandparent")],
        data={"given_names": "Luis Angel", "first_surname": "Hernandez", "second_surname": "Lopez",
              "sex": "M", "birth_date": "2024-07-02", "phone": "+50431112222"})
    a, b = DuplicateCandidate.ordered(family["child"].pk, copy.pk)
    pair = DuplicateCandidate.objects.create(person_a_id=a, person_b_id=b, score=0.97,
                                             reasons=["similar names"], source=Source.BATCH)
    return {"copy": copy, "grandma": grandma, "pair": pair, **family}


def _state(*persons):
    out = {}
    for p in persons:
        p = Person.objects.get(pk=p.pk)
        out[p.pk] = {
            "merged_into": p.merged_into_id, "phone": p.phone, "id_number": p.id_number,
            "roles": sorted((str(r.pk), r.role, r.active) for r in PersonRole.objects.filter(person=p)),
            "out": sorted(str(r.pk) for r in Relationship.objects.filter(from_person=p)),
            "in": sorted(str(r.pk) for r in Relationship.objects.filter(to_person=p)),
        }
    return out


def test_merge_gives_survivor_the_union_and_undo_restores_exactly(duplicate, users):
    officer = users["municipal_officer"]
    child, copy = duplicate["child"], duplicate["copy"]
    before = _state(child, copy, duplicate["mother"], duplicate["grandma"])
    events_before = AuditEvent.objects.count()

    merge = actions.merge_persons(actor=officer, survivor=child, merged=copy)

    child.refresh_from_db()
    copy.refresh_from_db()
    assert copy.merged_into_id == child.pk
    # Union of roles: "child" was already held (stays on the merged row), "other" moved.
    assert sorted(child.roles.filter(active=True).values_list("role", flat=True)) == ["child", "other"]
    # Both relationships now point at the survivor: mother (already) and grandmother (moved).
    kinds = sorted(Relationship.objects.filter(to_person=child).values_list("kind", flat=True))
    assert kinds == ["grandparent", "mother"]
    assert child.phone == "+50431112222" and merge.filled_fields == {"phone": ["", "+50431112222"]}
    assert DuplicateCandidate.objects.get(pk=duplicate["pair"].pk).status == Status.MERGED
    events = AuditEvent.objects.filter(action=AuditAction.MERGE)
    assert {e.person_id for e in events} == {child.pk, copy.pk}
    assert all(e.actor_id == officer.pk for e in events)
    assert AuditEvent.objects.count() == events_before + 2
    # The merged record is no longer offered as a match, the survivor is.
    from crecer.dedup.matching import find_candidates

    found = [c.person.pk for c in find_candidates(officer, {
        "given_names": "Luis Angel", "first_surname": "Hernandez", "second_surname": "Lopez",
        "sex": "M", "birth_date": "2024-07-02"})]
    assert found == [child.pk]

    actions.undo_merge(actor=users["data_officer"], merge=merge)

    assert _state(child, copy, duplicate["mother"], duplicate["grandma"]) == before
    merge.refresh_from_db()
    assert merge.undone_by == users["data_officer"] and merge.undone_at is not None
    assert DuplicateCandidate.objects.get(pk=duplicate["pair"].pk).status == Status.PENDING
    unmerge = AuditEvent.objects.filter(action=AuditAction.UNMERGE)
    assert {e.person_id for e in unmerge} == {child.pk, copy.pk}
    # Both histories stay: the creation events of both records are still there.
    assert AuditEvent.objects.filter(person_id=copy.pk, action=AuditAction.CREATE).exists()
    with pytest.raises(ValidationError):
        actions.undo_merge(actor=officer, merge=merge)


def test_undo_keeps_later_edits_of_filled_fields(duplicate, users):
    officer = users["municipal_officer"]
    child, copy = duplicate["child"], duplicate["copy"]
    merge = actions.merge_persons(actor=officer, survivor=child, merged=copy)
    child.refresh_from_db()
    Person.objects.filter(pk=child.pk).update(phone="+50439999999")
    actions.undo_merge(actor=officer, merge=merge)
    child.refresh_from_db()
    assert child.phone == "+50439999999"


def test_outsider_cannot_merge_or_review(duplicate, users):
    child, copy = duplicate["child"], duplicate["copy"]
    with pytest.raises(Http404):
        actions.merge_persons(actor=users["municipal_officer_b"], survivor=child, merged=copy)
    with pytest.raises(Http404):
        actions.review_candidate(actor=users["municipal_officer_b"], candidate=duplicate["pair"],
                                 decision="different")
    with pytest.raises(PermissionDenied):  # in scope, but a volunteer may not merge
        actions.merge_persons(actor=users["volunteer"], survivor=child, merged=copy)
    assert Person.objects.get(pk=copy.pk).merged_into_id is None
    assert not Merge.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.MERGE).exists()


def test_cannot_merge_with_self_or_undo_a_superseded_merge(duplicate, users, tree):
    officer = users["municipal_officer"]
    child, copy, mother = duplicate["child"], duplicate["copy"], duplicate["mother"]
    with pytest.raises(ValidationError):
        actions.merge_persons(actor=officer, survivor=child, merged=child)
    first = actions.merge_persons(actor=officer, survivor=child, merged=copy)
    with pytest.raises(Http404):  # a merged record cannot be merged again
        actions.merge_persons(actor=officer, survivor=mother, merged=copy)
    child.refresh_from_db()
    actions.merge_persons(actor=officer, survivor=mother, merged=child)
    with pytest.raises(ValidationError):
        actions.undo_merge(actor=officer, merge=first)


def test_review_decisions(duplicate, users):
    officer = users["municipal_officer"]
    pair = duplicate["pair"]
    actions.review_candidate(actor=officer, candidate=pair, decision="different")
    pair.refresh_from_db()
    assert pair.status == Status.REJECTED and pair.reviewed_by == officer
    events = AuditEvent.objects.filter(entity="dedup.duplicatecandidate")
    assert {e.person_id for e in events} == {pair.person_a_id, pair.person_b_id}
    with pytest.raises(ValidationError):
        actions.review_candidate(actor=officer, candidate=pair, decision="maybe")
    # "same" with a survivor merges at once.
    actions.review_candidate(actor=officer, candidate=pair, decision="same",
                             survivor=duplicate["child"])
    pair.refresh_from_db()
    assert pair.status == Status.MERGED and pair.merge.survivor_id == duplicate["child"].pk


def test_entry_choice_new_person_is_remembered(duplicate, users):
    officer = users["municipal_officer"]
    DuplicateCandidate.objects.all().delete()
    n = actions.record_entry_choice(actor=officer, person=duplicate["copy"],
                                    candidate_ids=[duplicate["child"].pk])
    assert n == 1
    row = DuplicateCandidate.objects.get()
    assert row.status == Status.REJECTED and row.source == Source.ENTRY
    with pytest.raises(Http404):
        actions.record_entry_choice(actor=users["municipal_officer_b"], person=duplicate["copy"],
                                    candidate_ids=[duplicate["child"].pk])
