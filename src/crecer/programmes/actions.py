"""Writes of programmes and enrolments: policy check, scope check, one transaction, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.accounts import scope
from crecer.accounts.models import Role
from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.registry.queries import persons_for

from . import policies
from .eligibility import members_of, reasons_not_eligible
from .models import Enrolment, EnrolmentStatus, Programme
from .schema import validate_config


class NotEligible(ValidationError):
    """Raised by `enrol`; `reasons` lists why, in the user's language."""

    def __init__(self, reasons: list[str]):
        super().__init__(reasons)
        self.reasons = reasons


def update_programme(*, actor, programme: Programme, data: dict[str, Any]) -> Programme:
    """Change a programme's name, active flag or configuration (validated against the schema)."""
    if not policies.can_manage_programmes(actor):
        raise PermissionDenied(_("You cannot change programmes."))
    config = validate_config(data.get("config", programme.config))
    with transaction.atomic():
        before = audit.snapshot(programme)
        programme.name = data.get("name", programme.name)
        programme.active = bool(data.get("active", programme.active))
        programme.config = config
        programme.save()
        changes = audit.diff(before, audit.snapshot(programme))
        if changes:
            audit.record(actor=actor, action=AuditAction.UPDATE, obj=programme, changes=changes)
    return programme


def _check_household(actor, household) -> None:
    if not policies.can_enrol(actor) or not scope.covers(actor, household.territory):
        raise PermissionDenied(_("You cannot enrol households in this territory."))


def _check_volunteer(volunteer, household) -> None:
    if volunteer is None:
        return
    if getattr(volunteer, "role", None) != Role.VOLUNTEER or not volunteer.is_active:
        raise ValidationError({"volunteer": _("%(user)s is not an active community volunteer.")
                               % {"user": volunteer}})
    if not scope.covers(volunteer, household.territory):
        raise ValidationError({"volunteer": _("%(user)s does not work in the territory of "
                                              "household %(hh)s.") % {"user": volunteer,
                                                                      "hh": household}})


def check_eligibility(*, actor, programme: Programme, household, person=None,
                      on: dt.date | None = None) -> list[str]:
    """Reasons why the household (or person) may not be enrolled; empty when eligible."""
    on = on or timezone.localdate()
    persons = persons_for(actor).filter(household=household)
    members = members_of(persons)
    target = None
    if person is not None:
        target = next((m for m in members if m.pk == person.pk), None)
        if target is None:
            raise ValidationError({"person": _("%(name)s is not a member of household %(hh)s.")
                                   % {"name": person, "hh": household}})
    return reasons_not_eligible(programme.config, household=household, members=members,
                                person=target, on=on)


def enrol(*, actor, programme: Programme, household, person=None, volunteer=None,
          start: dt.date | None = None) -> Enrolment:
    _check_household(actor, household)
    if not programme.active:
        raise ValidationError({"programme": _("Programme %(p)s is not active.") % {"p": programme}})
    _check_volunteer(volunteer, household)
    start = start or timezone.localdate()
    reasons = check_eligibility(actor=actor, programme=programme, household=household,
                                person=person, on=start)
    if reasons:
        raise NotEligible(reasons)
    with transaction.atomic():
        dupe = Enrolment.objects.filter(programme=programme, household=household, person=person,
                                        status=EnrolmentStatus.ACTIVE).select_for_update()
        if dupe.exists():
            raise ValidationError({"household": _("Household %(hh)s is already enrolled in "
                                                  "%(p)s.") % {"hh": household, "p": programme}})
        enrolment = Enrolment.objects.create(programme=programme, household=household,
                                             person=person, volunteer=volunteer, start=start)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=enrolment,
                     changes=audit.diff({}, audit.snapshot(enrolment)),
                     territory_path=household.territory.path,
                     person_id=getattr(person, "pk", None))
    return enrolment


def assign_volunteer(*, actor, enrolment: Enrolment, volunteer) -> Enrolment:
    household = enrolment.household
    _check_household(actor, household)
    _check_volunteer(volunteer, household)
    with transaction.atomic():
        before = audit.snapshot(enrolment)
        enrolment.volunteer = volunteer
        enrolment.save(update_fields=["volunteer", "updated_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=enrolment,
                     changes=audit.diff(before, audit.snapshot(enrolment)),
                     territory_path=household.territory.path)
    return enrolment


def reassign_caseload(*, actor, from_volunteer, to_volunteer) -> int:
    """Move every active enrolment of `from_volunteer` in the actor's scope to `to_volunteer`
    (when a volunteer leaves). All or nothing: if `to_volunteer` cannot take one household,
    nothing moves. Returns how many enrolments moved."""
    if not policies.can_enrol(actor):
        raise PermissionDenied(_("You cannot reassign caseloads."))
    enrolments = list(Enrolment.objects.filter(
        scope.within(actor, "household__territory"), volunteer=from_volunteer,
        status=EnrolmentStatus.ACTIVE).select_related("household__territory"))
    for e in enrolments:
        _check_volunteer(to_volunteer, e.household)
    with transaction.atomic():
        ids = [e.pk for e in enrolments]
        Enrolment.objects.filter(pk__in=ids).update(volunteer=to_volunteer,
                                                    updated_at=timezone.now())
        audit.record_many([AuditEvent(
            actor=actor, actor_username=actor.username, action=AuditAction.UPDATE,
            entity=Enrolment._meta.label_lower, object_id=str(e.pk),
            territory_path=e.household.territory.path,
            changes={"volunteer_id": [from_volunteer.pk, to_volunteer.pk]},
            note="caseload reassigned") for e in enrolments])
    return len(enrolments)


def exit_enrolment(*, actor, enrolment: Enrolment, reason: str,
                   on: dt.date | None = None) -> Enrolment:
    _check_household(actor, enrolment.household)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"exit_reason": _("Give the reason for the exit.")})
    if enrolment.status != EnrolmentStatus.ACTIVE:
        raise ValidationError({"status": _("This enrolment has already ended.")})
    on = on or timezone.localdate()
    if on < enrolment.start:
        raise ValidationError({"end": _("The exit date is before the start (%(start)s).")
                               % {"start": enrolment.start}})
    with transaction.atomic():
        before = audit.snapshot(enrolment)
        enrolment.status = EnrolmentStatus.EXITED
        enrolment.end = on
        enrolment.exit_reason = reason[:255]
        enrolment.save()
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=enrolment,
                     changes=audit.diff(before, audit.snapshot(enrolment)),
                     territory_path=enrolment.household.territory.path)
    return enrolment
