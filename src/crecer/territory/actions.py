"""Writes to the tree. Paths are always set with set-based UPDATEs, never by walking the tree.

Every function takes an optional `actor`: when given (pages, admin), the actor must pass
`policies.can_manage_territory` and the units touched must lie in the actor's territories;
management commands call them without an actor (they run as the system).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat, Substr
from django.utils.translation import gettext as _

from .models import OrgUnit


def check_can_manage(actor, *units: OrgUnit | None) -> None:
    """Raise PermissionDenied unless `actor` (if any) may manage the tree at these units."""
    if actor is None:
        return
    from crecer.accounts import policies, scope

    if not policies.can_manage_territory(actor):
        raise PermissionDenied(_("You cannot manage territories."))
    for unit in units:
        if unit is None:
            if not getattr(actor, "is_superuser", False):
                raise PermissionDenied(_("Only a superuser can create or move top-level units."))
        elif not scope.covers(actor, unit):
            raise PermissionDenied(_("This unit is outside your territories."))


def create_unit(*, code: str, name: str, parent: OrgUnit | None, actor=None, **fields) -> OrgUnit:
    check_can_manage(actor, parent)
    with transaction.atomic():
        unit = OrgUnit.objects.create(
            code=code, name=name, parent=parent, depth=(parent.depth + 1) if parent else 0,
            path="", **fields,
        )
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
    return unit


def move_unit(*, unit: OrgUnit, new_parent: OrgUnit | None, actor=None) -> None:
    """Move a subtree under another parent (or to the top when `new_parent` is None) with one
    set-based update of the paths and depths of the whole subtree."""
    check_can_manage(actor, unit, new_parent)
    if new_parent is not None and new_parent.path.startswith(unit.path):
        raise ValueError("a unit cannot move under its own subtree")
    old_path, old_depth = unit.path, unit.depth
    new_path = f"{new_parent.path if new_parent else '/'}{unit.pk}/"
    new_depth = new_parent.depth + 1 if new_parent else 0
    with transaction.atomic():
        OrgUnit.objects.filter(path__subtree=old_path).update(
            path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1)),
            depth=F("depth") + (new_depth - old_depth),
        )
        OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
    unit.path, unit.depth, unit.parent = new_path, new_depth, new_parent


def fill_paths() -> int:
    """Set the path of every unit still without one (rows just bulk-inserted with path="" and
    their depth set), top-down: one UPDATE for the new roots, then one UPDATE per depth, each
    setting `path = parent.path || id || '/'` (the parent's path is a primary-key lookup).
    Returns the rows updated; raises ValueError (inside the caller's transaction) if a new unit
    sits at a depth that does not follow its parent's."""
    own_id = Cast("pk", output_field=CharField())
    total = OrgUnit.objects.filter(path="", parent__isnull=True).update(
        path=Concat(Value("/"), own_id, Value("/"), output_field=CharField())
    )
    # No ORDER BY (OrgUnit's default is "path"): with it, PostgreSQL working from stale
    # statistics may walk the whole path index for every row instead of one primary-key lookup.
    parent_path = Subquery(
        OrgUnit.objects.filter(pk=OuterRef("parent_id")).order_by().values("path")[:1])
    depths = sorted(set(OrgUnit.objects.filter(path="").values_list("depth", flat=True)))
    for depth in depths:
        total += OrgUnit.objects.filter(path="", depth=depth).update(
            path=Concat(parent_path, own_id, Value("/"), output_field=CharField()))
    if OrgUnit.objects.filter(Q(path="") | ~Q(path__startswith="/")).exists():
        raise ValueError("new units whose depth does not follow their parent's")
    return total
