"""Saving a checked plan: every household, person, role and relationship in one transaction,
with one audit event per household and per person written in bulk.

This is the bulk counterpart of `crecer.registry.actions.create_household` and
`register_person` (same cleaned fields, same `search_name`, same audit content, action
"import"), so that 800 families save in about a second instead of a minute of single inserts.
The caller checks the policy and the scope (see `actions.commit`); any exception rolls
everything back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.registry.identifiers import search_name
from crecer.registry.models import Household, Person, PersonRole, Relationship, RoleKind

from .validate import Plan, default_relationship

BATCH = 500


@dataclass
class Saved:
    households: int = 0
    persons: int = 0
    skipped: int = 0


def save_plan(plan: Plan, *, actor, job_id: str, skip_duplicates: bool = False) -> Saved:
    if not plan.ok:
        raise ValueError("a plan with errors cannot be saved")
    note = f"import {job_id}"
    saved = Saved()
    households: list[Household] = []
    persons: list[tuple[Person, list[str], int]] = []
    roles: list[PersonRole] = []
    relations: list[Relationship] = []
    for ref, plan_household in plan.households.items():
        members = [m for m in plan_household.members
                   if not (skip_duplicates and m.likely_duplicate)]
        saved.skipped += len(plan_household.members) - len(members)
        if not members:
            continue
        territory = plan_household.territory
        household = Household(territory=territory, **{**plan_household.data, "code": ref})
        households.append(household)
        carers: list[Person] = []
        rows: list[tuple[Person, object]] = []
        for member in sorted(members, key=lambda m: RoleKind.CAREGIVER not in m.roles):
            person = Person(household=household, territory=territory, **member.data)
            person.search_name = search_name(person.given_names, person.first_surname,
                                             person.second_surname)
            persons.append((person, member.roles, member.row))
            for role in member.roles:
                roles.append(PersonRole(person=person, role=role,
                                        expected_delivery_date=member.edd
                                        if role == RoleKind.PREGNANT else None))
            if RoleKind.CAREGIVER in member.roles:
                carers.append(person)
            rows.append((person, member))
        for person, member in rows:
            relations.extend(_relations(person, member, carers))
    by_person: dict[object, list[Relationship]] = {}
    for rel in relations:
        by_person.setdefault(rel.to_person.pk, []).append(rel)
    events = [_event(actor, h, h.territory.path, note) for h in households]
    for person, person_roles, row in persons:
        changes = audit.diff({}, audit.snapshot(person))
        changes["roles"] = [None, person_roles]
        rels = by_person.get(person.pk)
        if rels:
            changes["relationships"] = [None, [[r.kind, str(r.from_person.pk)] for r in rels]]
        events.append(_event(actor, person, person.territory.path, f"{note}, row {row}",
                             changes=changes, person_id=person.pk))
    with transaction.atomic():
        Household.objects.bulk_create(households, batch_size=BATCH)
        Person.objects.bulk_create([p for p, _r, _n in persons], batch_size=BATCH)
        PersonRole.objects.bulk_create(roles, batch_size=BATCH)
        Relationship.objects.bulk_create(relations, batch_size=BATCH)
        audit.record_many(events)
    saved.households, saved.persons = len(households), len(persons)
    return saved


def _relations(person: Person, member, carers: list[Person]) -> list[Relationship]:
    """The caregiver is the `kind` of this member. An explicit `caregiver_is` links the member
    to the household's first caregiver (other than herself); a child without one is linked to
    every caregiver as her mother or father, by the caregiver's sex (as the registration page
    does)."""
    others = [c for c in carers if c is not person]
    if not others:
        return []
    if member.caregiver_is:
        return [Relationship(from_person=others[0], to_person=person, kind=member.caregiver_is)]
    if RoleKind.CHILD in member.roles:
        return [Relationship(from_person=c, to_person=person, kind=default_relationship(c.sex))
                for c in others]
    return []


def _event(actor, obj, territory_path: str, note: str, *, changes=None,
           person_id=None) -> AuditEvent:
    if changes is None:
        changes = audit.diff({}, audit.snapshot(obj))
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "system",
        action=AuditAction.IMPORT, entity=obj._meta.label_lower, object_id=str(obj.pk),
        person_id=person_id, territory_path=territory_path, changes=changes, note=note[:255],
    )
