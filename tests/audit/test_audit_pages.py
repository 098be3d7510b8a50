"""The audit reader: data officers read the trail of their subtrees, per person and per user."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from crecer.core.models import AuditEvent
from crecer.core.queries import audit_events_for, describe_changes
from crecer.registry import actions


@pytest.fixture
def trail(family, users, tree):
    """Events in region A (the family, then an edit) and in region B."""
    child = family["child"]
    actions.update_person(actor=users["municipal_officer"], person=child, data={
        "given_names": "Luis Angel", "first_surname": "Hernández", "second_surname": "López",
        "sex": "M", "birth_date": "2024-07-02"})
    hh_b = actions.create_household(actor=users["municipal_officer_b"], territory=tree.comm_b1,
                                    data={"code": "H-B1", "area": "urban"})
    person_b = actions.register_person(actor=users["municipal_officer_b"], household=hh_b,
                                       roles=["caregiver"],
                                       data={"given_names": "Rosa", "first_surname": "Mejía",
                                             "sex": "F", "birth_date": "1990-01-01"})
    return {**family, "person_b": person_b, "household_b": hh_b}


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client
    return do


def test_audit_events_for_applies_policy_and_scope(trail, users, make_user, tree):
    everything = audit_events_for(users["data_officer"])
    assert everything.count() == AuditEvent.objects.count() == 6
    regional = make_user("data_b", "data_officer", tree.region_b)
    assert set(audit_events_for(regional).values_list("actor_username", flat=True)) == {"muni_b"}
    for role in ("volunteer", "municipal_officer", "regional_manager", "national_manager"):
        assert not audit_events_for(users[role]).exists()
    nowhere = make_user("data_none", "data_officer")
    assert not audit_events_for(nowhere).exists()


def test_index_lists_and_filters_within_scope(trail, users, login, make_user, tree):
    client = login(users["data_officer"])
    response = client.get("/audit/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 6

    def count(**params):
        return client.get("/audit/", params).context["page"].paginator.count

    assert count(user="muni_b") == 2
    assert count(person=str(trail["child"].pk)) == 2
    assert count(entity="registry.household") == 2
    today = timezone.localdate()
    assert count(date_from=today.isoformat(), date_to=today.isoformat()) == 6
    assert count(date_from=(today + dt.timedelta(days=1)).isoformat()) == 0
    assert count(person="not-a-uuid") == 0

    regional = make_user("data_b", "data_officer", tree.region_b)
    body = login(regional).get("/audit/").content.decode()
    assert "muni_b" in body and ">muni<" not in body
    assert login(regional).get("/audit/", {"user": "muni"}).context["page"].paginator.count == 0


@pytest.mark.parametrize("role", ["volunteer", "facilitator", "municipal_officer",
                                  "regional_manager", "national_manager"])
def test_other_roles_cannot_read_the_audit(trail, users, login, role):
    client = login(users[role])
    assert client.get("/audit/").status_code == 403
    assert client.get(f"/audit/person/{trail['child'].pk}/").status_code == 403
    assert client.get("/audit/user/muni/").status_code == 403


def test_person_history_shows_old_and_new_values(trail, users, login, make_user, tree):
    client = login(users["data_officer"])
    response = client.get(f"/audit/person/{trail['child'].pk}/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2
    body = response.content.decode()
    assert "<del>Luis Ángel</del> → <ins>Luis Angel</ins>" in body
    assert "Given names" in body

    # A data officer of the other region does not learn that the person exists.
    regional = make_user("data_b", "data_officer", tree.region_b)
    assert login(regional).get(f"/audit/person/{trail['child'].pk}/").status_code == 404
    assert login(regional).get(f"/audit/person/{trail['person_b'].pk}/").status_code == 200


def test_user_history(trail, users, login, make_user, tree):
    client = login(users["data_officer"])
    response = client.get("/audit/user/muni/")
    assert response.status_code == 200
    assert {e.actor_username for e, _c, _p in response.context["rows"]} == {"muni"}
    assert response.context["page"].paginator.count == 4
    assert client.get("/audit/user/nobody-here/").status_code == 404
    regional = make_user("data_b", "data_officer", tree.region_b)
    assert login(regional).get("/audit/user/muni/").context["page"].paginator.count == 0


def test_describe_changes_is_readable(trail):
    event = AuditEvent.objects.filter(person_id=trail["person_b"].pk, action="create").get()
    changes = {c.field: c for c in describe_changes(event)}
    assert changes["sex"].label == "Sex" and changes["sex"].old == "—"
    assert changes["sex"].new == "female"
    assert changes["roles"].new == "caregiver"


def test_history_link_on_person_page_only_for_auditors(trail, users, login):
    url = f"/persons/{trail['child'].pk}/"
    assert 'id="person-history"' in login(users["data_officer"]).get(url).content.decode()
    assert 'id="person-history"' not in login(users["municipal_officer"]).get(url).content.decode()


def test_audit_rows_stay_unchanged_by_the_reader(trail, users, login):
    before = list(AuditEvent.objects.values_list("id", "changes"))
    login(users["data_officer"]).post("/audit/", {"user": "muni"})
    assert list(AuditEvent.objects.values_list("id", "changes")) == before
