import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction

from crecer.core.models import AuditEvent
from crecer.registry import actions, queries


def test_healthz_reports_database(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_scope_limits_registry_to_subtree(family, users):
    hh = family["household"]
    assert queries.households_for(users["municipal_officer"]).filter(pk=hh.pk).exists()
    assert queries.households_for(users["regional_manager"]).filter(pk=hh.pk).exists()
    assert queries.households_for(users["national_manager"]).filter(pk=hh.pk).exists()
    assert not queries.households_for(users["municipal_officer_b"]).filter(pk=hh.pk).exists()


def test_outsider_cannot_write(family, users, tree):
    with pytest.raises(PermissionDenied):
        actions.create_household(actor=users["municipal_officer_b"], territory=tree.comm_a1, data={})
    with pytest.raises(PermissionDenied):
        actions.update_person(actor=users["regional_manager"], person=family["child"],
                              data={"given_names": "X", "first_surname": "Y", "sex": "M"})


def test_every_change_is_audited_with_old_and_new_values(family, users):
    child = family["child"]
    actions.update_person(actor=users["municipal_officer"], person=child,
                          data={"given_names": "Luis Angel", "first_surname": "Hernández",
                                "second_surname": "López", "sex": "M", "birth_date": "2024-07-02"})
    event = AuditEvent.objects.filter(person_id=child.pk, action="update").get()
    assert event.actor_username == "muni"
    assert event.changes["given_names"] == ["Luis Ángel", "Luis Angel"]
    assert event.territory_path == child.territory.path


def test_audit_rows_cannot_be_changed(family):
    event = AuditEvent.objects.first()
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("UPDATE core_auditevent SET note = 'x'")


def test_invalid_person_names_every_bad_field(family, users):
    with pytest.raises(ValidationError) as exc:
        actions.register_person(actor=users["municipal_officer"], household=family["household"],
                                data={"given_names": "", "first_surname": "Paz", "sex": "Q",
                                      "birth_date": "2090-01-01", "id_type": "CURP",
                                      "id_number": "ABC", "phone": "12"})
    assert set(exc.value.message_dict) == {"given_names", "sex", "birth_date", "id_number", "phone"}


def test_search_is_accent_and_case_insensitive(family, users):
    officer = users["municipal_officer"]
    assert family["child"] in queries.search_persons(officer, "luis angel HERNANDEZ")
    assert family["mother"] in queries.search_persons(officer, "0101 1995 00123")
    assert family["mother"] in queries.search_persons(officer, "9988-7766")
    assert not queries.search_persons(users["municipal_officer_b"], "hernandez")


def test_search_by_community_ignores_accents(family, users, tree):
    officer = users["municipal_officer"]
    # comm_a1 is "Sambo Creek"; rename it with accents to prove the folding.
    tree.comm_a1.name = "Río Cangrejal Arriba"
    tree.comm_a1.save()
    assert family["child"] in queries.search_persons(officer, "rio cangrejal")
    assert family["child"] in queries.search_persons(officer, "RÍO")
    assert not queries.search_persons(users["municipal_officer_b"], "rio cangrejal")
