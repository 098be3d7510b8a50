"""The offline sync API: bootstrap scoped to the caseload, idempotent batches, conflicts."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from crecer.fieldwork.actions import return_contact
from crecer.fieldwork.models import Contact
from crecer.programmes import actions as programmes
from crecer.registry import actions as registry

from .caseload import build_caseload

pytestmark = pytest.mark.django_db


def visit(household, **extra):
    return {"id": str(uuid.uuid4()), "household_id": str(household.pk), "kind": "home_visit",
            "occurred_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(), **extra}


def other_family(officer, territory, model, volunteer):
    """A household of another volunteer in the same community."""
    other = registry.create_household(actor=officer, territory=territory,
                                      data={"code": "H-OTHER", "area": "rural"})
    registry.register_person(actor=officer, household=other, roles=["caregiver"], data={
        "given_names": "Otra", "first_surname": "Vecina", "sex": "F"})
    registry.register_person(actor=officer, household=other, roles=["child"], data={
        "given_names": "Otro", "first_surname": "Vecino", "sex": "M",
        "birth_date": (timezone.localdate() - dt.timedelta(days=200)).isoformat()})
    programmes.enrol(actor=officer, programme=model, household=other, volunteer=volunteer)
    return other


# --- bootstrap -------------------------------------------------------------------------------

def test_bootstrap_has_only_the_caseload(users, family, enrolled, model, tree, make_user,
                                         sync_as, family_elsewhere):
    officer = users["municipal_officer"]
    other_vol = make_user("vol2", "volunteer", tree.comm_a1)
    other_family(officer, tree.comm_a1, model, other_vol)

    r = sync_as("volunteer").bootstrap()
    assert r.status_code == 200, r.content
    data = r.json()
    assert [h["code"] for h in data["households"]] == ["H-0001"]
    hh = data["households"][0]
    assert hh["id"] == str(family["household"].pk)
    assert hh["community"] == "Sambo Creek" and hh["addr"] == "Calle 1"
    assert hh["due"] and hh["prog"] == [model.code]
    names = {m["name"]: m for m in hh["members"]}
    assert names["Luis Ángel Hernández López"]["born"] == "2024-07-02"
    assert names["Luis Ángel Hernández López"]["roles"] == ["child"]
    assert "caregiver" in names["María José Hernández López"]["roles"]
    # only what the phone needs: no identity numbers, no phone numbers
    text = r.content.decode()
    assert "0101-1995-00123" not in text and "+50499887766" not in text
    assert "Otra" not in text and "H-OTHER" not in text
    assert "Mejía" not in text and "H-B001" not in text
    [prog] = data["programmes"]
    assert prog["code"] == model.code and prog["items"] == ["KIT-DIT"]
    assert prog["schedule"]["bands"] and any(m["code"] == "BF-EXCL" for m in prog["messages"])

    # the other volunteer sees her own family only
    data2 = sync_as(other_vol).bootstrap().json()
    assert [h["code"] for h in data2["households"]] == ["H-OTHER"]


def test_bootstrap_pregnancy_edd(users, family, enrolled, sync_as):
    edd = timezone.localdate() + dt.timedelta(days=50)
    registry.set_pregnancy(actor=users["municipal_officer"], person=family["mother"],
                           expected_delivery_date=edd)
    [hh] = sync_as("volunteer").bootstrap().json()["households"]
    mother = next(m for m in hh["members"] if m["name"].startswith("María"))
    assert mother["edd"] == edd.isoformat() and "pregnant" in mother["roles"]
    assert hh["prio"] == 1


def test_bootstrap_size_for_500_households(users, tree, model, sync_as, django_assert_max_num_queries):
    build_caseload(volunteer=users["volunteer"], territory=tree.comm_a1, programme=model, n=500)
    client = sync_as("volunteer")
    with django_assert_max_num_queries(12):
        r = client.bootstrap()
    assert r.status_code == 200
    data = r.json()
    assert len(data["households"]) == 500
    raw = len(r.content)
    import gzip

    zipped = len(gzip.compress(r.content))
    print(f"\nbootstrap for 500 households: {raw / 1024:.1f} KiB JSON, "
          f"{zipped / 1024:.1f} KiB gzipped")
    assert raw < 400 * 1024


def test_bootstrap_roles(sync_as, users):
    assert sync_as(None).bootstrap().status_code == 401
    assert sync_as("municipal_officer").bootstrap().status_code == 403
    assert sync_as("facilitator").bootstrap().json()["households"] == []


# --- contacts --------------------------------------------------------------------------------

def test_same_batch_twice_creates_nothing_new(family, enrolled, sync_as):
    hh = family["household"]
    batch = [visit(hh, messages_given=["BF-EXCL"], persons_present=[str(family["child"].pk)],
                   items_delivered=[{"item_code": "KIT-DIT", "quantity": 1}],
                   observations={"danger_signs": ["fever"], "weight_kg": 8.2}),
             visit(hh, kind="call", remote_outcome="reached")]
    client = sync_as("volunteer")
    first = client.send(batch).json()
    assert [r["status"] for r in first["results"]] == ["created", "created"]
    assert first["created"] == 2
    second = client.send(batch).json()
    assert [r["status"] for r in second["results"]] == ["duplicate", "duplicate"]
    assert Contact.objects.count() == 2
    c = Contact.objects.get(pk=batch[0]["id"])
    assert c.messages_given == ["BF-EXCL"] and c.observations["weight_kg"] == 8.2
    assert c.items_delivered == [{"item_code": "KIT-DIT", "quantity": 1}]


def test_half_batch_then_whole_batch(family, enrolled, sync_as):
    hh = family["household"]
    batch = [visit(hh, occurred_at=(timezone.now() - dt.timedelta(hours=h)).isoformat())
             for h in range(1, 11)]
    client = sync_as("volunteer")
    half = client.send(batch[:5]).json()
    assert half["created"] == 5
    whole = client.send(batch).json()
    assert [r["status"] for r in whole["results"]] == ["duplicate"] * 5 + ["created"] * 5
    assert [r["id"] for r in whole["results"]] == [b["id"] for b in batch]
    assert Contact.objects.count() == 10
    assert set(map(str, Contact.objects.values_list("pk", flat=True))) == {b["id"] for b in batch}


def test_same_id_twice_in_one_batch(family, enrolled, sync_as):
    item = visit(family["household"])
    r = sync_as("volunteer").send([item, item]).json()
    assert [x["status"] for x in r["results"]] == ["created", "duplicate"]
    assert Contact.objects.count() == 1


def test_one_invalid_item_among_valid_ones(family, enrolled, sync_as, family_elsewhere):
    hh = family["household"]
    future = (timezone.now() + dt.timedelta(days=2)).isoformat()
    batch = [visit(hh), visit(hh, occurred_at=future), visit(hh, messages_given=["NOPE"]),
             visit(family_elsewhere["household"]), visit(hh)]
    r = sync_as("volunteer").send(batch)
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["status"] for x in results] == ["created", "rejected", "rejected", "rejected",
                                              "created"]
    assert "future" in results[1]["errors"]["occurred_at"]
    assert "NOPE" in results[2]["errors"]["messages_given"]
    assert "household_id" in results[3]["errors"]
    assert Contact.objects.count() == 2
    assert not Contact.objects.filter(pk__in=[batch[i]["id"] for i in (1, 2, 3)]).exists()


def test_household_not_in_caseload_is_rejected(users, tree, model, sync_as, make_user):
    officer = users["municipal_officer"]
    other = other_family(officer, tree.comm_a1, model,
                         make_user("vol2", "volunteer", tree.comm_a1))
    [res] = sync_as("volunteer").send([visit(other)]).json()["results"]
    assert res["status"] == "rejected" and "caseload" in res["errors"]["household"]
    assert Contact.objects.count() == 0


def test_conflict_with_a_newer_server_change(users, family, enrolled, sync_as):
    client = sync_as("volunteer")
    item = visit(family["household"], observations={"note": "first"})
    [created] = client.send([item]).json()["results"]
    base = created["updated_at"]
    # unchanged on the server since `base`: a resend is a plain duplicate
    [again] = client.send([{**item, "base_updated_at": base}]).json()["results"]
    assert again["status"] == "duplicate"
    # the facilitator returns it; the phone's edit based on the old version conflicts
    contact = Contact.objects.get(pk=item["id"])
    return_contact(actor=users["facilitator"], contact=contact, reason="Falta el peso")
    edited = {**item, "observations": {"note": "edited"}, "base_updated_at": base}
    [res] = client.send([edited]).json()["results"]
    assert res["status"] == "conflict"
    assert res["server"]["status"] == "returned"
    assert res["server"]["review_note"] == "Falta el peso"
    assert res["server"]["observations"] == {"note": "first"}
    contact.refresh_from_db()
    assert contact.observations == {"note": "first"}  # never overwritten


def test_someone_elses_contact_id_is_rejected(users, family, enrolled, sync_as, tree, model):
    item = visit(family["household"])
    sync_as("volunteer").send([item])
    facilitator = sync_as("facilitator")
    [res] = facilitator.send([item]).json()["results"]
    assert res["status"] == "rejected" and "already used" in res["errors"]["id"]


@pytest.mark.parametrize(("contacts", "field"), [
    ([{"household_id": "x"}], "contacts.0.id"),
    ([None], "contacts.0"),
    ("nope", "contacts"),
])
def test_malformed_payload_names_the_field(family, enrolled, sync_as, contacts, field):
    r = sync_as("volunteer").send(contacts)
    assert r.status_code == 422
    assert field in r.json()["errors"]
    assert Contact.objects.count() == 0


def test_malformed_item_among_good_ones_saves_nothing(family, enrolled, sync_as):
    hh = family["household"]
    batch = [visit(hh), visit(hh, occurred_at="yesterday"), visit(hh, colour="blue")]
    r = sync_as("volunteer").send(batch)
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert "contacts.1.occurred_at" in errors and "contacts.2.colour" in errors
    assert Contact.objects.count() == 0


def test_not_json_and_missing_contacts(sync_as, users):
    client = sync_as("volunteer")
    r = client.send(None, raw="{not json")
    assert r.status_code in (400, 422)
    assert "JSON" in json.dumps(r.json())
    r = client.send(None, raw="{}")
    assert r.status_code == 422 and "contacts" in r.json()["errors"]


def test_anonymous_and_roles(sync_as, family, enrolled):
    assert sync_as(None).send([visit(family["household"])]).status_code == 401
    assert sync_as("municipal_officer").send([]).status_code == 403
    assert Contact.objects.count() == 0


def test_session_auth_needs_csrf(users, family, enrolled):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(users["volunteer"])
    body = json.dumps({"contacts": [visit(family["household"])]})
    r = c.post("/api/v1/sync/contacts", body, content_type="application/json")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    assert c.get("/api/v1/sync/bootstrap").status_code == 200
    assert Contact.objects.count() == 0
