"""Edit pages and adding a member to an existing household."""

from __future__ import annotations

from crecer.core.models import AuditEvent
from crecer.registry.models import Person, PersonRole, Relationship

from .conftest import NEAR_DUPLICATE_CHILD, edd, fingerprints, member_data


def test_edit_household_moves_it_and_its_members(officer_client, family, tree):
    hh = family["household"]
    url = f"/households/{hh.pk}/edit/"
    page = officer_client.get(url).content.decode()
    assert 'value="Calle 1"' in page
    assert f'<option value="{tree.comm_a1.pk}" selected>Sambo Creek (La Ceiba)</option>' in page
    response = officer_client.post(url, {
        "territory": tree.comm_a1b.pk, "code": "H-0001", "address": "Calle 2", "area": "urban",
        "poverty_level": "poor", "water_source": "well", "has_electricity": "no", "rooms": "3"})
    assert response.status_code == 302 and response["Location"] == f"/households/{hh.pk}/"
    hh.refresh_from_db()
    assert (hh.address, hh.area, hh.territory, hh.has_electricity, hh.rooms) == (
        "Calle 2", "urban", tree.comm_a1b, False, 3)
    assert set(Person.objects.filter(household=hh).values_list("territory", flat=True)) == {
        tree.comm_a1b.pk}
    event = AuditEvent.objects.get(entity="registry.household", action="update")
    assert event.changes["address"] == ["Calle 1", "Calle 2"]


def test_edit_household_shows_errors_and_keeps_the_row(officer_client, family):
    hh = family["household"]
    response = officer_client.post(f"/households/{hh.pk}/edit/", {
        "territory": hh.territory_id, "area": "rural", "poverty_level": "unknown",
        "latitude": "123", "rooms": "x"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="form-errors"' in html
    assert "Must be a number between -90 and 90." in html and "Must be a positive number." in html
    hh.refresh_from_db()
    assert hh.latitude is None and hh.address == "Calle 1"


def test_edit_person_updates_fields_and_pregnancy(officer_client, family):
    mother = family["mother"]
    url = f"/persons/{mother.pk}/edit/"
    page = officer_client.get(url).content.decode()
    assert 'value="María José"' in page and 'value="1995-03-14"' in page
    due = edd(100)
    response = officer_client.post(url, {
        "given_names": "Maria José", "first_surname": "Hernández", "second_surname": "López",
        "sex": "F", "birth_date": "14/03/1995", "id_type": "DNI_HN", "id_number": "0101-1995-00123",
        "phone": "9988 7766", "expected_delivery_date": due})
    assert response.status_code == 302 and response["Location"] == f"/persons/{mother.pk}/"
    mother.refresh_from_db()
    assert mother.given_names == "Maria José" and mother.search_name == "maria jose hernandez lopez"
    assert mother.phone == "+50499887766"  # completed with the country code of Honduras
    role = PersonRole.objects.get(person=mother, role="pregnant", active=True)
    assert role.expected_delivery_date.isoformat() == due
    assert AuditEvent.objects.filter(person_id=mother.pk, action="update").count() == 2
    detail = officer_client.get(response["Location"]).content.decode()
    assert "Person saved." in detail and "pregnant woman" in detail and "expected delivery" in detail


def test_edit_person_invalid_saves_nothing(officer_client, family):
    child = family["child"]
    events = AuditEvent.objects.count()
    response = officer_client.post(f"/persons/{child.pk}/edit/", {
        "given_names": "", "first_surname": "Hernández", "sex": "X", "birth_date": "31/02/2024",
        "id_type": "CURP", "id_number": "HELO"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "This field is required." in html and "Sex must be F or M." in html
    assert "is not a date" in html and "A CURP has 18 characters" in html
    child.refresh_from_db()
    assert child.given_names == "Luis Ángel" and AuditEvent.objects.count() == events


def test_add_child_to_existing_household_relates_it_to_the_caregiver(officer_client, family):
    hh = family["household"]
    url = f"/households/{hh.pk}/members/new/"
    assert officer_client.get(url).status_code == 200
    response = officer_client.post(url, member_data({
        "role": "child", "given_names": "Ana", "first_surname": "Hernández",
        "second_surname": "López", "sex": "F", "birth_date": "2025-09-09"}))
    assert response.status_code == 302 and response["Location"] == f"/households/{hh.pk}/"
    ana = Person.objects.get(given_names="Ana")
    assert ana.household == hh and ana.territory == hh.territory
    assert Relationship.objects.filter(from_person=family["mother"], to_person=ana,
                                       kind="mother").exists()
    assert "Ana Hernández López added to the household." in officer_client.get(
        response["Location"]).content.decode()


def test_add_member_warns_about_duplicates_and_links(officer_client, family, tree, users):
    from crecer.registry import actions

    other = actions.create_household(actor=users["municipal_officer"], territory=tree.comm_a1b,
                                     data={"code": "H-0300"})
    url = f"/households/{other.pk}/members/new/"
    data = member_data(NEAR_DUPLICATE_CHILD)
    warned = officer_client.post(url, data)
    html = warned.content.decode()
    assert warned.status_code == 200 and 'id="duplicates-warning"' in html
    assert f'value="{family["child"].pk}"' in html
    count = Person.objects.count()
    data.update(fingerprints(html))
    data["member-match"] = str(family["child"].pk)
    assert officer_client.post(url, data).status_code == 302
    assert Person.objects.count() == count
    assert Person.objects.get(pk=family["child"].pk).household == other


def test_add_member_invalid_names_the_field(officer_client, family):
    hh = family["household"]
    response = officer_client.post(f"/households/{hh.pk}/members/new/", member_data({
        "role": "pregnant", "given_names": "Eva", "first_surname": "Paz", "sex": "F",
        "expected_delivery_date": "2001-01-01"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Member · Expected delivery date: The expected delivery date must fall within" in html
    assert not Person.objects.filter(given_names="Eva").exists()
