"""/api/v1/persons: list, search, read, register (in a household, with roles) and update.

Before a new person is saved she is compared with the registry (`crecer.dedup.matching`);
likely duplicates answer 409 with the candidates, unless `ignore_duplicates` is true.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from crecer.accounts.scope import get_in_scope
from crecer.dedup import actions as dedup_actions
from crecer.dedup import matching
from crecer.registry import actions, queries
from crecer.registry.models import Person, PersonRole, RelationshipKind, RoleKind
from crecer.registry.validation import PERSON_FIELDS, clean_person

from .errors import Conflict, Invalid
from .households import require_editor
from .pagination import PageParams, page_of, paginate
from .schemas import (
    DuplicatesConflictOut,
    LikelyDuplicateOut,
    PersonDetailOut,
    PersonFields,
    PersonIn,
    PersonOut,
)
from .territories import visible_unit

router = Router(tags=["persons"])

SEARCH_MAX = 1000


class PersonFilters(PageParams):
    q: str = Field("", max_length=100,
                   description="Name (any order, accents ignored), ID number, phone, "
                               "household code or community")
    territory: int | None = Field(None, description="Only persons in this unit's subtree")
    household: uuid.UUID | None = None
    role: str = Field("", description="Only persons holding this active role")


def with_roles(persons: QuerySet[Person]) -> QuerySet[Person]:
    """Prefetch the active roles as `active_roles` (one query for the whole page)."""
    return persons.prefetch_related(Prefetch(
        "roles", queryset=PersonRole.objects.filter(active=True).order_by("role"),
        to_attr="active_roles"))


@router.get("", response=page_of(PersonOut), summary="Persons within my territories")
def list_persons(request, filters: Query[PersonFilters]):
    user = request.auth
    persons = queries.persons_for(user)
    f = filters
    if f.territory is not None:
        unit = visible_unit(user, f.territory, "territory")
        persons = persons.filter(territory__path__subtree=unit.path)
    if f.household is not None:
        persons = persons.filter(household_id=f.household)
    if f.role:
        if f.role not in RoleKind.values:
            raise Invalid({"role": _("Unknown role “%(value)s”.") % {"value": f.role}})
        persons = persons.filter(roles__role=f.role, roles__active=True)
    q = f.q.strip()
    if q:
        found = queries.search_persons(user, q, limit=SEARCH_MAX).values("pk")
        persons = persons.filter(pk__in=found)
    return paginate(with_roles(persons.order_by("search_name", "pk")), f)


def _detail(user, person_id: uuid.UUID) -> Person:
    return get_in_scope(
        queries.with_relations(user, queries.persons_for(user, include_merged=True)),
        user, pk=person_id)


@router.get("/{uuid:person_id}", response=PersonDetailOut, summary="One person")
def get_person(request, person_id: uuid.UUID):
    return _detail(request.auth, person_id)


@router.post("", response={201: PersonDetailOut, 409: DuplicatesConflictOut},
             summary="Register a person in a household, with her roles")
def create_person(request, payload: PersonIn):
    user = request.auth
    household = get_in_scope(queries.households_for(user), user, pk=payload.household)
    require_editor(user)
    data = payload.model_dump(include=set(PERSON_FIELDS), exclude_unset=True)
    relationships = []
    for i, rel in enumerate(payload.relationships):
        if rel.kind not in RelationshipKind.values:
            raise Invalid({f"relationships.{i}.kind": _("Unknown relationship “%(value)s”.")
                           % {"value": rel.kind}})
        other = queries.persons_for(user).filter(pk=rel.person).first()
        if other is None:
            raise Invalid({f"relationships.{i}.person": _("No person %(id)s in your territories.")
                           % {"id": rel.person}})
        relationships.append((other, rel.kind))
    likely = _likely_duplicates(user, household, data, payload.roles)
    if likely and not payload.ignore_duplicates:
        raise Conflict(
            _("This person may already be registered. Check the candidates, or send "
              "ignore_duplicates: true to register her anyway."),
            candidates=[LikelyDuplicateOut(
                id=c.person.pk, full_name=c.person.full_name, birth_date=c.person.birth_date,
                territory=str(c.person.territory), score=round(c.score, 3),
                reasons=[str(r) for r in c.reasons]).model_dump(mode="json") for c in likely])
    with transaction.atomic():
        person = actions.register_person(
            actor=user, household=household, data=data, roles=payload.roles,
            expected_delivery_date=payload.expected_delivery_date)
        for other, kind in relationships:
            actions.relate_persons(actor=user, from_person=other, to_person=person, kind=kind)
        if likely:
            # "A new person": remembered, so the registry-wide search does not propose the
            # same pairs again (as when the choice is made on the registration page).
            dedup_actions.record_entry_choice(actor=user, person=person,
                                              candidate_ids=[c.person.pk for c in likely])
    return 201, _detail(user, person.pk)


def _likely_duplicates(user, household, data: dict, roles: list[str]) -> list:
    """The matcher's candidates for the person about to be registered (in the user's scope)."""
    # The same country rule as `actions.register_person` (IDs and phones are read per country).
    cleaned = clean_person(data, country=actions._country(household.territory))
    return matching.find_candidates(
        user, dict(cleaned, roles=roles, territory=household.territory,
                   territory_id=household.territory_id), limit=5)


@router.patch("/{uuid:person_id}", response=PersonDetailOut,
              summary="Change a person (only the fields sent)")
def update_person(request, person_id: uuid.UUID, payload: PersonFields):
    user = request.auth
    person = get_in_scope(queries.persons_for(user), user, pk=person_id)
    require_editor(user)
    sent = payload.model_dump(exclude_unset=True)
    edd = sent.pop("expected_delivery_date", None)
    data = {name: getattr(person, name) for name in PERSON_FIELDS}
    data.update(sent)
    with transaction.atomic():
        actions.update_person(actor=user, person=person, data=data)
        if edd is not None:
            actions.set_pregnancy(actor=user, person=person, expected_delivery_date=edd)
    return _detail(user, person.pk)
