"""Writes of contacts: record (idempotent on the client-made id), validate, return.

A new contact is checked by one function, `new_contact` (the caseload, then `clean_contact`'s
rules), for the visit form (`record_contact`, one at a time) and for the offline sync
(`sync.ingest`, a whole batch against `caseloads_for` read once); `save_new_contacts` writes
the rows and their audit events in two bulk statements."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from crecer.accounts import scope
from crecer.accounts.models import Role
from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.programmes.models import Enrolment, EnrolmentStatus, Programme
from crecer.registry.queries import persons_for

from . import policies
from .models import REMOTE_KINDS, Contact, ContactKind, ContactStatus, RemoteOutcome

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=10)
MAX_ITEMS = 50
_KINDS = frozenset(ContactKind.values)
_OUTCOMES = frozenset(RemoteOutcome.values) - {""}


def _parse_uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError({"id": _("The contact id “%(value)s” is not a UUID.")
                               % {"value": value}}) from None


def _parse_when(value: Any) -> dt.datetime:
    when = None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime.combine(value, dt.time(12))
    elif isinstance(value, str):
        try:
            when = parse_datetime(value)
            if when is None and (day := parse_date(value)):
                when = dt.datetime.combine(day, dt.time(12))
        except ValueError:
            when = None
    if when is None:
        raise ValidationError({"occurred_at": _("“%(value)s” is not a date and time.")
                               % {"value": value}})
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when


def _codes(value: Any, field: str) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError({field: _("Must be a list of codes.")})
    return list(dict.fromkeys(value))


@dataclass(frozen=True, slots=True)
class Caseload:
    """What checking a contact with one household needs: the programmes of the active
    enrolments through which the actor works with it (none: not her caseload), the codes they
    know and the members' birth dates (person id as text → date or None)."""

    household: Any
    programmes: list[Programme]
    members: dict[str, dt.date | None]
    messages: frozenset[str] = frozenset()
    items: frozenset[str] = frozenset()
    cores: frozenset[str] = frozenset()


def _caseload_enrolments(actor, household_ids) -> QuerySet[Enrolment]:
    qs = Enrolment.objects.filter(household_id__in=household_ids, status=EnrolmentStatus.ACTIVE)
    if getattr(actor, "role", None) == Role.VOLUNTEER:
        qs = qs.filter(volunteer=actor)
    return qs


def caseload_enrolments(actor, household) -> list[Enrolment]:
    """The active enrolments through which the actor may record a contact with the household:
    a volunteer's own; for a facilitator (accompanied visits) any in her scope."""
    return list(_caseload_enrolments(actor, [household.pk]).select_related("programme"))


def caseloads_for(actor, households: Iterable, *,
                  members_of: set | None = None) -> dict[Any, Caseload]:
    """`Caseload` of each household (by id), in three queries whatever their number: the
    enrolments (`caseload_enrolments`' rule), their programmes (each read once), the members
    of the enrolled households — only of those in `members_of` if given (the households of
    contacts naming persons present: the members are read for nothing else)."""
    households = {h.pk: h for h in households}
    enrolled: dict[Any, list[Any]] = defaultdict(list)
    for hid, programme_id in (_caseload_enrolments(actor, list(households))
                              .values_list("household_id", "programme_id")):
        if programme_id not in enrolled[hid]:
            enrolled[hid].append(programme_id)
    programmes = Programme.objects.in_bulk({p for ids in enrolled.values() for p in ids})
    members: dict[Any, dict[str, dt.date | None]] = defaultdict(dict)
    wanted = [pk for pk in enrolled if members_of is None or pk in members_of]
    if wanted:
        for pk, hid, born in (persons_for(actor).filter(household_id__in=wanted)
                              .values_list("pk", "household_id", "birth_date")):
            members[hid][str(pk)] = born
    known: dict[tuple, tuple] = {}  # programme ids -> (programmes, their codes): once each
    out = {}
    for pk, household in households.items():
        ids = tuple(enrolled.get(pk, ()))
        if ids not in known:
            mine = [programmes[p] for p in ids]
            known[ids] = (mine, frozenset().union(*(p.message_codes() for p in mine)),
                          frozenset().union(*(p.item_codes() for p in mine)),
                          frozenset().union(*(p.coresponsibility_codes() for p in mine)))
        mine, messages, items, cores = known[ids]
        out[pk] = Caseload(household=household, programmes=mine, members=members.get(pk, {}),
                           messages=messages, items=items, cores=cores)
    return out


def clean_contact(data: dict[str, Any], caseload: Caseload) -> dict[str, Any]:
    """The fields of a new contact from `data`, or ValidationError naming every bad field."""
    household, members = caseload.household, caseload.members
    errors: dict[str, list[str]] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    kind = data.get("kind", ContactKind.HOME_VISIT)
    if kind not in _KINDS:
        err("kind", _("Unknown kind of contact “%(value)s”.") % {"value": kind})
    when = _parse_when(data.get("occurred_at"))
    if when > timezone.now() + CLOCK_SKEW:
        err("occurred_at", _("The contact on %(when)s is in the future.")
            % {"when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M")})
    outcome = data.get("remote_outcome") or ""
    if kind in REMOTE_KINDS:
        if outcome not in _OUTCOMES:
            err("remote_outcome", _("Say whether the family was reached, did not answer or the "
                                    "number was wrong."))
    elif outcome:
        err("remote_outcome", _("Only calls and text messages have an outcome."))

    messages_given = _codes(data.get("messages_given"), "messages_given")
    for code in messages_given:
        if code not in caseload.messages:
            err("messages_given", _("Unknown key message “%(code)s” for the programmes of "
                                    "household %(hh)s.") % {"code": code, "hh": household})
    evidence = _codes(data.get("coresponsibility_evidence"), "coresponsibility_evidence")
    for code in evidence:
        if code not in caseload.cores:
            err("coresponsibility_evidence", _("Unknown co-responsibility “%(code)s”.")
                % {"code": code})
    present = _codes([str(x) for x in data.get("persons_present") or []], "persons_present")
    day = None
    for pid in present:
        if pid not in members:
            err("persons_present", _("Person %(id)s is not a member of household %(hh)s.")
                % {"id": pid, "hh": household})
        elif (born := members[pid]) and born > (day := day or timezone.localdate(when)):
            err("persons_present", _("Person %(id)s was born on %(born)s, after the contact.")
                % {"id": pid, "born": born.isoformat()})

    items = []
    raw_items = data.get("items_delivered") or []
    if not isinstance(raw_items, list) or len(raw_items) > MAX_ITEMS:
        err("items_delivered", _("Must be a list of at most %(n)s items.") % {"n": MAX_ITEMS})
        raw_items = []
    for i, item in enumerate(raw_items, start=1):
        code = item.get("item_code") if isinstance(item, dict) else None
        qty = item.get("quantity", 1) if isinstance(item, dict) else None
        if code not in caseload.items:
            err("items_delivered", _("Item %(i)s: unknown item “%(code)s”.")
                % {"i": i, "code": code})
        elif isinstance(qty, bool) or not isinstance(qty, int) or not 1 <= qty <= 1000:
            err("items_delivered", _("Item %(i)s (%(code)s): the quantity must be a whole "
                                     "number from 1 to 1000.") % {"i": i, "code": code})
        else:
            items.append({"item_code": code, "quantity": qty})

    obs = data.get("observations") or {}
    if not isinstance(obs, dict):
        err("observations", _("Must be an object."))
        obs = {}
    clean_obs: dict[str, Any] = {}
    signs = obs.get("danger_signs") or []
    if not isinstance(signs, list) or not all(isinstance(s, str) and len(s) <= 100
                                              for s in signs):
        err("observations", _("danger_signs must be a list of short texts."))
    elif signs:
        clean_obs["danger_signs"] = signs
    for key, lo, hi in (("weight_kg", 0.3, 200), ("height_cm", 20, 220)):
        value = obs.get(key)
        if value in (None, ""):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1
        if not lo <= number <= hi:
            err("observations", _("%(key)s: “%(value)s” is not between %(lo)s and %(hi)s.")
                % {"key": key, "value": value, "lo": lo, "hi": hi})
        else:
            clean_obs[key] = number
    if isinstance(obs.get("note"), str) and obs["note"].strip():
        clean_obs["note"] = obs["note"].strip()[:1000]
    if errors:
        raise ValidationError(errors)
    return {"kind": kind, "occurred_at": when, "remote_outcome": outcome,
            "messages_given": messages_given, "coresponsibility_evidence": evidence,
            "persons_present": present, "items_delivered": items, "observations": clean_obs}


def _check_may_record(actor, household) -> None:
    if not policies.can_record_contact(actor) or not scope.covers(actor, household.territory):
        raise PermissionDenied(_("You cannot record contacts in this territory."))


def new_contact(*, actor, caseload: Caseload, contact_id: uuid.UUID,
                data: dict[str, Any]) -> Contact:
    """The unsaved contact `contact_id` of `actor` with `caseload.household`, checked: the
    actor may record there (else PermissionDenied), the household is in her caseload and
    `data` passes `clean_contact` (else ValidationError naming the fields). The one check of a
    new contact, for `record_contact` and for the sync batch; save with `save_new_contacts`."""
    household = caseload.household
    _check_may_record(actor, household)
    if not caseload.programmes:
        raise ValidationError({"household": _("Household %(hh)s is not in your caseload.")
                               % {"hh": household}})
    fields = clean_contact(data, caseload)
    return Contact(id=contact_id, household=household, volunteer_id=actor.pk, **fields)


def save_new_contacts(*, actor, contacts: list[Contact]) -> None:
    """Insert contacts made by `new_contact` and one audit event ("create") each: a bulk insert
    of each, whatever their number (SQLite splits them in chunks of ~60 rows). Runs in the
    caller's transaction; an id already taken raises IntegrityError."""
    if not contacts:
        return
    Contact.objects.bulk_create(contacts)
    by = getattr(actor, "pk", None)  # as `audit.record`: no actor row for a system change
    username = getattr(actor, "username", "") or "system"
    entity = Contact._meta.label_lower
    audit.record_many([
        AuditEvent(actor_id=by, actor_username=username, action=AuditAction.CREATE,
                   entity=entity, object_id=str(c.pk),
                   territory_path=c.household.territory.path,
                   changes=audit.diff({}, audit.snapshot(c)))
        for c in contacts])


def record_contact(*, actor, household, data: dict[str, Any]) -> Contact:
    """Record a contact. Idempotent on `data["id"]`: the same id again returns the first row."""
    _check_may_record(actor, household)
    contact_id = _parse_uuid(data.get("id"))
    existing = Contact.objects.filter(pk=contact_id).first()
    if existing is not None:
        return _same(existing, actor, household)
    contact = new_contact(actor=actor, caseload=caseloads_for(actor, [household])[household.pk],
                          contact_id=contact_id, data=data)
    try:
        with transaction.atomic():
            save_new_contacts(actor=actor, contacts=[contact])
    except IntegrityError:
        # The same contact arrived twice at once: the other request made it.
        existing = Contact.objects.filter(pk=contact_id).first()
        if existing is None:
            raise
        return _same(existing, actor, household)
    return contact


def _same(existing: Contact, actor, household) -> Contact:
    if existing.household_id != household.pk or existing.volunteer_id != actor.pk:
        raise ValidationError({"id": _("The contact id %(id)s is already used by another "
                                       "contact.") % {"id": existing.pk}})
    return existing


def _review(actor, contact: Contact, status: str, note: str) -> Contact:
    if not policies.can_supervise(actor) or not scope.covers(actor, contact.household.territory):
        raise PermissionDenied(_("You cannot review contacts in this territory."))
    if contact.status != ContactStatus.RECORDED:
        raise ValidationError({"status": _("This contact was already %(status)s.")
                               % {"status": contact.get_status_display()}})
    if contact.volunteer_id == actor.pk:
        raise ValidationError({"status": _("You cannot review your own contact.")})
    with transaction.atomic():
        before = audit.snapshot(contact)
        contact.status = status
        contact.validated_by = actor
        contact.validated_at = timezone.now()
        contact.review_note = note[:255]
        contact.save()
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=contact,
                     changes=audit.diff(before, audit.snapshot(contact)),
                     territory_path=contact.household.territory.path)
    return contact


def validate_contact(*, actor, contact: Contact) -> Contact:
    return _review(actor, contact, ContactStatus.VALIDATED, "")


def return_contact(*, actor, contact: Contact, reason: str) -> Contact:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"review_note": _("Say why the contact is returned.")})
    return _review(actor, contact, ContactStatus.RETURNED, reason)
