"""The shipped data elements (`data/elements.toml`) and their form sections.

`load_elements()` upserts the file's elements by code (idempotent); elements that are not in
the file (added in the admin) are left as they are.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.db import transaction
from django.utils.translation import get_language

from .models import DataElement, PeriodType, ValueType

ELEMENTS_FILE = Path(__file__).parent / "data" / "elements.toml"

# TOML key → model field
_FIELDS = {"code": "code", "name": "name", "name_es": "name_es", "description": "description",
           "description_es": "description_es", "group": "group", "value_type": "value_type",
           "period_type": "period_type", "level": "level_code", "min": "min_value",
           "max": "max_value", "not_above": "not_above"}
_REQUIRED = ("code", "name", "value_type", "period_type")


class CatalogueError(ValueError):
    """The elements file is malformed; the message names the element and the key."""


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    name_es: str
    position: int

    @property
    def label(self) -> str:
        return self.name_es if self.name_es and (get_language() or "").startswith("es") \
            else self.name


def read(path: Path = ELEMENTS_FILE) -> dict:
    """The parsed file, checked: every element complete, known types, groups and references."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    groups = data.get("groups", {})
    elements = data.get("element", [])
    seen: dict[str, dict] = {}
    for n, el in enumerate(elements, start=1):
        where = f"{path.name}, element {n} ({el.get('code', '?')})"
        for key in _REQUIRED:
            if not el.get(key):
                raise CatalogueError(f"{where}: '{key}' is missing")
        unknown = set(el) - set(_FIELDS)
        if unknown:
            raise CatalogueError(f"{where}: unknown keys {sorted(unknown)}; "
                                 f"known: {sorted(_FIELDS)}")
        if el["value_type"] not in ValueType.values:
            raise CatalogueError(f"{where}: value_type must be one of {ValueType.values}")
        if el["period_type"] not in PeriodType.values:
            raise CatalogueError(f"{where}: period_type must be one of {PeriodType.values}")
        if el.get("group") and el["group"] not in groups:
            raise CatalogueError(f"{where}: group '{el['group']}' is not in [groups]")
        if el["code"] in seen:
            raise CatalogueError(f"{where}: code '{el['code']}' is used twice")
        lo, hi = el.get("min"), el.get("max")
        if lo is not None and hi is not None and lo > hi:
            raise CatalogueError(f"{where}: min is above max")
        seen[el["code"]] = el
    for code, el in seen.items():
        other = el.get("not_above")
        if other and (other not in seen or seen[other]["period_type"] != el["period_type"]):
            raise CatalogueError(f"{path.name}, element {code}: not_above '{other}' must be "
                                 "another element of the file with the same period type")
    return data


@lru_cache(maxsize=4)
def _groups(path: Path = ELEMENTS_FILE) -> dict[str, Group]:
    data = read(path)
    return {code: Group(code, g.get("name", code), g.get("name_es", ""), i)
            for i, (code, g) in enumerate(data.get("groups", {}).items())}


def group(code: str) -> Group:
    """The form section of a group code (an unknown code is its own name, sorted last)."""
    return _groups().get(code) or Group(code, code or "—", "", 10_000)


def load_elements(path: Path = ELEMENTS_FILE) -> dict[str, int]:
    """Create or update the file's elements. Returns how many were created, updated, unchanged."""
    data = read(path)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    position_in_group: dict[str, int] = {}
    with transaction.atomic():
        existing = {e.code: e for e in DataElement.objects.filter(
            code__in=[el["code"] for el in data.get("element", [])])}
        for el in data.get("element", []):
            grp = el.get("group", "")
            position_in_group[grp] = position_in_group.get(grp, 0) + 1
            wanted = {field: el.get(key, None if key in ("min", "max") else "")
                      for key, field in _FIELDS.items()}
            wanted["position"] = position_in_group[grp]
            wanted["active"] = True
            current = existing.get(el["code"])
            if current is None:
                DataElement.objects.create(**wanted)
                counts["created"] += 1
                continue
            changed = [f for f, v in wanted.items() if getattr(current, f) != v]
            if changed:
                for f in changed:
                    setattr(current, f, wanted[f])
                current.save(update_fields=changed)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return counts
