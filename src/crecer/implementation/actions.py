"""Every write of the implementation app: a permission and scope check, complete validation
before anything is written (files included), one transaction, one audit row per change.

    instantiate("mas-bienestar", unit, actor=…, start_date=date(2026, 1, 15))
    update_step(actor=…, step=…, status="done", comment="Acta firmada", files=[upload])
    create_committee(actor=…, territory=…, kind="state_committee", name="CEIM Atlántida")
    add_member(actor=…, committee=…, person_name="Ana Reyes", position="Coordinadora estatal")
    record_meeting(actor=…, committee=…, date=…, minutes="…", files=[upload])
    add_agreement(actor=…, committee=…, text="…", owner=user, due_date=…)
    update_agreement(actor=…, agreement=…, status="done", note="Convenio firmado")

Invalid input raises `Rejected` with one `FieldError` per problem (field and reason, in the
user's language) and nothing is saved, files included. `actor=None` is the system (the demo).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core import audit, uploads
from crecer.core.models import AuditAction
from crecer.territory.models import Kind, OrgUnit

from . import queries
from .models import (
    Agreement,
    AgreementStatus,
    AgreementUpdate,
    Checklist,
    Committee,
    CommitteeKind,
    Component,
    Meeting,
    MeetingFile,
    Member,
    Step,
    StepComment,
    StepEvidence,
    StepStatus,
)
from .template import Template, add_months, load

MAX_FILES = 10
MAX_TEXT = 4000


@dataclass(frozen=True)
class FieldError:
    """One refused input: the form field, its name for the user, and the reason."""

    field: str
    label: str
    message: str

    def __str__(self) -> str:
        return f"{self.label}: {self.message}" if self.label else self.message


class Rejected(ValidationError):
    """Nothing was saved; `errors` lists every refused input."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        by_field: dict[str, list[str]] = {}
        for e in errors:
            by_field.setdefault(e.field or "__all__", []).append(str(e))
        super().__init__(by_field)

    def __str__(self) -> str:
        return "; ".join(str(e) for e in self.errors)


def _check(actor, unit: OrgUnit, allowed) -> None:
    """PermissionDenied unless the actor (None: the system) has the rule and covers the unit.
    Pages look the unit up in scope first, so outsiders get 404 before this."""
    if actor is None:
        return
    if not allowed(actor):
        raise PermissionDenied(_("You cannot change implementation records."))
    if not scope.covers(actor, unit):
        raise PermissionDenied(_("This territory is outside your territories."))


def _today() -> dt.date:
    return timezone.localdate()


def _check_files(files: Sequence, errors: list[FieldError], field: str, label: str) -> None:
    if len(files) > MAX_FILES:
        errors.append(FieldError(field, label, _("Attach at most %(n)d files at a time.")
                                 % {"n": MAX_FILES}))
        return
    for f in files:
        try:
            uploads.check_upload(f)
        except uploads.UploadRejected as exc:
            errors.append(FieldError(field, label, str(exc)))


def _text(value: str | None, errors: list[FieldError], field: str, label: str, *,
          required: bool = False, max_length: int = MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.append(FieldError(field, label, _("This field is required.")))
    elif len(text) > max_length:
        errors.append(FieldError(field, label, _("Write at most %(n)d characters (%(got)d "
                                                 "written).") % {"n": max_length,
                                                                 "got": len(text)}))
    return text


def _owner_ok(owner, unit: OrgUnit, errors: list[FieldError], label: str) -> None:
    if owner is not None and not queries.owner_choices(unit).filter(pk=owner.pk).exists():
        errors.append(FieldError("owner", label, _("%(user)s does not work in %(unit)s.")
                                 % {"user": owner, "unit": unit}))


# --- checklists ----------------------------------------------------------------------------------

def instantiate(template: Template | str, unit: OrgUnit, *, actor=None,
                start_date: dt.date | None = None) -> Checklist:
    """Copy the template into a checklist of `unit`: its components and their numbered steps,
    each due at the end of its phase counted from `start_date` (default today)."""
    tpl = load(template) if isinstance(template, str) else template
    _check(actor, unit, policies.can_manage_implementation)
    start = start_date or _today()
    errors: list[FieldError] = []
    if unit.kind != Kind.AREA:
        errors.append(FieldError("territory", _("Territory"), _(
            "%(unit)s is a service point: checklists are for territories (a state, a zone, a "
            "municipality).") % {"unit": unit}))
    if Checklist.objects.filter(territory=unit, template_code=tpl.code).exists():
        errors.append(FieldError("territory", _("Territory"), _(
            "%(unit)s already has a checklist of “%(template)s”.") % {"unit": unit,
                                                                    "template": tpl.label}))
    if errors:
        raise Rejected(errors)
    try:
        with transaction.atomic():
            checklist = Checklist.objects.create(
                territory=unit, template_code=tpl.code, template_version=tpl.version,
                name=tpl.name, name_es=tpl.name_es, start_date=start,
                phases=[{"code": p.code, "name": p.name, "name_es": p.name_es,
                         "ends_month": p.ends_month} for p in tpl.phases.values()],
                created_by=actor if getattr(actor, "pk", None) else None)
            components, steps = [], []
            position = 0
            for i, spec in enumerate(tpl.components):
                comp = Component(
                    checklist=checklist, code=spec.code, number=spec.number, name=spec.name,
                    name_es=spec.name_es, position=i,
                    factors=[{"text": t.text, "text_es": t.text_es, "stage": t.stage}
                             for t in spec.factors],
                    indicators=[{"text": t.text, "text_es": t.text_es, "stage": t.stage}
                                for t in spec.indicators])
                components.append(comp)
                for s in spec.steps:
                    position += 1
                    steps.append(Step(
                        checklist=checklist, component=comp, territory=unit,
                        component_code=spec.code, number=s.number,
                        code=f"{spec.number}.{s.number}", title=s.title, title_es=s.title_es,
                        phase=s.phase, due_date=tpl.due_date(start, s.phase, s.due_month),
                        position=position))
            Component.objects.bulk_create(components)
            Step.objects.bulk_create(steps, batch_size=500)
            audit.record(actor=actor, action=AuditAction.CREATE, obj=checklist,
                         territory_path=unit.path,
                         changes={"template": [None, tpl.code], "version": [None, tpl.version],
                                  "start_date": [None, start.isoformat()],
                                  "steps": [None, len(steps)]})
    except IntegrityError:  # made meanwhile by someone else
        raise Rejected([FieldError("territory", _("Territory"), _(
            "%(unit)s already has a checklist of “%(template)s”.") % {
                "unit": unit, "template": tpl.label})]) from None
    return checklist


def reschedule(*, actor, checklist: Checklist, start_date: dt.date) -> int:
    """Move the territory's start date: every step still due on its phase's calendar date is
    moved with it (set-based, one UPDATE per phase); due dates changed by hand stay."""
    _check(actor, checklist.territory, policies.can_manage_implementation)
    if not isinstance(start_date, dt.date):
        raise Rejected([FieldError("start_date", _("Start date"), _("Enter a valid date."))])
    old = checklist.start_date
    moved = 0
    with transaction.atomic():
        for phase in checklist.phases:
            months = int(phase["ends_month"])
            moved += Step.objects.filter(
                checklist=checklist, phase=phase["code"], due_date=add_months(old, months),
            ).update(due_date=add_months(start_date, months))
        checklist.start_date = start_date
        checklist.save(update_fields=["start_date", "updated_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=checklist,
                     territory_path=checklist.territory.path,
                     changes={"start_date": [old.isoformat(), start_date.isoformat()],
                              "steps_moved": [None, moved]})
    return moved


_UNSET = object()


def update_step(*, actor, step: Step, status: str | None = None, owner=_UNSET,
                owner_text: str | None = None, due_date: dt.date | None = None,
                comment: str = "", files: Sequence = (), today: dt.date | None = None) -> Step:
    """Change a step's status, owner, due date; add a comment and evidence files. Everything is
    checked first (the files' type and size included): on any problem `Rejected` is raised and
    nothing is saved, no file is written."""
    _check(actor, step.territory, policies.can_manage_implementation)
    day = today or _today()
    errors: list[FieldError] = []
    files = list(files or [])
    if status is not None and status not in StepStatus.values:
        errors.append(FieldError("status", _("Status"), _("“%(value)s” is not a status.")
                                 % {"value": status}))
    new_status = status if status in StepStatus.values else step.status
    text = _text(comment, errors, "comment", _("Comment"))
    if new_status == StepStatus.BLOCKED and step.status != StepStatus.BLOCKED and not text:
        errors.append(FieldError("comment", _("Comment"), _("Say why the step is blocked.")))
    if owner is not _UNSET:
        _owner_ok(owner, step.territory, errors, _("Owner"))
    if owner_text is not None:
        owner_text = _text(owner_text, errors, "owner_text", _("Owner (other)"), max_length=200)
    if due_date is not None:
        if not isinstance(due_date, dt.date):
            errors.append(FieldError("due_date", _("Due date"), _("Enter a valid date.")))
        elif due_date < step.checklist.start_date:
            errors.append(FieldError("due_date", _("Due date"), _(
                "%(date)s is before the territory's start date, %(start)s.") % {
                    "date": due_date.isoformat(),
                    "start": step.checklist.start_date.isoformat()}))
    _check_files(files, errors, "evidence", _("Evidence"))
    if errors:
        raise Rejected(errors)

    fields = ["status", "owner", "owner_text", "due_date", "completed_on"]
    before = audit.snapshot(step, fields)
    old_status = step.status
    with uploads.StoredFiles() as store:
        stored = [store.store(f) for f in files]
        with transaction.atomic():
            if new_status != old_status:
                step.status = new_status
                step.completed_on = day if new_status == StepStatus.DONE else None
            if owner is not _UNSET:
                step.owner = owner
            if owner_text is not None:
                step.owner_text = owner_text
            if due_date is not None:
                step.due_date = due_date
            after = audit.snapshot(step, fields)
            changes = audit.diff(before, after)
            if changes:
                step.save(update_fields=[*fields, "updated_at"])
                audit.record(actor=actor, action=AuditAction.UPDATE, obj=step,
                             territory_path=step.territory.path, changes=changes,
                             note=step.code)
            if text or new_status != old_status:
                StepComment.objects.create(
                    step=step, author=actor if getattr(actor, "pk", None) else None, text=text,
                    status_from=old_status if new_status != old_status else "",
                    status_to=new_status if new_status != old_status else "")
            for s in stored:
                evidence = StepEvidence(step=step,
                                        uploaded_by=actor if getattr(actor, "pk", None) else None)
                evidence.set_stored(s)
                evidence.save()
                audit.record(actor=actor, action=AuditAction.CREATE, obj=evidence,
                             territory_path=step.territory.path, note=step.code,
                             changes={"file": [None, s.original_name], "size": [None, s.size],
                                      "sha256": [None, s.sha256]})
    return step


# --- teams and committees ------------------------------------------------------------------------

def create_committee(*, actor, territory: OrgUnit, kind: str, name: str,
                     purpose: str = "") -> Committee:
    _check(actor, territory, policies.can_manage_committees)
    errors: list[FieldError] = []
    if kind not in CommitteeKind.values:
        errors.append(FieldError("kind", _("Kind"), _("“%(value)s” is not a kind of committee or "
                                                      "team.") % {"value": kind}))
    if territory.kind != Kind.AREA:
        errors.append(FieldError("territory", _("Territory"), _(
            "%(unit)s is a service point: committees belong to a territory.") % {
                "unit": territory}))
    name = _text(name, errors, "name", _("Name"), required=True, max_length=200)
    purpose = _text(purpose, errors, "purpose", _("Purpose"))
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        committee = Committee.objects.create(
            territory=territory, kind=kind, name=name, purpose=purpose,
            created_by=actor if getattr(actor, "pk", None) else None)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=committee,
                     territory_path=territory.path,
                     changes=audit.diff({}, audit.snapshot(committee)))
    return committee


def add_member(*, actor, committee: Committee, position: str, user=None, person_name: str = "",
               institution: str = "", start_date: dt.date | None = None) -> Member:
    _check(actor, committee.territory, policies.can_manage_committees)
    errors: list[FieldError] = []
    person_name = _text(person_name, errors, "person_name", _("Name"), max_length=200)
    if user is None and not person_name:
        errors.append(FieldError("person_name", _("Name"), _(
            "Choose a user of Crecer or write the person's name.")))
    _owner_ok(user, committee.territory, errors, _("User"))
    position = _text(position, errors, "position", _("Position"), required=True, max_length=200)
    institution = _text(institution, errors, "institution", _("Institution"), max_length=200)
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        member = Member.objects.create(committee=committee, user=user, person_name=person_name,
                                       position=position, institution=institution,
                                       start_date=start_date)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=member,
                     territory_path=committee.territory.path, note=committee.name[:255],
                     changes=audit.diff({}, audit.snapshot(member)))
    return member


def record_meeting(*, actor, committee: Committee, date: dt.date | None, place: str = "",
                   minutes: str = "", attendees: Iterable[Member] = (), files: Sequence = (),
                   today: dt.date | None = None) -> Meeting:
    """A meeting that took place, with its minutes as text and/or files (checked like evidence)."""
    _check(actor, committee.territory, policies.can_manage_committees)
    errors: list[FieldError] = []
    files = list(files or [])
    attendees = list(attendees)
    if not isinstance(date, dt.date):
        errors.append(FieldError("date", _("Date"), _("Enter the date of the meeting.")))
    elif date > (today or _today()):
        errors.append(FieldError("date", _("Date"), _(
            "%(date)s is in the future: record a meeting once it has taken place.") % {
                "date": date.isoformat()}))
    place = _text(place, errors, "place", _("Place"), max_length=200)
    minutes = _text(minutes, errors, "minutes", _("Minutes"), max_length=20000)
    strangers = [m for m in attendees if m.committee_id != committee.pk]
    if strangers:
        errors.append(FieldError("attendees", _("Attendees"), _(
            "%(names)s are not members of %(committee)s.") % {
                "names": ", ".join(m.display_name for m in strangers), "committee": committee}))
    _check_files(files, errors, "files", _("Minutes file"))
    if errors:
        raise Rejected(errors)
    who = actor if getattr(actor, "pk", None) else None
    with uploads.StoredFiles() as store:
        stored = [store.store(f) for f in files]
        with transaction.atomic():
            meeting = Meeting.objects.create(committee=committee, date=date, place=place,
                                             minutes=minutes, recorded_by=who)
            if attendees:
                meeting.attendees.set(attendees)
            audit.record(actor=actor, action=AuditAction.CREATE, obj=meeting,
                         territory_path=committee.territory.path, note=committee.name[:255],
                         changes={"date": [None, date.isoformat()],
                                  "attendees": [None, len(attendees)],
                                  "minutes": [None, len(minutes)]})
            for s in stored:
                f = MeetingFile(meeting=meeting, uploaded_by=who)
                f.set_stored(s)
                f.save()
                audit.record(actor=actor, action=AuditAction.CREATE, obj=f,
                             territory_path=committee.territory.path,
                             changes={"file": [None, s.original_name], "size": [None, s.size],
                                      "sha256": [None, s.sha256]})
    return meeting


def add_agreement(*, actor, committee: Committee, text: str, meeting: Meeting | None = None,
                  owner=None, owner_text: str = "", due_date: dt.date | None = None) -> Agreement:
    _check(actor, committee.territory, policies.can_manage_committees)
    errors: list[FieldError] = []
    text = _text(text, errors, "text", _("Agreement"), required=True)
    owner_text = _text(owner_text, errors, "owner_text", _("Owner (other)"), max_length=200)
    if meeting is not None and meeting.committee_id != committee.pk:
        errors.append(FieldError("meeting", _("Meeting"), _(
            "That meeting is not one of %(committee)s.") % {"committee": committee}))
    _owner_ok(owner, committee.territory, errors, _("Owner"))
    if due_date is not None and meeting is not None and due_date < meeting.date:
        errors.append(FieldError("due_date", _("Due date"), _(
            "%(date)s is before the meeting, %(meeting)s.") % {
                "date": due_date.isoformat(), "meeting": meeting.date.isoformat()}))
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        # lock the committee row so that two agreements never get the same number
        list(Committee.objects.select_for_update().filter(pk=committee.pk).order_by()
             .values_list("pk", flat=True))
        number = (committee.agreements.aggregate(n=Max("number"))["n"] or 0) + 1
        agreement = Agreement.objects.create(
            committee=committee, meeting=meeting, number=number, text=text, owner=owner,
            owner_text=owner_text, due_date=due_date)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=agreement,
                     territory_path=committee.territory.path, note=committee.name[:255],
                     changes=audit.diff({}, audit.snapshot(agreement)))
    return agreement


def update_agreement(*, actor, agreement: Agreement, status: str, note: str = "",
                     today: dt.date | None = None) -> AgreementUpdate:
    """Follow an agreement: move it to another status and/or add a note. Cancelling needs a
    note; `done` records the day it was completed."""
    committee = agreement.committee
    _check(actor, committee.territory, policies.can_manage_committees)
    errors: list[FieldError] = []
    if status not in AgreementStatus.values:
        errors.append(FieldError("status", _("Status"), _("“%(value)s” is not a status.")
                                 % {"value": status}))
    note = _text(note, errors, "note", _("Note"))
    if status == AgreementStatus.CANCELLED and agreement.status != status and not note:
        errors.append(FieldError("note", _("Note"), _("Say why the agreement is cancelled.")))
    if status == agreement.status and not note and not errors:
        errors.append(FieldError("note", _("Note"), _(
            "Nothing to record: change the status or write a note.")))
    if errors:
        raise Rejected(errors)
    old = agreement.status
    with transaction.atomic():
        if status != old:
            before = audit.snapshot(agreement, ["status", "completed_on"])
            agreement.status = status
            agreement.completed_on = (today or _today()) if status == AgreementStatus.DONE \
                else None
            agreement.save(update_fields=["status", "completed_on", "updated_at"])
            audit.record(actor=actor, action=AuditAction.UPDATE, obj=agreement,
                         territory_path=committee.territory.path, note=note[:255],
                         changes=audit.diff(before, audit.snapshot(
                             agreement, ["status", "completed_on"])))
        update = AgreementUpdate.objects.create(
            agreement=agreement, author=actor if getattr(actor, "pk", None) else None,
            status_from=old if status != old else "", status_to=status, note=note)
        if status == old:
            audit.record(actor=actor, action=AuditAction.UPDATE, obj=agreement,
                         territory_path=committee.territory.path, note=note[:255],
                         changes={"note": [None, note[:255]]})
    return update
