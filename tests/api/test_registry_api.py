"""Territories, households and persons through the API: scope, pagination, search, writes
through the actions (audited), validation errors naming each field."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from crecer.core.models import AuditEvent
from crecer.registry.models import Household, Person, Relationship

# --- territories -----------------------------------------------------------------------------


def test_territories_are_those_of_my_subtrees(api_as, tree):
    body = api_as("municipal_officer").get("territories").json()
    codes = {u["code"] for u in body["items"]}
    assert codes == {"HN-0101", "HN-0101-001", "HN-0101-002", "HN-0101-CS1"}
    assert body["count"] == 4
    assert all(u["level"] for u in body["items"])


def test_territory_filters(api_as, tree):
    api = api_as("regional_manager")
    communities = api.get("territories", {"level": "community"}).json()["items"]
    assert {u["code"] for u in communities} == {"HN-0101-001", "HN-0101-002", "HN-0102-001",
                                                "HN-0101-CS1"}
    by_depth = api.get("territories", {"level": "3"}).json()["items"]
    assert {u["code"] for u in by_depth} == {"HN-0101", "HN-0102"}
    children = api.get("territories", {"parent": tree.muni_a1.pk, "kind": "area"}).json()
    assert {u["name"] for u in children["items"]} == {"Sambo Creek", "Corozal"}
    one = api.get("territories", {"code": "hn-0102-001"}).json()["items"]
    assert [u["id"] for u in one] == [tree.comm_a2.pk]
    # A unit of another region is not found through filters either.
    assert api.get("territories", {"code": "HN-0801"}).json() == {
        "count": 0, "limit": 50, "offset": 0, "items": []}
    assert api.get("territories", {"level": "galaxy"}).json() == {
        "errors": {"level": "Unknown level “galaxy”."}}


def test_territory_detail_and_outsider_404(api_as, tree):
    api = api_as("municipal_officer")
    detail = api.get(f"territories/{tree.comm_a1.pk}").json()
    assert detail["code"] == "HN-0101-001" and detail["level"] == "community"
    # Ancestors only as far up as the user's own territories reach.
    assert [a["code"] for a in detail["ancestors"]] == ["HN-0101"]
    assert api.get(f"territories/{tree.comm_b1.pk}").status_code == 404
    assert api.get(f"territories/{tree.region_a.pk}").status_code == 404
    assert api.get("territories/999999").status_code == 404


# --- households ------------------------------------------------------------------------------


def test_household_list_is_scoped_and_summarised(api_as, family, family_b):
    body = api_as("municipal_officer").get("households").json()
    assert [h["code"] for h in body["items"]] == ["H-0001"]
    item = body["items"][0]
    assert item["member_count"] == 2
    assert item["caregiver_name"] == "María José Hernández López"
    assert item["territory"]["code"] == "HN-0101-001"
    national = api_as("national_manager").get("households").json()
    assert {h["code"] for h in national["items"]} == {"H-0001", "H-B001"}


def test_household_pagination(api_as, users, tree):
    from crecer.registry import actions

    for i in range(7):
        actions.create_household(actor=users["municipal_officer"], territory=tree.comm_a1b,
                                 data={"code": f"P-{i}"})
    api = api_as("municipal_officer")
    first = api.get("households", {"limit": 3}).json()
    second = api.get("households", {"limit": 3, "offset": 3}).json()
    last = api.get("households", {"limit": 3, "offset": 6}).json()
    assert first["count"] == second["count"] == last["count"] == 7
    codes = [h["code"] for page in (first, second, last) for h in page["items"]]
    assert sorted(codes) == [f"P-{i}" for i in range(7)]  # no overlap, nothing lost
    assert api.get("households", {"limit": 10_000}).json() == {
        "errors": {"limit": "Must be at most 500."}}
    assert api.get("households", {"offset": -1}).status_code == 422


def test_household_search_and_territory_filter(api_as, family, family_b, tree):
    api = api_as("national_manager")
    found = api.get("households", {"q": "maria jose hernandez"}).json()["items"]
    assert [h["code"] for h in found] == ["H-0001"]
    assert api.get("households", {"q": "99887766"}).json()["items"][0]["code"] == "H-0001"
    in_b = api.get("households", {"territory": tree.region_b.pk}).json()["items"]
    assert [h["code"] for h in in_b] == ["H-B001"]
    # Searching from outside finds nothing; filtering on a unit outside is a field error.
    officer_b = api_as("municipal_officer_b")
    assert officer_b.get("households", {"q": "hernandez"}).json()["count"] == 0
    assert officer_b.get("households", {"territory": tree.comm_a1.pk}).json() == {
        "errors": {"territory": f"No territory {tree.comm_a1.pk} among your territories."}}


def test_household_detail_has_members_with_roles_and_relations(api_as, family):
    body = api_as("volunteer").get(f"households/{family['household'].pk}").json()
    members = {m["given_names"]: m for m in body["members"]}
    assert set(members) == {"María José", "Luis Ángel"}
    assert [r["role"] for r in members["Luis Ángel"]["roles"]] == ["child"]
    assert members["Luis Ángel"]["relatives"] == [{
        "person_id": str(family["mother"].pk), "full_name": "María José Hernández López",
        "kind": "mother"}]


def test_create_household_is_audited(api_as, tree, users):
    response = api_as("volunteer").post("households", {
        "territory": tree.comm_a1.pk, "code": "H-77", "address": "  Calle   7 ",
        "area": "rural", "rooms": 2, "has_electricity": True, "monthly_income": 1500.5})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["address"] == "Calle 7" and body["rooms"] == 2 and body["members"] == []
    assert body["monthly_income"] == 1500.5
    household = Household.objects.get(pk=body["id"])
    event = AuditEvent.objects.get(object_id=str(household.pk), action="create")
    assert event.actor_username == "vol" and event.territory_path == tree.comm_a1.path


def test_create_household_refusals(api_as, tree):
    # A unit outside the caller's territories: 404, as if it did not exist.
    assert api_as("volunteer").post("households", {"territory": tree.comm_b1.pk}).status_code == 404
    assert api_as("volunteer").post("households", {"territory": 999999}).status_code == 404
    # Visible, but the role does not edit the registry: 403.
    denied = api_as("national_manager").post("households", {"territory": tree.comm_a1.pk})
    assert denied.status_code == 403
    assert not Household.objects.exists()
    # Every bad field is named, with the registry's own messages.
    bad = api_as("municipal_officer").post("households", {
        "territory": tree.comm_a1.pk, "area": "desert", "latitude": 123, "rooms": -2})
    assert bad.status_code == 422
    assert bad.json() == {"errors": {
        "area": "Area must be rural or urban.",
        "latitude": "Must be a number between -90 and 90.",
        "rooms": "Must be a positive number."}}
    typed = api_as("municipal_officer").post("households", {"territory": "x", "colour": "red"})
    assert typed.json() == {"errors": {"territory": "Enter a whole number.",
                                       "colour": "Unknown field."}}
    missing = api_as("municipal_officer").post("households", {})
    assert missing.json() == {"errors": {"territory": "This field is required."}}


def test_update_household_changes_only_fields_sent(api_as, family, tree):
    hh = family["household"]
    api = api_as("facilitator")
    response = api.patch(f"households/{hh.pk}", {"rooms": 3, "water_source": "well"})
    assert response.status_code == 200, response.content
    hh.refresh_from_db()
    assert (hh.rooms, hh.water_source, hh.code, hh.address, hh.area) == (
        3, "well", "H-0001", "Calle 1", "rural")
    event = AuditEvent.objects.filter(object_id=str(hh.pk), action="update").get()
    assert event.changes == {"rooms": [None, 3], "water_source": ["", "well"]}
    # Values not sent are saved as they were, and the audit sees no change in them.
    api.patch(f"households/{hh.pk}", {"monthly_income": 1500.5, "latitude": 15.7})
    api.patch(f"households/{hh.pk}", {"rooms": 4})
    last = AuditEvent.objects.filter(object_id=str(hh.pk), action="update").order_by("-id")[0]
    assert last.changes == {"rooms": [3, 4]}

    moved = api.patch(f"households/{hh.pk}", {"territory": tree.comm_a1b.pk})
    assert moved.status_code == 200
    assert {m["territory"]["code"] for m in moved.json()["members"]} == {"HN-0101-002"}
    assert Person.objects.filter(household=hh, territory=tree.comm_a1b).count() == 2
    # Moving it out of the caller's territories is a field error.
    outside = api.patch(f"households/{hh.pk}", {"territory": tree.comm_b1.pk})
    assert outside.status_code == 422 and set(outside.json()["errors"]) == {"territory"}


def test_update_household_refusals(api_as, family, family_b):
    hh = family["household"]
    assert api_as("municipal_officer_b").patch(f"households/{hh.pk}", {"rooms": 1}).status_code == 404
    assert api_as("regional_manager").patch(f"households/{hh.pk}", {"rooms": 1}).status_code == 403
    # Role check comes after scope: a non-editor learns nothing about other territories.
    assert api_as("regional_manager").patch(
        f"households/{family_b['household'].pk}", {"rooms": 1}).status_code == 404
    hh.refresh_from_db()
    assert hh.rooms is None


# --- persons ---------------------------------------------------------------------------------


def test_person_list_search_and_filters(api_as, family, family_b):
    api = api_as("national_manager")
    everyone = api.get("persons").json()
    assert everyone["count"] == 3
    assert [p["given_names"] for p in api.get("persons", {"q": "LUIS angel hernandez"}).json()["items"]] \
        == ["Luis Ángel"]
    assert api.get("persons", {"q": "0101 1995 00123"}).json()["items"][0]["id"] == \
        str(family["mother"].pk)
    carers = api.get("persons", {"role": "caregiver"}).json()["items"]
    assert {p["given_names"] for p in carers} == {"María José", "Rosa Elena"}
    members = api.get("persons", {"household": str(family_b["household"].pk)}).json()["items"]
    assert [p["given_names"] for p in members] == ["Rosa Elena"]
    assert api.get("persons", {"role": "alien"}).json() == {
        "errors": {"role": "Unknown role “alien”."}}
    assert api_as("volunteer").get("persons", {"q": "rosa"}).json()["count"] == 0


def test_person_detail_and_outsider_404(api_as, family):
    child = family["child"]
    body = api_as("volunteer").get(f"persons/{child.pk}").json()
    assert body["full_name"] == "Luis Ángel Hernández López"
    assert body["birth_date"] == "2024-07-02"
    assert body["relatives"][0]["kind"] == "mother"
    assert api_as("municipal_officer_b").get(f"persons/{child.pk}").status_code == 404
    assert api_as("volunteer").get("persons/not-a-uuid").status_code == 404


def test_register_person_with_roles_relationship_and_pregnancy(api_as, family):
    edd = (timezone.localdate() + dt.timedelta(days=100)).isoformat()
    response = api_as("volunteer").post("persons", {
        "household": str(family["household"].pk), "given_names": "Ana Lucía",
        "first_surname": "Hernández", "second_surname": "López", "sex": "F",
        "birth_date": "2006-05-01", "roles": ["pregnant", "caregiver"],
        "expected_delivery_date": edd,
        "relationships": [{"person": str(family["mother"].pk), "kind": "mother"}]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert {r["role"]: r["expected_delivery_date"] for r in body["roles"]} == {
        "caregiver": None, "pregnant": edd}
    assert body["relatives"] == [{"person_id": str(family["mother"].pk),
                                  "full_name": "María José Hernández López", "kind": "mother"}]
    person = Person.objects.get(pk=body["id"])
    assert person.territory_id == family["household"].territory_id
    assert Relationship.objects.filter(from_person=family["mother"], to_person=person).exists()
    actions_logged = set(AuditEvent.objects.filter(person_id=person.pk)
                         .values_list("entity", "action"))
    assert actions_logged == {("registry.person", "create"), ("registry.relationship", "create")}


def test_register_person_validation_names_each_field(api_as, family):
    api = api_as("municipal_officer")
    hh = str(family["household"].pk)
    bad = api.post("persons", {"household": hh, "given_names": "", "first_surname": "Paz",
                               "sex": "Q", "id_type": "CURP", "id_number": "ABC",
                               "phone": "12", "roles": ["pregnant"]})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"given_names", "sex", "id_number", "phone"}
    no_edd = api.post("persons", {"household": hh, "given_names": "Eva", "first_surname": "Paz",
                                  "sex": "F", "roles": ["pregnant"]})
    assert no_edd.json() == {"errors": {
        "expected_delivery_date": "A pregnant woman needs an expected delivery date."}}
    wrong = api.post("persons", {"household": hh, "given_names": "Eva", "first_surname": "Paz",
                                 "sex": "F", "birth_date": "31/02/2020",
                                 "relationships": [{"person": hh, "kind": "aunt"}]})
    assert wrong.status_code == 422
    assert set(wrong.json()["errors"]) == {"birth_date"}
    rel = api.post("persons", {"household": hh, "given_names": "Eva", "first_surname": "Paz",
                               "sex": "F", "relationships": [{"person": hh, "kind": "aunt"}]})
    assert rel.json() == {"errors": {"relationships.0.kind": "Unknown relationship “aunt”."}}
    assert Person.objects.count() == 2


def test_likely_duplicate_is_409_until_confirmed(api_as, family):
    api = api_as("municipal_officer")
    data = {"household": str(family["household"].pk), "given_names": "Luis Anjel",
            "first_surname": "Hernández", "second_surname": "López", "sex": "M",
            "birth_date": "2024-07-02", "roles": ["child"]}
    conflict = api.post("persons", data)
    assert conflict.status_code == 409
    candidates = conflict.json()["candidates"]
    assert candidates[0]["id"] == str(family["child"].pk)
    assert candidates[0]["score"] > 0.5 and candidates[0]["reasons"]
    assert Person.objects.count() == 2
    confirmed = api.post("persons", {**data, "ignore_duplicates": True})
    assert confirmed.status_code == 201
    assert Person.objects.count() == 3
    # The choice "a new person" is remembered for the registry-wide duplicate search.
    from crecer.dedup.models import DuplicateCandidate

    pair = DuplicateCandidate.objects.get()
    assert {pair.person_a_id, pair.person_b_id} == {family["child"].pk,
                                                    uuid.UUID(confirmed.json()["id"])}
    assert pair.status == "rejected" and pair.source == "entry"


def test_register_person_refusals(api_as, family, family_b):
    data = {"given_names": "Eva", "first_surname": "Paz", "sex": "F"}
    assert api_as("volunteer").post(
        "persons", {**data, "household": str(family_b["household"].pk)}).status_code == 404
    assert api_as("data_officer").post(
        "persons", {**data, "household": str(family["household"].pk)}).status_code == 403
    # A relative outside the caller's territories is not found.
    outside = api_as("volunteer").post("persons", {
        **data, "household": str(family["household"].pk),
        "relationships": [{"person": str(family_b["mother"].pk), "kind": "mother"}]})
    assert outside.status_code == 422
    assert list(outside.json()["errors"]) == ["relationships.0.person"]
    assert Person.objects.count() == 3


def test_update_person_changes_only_fields_sent(api_as, family):
    mother = family["mother"]
    edd = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    response = api_as("volunteer").patch(f"persons/{mother.pk}", {
        "phone": "+504 9999-1111", "expected_delivery_date": edd})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["phone"] == "+50499991111"
    assert body["id_number"] == "0101199500123" and body["given_names"] == "María José"
    assert {r["role"] for r in body["roles"]} == {"caregiver", "pregnant"}
    update = AuditEvent.objects.filter(person_id=mother.pk, action="update",
                                       entity="registry.person")
    assert update.count() == 2  # the phone, then the pregnancy
    bad = api_as("volunteer").patch(f"persons/{mother.pk}", {"sex": "X"})
    assert bad.json() == {"errors": {"sex": "Sex must be F or M."}}


def test_update_person_refusals(api_as, family):
    child = family["child"]
    assert api_as("municipal_officer_b").patch(
        f"persons/{child.pk}", {"given_names": "X"}).status_code == 404
    assert api_as("national_manager").patch(
        f"persons/{child.pk}", {"given_names": "X"}).status_code == 403
    child.refresh_from_db()
    assert child.given_names == "Luis Ángel"


def test_invalid_json_body_is_400(api_as, family):
    api = api_as("volunteer")
    response = api.client.post("/api/v1/households", "{not json",
                               content_type="application/json", **api.headers)
    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is not valid JSON."}


# --- no N+1 ----------------------------------------------------------------------------------


@pytest.fixture
def many_households(users, tree):
    from crecer.registry import actions

    officer = users["municipal_officer"]

    def make(n: int) -> None:
        for i in range(n):
            hh = actions.create_household(actor=officer, territory=tree.comm_a1,
                                          data={"code": f"Q-{i:03d}"})
            mother = actions.register_person(
                actor=officer, household=hh, roles=["caregiver"],
                data={"given_names": f"Madre {i}", "first_surname": "Soto", "sex": "F"})
            actions.register_person(
                actor=officer, household=hh, roles=["child"], relationships=[(mother, "mother")],
                data={"given_names": f"Hijo {i}", "first_surname": "Soto", "sex": "M"})

    return make


@pytest.mark.parametrize("path, params, budget", [
    # token, roots, page, count (+ prefetches); the same whatever the number of rows
    ("territories", {"limit": 2}, 4),
    ("households", {"limit": 20}, 4),
    ("households", {"limit": 20, "q": "soto"}, 5),
    ("persons", {"limit": 30}, 5),
    ("persons", {"limit": 30, "q": "soto"}, 6),  # the search: sizes, then the query
    ("audit", {"limit": 30}, 4),
])
def test_list_queries_do_not_grow_with_rows(api_as, many_households, path, params, budget,
                                            django_assert_max_num_queries):
    many_households(3)
    api = api_as("admin")
    api.get(path, params)  # the token's last_used_at is written on first use
    with django_assert_max_num_queries(budget):
        small = api.get(path, params)
    many_households(25)
    with django_assert_max_num_queries(budget):
        large = api.get(path, params)
    assert small.status_code == large.status_code == 200
    assert len(large.json()["items"]) >= len(small.json()["items"])


def test_detail_queries_do_not_grow_with_members(api_as, family, users,
                                                 django_assert_max_num_queries):
    from crecer.registry import actions

    api = api_as("municipal_officer")
    url = f"households/{family['household'].pk}"
    api.get(url)
    for i in range(10):
        actions.register_person(actor=users["municipal_officer"], household=family["household"],
                                roles=["child"], relationships=[(family["mother"], "mother")],
                                data={"given_names": f"Niño {i}", "first_surname": "Hernández",
                                      "sex": "M"})
    # token, roots, household, members, roles, relations in, relations out
    with django_assert_max_num_queries(7):
        body = api.get(url).json()
    assert len(body["members"]) == 12
