"""Entry-time matching: the kinds of near-duplicates it finds, its reasons, scope and cost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from crecer.dedup.matching import THRESHOLD, Candidate, find_candidates, score_pair, swapped
from crecer.registry import actions


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


MOTHER = {"given_names": "María José", "first_surname": "Hernández", "second_surname": "López",
          "sex": "F", "birth_date": dt.date(1995, 3, 14)}
CHILD = {"given_names": "Luis Ángel", "first_surname": "Hernández", "second_surname": "López",
         "sex": "M", "birth_date": dt.date(2024, 7, 2)}


def _only(cands: list[Candidate], person) -> Candidate:
    assert cands, "no candidate found"
    assert cands[0].person.pk == person.pk
    return cands[0]


def test_typo_in_surname(family, users):
    c = _only(find_candidates(users["municipal_officer"], {**MOTHER, "first_surname": "Hernandes"}),
              family["mother"])
    assert "similar names" in c.reasons and "same birth date" in c.reasons
    assert THRESHOLD <= c.score <= 1


def test_accents_and_case_do_not_matter(family, users):
    data = {**MOTHER, "given_names": "MARIA JOSE", "first_surname": "HERNANDEZ",
            "second_surname": "LOPEZ"}
    c = _only(find_candidates(users["municipal_officer"], data), family["mother"])
    assert "same names" in c.reasons
    assert c.score > 0.99


def test_swapped_surnames(family, users):
    data = {**MOTHER, "first_surname": "López", "second_surname": "Hernández"}
    c = _only(find_candidates(users["municipal_officer"], data), family["mother"])
    assert "surnames swapped" in c.reasons


def test_missing_second_surname(family, users):
    data = {**MOTHER, "second_surname": ""}
    c = _only(find_candidates(users["municipal_officer"], data), family["mother"])
    assert "second surname missing in one record" in c.reasons


def test_swapped_day_and_month(family, users):
    data = {**CHILD, "given_names": "Luis Angel", "birth_date": dt.date(2024, 2, 7)}
    c = _only(find_candidates(users["municipal_officer"], data), family["child"])
    assert "birth date with day and month swapped" in c.reasons
    assert swapped(dt.date(2024, 7, 2)) == dt.date(2024, 2, 7)
    assert swapped(dt.date(2024, 7, 13)) is None


def test_same_id_even_with_other_names(family, users):
    data = {"given_names": "Majo", "first_surname": "Hernández", "sex": "F",
            "id_type": "DNI_HN", "id_number": "0101199500123"}
    c = _only(find_candidates(users["municipal_officer"], data), family["mother"])
    assert c.reasons[0] == "same ID"


def test_typo_plus_swapped_surnames_as_on_the_registration_page(family, users):
    data = {"given_names": "Luis Anjel", "first_surname": "López", "second_surname": "Hernández",
            "sex": "M", "birth_date": dt.date(2024, 7, 2)}
    c = _only(find_candidates(users["municipal_officer"], data), family["child"])
    assert {"similar names", "surnames swapped", "same birth date"} <= set(c.reasons)


def test_sibling_and_parent_are_not_candidates(family, users):
    sibling = {**CHILD, "given_names": "Ana Sofía", "sex": "F", "birth_date": dt.date(2022, 1, 5),
               "phone": "+50499887766"}
    assert find_candidates(users["municipal_officer"], sibling) == []
    # Same names as the child but born 30 years earlier: a namesake, not the same person.
    namesake = {**CHILD, "birth_date": dt.date(1994, 11, 20)}
    assert find_candidates(users["municipal_officer"], namesake) == []


def test_ranked_and_limited_and_excluded(family, users):
    user = users["municipal_officer"]
    # Names only (no date): both mother and child share the surnames; only the mother matches.
    cands = find_candidates(user, {"given_names": "Maria Jose", "first_surname": "Hernandez",
                                   "second_surname": "Lopez", "sex": "F"})
    assert [c.person.pk for c in cands] == [family["mother"].pk]
    assert find_candidates(user, MOTHER, exclude_ids=[family["mother"].pk]) == []
    assert find_candidates(user, MOTHER, limit=0) == []


def test_scope_other_municipality_not_shown(family, users, tree):
    admin = users["admin"]
    hh = actions.create_household(actor=admin, territory=tree.comm_a2, data={"code": "H-A2"})
    twin = actions.register_person(actor=admin, household=hh, data={**MOTHER, "sex": "F"})
    officer = users["municipal_officer"]  # La Ceiba only
    pks = [c.person.pk for c in find_candidates(officer, MOTHER)]
    assert pks == [family["mother"].pk]
    assert twin.pk in [c.person.pk for c in find_candidates(admin, MOTHER)]
    assert find_candidates(users["municipal_officer_b"], MOTHER) == []


def test_merged_persons_are_not_candidates(family, users):
    from crecer.registry.models import Person

    Person.objects.filter(pk=family["child"].pk).update(merged_into=family["mother"])
    assert find_candidates(users["municipal_officer"], CHILD) == []


def test_query_count_is_bounded(family, users):
    data = {**MOTHER, "id_type": "DNI_HN", "id_number": "0101199500123", "phone": "+50499887766"}
    with CaptureQueriesContext(connection) as ctx:
        find_candidates(users["municipal_officer"], data)
    # id, phone, birth date, two name prefixes, then one fetch of the winners (+ scope roots).
    assert len(ctx.captured_queries) <= 8


def test_score_pair_is_symmetric_and_ordered():
    a = {**MOTHER, "first_surname": "Hernandes"}
    assert abs(score_pair(a, MOTHER).score - score_pair(MOTHER, a).score) < 1e-9
    exact = score_pair(MOTHER, MOTHER).score
    typo = score_pair(MOTHER, a).score
    other = score_pair(MOTHER, CHILD).score
    assert exact > typo > THRESHOLD > other
