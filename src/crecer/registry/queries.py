"""Reads of the registry, each limited to what the caller may see."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, Trim, Upper
from django.db.models.lookups import IsNull

from crecer.accounts.scope import units_for, within
from crecer.territory.models import OrgUnit

from . import fts
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
    if include_merged:
        return qs
    if connection.vendor == "sqlite":  # nearly every person: no index should lead with it
        return qs.filter(IsNull(_unindexed("merged_into"), True))
    return qs.filter(merged_into__isnull=True)


def search_persons(user, text: str, *, territory_id: int | None = None, limit: int = 50):
    """Accent- and case-insensitive search by name, ID, phone, household code or community:
    the first `limit` matching persons in the user's scope, by name.

    A word may sit anywhere in a name, so the trigram indexes of `fts.py` answer the name part;
    every other way of matching has its own index. Each part gives its own first `limit`
    persons in scope (`_sqlite_top`, `_postgres_top`), and the scoped query reads and sorts
    those few: the cost follows the persons found or the `limit`, not the registry's size.
    Two queries: one of sizes (which steers the plans), then the search.
    """
    sqlite = connection.vendor == "sqlite"
    qs = persons_for(user)
    if sqlite:
        qs = qs.alias(fts_rowid=fts.RowId())
    units, place = units_for(user), Q()
    if territory_id:
        place = Q(territory_id=territory_id) | Q(territory__path__contains=f"/{territory_id}/")
        qs = qs.filter(place)
        units = units.filter(Q(pk=territory_id) | Q(path__contains=f"/{territory_id}/"))
    text = (text or "").strip()
    search = _Search(words=fold(text).split(), units=units, limit=limit,
                     others=_id_and_phone(text, sqlite=sqlite))
    if not search.words and not search.others:
        return qs.order_by("search_name")[:limit]
    if search.words:
        search.communities = _communities(units, search.words, sqlite=sqlite)
        # UPPER(code) = UPPER(text): Django's iexact, written so that the index
        # registry_household_code_upper answers it.
        search.coded = Household.objects.annotate(code_upper=Upper("code")).filter(
            code_upper=Upper(Value(text))).values("pk")
    if sqlite:
        tops, key = _sqlite_tops(search), "fts_rowid__in"
    else:
        tops, key = _postgres_tops(search, within(user) & place), "pk__in"
    found = tops[0].union(*tops[1:]) if len(tops) > 1 else tops[0]
    return qs.filter(**{key: found}).order_by("search_name")[:limit]


@dataclass
class _Search:
    """The parts of one search: each gives its first `limit` persons in scope."""

    words: list[str]  # folded; every one must be in the name
    units: QuerySet  # the org units in scope
    limit: int
    others: list[Q]  # ID, phone (and household code): conditions on the person
    communities: QuerySet | None = None  # the units whose name matches the words
    coded: QuerySet | None = None  # the households whose code is the text


def _communities(units: QuerySet, words: list[str], *, sqlite: bool) -> QuerySet:
    """The ids of the units in scope whose name holds the words in order, accents aside ("rio
    cangrejal" finds "Río Cangrejal"): their persons match."""
    if sqlite:  # a LIKE first, so that the REGEXP (a Python function) runs on few names
        units = units.filter(Func(Value(accent_like(words)), F("name"), function="LIKE",
                                  output_field=BooleanField()))
    return units.filter(name__iregex=accent_pattern(words)).values("pk")


def _id_and_phone(text: str, *, sqlite: bool) -> list[Q]:
    """The ID and phone ways to match `text`, each a condition on the person that an index
    answers (on SQLite `fts_rowid` is her rowid)."""
    branches: list[Q] = []
    compact = re.sub(r"[\s.\-]", "", text.upper())
    if len(compact) >= 5:
        branches.append(Q(id_number=compact))
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 6:
        tail = digits[-8:]
        phone = Q(phone__endswith=tail)
        if sqlite:
            phone &= Q(fts_rowid__in=fts.matching_rowids("phone", [tail]))
        branches.append(phone)
    return branches


# A word that names many communities ("san": hundreds) matches many persons: counted (on the
# territory index) up to this, beyond which walking the names in order finds the first sooner
# than reading them all (at a million persons; below, reading them is quick anyway).
COMMUNITY_CROWD = 10_000


# -- PostgreSQL: its planner chooses, given good estimates -------------------------------------
#
# With the statistics of `search_name` raised (migration 0002) PostgreSQL estimates how common
# a word is, and picks the trigram index (a rare word), the territory index (a small scope) or
# a walk along the names in order until `limit` are found (a common word over a large scope;
# an index-only scan of registry_person_name_walk, cheap even when the estimate was wrong). It
# cannot estimate a subtree of the territory (a range of paths) nor a regex, so the units in
# a small scope, the communities and the households found are given as lists.
SCOPE_LIST_MAX = 1_000


@dataclass
class _Lists:
    scope: list[int]  # up to SCOPE_LIST_MAX + 1
    communities: list[int]
    coded: list  # household ids
    crowd: int  # persons in `communities`, up to COMMUNITY_CROWD


def _postgres_lists(units: QuerySet, communities: QuerySet | None,
                    coded: QuerySet | None) -> _Lists:
    """The lists above, in one query."""
    parts, params = [], []
    for sub in (units.values("pk")[:SCOPE_LIST_MAX + 1], communities, coded):
        if sub is None:
            parts.append("ARRAY[]::integer[]")
            continue
        sql, sub_params = sub.query.sql_with_params()
        parts.append(f"ARRAY({sql})")
        params += sub_params
    if communities is not None:
        sql, sub_params = communities.query.sql_with_params()
        parts.append(f"(SELECT count(*) FROM (SELECT 1 FROM {Person._meta.db_table} "
                     f"WHERE territory_id IN ({sql}) LIMIT %s) crowd)")
        params += [*sub_params, COMMUNITY_CROWD]
    else:
        parts.append("0")
    with connection.cursor() as cur:
        cur.execute("SELECT " + ", ".join(parts), params)
        return _Lists(*cur.fetchone())


def _postgres_tops(search: _Search, scope: Q) -> list[QuerySet]:
    """PostgreSQL: one query of ids per part (name, communities, household code, ID, phone);
    `scope` is the user's, as a join, used when it has too many units for a list."""
    limit, others = search.limit, list(search.others)
    lists = _postgres_lists(search.units, search.communities, search.coded)
    if len(lists.scope) <= SCOPE_LIST_MAX:  # else `scope`: the user's subtrees, joined
        scope = Q(territory_id__in=lists.scope)
    if lists.coded:
        others.append(Q(household_id__in=lists.coded))
    tops = []
    if search.words:
        name = Q(*(Q(search_name__contains=w) for w in search.words))
        tops.append(_postgres_top(scope, name, limit, walk=True))
    if lists.communities:
        tops.append(_postgres_top(Q(territory_id__in=lists.communities), Q(), limit,
                                  walk=lists.crowd >= COMMUNITY_CROWD))
    return tops + [_postgres_top(scope, branch, limit, walk=False) for branch in others]


def _postgres_top(scope: Q, part: Q, limit: int, *, walk: bool) -> QuerySet:
    """PostgreSQL: the ids of the first `limit` unmerged persons in `scope`, by name, who match
    `part` (the name, or one other way). One query per part: inside an OR, or the IN of a
    UNION, the planner could use no index or would misjudge the sizes. Only where the persons
    found are known to be many may it walk the name index (else, misjudging, it might walk it
    to the end)."""
    order = F("search_name") if walk else _unindexed("search_name")
    return (Person.objects.filter(scope, part, merged_into__isnull=True)
            .order_by(order).values("pk")[:limit])


# -- SQLite: the search chooses -------------------------------------------------------------------
#
# SQLite's planner has no statistics on the FTS index and takes `merged_into_id IS NULL` or a
# territory range for selective, so the search picks the plan itself, for the name part, from
# rough costs (microseconds per row, measured at 1,000,000 persons):
#   A  start from the persons the FTS index finds: fetch and sort each one;
#   B  start from the persons of the user's territories (territory index): check each name;
#   C  walk the name index in order, checking the name in the index entry, until `limit`
#      persons in scope are found (a common name searched over a large scope).
# The communities found: B, or C when they hold many persons (and C costs less). The household
# code, ID and phone find few persons: A. A plan is imposed by leaving the conditions that
# must not lead unindexable (fts.Unindexed).
COST_A_PER_MATCH = 1.5
COST_B_PER_PERSON = 0.9
COST_C_PER_ENTRY = 0.35
COST_ROW = 3.0
COST_C_PER_ROW = 2.0  # a walk that must read each row (the communities' C)
MATCH_COUNT_CAP = 20_000  # counting stops here (about 5 ms)
CROWD_COUNT_CAP = 100_000  # idem (about 3 ms, on the territory index)
SCOPE_COUNT_CAP = 30_000  # idem (about 3 ms); above, the share of org units in scope is used
SHORT_WORDS_SHARE = 0.05  # the share of names guessed to hold words of 1-2 letters


def _sqlite_tops(search: _Search) -> list[QuerySet]:
    """SQLite: one query of rowids per part (name, communities, the others together)."""
    units, limit = search.units, search.limit
    tops, others = [], list(search.others)
    if search.words:
        plan, crowded = _sqlite_plans(search.words, units, search.communities, limit)
        tops.append(_sqlite_top(plan, units, limit, words=search.words))
        tops.append(_sqlite_top("C" if crowded else "B", search.communities, limit))
        others.append(Q(household_id__in=search.coded))
    if others:
        tops.append(_sqlite_top("A", units, limit, others=others))
    if len(tops) > 1:  # (a compound SELECT cannot hold a LIMIT: one level more)
        tops = [Person.objects.annotate(fts_rowid=fts.RowId()).filter(fts_rowid__in=top)
                .values("fts_rowid") for top in tops]
    return tops


def _sqlite_plans(words: list[str], units: QuerySet, communities: QuerySet,
                  limit: int) -> tuple[str, bool]:
    """The plan for the name part (see above) and whether the communities found are crowded,
    from one query of sizes: the registry (its largest rowid), the persons in scope, the FTS
    matches and the persons of the communities (the last three counted up to a cap)."""
    long = [w for w in words if len(w) >= fts.TRIGRAM]
    units_sql, units_params = units.values("pk").query.sql_with_params()
    places_sql, places_params = communities.query.sql_with_params()
    person, unit = Person._meta.db_table, OrgUnit._meta.db_table
    sql = (f"SELECT (SELECT max(rowid) FROM {person}), (SELECT count(*) FROM {unit}), "
           f"(SELECT count(*) FROM ({units_sql})), "
           f"(SELECT count(*) FROM (SELECT 1 FROM {person} WHERE territory_id IN ({units_sql}) "
           "LIMIT %s)), "
           f"(SELECT count(*) FROM (SELECT 1 FROM {person} WHERE territory_id IN ({places_sql}) "
           "LIMIT %s))")
    params = [*units_params, *units_params, SCOPE_COUNT_CAP, *places_params, CROWD_COUNT_CAP]
    if long:
        sql += (f", (SELECT count(*) FROM (SELECT 1 FROM {fts.TABLE} WHERE {fts.TABLE} MATCH %s "
                "LIMIT %s))")
        params += [fts.phrases("search_name", long), MATCH_COUNT_CAP]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        n, n_units, n_units_in_scope, in_scope, crowd, *matches = cur.fetchone()
    n = n or 0
    if in_scope >= SCOPE_COUNT_CAP:
        in_scope = max(in_scope, n * n_units_in_scope / max(n_units, 1))
    plan = cheapest_plan(n=n, in_scope=in_scope, matches=matches[0] if long else None,
                         limit=limit)
    # the communities' persons: read them all (B), or walk the names fetching each row (C)
    walk = COST_C_PER_ROW * limit * n / max(crowd, 1)
    return plan, crowd >= COMMUNITY_CROWD and walk < COST_B_PER_PERSON * crowd


def cheapest_plan(*, n: int, in_scope: float, matches: int | None, limit: int) -> str:
    """The plan of least estimated cost for a registry of `n` persons of which the user sees
    `in_scope`, when the FTS index finds `matches` names (None: no word of 3+ letters)."""
    found = n * SHORT_WORDS_SHARE if matches is None else matches
    found_in_scope = max(found * in_scope / max(n, 1), 1)
    cost = {
        "A": float("inf") if matches is None else COST_A_PER_MATCH * found,
        "B": COST_B_PER_PERSON * in_scope,
        "C": COST_C_PER_ENTRY * min(n, limit * n / found_in_scope) + COST_ROW * limit,
    }
    return min(cost, key=cost.__getitem__)


def _sqlite_top(plan: str, units: QuerySet | list[int], limit: int, *,
                words: list[str] | None = None, others: list[Q] | None = None) -> QuerySet:
    """SQLite: the rowids of the first `limit` unmerged persons in `units`, by name, whose name
    holds every word of `words` (or who match one of `others`; or all of them), found by
    `plan`."""
    qs = Person.objects.annotate(fts_rowid=fts.RowId()).alias(
        unmerged=_unindexed("merged_into"),
        u_territory=_unindexed("territory_id", IntegerField()))
    scope = units if isinstance(units, list) else units.values("pk")
    likes = [Q(search_name__contains=w) for w in words or []]
    if others:  # A over the union of the other parts
        ids = [Person.objects.annotate(fts_rowid=fts.RowId()).filter(b).values("fts_rowid")
               for b in others]
        qs = qs.filter(fts_rowid__in=ids[0].union(*ids[1:]) if len(ids) > 1 else ids[0],
                       u_territory__in=scope)
    elif plan == "A" and (long := [w for w in words if len(w) >= fts.TRIGRAM]):
        qs = qs.filter(*(q for w, q in zip(words, likes, strict=True) if w not in long),
                       fts_rowid__in=fts.matching_rowids("search_name", long),
                       u_territory__in=scope)
    elif plan == "B":
        qs = qs.filter(*likes, territory_id__in=scope)
    else:
        qs = qs.filter(*likes, u_territory__in=scope)
    return qs.filter(unmerged__isnull=True).order_by("search_name").values("fts_rowid")[:limit]


def _unindexed(field: str, output_field=None):
    return fts.Unindexed(F(field), output_field=output_field or CharField())


def accent_like(words: list[str]) -> str:
    """A LIKE pattern that every name matching `accent_pattern(words)` matches: letters that may
    carry an accent become `_` (any one character)."""
    return "%" + "%".join("".join("_" if c in _ACCENTS else c for c in w) for w in words) + "%"


def search_households(user, text: str, limit: int = 50) -> QuerySet[Household]:
    ids = search_persons(user, text, limit=500).values("household_id")
    return households_for(user).filter(pk__in=ids).order_by("code")[:limit]


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
