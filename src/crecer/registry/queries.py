"""Reads of the registry, each limited to what the caller may see."""

from __future__ import annotations

import re

from django.db.models import CharField, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Trim

from crecer.accounts.scope import units_for, within

from .identifiers import fold
from .models import Household, Person, PersonRole, Relationship, RoleKind

_ACCENTS = {"a": "aáàâä", "e": "eéèêë", "i": "iíìîï", "o": "oóòôö", "u": "uúùûü", "n": "nñ", "c": "cç"}


def accent_pattern(words: list[str]) -> str:
    """A case-insensitive regex matching the folded words with or without accents
    ("rio cangrejal" matches "Río Cangrejal"); works on SQLite and PostgreSQL."""
    def word(w: str) -> str:
        return "".join(f"[{_ACCENTS[c]}]" if c in _ACCENTS else re.escape(c) for c in w)

    return ".*".join(word(w) for w in words)


def households_for(user) -> QuerySet[Household]:
    return Household.objects.filter(within(user)).select_related("territory")


def persons_for(user, *, include_merged: bool = False) -> QuerySet[Person]:
    qs = Person.objects.filter(within(user)).select_related("territory", "household")
    return qs if include_merged else qs.filter(merged_into__isnull=True)


def search_persons(user, text: str, *, territory_id: int | None = None, limit: int = 50):
    """Accent- and case-insensitive search by name, ID, phone, household code or community."""
    qs = persons_for(user)
    if territory_id:
        qs = qs.filter(Q(territory_id=territory_id) | Q(territory__path__contains=f"/{territory_id}/"))
    text = (text or "").strip()
    if not text:
        return qs.order_by("search_name")[:limit]
    digits = re.sub(r"\D", "", text)
    cond = Q()
    words = fold(text).split()
    if words:
        name_q = Q()
        for w in words:
            name_q &= Q(search_name__contains=w)
        cond |= name_q
        community_ids = units_for(user).filter(name__iregex=accent_pattern(words)).values("pk")
        cond |= Q(territory_id__in=community_ids) | Q(household__code__iexact=text.strip())
    compact = re.sub(r"[\s.\-]", "", text.upper())
    if len(compact) >= 5:
        cond |= Q(id_number=compact)
    if len(digits) >= 6:
        cond |= Q(phone__endswith=digits[-8:])
    return qs.filter(cond).order_by("search_name")[:limit]


def search_households(user, text: str, limit: int = 50) -> QuerySet[Household]:
    ids = search_persons(user, text, limit=500).values_list("household_id", flat=True)
    return households_for(user).filter(pk__in=list(ids)).order_by("code")[:limit]


def with_summary(households: QuerySet[Household]) -> QuerySet[Household]:
    """Annotate each household with `caregiver_name` and `member_count` in the same query
    (two correlated subqueries), so that lists show them without one query per row."""
    members = Person.objects.filter(household=OuterRef("pk"), merged_into__isnull=True)
    caregiver = (
        members.filter(roles__role=RoleKind.CAREGIVER, roles__active=True)
        .order_by("created_at")
        .annotate(full=Trim(Concat("given_names", Value(" "), "first_surname", Value(" "),
                                   "second_surname", output_field=CharField())))
        .values("full")[:1]
    )
    count = members.order_by().values("household").annotate(n=Count("pk")).values("n")
    return households.annotate(caregiver_name=Subquery(caregiver, output_field=CharField()),
                               member_count=Coalesce(Subquery(count), 0))


def with_relations(user, persons: QuerySet[Person]) -> QuerySet[Person]:
    """Prefetch active roles (`active_roles`) and relationships to other unmerged persons in
    the user's scope (`rels_in`: who is what of her; `rels_out`: she is what of whom)."""
    rels = Relationship.objects.order_by("created_at")
    return persons.prefetch_related(
        Prefetch("roles", queryset=PersonRole.objects.filter(active=True).order_by("role"),
                 to_attr="active_roles"),
        Prefetch("relations_in", to_attr="rels_in", queryset=rels.filter(
            within(user, "from_person__territory"), from_person__merged_into__isnull=True,
        ).select_related("from_person")),
        Prefetch("relations_out", to_attr="rels_out", queryset=rels.filter(
            within(user, "to_person__territory"), to_person__merged_into__isnull=True,
        ).select_related("to_person")),
    )
