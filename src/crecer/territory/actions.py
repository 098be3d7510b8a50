"""Writes to the tree."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from .models import OrgUnit


def create_unit(*, code: str, name: str, parent: OrgUnit | None, **fields) -> OrgUnit:
    with transaction.atomic():
        unit = OrgUnit.objects.create(
            code=code, name=name, parent=parent, depth=(parent.depth + 1) if parent else 0,
            path="", **fields,
        )
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
    return unit


def move_unit(*, unit: OrgUnit, new_parent: OrgUnit) -> None:
    """Move a subtree under another parent with one set-based update of the paths."""
    if new_parent.path.startswith(unit.path):
        raise ValueError("a unit cannot move under its own subtree")
    old_path, old_depth = unit.path, unit.depth
    new_path = f"{new_parent.path}{unit.pk}/"
    delta = new_parent.depth + 1 - old_depth
    with transaction.atomic():
        OrgUnit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1)),
            depth=F("depth") + delta,
        )
        OrgUnit.objects.filter(pk=unit.pk).update(parent=new_parent)
