"""Duplicates in an import: inside the file and against the registry.

- the same ID number twice in the file, or the same folded full name and birth date: error;
- an ID number already registered (to a person in the user's scope): error;
- a likely duplicate of a registered person by `crecer.dedup.matching.find_candidates`:
  a warning naming that person; the user may import anyway or skip those rows.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from crecer.dedup import matching
from crecer.registry.identifiers import fold, search_name
from crecer.registry.models import Person

if TYPE_CHECKING:
    from .validate import PersonRow, Plan

MATCH_EVERY_ROW_UP_TO = 300  # bigger files ask the matcher only about plausible rows

Add = Callable[..., None]  # add(row, field, message, level="error")


def in_file(plan: Plan, add: Add) -> None:
    by_id: dict[tuple[str, str], int] = {}
    by_name: dict[tuple[str, dt.date], int] = {}
    for p in plan.persons:
        if not p.valid:
            continue
        if p.data.get("id_number"):
            key = (p.data["id_type"], p.data["id_number"])
            if key in by_id:
                add(p.row, "id_number", _("Same ID number as row %(row)s.") % {"row": by_id[key]})
                continue
            by_id[key] = p.row
        name = _name(p.data)
        if p.data.get("birth_date") and name:
            key2 = (name, p.data["birth_date"])
            if key2 in by_name:
                add(p.row, "given_names", _("Same name and birth date as row %(row)s.")
                    % {"row": by_name[key2]})
                continue
            by_name[key2] = p.row


def registered_ids(plan: Plan, registered: QuerySet[Person], add: Add) -> None:
    with_id = [p for p in plan.persons if p.valid and p.data.get("id_number")]
    found: dict[tuple[str, str], Person] = {}
    for part in chunks(sorted({p.data["id_number"] for p in with_id})):
        for person in registered.filter(id_number__in=part):
            found.setdefault((person.id_type, person.id_number), person)
    for p in with_id:
        match = found.get((p.data["id_type"], p.data["id_number"]))
        if match is not None:
            add(p.row, "id_number", _("A person with this ID is already registered: %(name)s "
                                      "(%(place)s).")
                % {"name": match.full_name, "place": match.territory.name})


def likely(plan: Plan, user, registered: QuerySet[Person], add: Add,
           step: Callable[[int], None]) -> None:
    """Warn about the rows without errors that the matcher finds likely registered.

    Files over MATCH_EVERY_ROW_UP_TO rows first ask, in bulk, which rows the matcher's blocks
    could match at all (`plausible`), and only call the matcher for those."""
    error_rows = {p.row for p in plan.errors}
    rows = [p for p in plan.persons if p.valid and p.row not in error_rows]
    step(len(plan.persons) - len(rows))
    if not rows:
        step(len(rows))
        return
    maybe = plausible(rows, registered) if len(rows) > MATCH_EVERY_ROW_UP_TO else None
    for p in rows:
        if maybe is not None and p.row not in maybe:
            step(1)
            continue
        data = dict(p.data, roles=list(p.roles))
        household = plan.households.get(p.ref)
        if household is not None and household.territory is not None:
            data.update(territory=household.territory, territory_id=household.territory.pk)
        candidates = [c for c in matching.find_candidates(user, data, limit=3)
                      if not (p.data.get("id_number")
                              and c.person.id_number == p.data["id_number"])]
        if candidates:
            p.likely_duplicate = True
            for c in candidates:
                add(p.row, "given_names", _message(c), "warning")
        step(1)


def plausible(rows: list[PersonRow], registered: QuerySet[Person]) -> set[int]:
    """The rows for which the matcher could find anyone: its blocks (same ID, phone, birth
    date or the date with day and month swapped, "given first" or "given second" name
    prefix; see `crecer.dedup.matching.blocks`) asked in bulk, a few indexed queries per 500
    rows instead of five queries per row."""
    keys = {p.row: _block_keys(p.data) for p in rows}
    qs = registered.order_by()
    hits: dict[str, set] = {}
    for kind, column in (("id", "id_number"), ("phone", "phone"), ("birth", "birth_date")):
        values = sorted({v for k in keys.values() for v in k[kind]})
        found: set = set()
        for part in chunks(values):
            found.update(qs.filter(**{f"{column}__in": part})
                         .values_list(column, flat=True).distinct())
        hits[kind] = found
    prefixes = sorted({v for k in keys.values() for v in k["prefix"]})
    names: list[str] = []
    for part in chunks(prefixes, 100):
        cond = Q(pk__in=[])
        for prefix in part:
            cond |= _prefix_q(prefix)
        names.extend(qs.filter(cond).values_list("search_name", flat=True).distinct())
    names.sort()
    return {row for row, k in keys.items()
            if k["id"] & hits["id"] or k["phone"] & hits["phone"] or k["birth"] & hits["birth"]
            or any(_has_prefix(names, prefix) for prefix in k["prefix"])}


def _message(candidate) -> str:
    person = candidate.person
    born = person.birth_date.isoformat() if person.birth_date else "?"
    reasons = "; ".join(str(r) for r in (candidate.reasons or []))
    return _("Likely already registered: %(name)s, born %(born)s, in %(place)s (%(score)s%%: "
             "%(reasons)s).") % {"name": person.full_name, "born": born,
                                 "place": person.territory.name,
                                 "score": round(100 * float(candidate.score)),
                                 "reasons": reasons}


def _name(data: dict[str, Any]) -> str:
    return search_name(data["given_names"], data["first_surname"], data["second_surname"])


def _block_keys(data: dict[str, Any]) -> dict[str, set]:
    """The values the matcher blocks on for a person."""
    given, first, second = (" ".join(fold(data.get(n) or "").split())
                            for n in ("given_names", "first_surname", "second_surname"))
    birth = data.get("birth_date")
    births = {birth} if birth else set()
    if birth and birth.day != birth.month and birth.day <= 12:
        births.add(birth.replace(month=birth.day, day=birth.month))
    id_number = data.get("id_number") or ""
    return {
        "id": {id_number} if len(id_number) >= 5 else set(),
        "phone": {data["phone"]} if data.get("phone") else set(),
        "birth": births,
        "prefix": {f"{given} {s}" for s in (first, second) if given and s},
    }


def _prefix_q(prefix: str) -> Q:
    """`search_name` starts with `prefix`, as an index range on SQLite (whose LIKE ignores
    case and cannot use the index)."""
    if connection.vendor == "sqlite":
        return Q(search_name__gte=prefix, search_name__lt=prefix + "\uffff")
    return Q(search_name__startswith=prefix)


def _has_prefix(sorted_names: list[str], prefix: str) -> bool:
    i = bisect.bisect_left(sorted_names, prefix)
    return i < len(sorted_names) and sorted_names[i].startswith(prefix)


def chunks(items: list, size: int = 500) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
