"""The set-based ingest of a sync batch: the same results, rows and audit events as recording
each contact alone, in a number of queries that does not grow with the batch."""

from __future__ import annotations

import datetime as dt
import gc
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crecer.core import audit
from crecer.core.models import AuditEvent
from crecer.fieldwork import actions, sync
from crecer.fieldwork.models import Contact
from crecer.referrals.models import Referral

from .caseload import build_caseload

pytestmark = pytest.mark.django_db


def visit(household, **extra):
    return {"id": str(uuid.uuid4()), "household_id": str(household.pk), "kind": "home_visit",
            "occurred_at": (timezone.now() - dt.timedelta(hours=2)).isoformat(), **extra}


def contact_events():
    return AuditEvent.objects.filter(entity="fieldwork.contact")


def test_valid_items_created_invalid_rejected_one_audit_event_each(users, family, enrolled,
                                                                  sync_as):
    hh, child = family["household"], str(family["child"].pk)
    batch = [
        visit(hh, persons_present=[child], messages_given=["BF-EXCL"],
              items_delivered=[{"item_code": "KIT-DIT", "quantity": 2}]),
        visit(hh, kind="call"),  # no outcome
        visit(hh, kind="call", remote_outcome="reached"),
        visit(hh, persons_present=[str(uuid.uuid4())]),  # not a member
        visit(hh, observations={"weight_kg": 900, "danger_signs": ["fever"]}),
        visit(hh, items_delivered=[{"item_code": "GOLD", "quantity": 1}],
              coresponsibility_evidence=["NOPE"]),
        visit(hh, observations={"note": "  all well  "}),
    ]
    r = sync_as("volunteer").send(batch)
    assert r.status_code == 200, r.content
    body = r.json()
    assert [x["id"] for x in body["results"]] == [b["id"] for b in batch]
    assert [x["status"] for x in body["results"]] == [
        "created", "rejected", "created", "rejected", "rejected", "rejected", "created"]
    assert (body["created"], body["rejected"], body["duplicate"], body["conflict"]) == (3, 4, 0, 0)
    valid = {batch[i]["id"] for i in (0, 2, 6)}
    assert set(map(str, Contact.objects.values_list("pk", flat=True))) == valid
    events = list(contact_events())
    assert sorted(e.object_id for e in events) == sorted(valid)
    assert {(e.action, e.actor_id, e.actor_username) for e in events} == {
        ("create", users["volunteer"].pk, "vol")}
    assert {e.territory_path for e in events} == {hh.territory.path}
    # the rows hold the cleaned values
    first = Contact.objects.get(pk=batch[0]["id"])
    assert first.persons_present == [child] and first.messages_given == ["BF-EXCL"]
    assert first.items_delivered == [{"item_code": "KIT-DIT", "quantity": 2}]
    assert Contact.objects.get(pk=batch[6]["id"]).observations == {"note": "all well"}
    # a created result carries the row's updated_at
    made = {str(c.pk): c for c in Contact.objects.all()}
    for res in body["results"]:
        if res["status"] == "created":
            assert res["updated_at"] == made[res["id"]].updated_at.isoformat()


def test_rejected_items_name_their_fields(family, enrolled, sync_as):
    hh = family["household"]
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    batch = [visit(hh, occurred_at=future, messages_given=["NOPE"]),
             visit(hh, items_delivered=[{"item_code": "KIT-DIT", "quantity": 0}]),
             visit(hh, kind="home_visit", remote_outcome="reached"),
             visit(hh, persons_present=[str(uuid.uuid4())])]
    results = sync_as("volunteer").send(batch).json()["results"]
    assert all(r["status"] == "rejected" for r in results)
    assert set(results[0]["errors"]) == {"occurred_at", "messages_given"}
    assert "in the future" in results[0]["errors"]["occurred_at"]
    assert "Unknown key message “NOPE”" in results[0]["errors"]["messages_given"]
    assert "H-0001" in results[0]["errors"]["messages_given"]
    assert list(results[1]["errors"]) == ["items_delivered"]
    assert "quantity" in results[1]["errors"]["items_delivered"]
    assert list(results[2]["errors"]) == ["remote_outcome"]
    assert list(results[3]["errors"]) == ["persons_present"]
    assert "not a member" in results[3]["errors"]["persons_present"]
    assert not Contact.objects.exists() and not contact_events().exists()


def test_rejections_in_the_callers_language(family, enrolled, sync_as):
    client = sync_as("volunteer")
    client.headers["HTTP_ACCEPT_LANGUAGE"] = "es"
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    [res] = client.send([visit(family["household"], occurred_at=future)]).json()["results"]
    assert res["status"] == "rejected" and "es futuro" in res["errors"]["occurred_at"]


def test_batch_writes_what_record_contact_writes(users, family, enrolled, sync_as):
    """Same row and same audit event (action, entity, object, territory, changes) as the
    one-at-a-time path used by the visit form."""
    hh, vol = family["household"], users["volunteer"]
    when = timezone.now() - dt.timedelta(hours=3)
    fields = {"kind": "home_visit", "occurred_at": when.isoformat(),
              "persons_present": [str(family["child"].pk), str(family["mother"].pk)],
              "messages_given": ["BF-EXCL", "BF-EXCL"], "coresponsibility_evidence": [],
              "items_delivered": [{"item_code": "KIT-DIT", "quantity": 1}],
              "observations": {"danger_signs": ["fever"], "weight_kg": "8.5"}}
    single = actions.record_contact(actor=vol, household=hh,
                                    data={"id": str(uuid.uuid4()), **fields})
    item = {"id": str(uuid.uuid4()), "household_id": str(hh.pk), **fields}
    item["observations"] = {**fields["observations"], "weight_kg": 8.5}
    [res] = sync_as("volunteer").send([item]).json()["results"]
    assert res["status"] == "created"
    batched = Contact.objects.get(pk=item["id"])
    columns = ["household_id", "volunteer_id", "kind", "occurred_at", "persons_present",
               "messages_given", "items_delivered", "observations",
               "coresponsibility_evidence", "remote_outcome", "status"]
    assert ({c: getattr(batched, c) for c in columns}
            == {c: getattr(single, c) for c in columns})
    one = contact_events().get(object_id=str(single.pk))
    other = contact_events().get(object_id=item["id"])
    for e in (one, other):
        assert (e.action, e.actor_id, e.actor_username, e.territory_path, e.note,
                e.person_id) == ("create", vol.pk, "vol", hh.territory.path, "", None)
    # what `audit.record(..., changes=audit.diff({}, audit.snapshot(contact)))` wrote before
    assert other.changes == audit.diff({}, audit.snapshot(batched))
    assert one.changes == audit.diff({}, audit.snapshot(Contact.objects.get(pk=single.pk)))
    assert other.changes.pop("id") == [None, item["id"]]
    assert one.changes.pop("id") == [None, str(single.pk)]
    assert other.changes == one.changes


def test_order_and_duplicates_with_referrals_mixed_in(users, family, enrolled, tree, sync_as):
    hh, child = family["household"], str(family["child"].pk)
    referral = {"person_id": child, "service_id": tree.health_a1.pk, "reason_code": "fever"}
    plain = visit(hh)
    referred = visit(hh, persons_present=[child], referral=referral)
    bad_referral = visit(hh, persons_present=[child],
                         referral={**referral, "reason_code": "nonsense"})
    elsewhere = {**plain, "household_id": str(uuid.uuid4())}
    batch = [plain, referred, dict(plain), bad_referral, {**referred, "referral": None},
             elsewhere, visit(hh)]
    results = sync_as("volunteer").send(batch).json()["results"]
    assert [r["id"] for r in results] == [b["id"] for b in batch]
    assert [r["status"] for r in results] == [
        "created", "created", "duplicate", "rejected", "duplicate", "rejected", "created"]
    assert "referral.reason_code" in results[3]["errors"]
    assert "already used" in results[5]["errors"]["id"]
    # the duplicate of a contact made by this batch reports the saved row's updated_at
    assert results[2]["updated_at"] == results[0]["updated_at"]
    assert results[4]["updated_at"] == results[1]["updated_at"]
    assert Contact.objects.count() == 3 and contact_events().count() == 3
    assert Referral.objects.get().source_contact_id == uuid.UUID(referred["id"])


def test_duplicate_in_batch_older_than_the_row_is_a_conflict(family, enrolled, sync_as):
    item = visit(family["household"])
    base = (timezone.now() - dt.timedelta(days=1)).isoformat()
    results = sync_as("volunteer").send([item, {**item, "base_updated_at": base}]).json()
    first, second = results["results"]
    assert first["status"] == "created" and second["status"] == "conflict"
    assert second["server"]["id"] == item["id"] and second["server"]["status"] == "recorded"


def test_change_listeners_run_only_when_something_was_made(family, enrolled, sync_as,
                                                           monkeypatch):
    calls = []
    monkeypatch.setattr(audit, "CHANGE_LISTENERS", [lambda: calls.append(1)])
    client = sync_as("volunteer")
    batch = [visit(family["household"]) for _ in range(5)]
    client.send(batch)
    assert calls  # the indicators' refresh is queued (once per transaction, on commit)
    calls.clear()
    assert client.send(batch).json()["duplicate"] == 5
    assert not calls


def test_id_saved_meanwhile_by_another_request(users, family, enrolled, monkeypatch):
    """The bulk insert meets an id saved by a concurrent request: the others are still
    created and that item is a duplicate of the row in the way."""
    vol, hh = users["volunteer"], family["household"]
    items = [{**visit(hh), "id": uuid.uuid4(), "household_id": hh.pk} for _ in range(3)]
    real = actions.new_contact
    raced = []

    def racing(*, actor, caseload, contact_id, data):
        if contact_id == items[1]["id"] and not raced:  # another request saves it now
            raced.append(contact_id)
            actions.record_contact(actor=actor, household=caseload.household,
                                   data={**data, "id": str(contact_id)})
        return real(actor=actor, caseload=caseload, contact_id=contact_id, data=data)

    monkeypatch.setattr(actions, "new_contact", racing)
    results = sync.ingest(vol, items)
    assert [r["status"] for r in results] == ["created", "duplicate", "created"]
    assert Contact.objects.count() == 3 and contact_events().count() == 3


def test_cyclic_gc_back_on_after_a_batch(users, family, enrolled):
    assert gc.isenabled()
    sync.ingest(users["volunteer"], [])
    assert gc.isenabled()
    with pytest.raises(KeyError):
        sync.ingest(users["volunteer"], [{"household_id": family["household"].pk}])
    assert gc.isenabled()


def _many(households, n, child_ids):
    now = timezone.now()
    return [{"id": str(uuid.uuid4()), "household_id": str(households[i % len(households)].pk),
             "kind": "home_visit", "occurred_at": (now - dt.timedelta(minutes=i + 1)).isoformat(),
             "persons_present": [child_ids[households[i % len(households)].pk]],
             "messages_given": ["BF-EXCL"],
             "items_delivered": [{"item_code": "KIT-DIT", "quantity": 1}],
             "observations": {"weight_kg": 8.5}} for i in range(n)]


def test_queries_do_not_grow_with_the_batch(users, tree, model, sync_as,
                                            django_assert_max_num_queries):
    from crecer.registry.models import Person

    households = build_caseload(volunteer=users["volunteer"], territory=tree.comm_a1,
                                programme=model, n=200)
    child_ids = {hid: str(pk) for pk, hid in Person.objects.filter(given_names__startswith="Niño")
                 .values_list("pk", "household_id")}
    client = sync_as("volunteer")
    client.send(_many(households, 1, child_ids))  # warm up: token touched, schemas built

    def reads(ctx):
        return [q["sql"] for q in ctx.captured_queries
                if not q["sql"].lstrip().upper().startswith("INSERT")]

    with CaptureQueriesContext(connection) as small:
        assert client.send(_many(households, 20, child_ids)).json()["created"] == 20
    with django_assert_max_num_queries(20) as big:
        r = client.send(_many(households, 200, child_ids))
    assert r.json()["created"] == 200
    # token, ids, territories, households, enrolments, programmes, members; savepoints
    assert len(reads(big)) == len(reads(small)) <= 11
    # the inserts are bulk: one statement per table (SQLite: chunks of up to 999 parameters)
    inserts = [q["sql"] for q in big.captured_queries
               if q["sql"].lstrip().upper().startswith("INSERT")]
    per_table = {"fieldwork_contact": 0, "core_auditevent": 0}
    for sql in inserts:
        table = sql.split('"')[1]
        per_table[table] = per_table.get(table, 0) + 1
    assert set(per_table) == {"fieldwork_contact", "core_auditevent"}
    limit = 1 if connection.vendor != "sqlite" else 4
    assert all(n <= limit for n in per_table.values()), per_table
    assert Contact.objects.count() == 221 and contact_events().count() == 221


def test_malformed_batch_still_answers_422(family, enrolled, sync_as):
    item = visit(family["household"])
    body = json.dumps({"contacts": [item, {**item, "id": "x", "quantity": 1}]})
    r = sync_as("volunteer").send(None, raw=body)
    assert r.status_code == 422
    assert set(r.json()["errors"]) == {"contacts.1.id", "contacts.1.quantity"}
    assert not Contact.objects.exists()
