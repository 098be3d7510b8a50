"""The one place that decides which territories a user works in.

Every query over personal data goes through `within(user, field)`, which returns a Q
restricting `field` (a path to an OrgUnit) to the user's subtrees. A user with no
assigned territory sees nothing.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from crecer.territory.models import OrgUnit
from crecer.territory.queries import subtree_q


def root_paths(user) -> list[str]:
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_crecer_root_paths", None)
    if cached is None:
        paths = sorted(user.territories.values_list("path", flat=True))
        # Drop paths already covered by another assigned subtree.
        cached = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
        user._crecer_root_paths = cached
    return cached


def within(user, field: str = "territory") -> Q:
    """Q restricting an OrgUnit foreign key `field` to the user's subtrees."""
    paths = root_paths(user)
    if not paths:
        return Q(pk__in=[])
    return subtree_q(paths, field=f"{field}__path")


def units_for(user):
    """The org units in the user's subtrees."""
    return OrgUnit.objects.filter(subtree_q(root_paths(user)))


def covers(user, unit: OrgUnit) -> bool:
    return any(unit.path.startswith(p) for p in root_paths(user))


def get_in_scope(queryset, user, field: str = "territory", **lookup):
    """Fetch one row inside the user's scope, or 404 (never 403: outsiders learn nothing)."""
    obj = queryset.filter(within(user, field)).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
