"""Every write to referrals: a policy check, one transaction, a history row per change of status
and an audit row (with the person's id) per referral.

    sent ──receive──> received ──record_counter_referral──> attended
      │                  │
      └──reject / expire─┴──> rejected | expired
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.registry.models import Person
from crecer.territory.models import Kind, OrgUnit

from .models import (
    DUE_DAYS,
    OPEN,
    TRANSITIONS,
    ReasonCode,
    Referral,
    ReferralEvent,
    Status,
    Urgency,
)
from .queries import services_for

TEXT_MAX = 2000


def default_due_date(urgency: str, referred_on: dt.date | None = None) -> dt.date:
    """Emergency: the same day; priority: 3 days; routine: 14 days."""
    start = referred_on or timezone.localdate()
    return start + dt.timedelta(days=DUE_DAYS[Urgency(urgency)])


def _text(value: str | None, field: str, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > TEXT_MAX:
        raise ValidationError({field: _("Use at most %(n)d characters.") % {"n": TEXT_MAX}})
    return text


def _event(referral: Referral, actor, from_status: str, to_status: str, note: str = "",
           at: dt.datetime | None = None) -> ReferralEvent:
    return ReferralEvent(
        referral=referral, from_status=from_status, to_status=to_status,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "system", at=at or timezone.now(),
        note=note)


def _audit(actor, referral: Referral, changes: dict, action=AuditAction.UPDATE, note: str = ""):
    audit.record(actor=actor, action=action, obj=referral, changes=changes,
                 territory_path=referral.person.territory.path, person_id=referral.person_id,
                 note=note)


def create_referral(*, actor, person: Person, to_service: OrgUnit, reason_code: str,
                    reason: str = "", urgency: str = Urgency.ROUTINE,
                    due_date: dt.date | None = None, from_unit: OrgUnit | None = None,
                    referred_on: dt.date | None = None,
                    source_contact_id: uuid.UUID | None = None) -> Referral:
    """Refer a person in the actor's territories to a service point of the directory."""
    if not policies.can_refer(actor) or not scope.covers(actor, person.territory):
        raise PermissionDenied(_("You cannot refer persons of this territory."))
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if person.merged_into_id:
        errors["person"] = _("This record was merged into another one; refer the surviving "
                             "record.")
    if to_service.kind != Kind.SERVICE_POINT:
        errors["to_service"] = _("“%(name)s” is not a service point.") % {"name": to_service}
    elif not services_for(actor).filter(pk=to_service.pk).exists():
        errors["to_service"] = _("“%(name)s” is not in the directory of services near your "
                                 "territories.") % {"name": to_service}
    if reason_code not in ReasonCode.values:
        errors["reason_code"] = _("Unknown reason “%(value)s”.") % {"value": reason_code}
    reason = (reason or "").strip()
    if reason_code == ReasonCode.OTHER and not reason:
        errors["reason"] = _("Describe the reason when it is “other”.")
    elif len(reason) > TEXT_MAX:
        errors["reason"] = _("Use at most %(n)d characters.") % {"n": TEXT_MAX}
    if urgency not in Urgency.values:
        errors["urgency"] = _("Unknown urgency “%(value)s”.") % {"value": urgency}
    referred_on = referred_on or today
    if referred_on > today:
        errors["referred_on"] = _("The referral date cannot be in the future.")
    if due_date is None and "urgency" not in errors:
        due_date = default_due_date(urgency, referred_on)
    if due_date is not None and due_date < referred_on:
        errors["due_date"] = _("The due date cannot be before the referral date (%(date)s).") % {
            "date": referred_on.strftime("%d/%m/%Y")}
    from_unit = from_unit or person.territory
    if from_unit.pk != person.territory_id and not scope.covers(actor, from_unit):
        errors["from_unit"] = _("“%(name)s” is outside your territories.") % {"name": from_unit}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        referral = Referral.objects.create(
            person=person, household_id=person.household_id, from_unit=from_unit,
            to_service=to_service, reason_code=reason_code, reason=reason, urgency=urgency,
            referred_on=referred_on, due_date=due_date, status=Status.SENT,
            created_by=actor if getattr(actor, "pk", None) else None,
            source_contact_id=source_contact_id)
        _event(referral, actor, "", Status.SENT).save()
        _audit(actor, referral, audit.diff({}, audit.snapshot(referral)), AuditAction.CREATE)
    return referral


def _check_attender(actor, referral: Referral) -> None:
    if not policies.can_attend_referrals(actor) or not scope.covers(actor, referral.to_service):
        raise PermissionDenied(_("You cannot answer referrals to this service."))


def _locked(referral: Referral, target: str) -> Referral:
    """Re-read the referral under a row lock and check that it may move to `target`."""
    fresh = (Referral.objects.select_for_update(of=("self",))
             .select_related("person__territory").get(pk=referral.pk))
    if target not in TRANSITIONS.get(fresh.status, set()):
        raise ValidationError({"status": _(
            "This referral is %(status)s: it cannot become %(target)s.") % {
                "status": Status(fresh.status).label, "target": Status(target).label}})
    return fresh


def _move(actor, referral: Referral, target: str, fields: dict, note: str = "") -> Referral:
    with transaction.atomic():
        fresh = _locked(referral, target)
        before = audit.snapshot(fresh)
        old = fresh.status
        fresh.status = target
        for k, v in fields.items():
            setattr(fresh, k, v)
        fresh.save()
        _event(fresh, actor, old, target, note).save()
        _audit(actor, fresh, audit.diff(before, audit.snapshot(fresh)), note=note[:255])
    return fresh


def receive_referral(*, actor, referral: Referral, note: str = "") -> Referral:
    """The receiving service acknowledges the referral."""
    _check_attender(actor, referral)
    return _move(actor, referral, Status.RECEIVED, {"received_at": timezone.now()},
                 _text(note, "note"))


def record_counter_referral(*, actor, referral: Referral, what_was_done: str,
                            follow_up_advice: str = "", attended_at: dt.datetime | None = None,
                            attended_by_name: str = "") -> Referral:
    """The counter-referral: the person was attended; what was done and the advice to follow."""
    _check_attender(actor, referral)
    done = _text(what_was_done, "what_was_done", required=True)
    advice = _text(follow_up_advice, "follow_up_advice")
    name = (attended_by_name or "").strip()
    if len(name) > 200:
        raise ValidationError({"attended_by_name": _("Use at most %(n)d characters.") % {"n": 200}})
    now = timezone.now()
    attended_at = attended_at or now
    if attended_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"attended_at": _("The attention date cannot be in the future.")})
    if timezone.localtime(attended_at).date() < referral.referred_on:
        raise ValidationError({"attended_at": _(
            "The attention date cannot be before the referral date (%(date)s).") % {
                "date": referral.referred_on.strftime("%d/%m/%Y")}})
    return _move(actor, referral, Status.ATTENDED, {
        "attended_at": attended_at, "what_was_done": done, "follow_up_advice": advice,
        "attended_by": actor if getattr(actor, "pk", None) else None,
        "attended_by_name": name}, done)


def reject_referral(*, actor, referral: Referral, reason: str) -> Referral:
    """The receiving service cannot take the referral (wrong service, no capacity…)."""
    _check_attender(actor, referral)
    reason = _text(reason, "rejection_reason", required=True)
    return _move(actor, referral, Status.REJECTED, {"rejection_reason": reason}, reason)


def expire_overdue_referrals(*, today: dt.date | None = None, chunk: int = 500) -> int:
    """Every referral still sent or received after its due date becomes expired: set-based
    UPDATEs (by chunks of primary keys), with history and audit rows inserted in bulk.
    Runs as the system (the daily task and `crecer expire_referrals`). Returns how many."""
    today = today or timezone.localdate()
    now = timezone.now()
    total = 0
    with transaction.atomic():
        rows = list(Referral.objects.select_for_update(of=("self",))
                    .filter(status__in=OPEN, due_date__lt=today)
                    .values_list("pk", "status", "person_id", "person__territory__path"))
        for start in range(0, len(rows), chunk):
            part = rows[start:start + chunk]
            total += Referral.objects.filter(pk__in=[r[0] for r in part], status__in=OPEN).update(
                status=Status.EXPIRED, updated_at=now)
        note = _("past its due date with no answer")
        ReferralEvent.objects.bulk_create(
            [ReferralEvent(referral_id=pk, from_status=old, to_status=Status.EXPIRED,
                           actor_username="system", at=now, note=note)
             for pk, old, _person, _path in rows], batch_size=1000)
        audit.record_many([
            AuditEvent(actor=None, actor_username="system", action=AuditAction.UPDATE,
                       entity=Referral._meta.label_lower, object_id=str(pk), person_id=person_id,
                       territory_path=path, changes={"status": [old, Status.EXPIRED.value]},
                       note=note)
            for pk, old, person_id, path in rows])
    return total
