"""Writes of the dedup app: review a candidate pair, merge two persons, undo a merge.

Each checks `policies.can_review_duplicates` and that both persons lie in the actor's scope
(outsiders get 404, as on the pages), runs in one transaction and writes audit rows on both
persons.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.accounts import policies
from crecer.core import audit
from crecer.core.models import AuditAction
from crecer.registry.models import Person, PersonRole, Relationship
from crecer.registry.queries import persons_for

from .models import Decision, DuplicateCandidate, Merge, Source, Status

# Survivor fields filled from the merged record when the survivor's is blank.
FILLABLE = ["second_surname", "birth_date", "id_type", "id_number", "id_country", "phone",
            "language", "ethnicity", "disability_detail"]


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _check_policy(actor) -> None:
    if not policies.can_review_duplicates(actor):
        raise PermissionDenied(_("You cannot review duplicates."))


def _in_scope(actor, *persons: Person, include_merged: bool = False) -> list[Person]:
    """The persons re-read (locked for update) from the actor's scope, or 404."""
    ids = [p.pk for p in persons]
    qs = persons_for(actor, include_merged=include_merged).filter(pk__in=ids)
    found = {p.pk: p for p in qs.select_for_update(of=("self",))}
    if len(found) != len(set(ids)):
        raise Http404
    return [found[i] for i in ids]


def _record_both(actor, action, a: Person, b: Person, changes: dict, note: str) -> None:
    for p in (a, b):
        audit.record(actor=actor, action=action, obj=p, changes=changes,
                     territory_path=p.territory.path, person_id=p.pk, note=note)


def merge_persons(*, actor, survivor: Person, merged: Person,
                  candidate: DuplicateCandidate | None = None) -> Merge:
    """Fold `merged` into `survivor`. The merged record keeps its row and history and points at
    the survivor; its roles and relationships move to the survivor (so the survivor has the
    union), except where the survivor already holds the same active role or a relationship
    with the same person; the survivor's blank fields are filled from the merged record."""
    _check_policy(actor)
    if survivor.pk == merged.pk:
        raise ValidationError(_("A person cannot be merged with herself."))
    with transaction.atomic():
        survivor, merged = _in_scope(actor, survivor, merged)
        active_roles = set(PersonRole.objects.filter(person=survivor, active=True)
                           .values_list("role", flat=True))
        moved_roles = []
        for role in PersonRole.objects.filter(person=merged).order_by("created_at"):
            if role.active and role.role in active_roles:
                continue
            moved_roles.append(str(role.pk))
            if role.active:
                active_roles.add(role.role)
        PersonRole.objects.filter(pk__in=moved_roles).update(person=survivor)

        out_taken = set(Relationship.objects.filter(from_person=survivor)
                        .values_list("to_person_id", flat=True)) | {survivor.pk}
        moved_out = [str(pk) for pk, to in Relationship.objects.filter(from_person=merged)
                     .values_list("pk", "to_person_id") if to not in out_taken]
        Relationship.objects.filter(pk__in=moved_out).update(from_person=survivor)
        in_taken = set(Relationship.objects.filter(to_person=survivor)
                       .values_list("from_person_id", flat=True)) | {survivor.pk}
        moved_in = [str(pk) for pk, frm in Relationship.objects.filter(to_person=merged)
                    .values_list("pk", "from_person_id") if frm not in in_taken]
        Relationship.objects.filter(pk__in=moved_in).update(to_person=survivor)

        filled: dict[str, list[Any]] = {}
        for name in FILLABLE:
            old, new = getattr(survivor, name), getattr(merged, name)
            if old in ("", None) and new not in ("", None):
                if name == "id_number" and persons_for(actor).filter(id_number=new).exclude(
                        pk__in=[survivor.pk, merged.pk]).exists():
                    continue
                setattr(survivor, name, new)
                filled[name] = [_plain(old), _plain(new)]
        if filled:
            survivor.save(update_fields=[*filled, "updated_at"])
        merged.merged_into = survivor
        merged.save(update_fields=["merged_into", "updated_at"])

        merge = Merge.objects.create(
            survivor=survivor, merged=merged, actor=actor if getattr(actor, "pk", None) else None,
            moved_roles=moved_roles, moved_relations_out=moved_out, moved_relations_in=moved_in,
            filled_fields=filled)
        a, b = DuplicateCandidate.ordered(survivor.pk, merged.pk)
        cand = candidate or DuplicateCandidate.objects.filter(person_a=a, person_b=b).first()
        now = timezone.now()
        if cand is None:
            cand = DuplicateCandidate(person_a_id=a, person_b_id=b, score=1.0,
                                      reasons=[], source=Source.ENTRY)
        cand.status, cand.reviewed_by, cand.reviewed_at, cand.merge = (
            Status.MERGED, actor if getattr(actor, "pk", None) else None, now, merge)
        cand.save()
        changes = {
            "merged_into": [None, str(survivor.pk)], "merge_id": [None, str(merge.pk)],
            "survivor_id": [None, str(survivor.pk)], "merged_id": [None, str(merged.pk)],
            "moved_roles": [None, moved_roles], "moved_relations": [None, moved_out + moved_in],
            **{f"survivor.{k}": v for k, v in filled.items()},
        }
        _record_both(actor, AuditAction.MERGE, survivor, merged, changes,
                     note=f"{merged.full_name} merged into {survivor.full_name}")
    return merge


def undo_merge(*, actor, merge: Merge) -> Merge:
    """Restore both persons as they were before `merge`: the merged record is active again,
    the roles and relationships that moved go back, and the survivor's filled fields are
    emptied again (unless someone has changed them since)."""
    _check_policy(actor)
    with transaction.atomic():
        merge = Merge.objects.select_for_update().get(pk=merge.pk)
        survivor, merged = _in_scope(actor, merge.survivor, merge.merged, include_merged=True)
        if merge.is_undone:
            raise ValidationError(_("This merge has already been undone."))
        if merged.merged_into_id != survivor.pk:
            raise ValidationError(_("This merge is no longer in effect."))
        if survivor.merged_into_id is not None:
            raise ValidationError(
                _("The surviving record was merged again later; undo that merge first."))
        PersonRole.objects.filter(pk__in=merge.moved_roles, person=survivor).update(person=merged)
        Relationship.objects.filter(pk__in=merge.moved_relations_out, from_person=survivor
                                    ).update(from_person=merged)
        Relationship.objects.filter(pk__in=merge.moved_relations_in, to_person=survivor
                                    ).update(to_person=merged)
        restored = {}
        for name, (old, new) in merge.filled_fields.items():
            if _plain(getattr(survivor, name)) == new:
                setattr(survivor, name, Person._meta.get_field(name).to_python(old)
                        if old is not None else None)
                restored[name] = [new, old]
        if restored:
            survivor.save(update_fields=[*restored, "updated_at"])
        merged.merged_into = None
        merged.save(update_fields=["merged_into", "updated_at"])
        merge.undone_by = actor if getattr(actor, "pk", None) else None
        merge.undone_at = timezone.now()
        merge.save(update_fields=["undone_by", "undone_at", "updated_at"])
        DuplicateCandidate.objects.filter(merge=merge).update(
            status=Status.PENDING, reviewed_by=None, reviewed_at=None, merge=None)
        changes = {"merged_into": [str(survivor.pk), None], "merge_id": [str(merge.pk), None],
                   **{f"survivor.{k}": v for k, v in restored.items()}}
        _record_both(actor, AuditAction.UNMERGE, survivor, merged, changes,
                     note=f"merge of {merged.full_name} into {survivor.full_name} undone")
    return merge


def review_candidate(*, actor, candidate: DuplicateCandidate, decision: str,
                     survivor: Person | None = None) -> DuplicateCandidate:
    """Record the reviewer's decision on a pair: "different" (not the same person) or "same".
    With decision "same" and a `survivor` (one of the two), the pair is merged at once."""
    _check_policy(actor)
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Unknown decision “%(value)s”.") % {"value": decision}})
    with transaction.atomic():
        candidate = DuplicateCandidate.objects.select_for_update().get(pk=candidate.pk)
        a, b = _in_scope(actor, candidate.person_a, candidate.person_b)
        if candidate.status == Status.MERGED:
            raise ValidationError(_("This pair has already been merged."))
        if decision == Decision.SAME and survivor is not None:
            if survivor.pk not in (a.pk, b.pk):
                raise ValidationError({"survivor": _("The record to keep must be one of the pair.")})
            keep, drop = (a, b) if survivor.pk == a.pk else (b, a)
            merge_persons(actor=actor, survivor=keep, merged=drop, candidate=candidate)
            candidate.refresh_from_db()
            return candidate
        old = candidate.status
        candidate.status = Status.CONFIRMED_SAME if decision == Decision.SAME else Status.REJECTED
        candidate.reviewed_by = actor if getattr(actor, "pk", None) else None
        candidate.reviewed_at = timezone.now()
        candidate.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
        changes = {"status": [old, candidate.status], "pair": [None, [str(a.pk), str(b.pk)]]}
        for p in (a, b):
            audit.record(actor=actor, action=AuditAction.UPDATE, obj=candidate, changes=changes,
                         territory_path=p.territory.path, person_id=p.pk,
                         note="duplicate review")
    return candidate


def record_entry_choice(*, actor, person: Person, candidate_ids: Iterable,
                        linked: bool = False) -> int:
    """After registration: remember the matches shown for `person` and the user's choice, so
    the registry-wide search does not queue the same pairs again. `linked=False` ("new person")
    stores them as not the same person. Returns the rows written."""
    if not policies.can_edit_registry(actor):
        raise PermissionDenied(_("You cannot change the registry."))
    if linked:
        return 0
    now = timezone.now()
    ids = list(dict.fromkeys(str(o) for o in candidate_ids if str(o) != str(person.pk)))
    if persons_for(actor).filter(pk__in=[*ids, person.pk]).count() != len(ids) + 1:
        raise Http404
    rows = []
    for other in ids:
        a, b = DuplicateCandidate.ordered(str(person.pk), other)
        rows.append(DuplicateCandidate(person_a_id=a, person_b_id=b, score=0.0, reasons=[],
                                       source=Source.ENTRY, status=Status.REJECTED,
                                       reviewed_by=actor if getattr(actor, "pk", None) else None,
                                       reviewed_at=now))
    with transaction.atomic():
        DuplicateCandidate.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)

