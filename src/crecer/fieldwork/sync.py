"""Offline sync: what a volunteer's phone downloads (`bootstrap`) and how the contacts it
recorded without signal come back (`ingest`).

- `bootstrap(user, today)`: her worklist households (ids, code, address, community, due date,
  last contact, programme codes, members with name, birth date, roles and EDD) and the
  configuration of the programmes they are in (schedule, key messages, items,
  co-responsibilities). Short keys, no nulls, no empty lists: the download stays small.
- `ingest(user, items)`: one result per item, each item in its own savepoint (one bad item
  never loses the others). Idempotent on the client-made UUID: an id already on the server is
  `duplicate`, so a batch sent twice or cut half-way and sent again loses and duplicates
  nothing. An item that carries `base_updated_at` for a contact changed on the server after
  that time (validated or returned by the facilitator) is a `conflict` carrying the server
  version; it is never overwritten. An item may carry a `referral` (see `referral.py`): it is
  made in the item's savepoint, so a refused referral refuses the contact too; a resent item
  is a duplicate and makes no second referral (one referral per `source_contact_id`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
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


def ingest(user, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Record a batch of contacts made offline; one result per item, in order.

    Each item is a dict with `id` (UUID), `household_id` (UUID), the fields `record_contact`
    takes and an optional `base_updated_at` (aware datetime)."""
    if not policies.can_record_contact(user):
        raise PermissionDenied(_("You cannot record contacts."))
    if len(items) > MAX_BATCH:
        raise ValidationError({"contacts": _("Send at most %(n)s contacts at a time.")
                               % {"n": MAX_BATCH}})
    ids = [item["id"] for item in items]
    existing = {c.pk: c for c in Contact.objects.filter(pk__in=ids)}
    households = {h.pk: h for h in households_for(user).filter(
        pk__in={item["household_id"] for item in items})}
    results = []
    with transaction.atomic():
        for item in items:
            results.append(_one(user, item, existing, households))
    return results


def _one(user, item: dict[str, Any], existing: dict, households: dict) -> dict[str, Any]:
    cid: uuid.UUID = item["id"]
    out: dict[str, Any] = {"id": str(cid)}
    found = existing.get(cid)
    if found is not None:
        if found.volunteer_id != user.pk or found.household_id != item["household_id"]:
            return {**out, "status": "rejected", "errors": {
                "id": _("The contact id %(id)s is already used by another contact.")
                % {"id": cid}}}
        base = item.get("base_updated_at")
        if base is not None and found.updated_at > base:
            return {**out, "status": "conflict", "server": contact_version(found)}
        return {**out, "status": "duplicate", "updated_at": found.updated_at.isoformat()}
    household = households.get(item["household_id"])
    if household is None:
        return {**out, "status": "rejected", "errors": {
            "household_id": _("Household %(id)s was not found in your territories.")
            % {"id": item["household_id"]}}}
    data = {k: v for k, v in item.items()
            if k not in ("household_id", "base_updated_at", "referral")}
    try:
        with transaction.atomic():
            contact = actions.record_contact(actor=user, household=household, data=data)
            if item.get("referral"):
                refer_from_contact(actor=user, contact=contact, data=item["referral"])
    except ValidationError as exc:
        return {**out, "status": "rejected", "errors": field_errors(exc)}
    except PermissionDenied as exc:
        return {**out, "status": "rejected", "errors": {"household_id": str(exc)}}
    existing[cid] = contact  # the same id later in the batch is a duplicate
    return {**out, "status": "created", "updated_at": contact.updated_at.isoformat()}
