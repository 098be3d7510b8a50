"""The household registration page: one form, every member, duplicates checked first."""

from __future__ import annotations

import pytest

from crecer.core.models import AuditEvent
from crecer.registry.models import Household, Person, Relationship

from .conftest import (
    CAREGIVER,
    CHILD_1,
    CHILD_2,
    NEAR_DUPLICATE_CHILD,
    PREGNANT,
    edd,
    fingerprints,
    registration_data,
)

URL = "/households/new/"


def test_page_is_spanish_and_offers_only_communities_in_scope(client, users, tree):
    client.force_login(users["municipal_officer"])
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="es">' in html
    assert "Sambo Creek" in html and "Corozal" in html
    assert "Villa Nueva" not in html  # another municipality
    assert ">La Ceiba<" not in html  # a municipality with communities is not offered
    assert 'id="member-template"' in html and 'name="members-TOTAL_FORMS"' in html
    assert '<label for="id_members-0-given_names">' in html  # every field has a label


def test_register_household_with_caregiver_pregnant_woman_and_two_children(officer_client, tree):
    due = edd(120)
    data = registration_data(
        tree.comm_a1, [CAREGIVER, {**PREGNANT, "expected_delivery_date": due}, CHILD_1, CHILD_2],
        code="H-0100", address="Barrio El Centro", area="rural", has_electricity="yes", rooms="2")
    response = officer_client.post(URL, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    household = Household.objects.get(code="H-0100")
    assert response["Location"] == f"/households/{household.pk}/"
    assert household.territory == tree.comm_a1 and household.has_electricity is True

    members = {p.given_names: p for p in Person.objects.filter(household=household)}
    assert set(members) == {"Rosa Elena", "Karla", "Sofía", "Mateo"}
    assert all(p.territory == tree.comm_a1 for p in members.values())
    assert members["Rosa Elena"].phone == "+50431234567"
    assert list(members["Sofía"].roles.values_list("role", flat=True)) == ["child"]
    pregnancy = members["Karla"].roles.get(role="pregnant")
    assert pregnancy.expected_delivery_date.isoformat() == due
    assert members["Sofía"].search_name == "sofia reyes martinez"
    # Children point at the caregiver as their mother; nobody else got a relationship.
    rels = set(Relationship.objects.values_list("from_person__given_names", "to_person__given_names", "kind"))
    assert rels == {("Rosa Elena", "Sofía", "mother"), ("Rosa Elena", "Mateo", "mother")}
    # One audit event per created record, by the officer, in the community's path.
    events = AuditEvent.objects.filter(actor_username="muni", action="create")
    assert sorted(events.values_list("entity", flat=True)) == [
        "registry.household", *["registry.person"] * 4]
    assert {e.territory_path for e in events} == {tree.comm_a1.path}

    page = officer_client.get(response["Location"]).content.decode()
    assert "Household registered with 4 members." in page
    assert "Rosa Elena Martínez Cruz" in page and "Mateo Reyes Martínez" in page
    assert due.split("-")[0] in page  # the expected delivery date is shown


def test_pregnant_caregiver_and_father_relationships(officer_client, tree):
    father = {"role": "caregiver", "given_names": "Juan", "first_surname": "Reyes",
              "second_surname": "Paz", "sex": "M", "birth_date": "1990-01-01"}
    mother = {**CAREGIVER, "pregnant": True, "expected_delivery_date": edd(60)}
    child = {**CHILD_1, "caregiver_is": ""}
    response = officer_client.post(URL, registration_data(tree.comm_a1, [child, mother, father]))
    assert response.status_code == 302
    rosa = Person.objects.get(given_names="Rosa Elena")
    assert set(rosa.roles.values_list("role", flat=True)) == {"caregiver", "pregnant"}
    rels = set(Relationship.objects.values_list("from_person__given_names", "kind"))
    assert rels == {("Rosa Elena", "mother"), ("Juan", "father")}


def test_invalid_input_shows_field_errors_and_saves_nothing(officer_client, tree):
    before = (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count())
    bad_pregnant = {**PREGNANT, "expected_delivery_date": ""}
    bad_child = {**CHILD_1, "given_names": "", "id_type": "DNI_HN", "id_number": "123",
                 "phone": "12", "birth_date": "2090-01-01"}
    response = officer_client.post(
        URL, registration_data(tree.comm_a1, [CAREGIVER, bad_pregnant, bad_child], rooms="-2"))
    html = response.content.decode()
    assert response.status_code == 200
    assert (Household.objects.count(), Person.objects.count(), AuditEvent.objects.count()) == before
    assert 'id="form-errors"' in html
    # The summary names the row and the field.
    assert "Member 3 · Given names: This field is required." in html
    assert "Member 2 · Expected delivery date: A pregnant woman needs an expected delivery date." in html
    assert "Member 3 · ID number: A Honduran DNI has 13 digits" in html
    assert "Member 3 · Birth date: The birth date is in the future." in html
    assert "Household · Rooms: Must be a positive number." in html
    # Field errors sit next to their fields, and what was typed is kept.
    assert 'id="id_members-2-phone_error"' in html
    assert 'value="Sofía"' not in html and 'value="Reyes"' in html


def test_no_members_and_community_outside_scope_are_refused(officer_client, tree):
    response = officer_client.post(URL, registration_data(tree.comm_b1, [{"role": "caregiver"}]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Add at least one member of the household." in html
    assert "Household · Community:" in html  # Villa Nueva is not a valid choice for her
    assert Household.objects.count() == 0


def test_add_member_button_works_without_javascript(officer_client, tree):
    data = registration_data(tree.comm_a1, [CAREGIVER, {"role": "child"}])
    data["add_member"] = "1"
    html = officer_client.post(URL, data).content.decode()
    assert 'name="members-TOTAL_FORMS" value="3"' in html
    assert 'id="id_members-2-given_names"' in html
    assert 'id="form-errors"' not in html
    assert Household.objects.count() == 0


def test_removed_rows_are_ignored(officer_client, tree):
    data = registration_data(tree.comm_a1, [CAREGIVER, {**CHILD_1, "given_names": ""}])
    data["members-1-DELETE"] = "on"
    assert officer_client.post(URL, data).status_code == 302
    assert Person.objects.count() == 1


def test_near_duplicate_child_is_warned_then_linked(officer_client, tree, family):
    existing = family["child"]
    persons_before = Person.objects.count()
    data = registration_data(tree.comm_a1b, [CAREGIVER, NEAR_DUPLICATE_CHILD], code="H-0200")

    warned = officer_client.post(URL, data)
    html = warned.content.decode()
    assert warned.status_code == 200
    assert 'id="duplicates-warning"' in html
    assert "Luis Ángel Hernández López" in html  # the candidate, with community and birth date
    assert "Sambo Creek" in html and "02/07/2024" in html
    assert "surnames swapped" in html and "same birth date" in html  # the reasons
    assert f'name="members-1-match" value="{existing.pk}"' in html
    assert 'name="members-1-match" value="new"' in html
    assert 'name="members-0-match"' not in html  # the new caregiver has no likely match
    assert Household.objects.filter(code="H-0200").count() == 0
    assert Person.objects.count() == persons_before

    checked = fingerprints(html)
    assert set(checked) == {"members-1-checked"}
    data.update(checked)
    # Saving again without a choice keeps the warning and still saves nothing.
    again = officer_client.post(URL, data)
    assert "Choose “same person” or “new person”." in again.content.decode()
    assert Household.objects.filter(code="H-0200").count() == 0

    data["members-1-match"] = str(existing.pk)
    response = officer_client.post(URL, data)
    assert response.status_code == 302
    household = Household.objects.get(code="H-0200")
    assert Person.objects.count() == persons_before + 1  # only the caregiver is new
    existing.refresh_from_db()
    assert existing.household == household and existing.territory == tree.comm_a1b
    assert existing.given_names == "Luis Ángel"  # linking keeps the registered data
    caregiver = Person.objects.get(given_names="Rosa Elena")
    assert Relationship.objects.filter(from_person=caregiver, to_person=existing,
                                       kind="mother").exists()
    assert AuditEvent.objects.filter(action="link", person_id=existing.pk).count() == 1


def test_near_duplicate_can_be_registered_as_new_person(officer_client, tree, family):
    persons_before = Person.objects.count()
    data = registration_data(tree.comm_a1, [CAREGIVER, NEAR_DUPLICATE_CHILD])
    data.update(fingerprints(officer_client.post(URL, data).content.decode()))
    data["members-1-match"] = "new"
    assert officer_client.post(URL, data).status_code == 302
    assert Person.objects.count() == persons_before + 2
    assert family["child"].household_id == Person.objects.get(pk=family["child"].pk).household_id


def test_choice_made_on_other_data_is_asked_again(officer_client, tree, family):
    data = registration_data(tree.comm_a1, [CAREGIVER, NEAR_DUPLICATE_CHILD])
    data.update(fingerprints(officer_client.post(URL, data).content.decode()))
    data["members-1-match"] = "new"
    data["members-1-given_names"] = "Luis Angel"  # edited after the warning was shown
    response = officer_client.post(URL, data)
    assert response.status_code == 200
    assert 'id="duplicates-warning"' in response.content.decode()


@pytest.mark.parametrize("role", ["regional_manager", "national_manager", "data_officer"])
def test_roles_that_cannot_edit_get_403(client, users, role):
    client.force_login(users[role])
    assert client.get(URL).status_code == 403
