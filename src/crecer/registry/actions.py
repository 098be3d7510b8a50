"""Every write to the registry: permission check, one transaction, one audit row per change."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core import audit
from crecer.core.models import AuditAction
from crecer.territory.models import OrgUnit

from .identifiers import search_name
from .models import Household, Person, PersonRole, Relationship, RelationshipKind, RoleKind
from .validation import clean_expected_delivery, clean_household, clean_person


def _check(actor, territory: OrgUnit) -> None:
    if not policies.can_edit_registry(actor) or not scope.covers(actor, territory):
        raise PermissionDenied(_("You cannot change records in this territory."))


def create_household(*, actor, territory: OrgUnit, data: dict[str, Any]) -> Household:
    _check(actor, territory)
    fields = clean_household(data)
    with transaction.atomic():
        household = Household.objects.create(territory=territory, **fields)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=household,
                     changes=audit.diff({}, audit.snapshot(household)),
                     territory_path=territory.path)
    return household


def update_household(*, actor, household: Household, data: dict[str, Any],
                     territory: OrgUnit | None = None) -> Household:
    _check(actor, household.territory)
    new_territory = territory or household.territory
    _check(actor, new_territory)
    fields = clean_household(data)
    with transaction.atomic():
        before = audit.snapshot(household)
        for k, v in fields.items():
            setattr(household, k, v)
        household.territory = new_territory
        household.save()
        if new_territory.pk != before["territory_id"]:
            # Members follow their household, so that scope stays one join.
            household.members.update(territory=new_territory)
        changes = audit.diff(before, audit.snapshot(household))
        if changes:
            audit.record(actor=actor, action=AuditAction.UPDATE, obj=household, changes=changes,
                         territory_path=new_territory.path)
    return household


def register_person(*, actor, household: Household, data: dict[str, Any],
                    roles: list[str] | None = None, expected_delivery_date: Any = None,
                    relationships: list[tuple[Person, str]] | None = None) -> Person:
    """Create a person in a household with her roles (and relationships to members)."""
    _check(actor, household.territory)
    fields = clean_person(data, country=_country(household.territory))
    roles = list(dict.fromkeys(roles or []))
    edd = clean_expected_delivery(expected_delivery_date) if RoleKind.PREGNANT in roles else None
    for r in roles:
        if r not in RoleKind.values:
            raise ValidationError({"roles": _("Unknown role “%(value)s”.") % {"value": r}})
    with transaction.atomic():
        person = Person(household=household, territory=household.territory, **fields)
        person.search_name = search_name(person.given_names, person.first_surname, person.second_surname)
        person.save()
        for r in roles:
            PersonRole.objects.create(person=person, role=r,
                                      expected_delivery_date=edd if r == RoleKind.PREGNANT else None)
        for other, kind in relationships or []:
            Relationship.objects.create(from_person=other, to_person=person, kind=kind)
        changes = audit.diff({}, audit.snapshot(person))
        changes["roles"] = [None, roles]
        audit.record(actor=actor, action=AuditAction.CREATE, obj=person, changes=changes,
                     territory_path=household.territory.path, person_id=person.pk)
    return person


def update_person(*, actor, person: Person, data: dict[str, Any]) -> Person:
    _check(actor, person.territory)
    fields = clean_person(data, country=_country(person.territory))
    with transaction.atomic():
        before = audit.snapshot(person)
        for k, v in fields.items():
            setattr(person, k, v)
        person.search_name = search_name(person.given_names, person.first_surname, person.second_surname)
        person.save()
        changes = audit.diff(before, audit.snapshot(person))
        if changes:
            audit.record(actor=actor, action=AuditAction.UPDATE, obj=person, changes=changes,
                         territory_path=person.territory.path, person_id=person.pk)
    return person


def link_person(*, actor, person: Person, household: Household, roles: list[str] | None = None,
                expected_delivery_date: Any = None) -> Person:
    """Attach an existing person (found as a likely duplicate) to a household instead of
    registering her again; adds the roles she takes in it."""
    _check(actor, person.territory)
    _check(actor, household.territory)
    roles = list(dict.fromkeys(roles or []))
    edd = clean_expected_delivery(expected_delivery_date) if RoleKind.PREGNANT in roles else None
    with transaction.atomic():
        before = audit.snapshot(person)
        person.household = household
        person.territory = household.territory
        person.save(update_fields=["household", "territory", "updated_at"])
        added = []
        for r in roles:
            _, created = PersonRole.objects.get_or_create(
                person=person, role=r, active=True,
                defaults={"expected_delivery_date": edd if r == RoleKind.PREGNANT else None})
            if created:
                added.append(r)
        changes = audit.diff(before, audit.snapshot(person))
        changes["roles_added"] = [None, added]
        audit.record(actor=actor, action=AuditAction.LINK, obj=person, changes=changes,
                     territory_path=household.territory.path, person_id=person.pk,
                     note=f"linked to household {household.pk}")
    return person


def relate_persons(*, actor, from_person: Person, to_person: Person, kind: str) -> Relationship:
    """Record that `from_person` is the `kind` of `to_person` (e.g. when a linked child joins
    her caregiver's household); an existing relationship between the two is updated."""
    _check(actor, from_person.territory)
    _check(actor, to_person.territory)
    if kind not in RelationshipKind.values:
        raise ValidationError({"kind": _("Unknown relationship “%(value)s”.") % {"value": kind}})
    with transaction.atomic():
        rel, created = Relationship.objects.get_or_create(
            from_person=from_person, to_person=to_person, defaults={"kind": kind})
        if created or rel.kind != kind:
            old = None if created else rel.kind
            rel.kind = kind
            rel.save(update_fields=["kind", "updated_at"])
            audit.record(actor=actor, action=AuditAction.CREATE if created else AuditAction.UPDATE,
                         obj=rel, changes={"kind": [old, kind],
                                           "from_person_id": [None, str(from_person.pk)]},
                         territory_path=to_person.territory.path, person_id=to_person.pk)
    return rel


def set_pregnancy(*, actor, person: Person, expected_delivery_date: Any) -> PersonRole:
    _check(actor, person.territory)
    edd = clean_expected_delivery(expected_delivery_date)
    with transaction.atomic():
        role, _created = PersonRole.objects.update_or_create(
            person=person, role=RoleKind.PREGNANT, active=True,
            defaults={"expected_delivery_date": edd})
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=person,
                     changes={"expected_delivery_date": [None, edd.isoformat()]},
                     territory_path=person.territory.path, person_id=person.pk)
    return role


def _country(territory: OrgUnit) -> str:
    """The ISO country of a unit: the code prefix of its root (MX-..., HN-...), if any."""
    code = territory.code.split("-")[0]
    return code if len(code) == 2 and code.isalpha() else ""
