"""Writes of contacts: record (idempotent on the client-made id), validate, return."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from crecer.accounts import scope
from crecer.accounts.models import Role
from crecer.core import audit
from crecer.core.models import AuditAction
from crecer.programmes.models import Enrolment, EnrolmentStatus
from crecer.registry.queries import persons_for

from . import policies
from .models import REMOTE_KINDS, Contact, ContactKind, ContactStatus, RemoteOutcome

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = dt.timedelta(minutes=10)
MAX_ITEMS = 50


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


def _clean(data: dict[str, Any], *, household, enrolments: list[Enrolment],
           members: dict[str, dt.date | None]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}

    def err(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    kind = data.get("kind", ContactKind.HOME_VISIT)
    if kind not in ContactKind.values:
        err("kind", _("Unknown kind of contact “%(value)s”.") % {"value": kind})
    when = _parse_when(data.get("occurred_at"))
    if when > timezone.now() + CLOCK_SKEW:
        err("occurred_at", _("The contact on %(when)s is in the future.")
            % {"when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M")})
    outcome = data.get("remote_outcome") or ""
    if kind in REMOTE_KINDS:
        if outcome not in RemoteOutcome.values or not outcome:
            err("remote_outcome", _("Say whether the family was reached, did not answer or the "
                                    "number was wrong."))
    elif outcome:
        err("remote_outcome", _("Only calls and text messages have an outcome."))

    known_messages = set().union(*(e.programme.message_codes() for e in enrolments))
    known_items = set().union(*(e.programme.item_codes() for e in enrolments))
    known_cores = set().union(*(e.programme.coresponsibility_codes() for e in enrolments))
    messages_given = _codes(data.get("messages_given"), "messages_given")
    for code in messages_given:
        if code not in known_messages:
            err("messages_given", _("Unknown key message “%(code)s” for the programmes of "
                                    "household %(hh)s.") % {"code": code, "hh": household})
    evidence = _codes(data.get("coresponsibility_evidence"), "coresponsibility_evidence")
    for code in evidence:
        if code not in known_cores:
            err("coresponsibility_evidence", _("Unknown co-responsibility “%(code)s”.")
                % {"code": code})
    present = [str(p) for p in _codes([str(x) for x in data.get("persons_present") or []],
                                      "persons_present")]
    for pid in present:
        if pid not in members:
            err("persons_present", _("Person %(id)s is not a member of household %(hh)s.")
                % {"id": pid, "hh": household})
        elif (born := members[pid]) and born > timezone.localdate(when):
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
        if code not in known_items:
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


def caseload_enrolments(actor, household) -> list[Enrolment]:
    """The active enrolments through which the actor may record a contact with the household:
    a volunteer's own; for a facilitator (accompanied visits) any in her scope."""
    qs = Enrolment.objects.filter(household=household, status=EnrolmentStatus.ACTIVE)
    if getattr(actor, "role", None) == Role.VOLUNTEER:
        qs = qs.filter(volunteer=actor)
    return list(qs.select_related("programme"))


def record_contact(*, actor, household, data: dict[str, Any]) -> Contact:
    """Record a contact. Idempotent on `data["id"]`: the same id again returns the first row."""
    if not policies.can_record_contact(actor) or not scope.covers(actor, household.territory):
        raise PermissionDenied(_("You cannot record contacts in this territory."))
    contact_id = _parse_uuid(data.get("id"))
    existing = Contact.objects.filter(pk=contact_id).first()
    if existing is not None:
        return _same(existing, actor, household)
    enrolments = caseload_enrolments(actor, household)
    if not enrolments:
        raise ValidationError({"household": _("Household %(hh)s is not in your caseload.")
                               % {"hh": household}})
    members = {str(pk): born for pk, born in persons_for(actor).filter(household=household)
               .values_list("pk", "birth_date")}
    fields = _clean(data, household=household, enrolments=enrolments, members=members)
    try:
        with transaction.atomic():
            contact = Contact.objects.create(id=contact_id, household=household,
                                             volunteer=actor, **fields)
            audit.record(actor=actor, action=AuditAction.CREATE, obj=contact,
                         changes=audit.diff({}, audit.snapshot(contact)),
                         territory_path=household.territory.path)
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
