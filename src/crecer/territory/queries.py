"""Reads over the tree. Subtrees are prefix queries on the materialized path."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import OrgUnit


def subtree_q(paths: Iterable[str], field: str = "path") -> Q:
    """A Q matching rows whose `field` lies in any of the given subtrees."""
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def subtree(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(path__startswith=unit.path)


def ancestors(unit: OrgUnit) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).order_by("depth")


def children(unit: OrgUnit | None) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(parent=unit).order_by("name")
