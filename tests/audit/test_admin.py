"""The Django admin goes through the same territory scope and policies as the pages; the audit
trail is read-only there too."""

from __future__ import annotations

import pytest

from crecer.accounts.models import ApiToken
from crecer.core.models import AuditEvent
from crecer.registry import actions
from crecer.territory.models import OrgUnit


@pytest.fixture
def other_family(users, tree):
    officer = users["municipal_officer_b"]
    hh = actions.create_household(actor=officer, territory=tree.comm_b1,
                                  data={"code": "H-B1", "area": "urban"})
    person = actions.register_person(actor=officer, household=hh, roles=["caregiver"],
                                     data={"given_names": "Rosa", "first_surname": "Mejía",
                                           "sex": "F", "birth_date": "1990-01-01"})
    return {"household": hh, "person": person}


@pytest.fixture
def staff(client):
    def login(user, superuser=False):
        user.is_staff = True
        user.is_superuser = superuser
        user.save(update_fields=["is_staff", "is_superuser"])
        client.force_login(user)
        return client
    return login


def test_staff_officer_sees_only_own_territory_in_admin(family, other_family, users, staff):
    client = staff(users["municipal_officer"])
    response = client.get("/django-admin/registry/person/")
    assert response.status_code == 200
    shown = {p.pk for p in response.context["cl"].result_list}
    assert shown == {family["mother"].pk, family["child"].pk}
    body = response.content.decode()
    assert "María José" in body and "Rosa" not in body

    # Another territory's person: the admin behaves as if it did not exist.
    response = client.get(f"/django-admin/registry/person/{other_family['person'].pk}/change/")
    assert response.status_code == 302
    assert response.url == "/django-admin/"
    response = client.get(f"/django-admin/registry/person/{family['child'].pk}/change/")
    assert response.status_code == 200 and "Luis Ángel" in response.content.decode()

    households = client.get("/django-admin/registry/household/").context["cl"].result_list
    assert [h.pk for h in households] == [family["household"].pk]
    roles = client.get("/django-admin/registry/personrole/").context["cl"].result_list
    assert {r.person_id for r in roles} == {family["mother"].pk, family["child"].pk}
    search = client.get("/django-admin/registry/person/", {"q": "rosa"})
    assert list(search.context["cl"].result_list) == []


def test_registry_admin_is_read_only(family, users, staff):
    client = staff(users["municipal_officer"])
    child = family["child"]
    assert client.get("/django-admin/registry/person/add/").status_code == 403
    url = f"/django-admin/registry/person/{child.pk}/change/"
    assert client.post(url, {"given_names": "X"}).status_code == 403
    delete = f"/django-admin/registry/person/{child.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 403
    child.refresh_from_db()
    assert child.given_names == "Luis Ángel"


def test_scope_applies_to_superusers_too(family, make_user, staff):
    root = make_user("root", "admin")  # no territory assigned
    client = staff(root, superuser=True)
    assert list(client.get("/django-admin/registry/person/").context["cl"].result_list) == []


def test_non_staff_cannot_enter_the_admin(family, users, client):
    client.force_login(users["data_officer"])
    response = client.get("/django-admin/registry/person/")
    assert response.status_code == 302 and "/django-admin/login/" in response.url


def test_audit_events_are_not_editable_in_admin(family, users, staff):
    client = staff(users["data_officer"], superuser=True)
    event = AuditEvent.objects.filter(person_id=family["child"].pk).first()
    listing = client.get("/django-admin/core/auditevent/")
    assert listing.status_code == 200
    assert {e.pk for e in listing.context["cl"].result_list} == set(
        AuditEvent.objects.values_list("pk", flat=True))
    page = client.get(f"/django-admin/core/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    before = (event.note, event.changes)
    assert client.post(f"/django-admin/core/auditevent/{event.pk}/change/",
                       {"note": "edited"}).status_code == 403
    assert client.get("/django-admin/core/auditevent/add/").status_code == 403
    assert client.post(f"/django-admin/core/auditevent/{event.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    bulk = client.post("/django-admin/core/auditevent/",
                       {"action": "delete_selected", "_selected_action": [event.pk]})
    assert bulk.status_code in (200, 302)
    event.refresh_from_db()
    assert (event.note, event.changes) == before and AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_admin_needs_the_audit_policy(family, users, staff):
    client = staff(users["municipal_officer"])
    assert client.get("/django-admin/core/auditevent/").status_code == 403


def test_api_tokens_show_the_prefix_only(users, staff):
    token, raw = ApiToken.issue(users["volunteer"], name="script")
    client = staff(users["admin"])
    body = client.get("/django-admin/accounts/apitoken/").content.decode()
    assert token.prefix in body and token.key_hash not in body and raw not in body
    page = client.get(f"/django-admin/accounts/apitoken/{token.pk}/change/")
    assert token.key_hash not in page.content.decode()
    assert client.get("/django-admin/accounts/apitoken/add/").status_code == 403


def test_user_admin_needs_admin_role(users, staff):
    assert staff(users["data_officer"]).get("/django-admin/accounts/user/").status_code == 403
    response = staff(users["admin"]).get("/django-admin/accounts/user/")
    assert response.status_code == 200


def test_territory_admin_moves_units_through_actions(users, staff, tree):
    client = staff(users["data_officer"])
    unit = tree.muni_a1
    response = client.post(f"/django-admin/territory/orgunit/{unit.pk}/change/", {
        "code": unit.code, "name": "La Ceiba", "parent": tree.region_b.pk, "kind": "area",
        "sector": "", "latitude": "", "longitude": "", "boundary": ""})
    assert response.status_code == 302, response.context["adminform"].errors
    moved = OrgUnit.objects.get(pk=tree.comm_a1.pk)
    assert moved.path == f"{tree.region_b.path}{unit.pk}/{moved.pk}/" and moved.depth == 3
    # A boundary that is not a closed polygon is refused with a message.
    response = client.post(f"/django-admin/territory/orgunit/{unit.pk}/change/", {
        "code": unit.code, "name": "La Ceiba", "parent": tree.region_b.pk, "kind": "area",
        "boundary": '{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 2]]]}'})
    assert response.status_code == 200 and "not closed" in response.content.decode()
    assert staff(users["municipal_officer"]).get(
        "/django-admin/territory/orgunit/").status_code == 403


def test_admin_role_assigns_territories_within_scope_only(users, staff, tree, make_user):
    regional_admin = make_user("adm_a", "admin", tree.region_a)
    root = make_user("root", "admin")
    root.is_superuser = True
    root.save()
    client = staff(regional_admin)
    listed = {u.username for u in client.get("/django-admin/accounts/user/").context["cl"].result_list}
    assert "vol" in listed and "muni" in listed
    assert "muni_b" not in listed and "root" not in listed and "nat" not in listed

    volunteer = users["volunteer"]
    url = f"/django-admin/accounts/user/{volunteer.pk}/change/"
    form = {"username": "vol", "first_name": "", "last_name": "", "email": "", "is_active": "on",
            "role": "volunteer", "preferred_language": "es"}
    response = client.post(url, {**form, "territories": [tree.comm_a1b.pk]})
    assert response.status_code == 302
    assert list(volunteer.territories.values_list("code", flat=True)) == ["HN-0101-002"]
    response = client.post(url, {**form, "territories": [tree.comm_b1.pk], "is_superuser": "on"})
    assert response.status_code == 200  # region B is not a valid choice for this administrator
    volunteer.refresh_from_db()
    assert not volunteer.is_superuser
    assert list(volunteer.territories.values_list("code", flat=True)) == ["HN-0101-002"]
    assert client.get(f"/django-admin/accounts/user/{users['municipal_officer_b'].pk}/change/"
                      ).status_code == 302
