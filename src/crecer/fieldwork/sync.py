"""Offline sync: what a volunteer's phone downloads (`bootstrap`) and how the contacts it
recorded without signal come back (`ingest`).

- `bootstrap(user, today)`: her worklist households (ids, code, address, community, due date,
  last contact, programme codes, members with name, birth date, roles and EDD) and the
  configuration of the programmes they are in (schedule, key messages, items,
  co-responsibilities). Short keys, no nulls, no empty lists: the download stays small.
- `ingest(user, items)`: one result per item, in order, set-based: the ids already on the
  server, the households in the user's scope and their caseloads (enrolments, members) are
  read once for the whole batch; every item is checked in Python by `actions.new_contact`
  (the rules of `record_contact`); the valid new ones are saved by one bulk insert and their
  audit events by another (`actions.save_new_contacts`), all in one transaction. A bad item
  is `rejected` with its field errors and never loses the others. Idempotent on the
  client-made UUID: an id already on the server is `duplicate`, so a batch sent twice or cut
  half-way and sent again loses and duplicates nothing (the same id twice in one batch: the
  second is a duplicate). An item that carries `base_updated_at` for a contact changed on the
  server after that time (validated or returned by the facilitator) is a `conflict` carrying
  the server version; it is never overwritten. An item may carry a `referral` (see
  `referral.py`): such items (rare) go one by one through `record_contact` in their own
  savepoint, so a refused referral refuses the contact too; a resent item is a duplicate and
  makes no second referral (one referral per `source_contact_id`).
"""

from __future__ import annotations

import datetime as dt
import gc
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crecer.api.errors import field_errors
from crecer.registry.models import PersonRole
from crecer.registry.queries import households_for, persons_for

from . import actions, policies, queries
from .models import Contact
from .referral import refer_from_contact

FORMAT_VERSION = 1
MAX_BATCH = 1000


def _drop_empty(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v not in (None, "", [], {})}


def _programme(p, lang: str) -> dict[str, Any]:
    cfg = p.config or {}
    text_key = "text_es" if lang.startswith("es") else "text_en"
    messages = [_drop_empty({"code": m["code"], "topic": m.get("topic"),
                             "from": m.get("from_months"), "to": m.get("to_months"),
                             "aud": m.get("audience"),
                             "text": m.get(text_key) or m.get("text_es") or m.get("text_en")})
                for m in cfg.get("key_messages", [])]
    cores = [_drop_empty({"code": c["code"], "name": c.get("name"),
                          "from": c.get("from_months"), "to": c.get("to_months"),
                          "aud": c.get("audience")})
             for c in cfg.get("coresponsibilities", [])]
    return _drop_empty({"id": p.pk, "code": p.code, "name": p.name, "kind": p.kind,
                        "schedule": cfg.get("schedule"), "messages": messages,
                        "items": list(cfg.get("deliverables", [])), "cores": cores})


def bootstrap(user, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the phone needs to work offline for one day or more. Five queries."""
    if not policies.can_view_worklist(user):
        raise PermissionDenied(_("Only volunteers and facilitators have a worklist."))
    today = today or timezone.localdate()
    items = queries.worklist_for(user, today)
    household_ids = [i.household.pk for i in items]
    roles: dict = defaultdict(list)
    edd: dict = {}
    for pid, role, due in (PersonRole.objects
                           .filter(person__household_id__in=household_ids, active=True)
                           .values_list("person_id", "role", "expected_delivery_date")):
        roles[pid].append(role)
        if due:
            edd[pid] = due.isoformat()
    members: dict = defaultdict(list)
    for pid, hid, given, first, second, born in (
            persons_for(user).filter(household_id__in=household_ids)
            .order_by("birth_date", "pk")
            .values_list("pk", "household_id", "given_names", "first_surname",
                         "second_surname", "birth_date")):
        members[hid].append(_drop_empty({
            "id": str(pid), "name": " ".join(x for x in (given, first, second) if x),
            "born": born.isoformat() if born else None, "roles": roles.get(pid),
            "edd": edd.get(pid)}))
    programmes: dict = {}
    households = []
    for i in items:
        hh = i.household
        for p in i.programmes:
            programmes.setdefault(p.pk, p)
        households.append(_drop_empty({
            "id": str(hh.pk), "code": hh.code, "addr": hh.address,
            "community": hh.territory.name,
            "due": i.next_due.isoformat() if i.next_due else None,
            "last": i.last_contact.isoformat() if i.last_contact else None,
            "every": i.every_days, "prio": 1 if i.priority else None,
            "prog": [p.code for p in i.programmes], "members": members.get(hh.pk)}))
    lang = translation.get_language() or "en"
    return {"v": FORMAT_VERSION, "at": timezone.now().isoformat(timespec="seconds"),
            "user": user.username, "today": today.isoformat(),
            "programmes": [_programme(p, lang) for p in programmes.values()],
            "households": households}


def contact_version(c: Contact) -> dict[str, Any]:
    """The server's version of a contact, sent back with a conflict."""
    return {"id": str(c.pk), "household_id": str(c.household_id), "kind": c.kind,
            "occurred_at": c.occurred_at.isoformat(), "status": c.status,
            "review_note": c.review_note,
            "validated_at": c.validated_at.isoformat() if c.validated_at else None,
            "updated_at": c.updated_at.isoformat(), "persons_present": c.persons_present,
            "messages_given": c.messages_given, "items_delivered": c.items_delivered,
            "observations": c.observations,
            "coresponsibility_evidence": c.coresponsibility_evidence,
            "remote_outcome": c.remote_outcome}


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a batch (`ingest`, and the
    whole request in `api.py`: parsing, ingest, response).

    A batch of 500 makes tens of thousands of short-lived objects (parsed items, rows, audit
    events, results), none of them in reference cycles: they are freed by reference counting
    when the request ends. With the collector on, while they are alive they push it into a
    full collection of the whole process heap (~150,000 objects in the benchmark's process,
    100-200 ms) every two or three batches: more than the ingest itself
    (benchmarks/sync.py). Only the call that paused it resumes it, and only if it was on."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def ingest(user, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Record a batch of contacts made offline; one result per item, in order.

    Each item is a dict with `id` (UUID), `household_id` (UUID), the fields `record_contact`
    takes, an optional `base_updated_at` (aware datetime) and an optional `referral`. Six
    reads (ids, the user's territories, households, enrolments, programmes, members) and two
    bulk inserts whatever the batch size; items with a referral add their own queries, and
    conflicts one read for the server's versions."""
    with cyclic_gc_paused():
        return _ingest(user, items)


def _ingest(user, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not policies.can_record_contact(user):
        raise PermissionDenied(_("You cannot record contacts."))
    if len(items) > MAX_BATCH:
        raise ValidationError({"contacts": _("Send at most %(n)s contacts at a time.")
                               % {"n": MAX_BATCH}})
    existing = {c.pk: c for c in Contact.objects.filter(pk__in=[item["id"] for item in items])
                .only("id", "household_id", "volunteer_id", "updated_at")}
    new = [item for item in items if item["id"] not in existing]  # households matter for these
    # Only what checking, messages and audit use (code, territory path): 500 households load
    # in half the time. Reading another field of these rows would cost a query each.
    households = {h.pk: h for h in households_for(user).filter(
        pk__in={item["household_id"] for item in new}).only("id", "code", "territory__path")}
    caseloads = actions.caseloads_for(user, households.values(), members_of={
        item["household_id"] for item in new if item.get("persons_present")})
    results: list[dict[str, Any]] = []
    made: dict[uuid.UUID, Contact] = {}  # valid new contacts, saved together at the end
    later: list[tuple[int, dict[str, Any]]] = []  # results that need the saved row
    with transaction.atomic():
        for item in items:
            cid: uuid.UUID = item["id"]
            out: dict[str, Any] = {"id": str(cid)}
            results.append(out)
            if cid in made:  # made by this batch: a duplicate, known once saved
                later.append((len(results) - 1, item))
            elif (found := existing.get(cid)) is not None:
                out.update(_known(user, item, found))
            elif (household := households.get(item["household_id"])) is None:
                out.update(_rejected("household_id", _(
                    "Household %(id)s was not found in your territories.")
                    % {"id": item["household_id"]}))
            elif item.get("referral"):
                out.update(_with_referral(user, item, household, existing))
            else:
                try:
                    made[cid] = actions.new_contact(actor=user, caseload=caseloads[household.pk],
                                                    contact_id=cid, data=item)
                except ValidationError as exc:
                    out.update(status="rejected", errors=field_errors(exc))
                except PermissionDenied as exc:
                    out.update(_rejected("household_id", str(exc)))
                else:
                    later.append((len(results) - 1, item))
        raced = _save(user, list(made.values()))
    created: set[uuid.UUID] = set()
    for index, item in later:
        cid = item["id"]
        if cid in raced:
            results[index].update(_known(user, item, raced[cid]))
        elif cid in created:
            results[index].update(_known(user, item, made[cid]))
        else:
            created.add(cid)
            results[index].update(status="created",
                                  updated_at=made[cid].updated_at.isoformat())
    stale = [r for r in results if r["status"] == "conflict"]
    if stale:  # the server's version of each, read in full (rare: one query)
        full = Contact.objects.in_bulk([r["server"] for r in stale])
        for r in stale:
            r["server"] = contact_version(full[r["server"]])
    return results


def _rejected(field: str, message: str) -> dict[str, Any]:
    return {"status": "rejected", "errors": {field: message}}


def _known(user, item: dict[str, Any], found: Contact) -> dict[str, Any]:
    """The result for an item whose id is already taken by `found`."""
    if found.volunteer_id != user.pk or found.household_id != item["household_id"]:
        return _rejected("id", _("The contact id %(id)s is already used by another contact.")
                         % {"id": item["id"]})
    base = item.get("base_updated_at")
    if base is not None and found.updated_at > base:
        return {"status": "conflict", "server": found.pk}  # its version is added at the end
    return {"status": "duplicate", "updated_at": found.updated_at.isoformat()}


def _with_referral(user, item: dict[str, Any], household, existing: dict) -> dict[str, Any]:
    """An item carrying a referral: contact and referral in one savepoint, or neither."""
    try:
        with transaction.atomic():
            contact = actions.record_contact(actor=user, household=household, data=item)
            refer_from_contact(actor=user, contact=contact, data=item["referral"])
    except ValidationError as exc:
        return {"status": "rejected", "errors": field_errors(exc)}
    except PermissionDenied as exc:
        return _rejected("household_id", str(exc))
    existing[contact.pk] = contact  # the same id later in the batch is a duplicate
    return {"status": "created", "updated_at": contact.updated_at.isoformat()}


def _save(user, contacts: list[Contact]) -> dict[uuid.UUID, Contact]:
    """Save the batch's new contacts at once. If another request saved one of the same ids
    meanwhile (IntegrityError), save them one by one instead and return the rows found in
    the way, by id."""
    try:
        with transaction.atomic():
            actions.save_new_contacts(actor=user, contacts=contacts)
        return {}
    except IntegrityError:
        pass
    raced = {}
    for contact in contacts:
        try:
            with transaction.atomic():
                actions.save_new_contacts(actor=user, contacts=[contact])
        except IntegrityError:
            other = Contact.objects.filter(pk=contact.pk).first()
            if other is None:
                raise
            raced[contact.pk] = other
    return raced
