"""The person search through the trigram indexes (registry/fts.py): substrings, short
fragments, accents, scope, the index kept in step with renames, merges and deletions, and the
same results whichever plan SQLite is steered to, as the plain LIKE search gave."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import Q

from crecer.accounts.scope import units_for
from crecer.dedup.actions import merge_persons
from crecer.registry import actions, fts, queries
from crecer.registry.identifiers import fold
from crecer.registry.models import Person
from crecer.registry.queries import search_persons

NAMES = [  # (given names, first surname, second surname): every folded name differs
    ("María José", "Pérez", "Pincheira"), ("Ana", "Pincheira", "López"),
    ("José Luis", "Núñez", "Pérez"), ("Rosa", "de la Cruz", "Ez"),
    ("Luz", "Li", "Pérez"), ("Martín", "García", "Hernández"), ("Sofía", "López", "García"),
    ("Karla", "Zúniga", ""), ("Mateo", "Ramírez", "Díaz"), ("Ángela", "Pérez", "López"),
]


def _add(officer, territory, given, first, second="", code="", **fields):
    household = actions.create_household(actor=officer, territory=territory,
                                         data={"code": code})
    return actions.register_person(actor=officer, household=household, data={
        "given_names": given, "first_surname": first, "second_surname": second, "sex": "F",
        "birth_date": "1990-01-01", **fields})


def _names(found) -> list[str]:
    return [p.search_name for p in found]


@pytest.fixture
def people(tree, users, family):
    """The NAMES in four communities of two regions (with the family fixture's two)."""
    a, b = users["municipal_officer"], users["municipal_officer_b"]
    places = [(a, tree.comm_a1), (a, tree.comm_a1b), (b, tree.comm_b1)]
    made = {}
    for i, (given, first, second) in enumerate(NAMES):
        officer, unit = places[i % 3]
        made[given] = _add(officer, unit, given, first, second, code=f"C-{i:02d}",
                           phone=f"+5043100{i:04d}")
    return made


def test_a_surname_in_the_middle_of_the_name(users, people):
    national = users["national_manager"]
    found = _names(search_persons(national, "pincheira"))
    assert found == ["ana pincheira lopez", "maria jose perez pincheira"]
    assert _names(search_persons(national, "jose perez")) == ["jose luis nunez perez",
                                                              "maria jose perez pincheira"]


def test_a_two_letter_fragment_alone_and_with_a_longer_word(users, people):
    national = users["national_manager"]
    assert "luz li perez" in _names(search_persons(national, "li"))
    assert _names(search_persons(national, "ez cruz")) == ["rosa de la cruz ez"]
    assert _names(search_persons(national, "de la")) == ["rosa de la cruz ez"]


def test_accents_and_case_are_folded(users, people):
    national = users["national_manager"]
    assert _names(search_persons(national, "ANGELA PEREZ")) == ["angela perez lopez"]
    assert _names(search_persons(national, "Ángela Pérez")) == ["angela perez lopez"]
    assert _names(search_persons(national, "zúñiga")) == ["karla zuniga"]


def test_persons_outside_the_users_territories_never_come_back(users, tree, people):
    # Four Pérez: three in La Ceiba (two of them in Sambo Creek), one in Distrito Central
    assert _names(search_persons(users["municipal_officer_b"], "perez")) == [
        "jose luis nunez perez"]
    assert "jose luis nunez perez" not in _names(search_persons(users["municipal_officer"],
                                                                "perez"))
    assert _names(search_persons(users["volunteer"], "perez")) == [
        "angela perez lopez", "maria jose perez pincheira"]
    national = users["national_manager"]
    assert len(_names(search_persons(national, "perez"))) == 4
    assert "jose luis nunez perez" not in _names(
        search_persons(national, "perez", territory_id=tree.region_a.pk))
    # Found by every other way too, never across the boundary
    outsider = people["José Luis"]
    for text in ("C-02", "c-02", outsider.phone[-8:], "Distrito"):
        assert outsider not in search_persons(users["municipal_officer"], text), text
    assert outsider in search_persons(users["municipal_officer_b"], "c-02")


def test_a_renamed_person_is_found_by_her_new_name_only(users, people):
    officer, person = users["municipal_officer"], people["Karla"]
    actions.update_person(actor=officer, person=person, data={
        "given_names": "Karla", "first_surname": "Villalobos", "second_surname": "Quiroz",
        "sex": "F", "birth_date": "1990-01-01"})
    assert person in search_persons(officer, "villalobos")
    assert person in search_persons(officer, "lobos qui")
    assert not search_persons(officer, "zuniga")


def test_merged_and_deleted_persons_disappear(users, tree, people):
    officer = users["municipal_officer"]
    twin = _add(officer, tree.comm_a1, "Ana", "Pincheira", "Lopez")
    assert len(search_persons(officer, "ana pincheira")) == 2
    merge_persons(actor=officer, survivor=people["Ana"], merged=twin)
    assert list(search_persons(officer, "ana pincheira")) == [people["Ana"]]
    gone = _add(officer, tree.comm_a1, "Yolanda", "Quispe", "")
    assert list(search_persons(officer, "quispe")) == [gone]
    Person.objects.filter(pk=gone.pk).delete()
    assert not search_persons(officer, "quispe")


def test_id_phone_household_code_and_community(users, family):
    officer, mother = users["municipal_officer"], family["mother"]
    for text in ("0101 1995 00123", "9988-7766", "99887766", "h-0001", "sambo creek"):
        assert mother in search_persons(officer, text), text
    assert mother not in search_persons(officer, "0001")  # a code matches whole


def test_search_works_as_a_subquery(users, people):
    """As the API uses it: `.values("pk")` inside another query (aliases are renamed)."""
    national = users["national_manager"]
    found = search_persons(national, "perez", limit=500).values("pk")
    names = queries.persons_for(national).filter(pk__in=found).order_by("search_name")
    assert len(names) == 4
    assert len(queries.search_households(national, "perez")) == 4


# -- the same results as the plain LIKE search, whichever plan -------------------------------

def _plain_search(user, text: str, *, territory_id=None, limit=50) -> list[str]:
    """The search as it was before the trigram indexes (every row read)."""
    qs = queries.persons_for(user)
    if territory_id:
        qs = qs.filter(Q(territory_id=territory_id) | Q(territory__path__contains=f"/{territory_id}/"))
    text = text.strip()
    digits = re.sub(r"\D", "", text)
    cond = Q()
    words = fold(text).split()
    if words:
        name_q = Q()
        for w in words:
            name_q &= Q(search_name__contains=w)
        cond |= name_q
        community_ids = units_for(user).filter(
            name__iregex=queries.accent_pattern(words)).values("pk")
        cond |= Q(territory_id__in=community_ids) | Q(household__code__iexact=text)
    compact = re.sub(r"[\s.\-]", "", text.upper())
    if len(compact) >= 5:
        cond |= Q(id_number=compact)
    if len(digits) >= 6:
        cond |= Q(phone__endswith=digits[-8:])
    return _names(qs.filter(cond).order_by("search_name")[:limit])


TEXTS = ["perez", "PÉREZ lopez", "ez", "jose ez", "de la", "li", "pincheira", "sambo",
         "rio cangrejal", "corozal perez", "c-04", "h-0001", "0101-1995-00123", "31000007",
         "9988 7766", "nobody", "a", "garcia hernandez"]


@pytest.mark.parametrize("plan", ["A", "B", "C", None])
def test_every_plan_gives_the_results_of_the_plain_search(users, tree, people, monkeypatch,
                                                         plan):
    if plan:  # SQLite only: PostgreSQL's planner chooses for itself
        monkeypatch.setattr(queries, "cheapest_plan", lambda **k: plan)
    if plan == "C":  # communities searched by walking the names, on both databases
        monkeypatch.setattr(queries, "COMMUNITY_CROWD", 1)
    for role in ("volunteer", "municipal_officer", "municipal_officer_b", "regional_manager",
                 "national_manager"):
        user = users[role]
        for text in TEXTS:
            for kwargs in ({}, {"limit": 2}, {"territory_id": tree.muni_a1.pk}):
                expected = _plain_search(user, text, **kwargs)
                assert _names(search_persons(user, text, **kwargs)) == expected, (
                    role, text, kwargs)


def test_the_cheapest_plan_follows_the_sizes():
    million, plan = 1_000_000, queries.cheapest_plan
    # a rare name: start from its few matches, whoever searches
    assert plan(n=million, in_scope=million, matches=300, limit=50) == "A"
    # a common name over the whole country: walk the names in order, 50 come quickly
    assert plan(n=million, in_scope=million, matches=20_000, limit=50) == "C"
    # ... or over a region: still
    assert plan(n=million, in_scope=44_000, matches=20_000, limit=50) == "C"
    # a common name in one municipality: read its few thousand persons
    assert plan(n=million, in_scope=3_000, matches=20_000, limit=50) == "B"
    # only words of 1-2 letters (no trigram): never A
    assert plan(n=million, in_scope=million, matches=None, limit=50) == "C"
    assert plan(n=million, in_scope=3_000, matches=None, limit=50) == "B"


# -- the indexes themselves --------------------------------------------------------------------

def test_the_index_exists_and_is_in_step(people):
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                        "AND tbl_name = 'registry_person'")
            assert set(fts.SQLITE_TRIGGERS) <= {row[0] for row in cur.fetchall()}
            # raises if the index differs from registry_person
            cur.execute(f"INSERT INTO {fts.TABLE}({fts.TABLE}, rank) VALUES ('integrity-check', 1)")
            cur.execute(f"SELECT count(*) FROM {fts.TABLE} WHERE {fts.TABLE} MATCH %s",
                        [fts.phrases("search_name", ["perez"])])
            assert cur.fetchone()[0] == 4
        else:
            cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'registry_person'")
            names = {row[0] for row in cur.fetchall()}
            assert {"registry_person_search_trgm", "registry_person_phone_trgm"} <= names


def test_sync_triggers_dropped_for_a_bulk_load_and_restored(users, tree, people, monkeypatch):
    """What `crecer synth` does around its load: persons written meanwhile are found once the
    triggers are back (the index is rebuilt)."""
    officer = users["municipal_officer"]
    monkeypatch.setattr(queries, "cheapest_plan", lambda **k: "A")  # the FTS index
    saved = fts.drop_sync_triggers()
    late = _add(officer, tree.comm_a1, "Wilma", "Tercero", "")
    if connection.vendor == "sqlite":
        assert len(saved) == 3
        assert late not in search_persons(officer, "tercero")  # not indexed yet
    assert fts.restore_sync_triggers(saved) == len(saved)
    assert list(search_persons(officer, "tercero")) == [late]
    assert fts.restore_sync_triggers(saved) == 0  # already there
