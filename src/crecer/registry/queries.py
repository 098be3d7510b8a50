"""Reads of the registry, each limited to what the caller may see."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from crecer.accounts.scope import within

from .identifiers import fold
from .models import Household, Person


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
        cond |= Q(territory__name__icontains=text) | Q(household__code__iexact=text.strip())
    compact = re.sub(r"[\s.\-]", "", text.upper())
    if len(compact) >= 5:
        cond |= Q(id_number=compact)
    if len(digits) >= 6:
        cond |= Q(phone__endswith=digits[-8:])
    return qs.filter(cond).order_by("search_name")[:limit]


def search_households(user, text: str, limit: int = 50) -> QuerySet[Household]:
    ids = search_persons(user, text, limit=500).values_list("household_id", flat=True)
    return households_for(user).filter(pk__in=list(ids)).order_by("code")[:limit]
