"""Lists, search and who may open what."""

from __future__ import annotations

import pytest

from crecer.registry import actions

from .conftest import CAREGIVER, CHILD_1, edd


def _households(users, tree, n: int, start: int = 0):
    officer = users["municipal_officer"]
    for i in range(start, start + n):
        hh = actions.create_household(actor=officer, territory=tree.comm_a1b,
                                      data={"code": f"L-{i:03d}"})
        carer = actions.register_person(actor=officer, household=hh, roles=["caregiver"],
                                        data={**CAREGIVER, "given_names": f"Carer {i}"})
        actions.register_person(actor=officer, household=hh, roles=["child"],
                                relationships=[(carer, "mother")], data=CHILD_1)


def test_household_list_shows_community_caregiver_and_member_count(officer_client, family):
    html = officer_client.get("/households/").content.decode()
    row = html[html.index(f'/households/{family["household"].pk}/'):]
    row = row[:row.index("</tr>")]
    assert "H-0001" in row and "María José Hernández López" in row and "Sambo Creek" in row
    assert "<td>2</td>" in row


def test_household_list_query_count_does_not_grow_with_rows(
        officer_client, users, tree, django_assert_max_num_queries):
    _households(users, tree, 3)
    with django_assert_max_num_queries(6):
        html = officer_client.get("/households/").content.decode()
    assert html.count("Carer ") == 3
    _households(users, tree, 30, start=3)
    with django_assert_max_num_queries(6):
        html = officer_client.get("/households/").content.decode()
    assert html.count("Carer ") == 33
    with django_assert_max_num_queries(8):  # the search adds its own lookups, not per row
        html = officer_client.get("/households/?q=carer").content.decode()
    assert html.count("Carer ") == 33


def test_household_page_query_count_does_not_grow_with_members(
        officer_client, users, family, django_assert_max_num_queries):
    officer, hh = users["municipal_officer"], family["household"]
    for i in range(8):
        actions.register_person(actor=officer, household=hh, roles=["child"],
                                relationships=[(family["mother"], "mother")],
                                data={**CHILD_1, "given_names": f"Child {i}"})
    with django_assert_max_num_queries(8):
        html = officer_client.get(f"/households/{hh.pk}/").content.decode()
    assert html.count("Mother:") == 9


@pytest.mark.parametrize("text", [
    "maria jose HERNANDEZ",  # no accents, any case
    "0101-1995-00123",  # national ID as typed on the card
    "9988 7766",  # phone without the country code
    "sambo",  # community
])
def test_search_finds_the_family(officer_client, family, text):
    html = officer_client.get("/search/", {"q": text}).content.decode()
    assert "María José Hernández López" in html
    assert f'href="/households/{family["household"].pk}/" class="household-link"' in html
    listing = officer_client.get("/households/", {"q": text}).content.decode()
    assert "H-0001" in listing


def test_search_outside_scope_finds_nothing(client, users, family):
    client.force_login(users["municipal_officer_b"])
    html = client.get("/search/", {"q": "hernandez"}).content.decode()
    assert "Hernández" not in html
    assert "H-0001" not in client.get("/households/").content.decode()


def test_detail_pages_show_roles_relationships_and_due_date(officer_client, family, users):
    mother = family["mother"]
    due = edd(30)
    actions.set_pregnancy(actor=users["municipal_officer"], person=mother, expected_delivery_date=due)
    y, m, d = due.split("-")
    household = officer_client.get(f"/households/{family['household'].pk}/").content.decode()
    assert "caregiver" in household and "pregnant woman" in household
    assert f"expected delivery {d}/{m}/{y}" in household
    assert "Mother of" in household and "Mother:" in household
    person = officer_client.get(f"/persons/{family['child'].pk}/").content.decode()
    assert "Mother:" in person and "María José Hernández López" in person
    assert 'id="household-link"' in person and 'id="edit-person"' in person


def _urls(family):
    hh, child = family["household"].pk, family["child"].pk
    return [f"/households/{hh}/", f"/households/{hh}/edit/", f"/households/{hh}/members/new/",
            f"/persons/{child}/", f"/persons/{child}/edit/"]


@pytest.mark.parametrize("role", ["municipal_officer_b", "volunteer"])
def test_outsiders_get_404_on_every_page_of_the_household(client, users, family, tree, role):
    if role == "volunteer":  # the volunteer works in Sambo Creek: move the family to Corozal
        actions.update_household(actor=users["municipal_officer"], household=family["household"],
                                 data={"code": "H-0001"}, territory=tree.comm_a1b)
    client.force_login(users[role])
    for url in _urls(family):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"given_names": "X"}).status_code == 404, url


def test_managers_in_scope_may_read_but_not_edit(client, users, family):
    client.force_login(users["regional_manager"])
    urls = _urls(family)
    for url in urls[::3]:
        assert client.get(url).status_code == 200, url
    assert 'id="edit-person"' not in client.get(urls[3]).content.decode()
    for url in (urls[1], urls[2], urls[4]):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_login(client, family):
    for url in ["/households/", "/households/new/", *_urls(family)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
