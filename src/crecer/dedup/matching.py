"""Entry-time duplicate search: likely matches of a person about to be saved.

Two steps, so that it stays fast at national size (10 million persons):

1. Blocking in SQL, on indexed columns only, each block a separate small query with its own
   LIMIT, always inside the user's scope (`persons_for`):
   - same `id_number`;
   - same `phone`;
   - same `birth_date`, or the date with day and month swapped;
   - `search_name` ("given first second", folded) starting with "given first" or, for swapped
     surnames, "given second" (an indexed prefix range).
   The table is never scanned; at most a few hundred rows come back, as plain values.
2. Scoring in Python with rapidfuzz (`score_pair`): a Fellegi–Sunter style sum of log-odds
   weights per field (ID, names, surnames allowing swaps and a missing second surname, birth
   date allowing a day/month swap, sex, phone) turned into 0..1 by a logistic curve.
   Candidates at or above `THRESHOLD` are returned, best first, with their reasons.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from crecer.registry.identifiers import fold
from crecer.registry.models import Person
from crecer.registry.queries import persons_for

# A candidate is shown when its score reaches this value (log-odds total >= OFFSET).
THRESHOLD = 0.5
OFFSET = 5.0
# Rows fetched per block at most; a block larger than this is a very common value.
BLOCK_LIMIT = 200

VALUE_FIELDS = ("pk", "given_names", "first_surname", "second_surname", "sex", "birth_date",
                "id_number", "phone")


@dataclass
class Candidate:
    person: Person  # an existing, non-merged Person in the user's scope
    score: float  # 0..1, higher = more likely the same person
    reasons: list[str] = field(default_factory=list)  # translated, human-readable


@dataclass
class Record:
    """The fields the matcher compares, already folded."""

    given: str = ""
    first: str = ""
    second: str = ""
    sex: str = ""
    birth: dt.date | None = None
    id_number: str = ""
    phone: str = ""

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Record:
        return cls(
            given=fold(str(data.get("given_names") or "")),
            first=fold(str(data.get("first_surname") or "")),
            second=fold(str(data.get("second_surname") or "")),
            sex=str(data.get("sex") or "").strip().upper()[:1],
            birth=_as_date(data.get("birth_date")),
            id_number=re.sub(r"[\s.\-]", "", str(data.get("id_number") or "").upper()),
            phone=str(data.get("phone") or "").strip(),
        )


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value:
        try:
            return dt.date.fromisoformat(str(value).strip()[:10])
        except ValueError:
            return None
    return None


def swapped(d: dt.date | None) -> dt.date | None:
    """The date with day and month swapped, when that is another valid date."""
    if d is None or d.day == d.month or d.day > 12:
        return None
    try:
        return d.replace(month=d.day, day=d.month)
    except ValueError:
        return None


def _sim(a: str, b: str) -> float:
    """Jaro-Winkler similarity, raised to 0.91 for strings one edit apart (short surnames
    such as "saiz" / "sain" score below 0.9 otherwise)."""
    if not a or not b:
        return 0.0
    jw = JaroWinkler.normalized_similarity(a, b)
    if jw < 0.91 and min(len(a), len(b)) >= 3 and DamerauLevenshtein.distance(
            a, b, score_cutoff=1) <= 1:
        return 0.91
    return jw


def given_similarity(a: str, b: str) -> float:
    """Similarity of given names; "maria jose" vs "maria" counts as nearly the same."""
    best = _sim(a, b)
    ta, tb = a.split(), b.split()
    if ta and tb and len(ta) != len(tb):
        short, long_ = (ta, tb) if len(ta) < len(tb) else (tb, ta)
        part = sum(max(_sim(s, t) for t in long_) for s in short) / len(short)
        best = max(best, 0.93 * part)
    return best


@dataclass
class Comparison:
    """The evidence for one pair: total log-odds weight and the reasons behind it."""

    weight: float = 0.0
    reasons: list[str] = field(default_factory=list)
    same_id: bool = False

    @property
    def score(self) -> float:
        return 1.0 / (1.0 + math.exp(-(self.weight - OFFSET)))


def _surnames(a: Record, b: Record) -> tuple[float, str]:
    """(similarity, how): straight, swapped, or with a second surname missing on one side."""
    straight_parts = [_sim(a.first, b.first)]
    if a.second and b.second:
        straight_parts.append(_sim(a.second, b.second))
        straight = sum(straight_parts) / 2
        crossed = (_sim(a.first, b.second) + _sim(a.second, b.first)) / 2
        if crossed > straight + 0.02:
            return crossed, "swapped"
        return straight, "straight"
    straight = straight_parts[0]
    if a.second or b.second:
        # One record lacks the second surname; its only surname may be the other's second.
        other = b.second or a.second
        lone = a.first if b.second else b.first
        alt = _sim(lone, other) * 0.97
        if alt > straight:
            return alt, "missing"
        return straight * 0.99, "missing"
    return straight, "straight"


def compare(a: Record, b: Record) -> Comparison:
    """Weigh the evidence that two records are the same person."""
    c = Comparison()
    # Identity document.
    if a.id_number and b.id_number:
        if a.id_number == b.id_number:
            c.weight += 8.0
            c.same_id = True
            c.reasons.append(_("same ID"))
        elif _sim(a.id_number, b.id_number) >= 0.9:
            c.weight += 1.0
            c.reasons.append(_("similar ID (one character differs)"))
        else:
            c.weight -= 5.0
    # Given names.
    g = given_similarity(a.given, b.given)
    if g >= 0.99:
        c.weight += 3.0
    elif g >= 0.9:
        c.weight += 2.0
    elif g >= 0.8:
        c.weight += 0.0
    else:
        c.weight -= 3.5
    # Surnames.
    s, how = _surnames(a, b)
    if s >= 0.99:
        c.weight += 3.5
    elif s >= 0.9:
        c.weight += 2.5
    elif s >= 0.8:
        c.weight += 0.0
    else:
        c.weight -= 4.0
    if g >= 0.99 and s >= 0.99:
        c.reasons.append(_("same names"))
    elif g >= 0.9 and s >= 0.9:
        c.reasons.append(_("similar names"))
    if s >= 0.9 and how == "swapped":
        c.reasons.append(_("surnames swapped"))
    elif s >= 0.9 and how == "missing":
        c.reasons.append(_("second surname missing in one record"))
    # Birth date.
    if a.birth and b.birth:
        if a.birth == b.birth:
            c.weight += 4.0
            c.reasons.append(_("same birth date"))
        elif swapped(a.birth) == b.birth:
            c.weight += 3.0
            c.reasons.append(_("birth date with day and month swapped"))
        elif _one_part_differs(a.birth, b.birth):
            c.weight += 1.0
            c.reasons.append(_("birth date differs in one part"))
        else:
            c.weight -= 4.5
    # Sex.
    if a.sex and b.sex:
        c.weight += 0.3 if a.sex == b.sex else -2.5
    # Phone.
    if a.phone and b.phone and a.phone == b.phone:
        c.weight += 1.5
        c.reasons.append(_("same phone"))
    return c


def _one_part_differs(a: dt.date, b: dt.date) -> bool:
    same = (a.year == b.year) + (a.month == b.month) + (a.day == b.day)
    return same == 2 and (a.year == b.year or abs(a.year - b.year) <= 10)


def score_pair(a: dict[str, Any], b: dict[str, Any]) -> Comparison:
    """Compare two person dicts (keys as `clean_person` returns)."""
    return compare(Record.from_data(a), Record.from_data(b))


def _prefix_q(prefix: str) -> Q:
    """`search_name` starts with `prefix`, as an indexed range (SQLite's LIKE is
    case-insensitive and cannot use the index; PostgreSQL has a pattern-ops index)."""
    if connection.vendor == "sqlite":
        return Q(search_name__gte=prefix, search_name__lt=prefix + "\uffff")
    return Q(search_name__startswith=prefix)


def blocks(rec: Record) -> list[Q]:
    """The indexed SQL blocks for a record (see the module docstring)."""
    out: list[Q] = []
    if rec.id_number and len(rec.id_number) >= 5:
        out.append(Q(id_number=rec.id_number))
    if rec.phone:
        out.append(Q(phone=rec.phone))
    if rec.birth:
        dates = [rec.birth] + ([s] if (s := swapped(rec.birth)) else [])
        out.append(Q(birth_date__in=dates))
    if rec.given and rec.first:
        out.append(_prefix_q(f"{rec.given} {rec.first}"))
        if rec.second:
            out.append(_prefix_q(f"{rec.given} {rec.second}"))
    return out


def find_candidates(user, data: dict, *, limit: int = 5, exclude_ids: Iterable = ()) -> list[Candidate]:
    """Likely matches of `data` among the non-merged persons in the user's scope.

    `data` has keys as returned by registry.validation.clean_person (missing keys allowed).
    Returns at most `limit` candidates with score >= THRESHOLD, best first.
    """
    rec = Record.from_data(data)
    # Merged records are dropped in Python, not in SQL: without statistics SQLite would pick
    # the index on `merged_into` (NULL for nearly every row) over the block's own index.
    base = persons_for(user, include_merged=True).order_by()
    excluded = {str(x) for x in exclude_ids}
    rows: dict[Any, dict[str, Any]] = {}
    for q in blocks(rec):
        # On SQLite, the block as a subquery on its own index, then the scope: written as one
        # join, SQLite (with statistics) walks the user's territories instead, a scan at national
        # scope. PostgreSQL plans the join well (and the subquery form badly without statistics).
        block = (base.filter(pk__in=Person.objects.filter(q).values("pk"))
                 if connection.vendor == "sqlite" else base.filter(q))
        for row in block.values(*VALUE_FIELDS, "merged_into_id")[:BLOCK_LIMIT]:
            if row["merged_into_id"] is None and str(row["pk"]) not in excluded:
                rows.setdefault(row["pk"], row)
    scored: list[tuple[float, Any, list[str]]] = []
    for pk, row in rows.items():
        other = Record.from_data(row)
        cmp = compare(rec, other)
        if cmp.score >= THRESHOLD:
            scored.append((cmp.score, pk, cmp.reasons))
    scored.sort(key=lambda t: (-t[0], str(t[1])))
    scored = scored[:limit]
    if not scored:
        return []
    persons = persons_for(user).in_bulk([pk for _s, pk, _r in scored])
    return [Candidate(person=persons[pk], score=round(s, 4), reasons=reasons)
            for s, pk, reasons in scored if pk in persons]
