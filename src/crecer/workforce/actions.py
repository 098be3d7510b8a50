"""Every write to the workforce: permission check, validation naming the field (and the row of
an attendance list), one transaction, audit rows. Nothing is saved when anything is wrong.

`derive_completions` is the set-based rule that turns attendance into completions; it runs in
the transaction of `record_session` (and the demo calls it once for everything).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.territory.models import OrgUnit

from .models import (
    CERTIFICATION_ORDER,
    TRAINER_KINDS,
    Attendance,
    CareerStage,
    CertificationLevel,
    Completion,
    Curriculum,
    Institution,
    LeaveReason,
    Module,
    TrainingMode,
    TrainingSession,
    Worker,
    WorkerKind,
)


def _check(actor, unit: OrgUnit, message: str) -> None:
    if not policies.can_manage_workforce(actor) or not scope.covers(actor, unit):
        raise PermissionDenied(message)


def _date(value, field: str, errors: dict, label: str) -> dt.date | None:
    if isinstance(value, str) and value:
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            errors[field] = _("%(label)s: “%(value)s” is not a date (YYYY-MM-DD).") % {
                "label": label, "value": value}
            return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        errors[field] = _("%(label)s: give a date.") % {"label": label}
        return None
    if value > timezone.localdate():
        errors[field] = _("%(label)s: %(date)s is in the future.") % {
            "label": label, "date": value.isoformat()}
        return None
    return value


def _uuid(value) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def _events(actor, objs: Iterable, path_of, note: str = "") -> list[AuditEvent]:
    """Audit events (action "create") for rows made with bulk_create."""
    return [AuditEvent(actor=actor if getattr(actor, "pk", None) else None,
                       actor_username=getattr(actor, "username", "") or "system",
                       action=AuditAction.CREATE, entity=o._meta.label_lower, object_id=str(o.pk),
                       territory_path=path_of(o), changes=audit.diff({}, audit.snapshot(o)),
                       note=note) for o in objs]


# --- workers ----------------------------------------------------------------------------------


def _choice(value, choices, field: str, errors: dict, message: str) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if value not in choices.values:
        errors[field] = message % {"value": value}
    return value


def register_worker(*, actor, territory: OrgUnit, given_names: str, surnames: str, kind: str,
                    start_date: dt.date, institution: Institution | str | None = None,
                    user=None, certification_level: str = CertificationLevel.NONE,
                    career_stage: str = CareerStage.TRAINEE) -> Worker:
    """Register a worker in one of the actor's territories (optionally linked to her user
    account, which must not already belong to an active worker)."""
    _check(actor, territory, _("You cannot register workers in this territory."))
    errors: dict[str, Any] = {}
    given, family = (given_names or "").strip(), (surnames or "").strip()
    if not given:
        errors["given_names"] = _("Given names: this field is required.")
    if not family:
        errors["surnames"] = _("Surnames: this field is required.")
    if len(given) > 120 or len(family) > 120:
        errors.setdefault("given_names", _("Names are limited to 120 characters."))
    _choice(kind, WorkerKind, "kind", errors, _("Kind: unknown kind of worker “%(value)s”."))
    _choice(certification_level, CertificationLevel, "certification_level", errors,
            _("Certification level: unknown level “%(value)s”."))
    _choice(career_stage, CareerStage, "career_stage", errors,
            _("Career stage: unknown stage “%(value)s”."))
    start = _date(start_date, "start_date", errors, _("Start date"))
    found_institution = None
    if institution:
        code = institution if isinstance(institution, str) else institution.code
        found_institution = Institution.objects.filter(code=code).first()
        if found_institution is None:
            errors["institution"] = _("Institution: unknown institution “%(code)s”.") % {
                "code": code}
    if user is not None and Worker.objects.filter(user=user, leave_date__isnull=True).exists():
        errors["user"] = _("User account: %(username)s is already an active worker.") % {
            "username": user.username}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        worker = Worker.objects.create(
            user=user, given_names=given, surnames=family, kind=kind,
            institution=found_institution, territory=territory, start_date=start,
            certification_level=certification_level, career_stage=career_stage)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=worker,
                     changes=audit.diff({}, audit.snapshot(worker)), territory_path=territory.path)
    return worker


def record_leave(*, actor, worker: Worker, leave_date: dt.date, leave_reason: str) -> Worker:
    """Record that a worker left (the turnover figures count her from that day)."""
    _check(actor, worker.territory, _("You cannot change the workers of this territory."))
    errors: dict[str, Any] = {}
    if worker.leave_date is not None:
        errors["leave_date"] = _("%(name)s already left on %(date)s.") % {
            "name": worker.full_name, "date": worker.leave_date.isoformat()}
    day = _date(leave_date, "leave_date", errors, _("Leave date"))
    if day is not None and day < worker.start_date:
        errors["leave_date"] = _("Leave date: %(date)s is before the start date %(start)s.") % {
            "date": day.isoformat(), "start": worker.start_date.isoformat()}
    _choice(leave_reason, LeaveReason, "leave_reason", errors,
            _("Reason for leaving: unknown reason “%(value)s”."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = audit.snapshot(worker)
        worker.leave_date, worker.leave_reason = day, leave_reason
        worker.save(update_fields=["leave_date", "leave_reason", "updated_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=worker,
                     changes=audit.diff(before, audit.snapshot(worker)),
                     territory_path=worker.territory.path, note="left")
    return worker


def change_career_stage(*, actor, worker: Worker, career_stage: str) -> Worker:
    _check(actor, worker.territory, _("You cannot change the workers of this territory."))
    errors: dict[str, Any] = {}
    _choice(career_stage, CareerStage, "career_stage", errors,
            _("Career stage: unknown stage “%(value)s”."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = audit.snapshot(worker)
        worker.career_stage = career_stage
        worker.save(update_fields=["career_stage", "updated_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=worker,
                     changes=audit.diff(before, audit.snapshot(worker)),
                     territory_path=worker.territory.path)
    return worker


# --- training sessions ------------------------------------------------------------------------


def _module(module, errors: dict) -> Module | None:
    """A module given as a row, its id, or "curriculum-code/module-code"."""
    if isinstance(module, Module):
        return module
    found = None
    if (pk := _uuid(module)) is not None:
        found = Module.objects.filter(pk=pk).select_related("curriculum").first()
    elif isinstance(module, str) and "/" in module:
        curriculum, code = module.split("/", 1)
        found = Module.objects.filter(curriculum__code=curriculum, code=code).first()
    if found is None:
        errors["module"] = _("Module: unknown module “%(value)s”.") % {"value": module or ""}
    elif not found.curriculum.active:
        errors["module"] = _("Module: the curriculum “%(name)s” is no longer in use.") % {
            "name": found.curriculum.name}
    return found


def _trainer(actor, trainer, day: dt.date | None, errors: dict) -> Worker | None:
    pk = trainer.pk if isinstance(trainer, Worker) else _uuid(trainer)
    found = (Worker.objects.filter(scope.within(actor, "territory"), pk=pk).first()
             if pk else None)
    if found is None:
        errors["trainer"] = _("Trainer: unknown trainer, or not among the workers of your "
                              "territories.")
        return None
    if found.kind not in TRAINER_KINDS:
        errors["trainer"] = _("Trainer: %(name)s is a community volunteer; sessions are given "
                              "by facilitators, supervisors or municipal staff.") % {
            "name": found.full_name}
    elif day is not None and not _active(found, day):
        errors["trainer"] = _("Trainer: %(name)s was not working on %(date)s.") % {
            "name": found.full_name, "date": day.isoformat()}
    return found


def _active(worker: Worker, day: dt.date) -> bool:
    return worker.start_date <= day and (worker.leave_date is None or worker.leave_date > day)


def _score(value) -> tuple[int | None, bool]:
    if value is None or value == "":
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            return None, False
        value = int(value)
    if not isinstance(value, int) or not 0 <= value <= 100:
        return None, False
    return value, True


def _attendees(actor, rows: list, trainer: Worker | None, day: dt.date | None,
               errors: dict) -> list[tuple[Worker, bool, int | None]]:
    """The attendance list: each row a worker (row, id) or a dict {worker, attended, score}."""
    if not rows:
        errors["attendees"] = [_("Attendees: mark at least one worker who attended.")]
        return []
    wanted = []
    for row in rows:
        item = row if isinstance(row, dict) else {"worker": row}
        w = item.get("worker")
        wanted.append(w.pk if isinstance(w, Worker) else _uuid(w))
    known = {w.pk: w for w in Worker.objects.filter(
        scope.within(actor, "territory"), pk__in=[pk for pk in wanted if pk])}
    out, problems, seen = [], [], {}
    for n, (row, pk) in enumerate(zip(rows, wanted, strict=True), start=1):
        item = row if isinstance(row, dict) else {"worker": row}
        worker = known.get(pk)
        if worker is None:
            problems.append(_("Attendee row %(row)d, worker: unknown worker, or not among the "
                              "workers of your territories.") % {"row": n})
            continue
        name = {"row": n, "name": worker.full_name}
        if pk in seen:
            problems.append(_("Attendee row %(row)d (%(name)s): listed twice (also row "
                              "%(first)d).") % {**name, "first": seen[pk]})
            continue
        seen[pk] = n
        if trainer is not None and pk == trainer.pk:
            problems.append(_("Attendee row %(row)d (%(name)s): the trainer cannot attend her "
                              "own session.") % name)
        if day is not None and worker.start_date > day:
            problems.append(_("Attendee row %(row)d (%(name)s): started on %(start)s, after the "
                              "session.") % {**name, "start": worker.start_date.isoformat()})
        elif day is not None and worker.leave_date is not None and worker.leave_date <= day:
            problems.append(_("Attendee row %(row)d (%(name)s): left on %(left)s, before the "
                              "session.") % {**name, "left": worker.leave_date.isoformat()})
        score, ok = _score(item.get("score"))
        if not ok:
            problems.append(_("Attendee row %(row)d (%(name)s), score: give a whole number from "
                              "0 to 100.") % name)
        out.append((worker, bool(item.get("attended", True)), score))
    if problems:
        errors["attendees"] = problems
    elif not any(attended for _w, attended, _s in out):
        errors["attendees"] = [_("Attendees: mark at least one worker who attended.")]
    return out


def record_session(*, actor, territory: OrgUnit, module, trainer, date: dt.date,
                   attendees: list, mode: str = TrainingMode.IN_PERSON, notes: str = "",
                   trainer_is_local_staff: bool | None = None) -> TrainingSession:
    """Record a training session with its attendance list, then derive the completions it
    brings. `attendees` holds workers (rows or ids) or dicts {worker, attended, score}.

    Refuses a territory outside the actor's (PermissionDenied); an unknown module, a trainer or
    attendee outside her territories, a date in the future, a bad score… (ValidationError
    naming the field and, for attendees, the row). Nothing is saved then.
    """
    _check(actor, territory, _("You cannot record training sessions in this territory."))
    errors: dict[str, Any] = {}
    found_module = _module(module, errors)
    day = _date(date, "date", errors, _("Date"))
    _choice(mode, TrainingMode, "mode", errors, _("Mode: unknown mode “%(value)s”."))
    found_trainer = _trainer(actor, trainer, day, errors)
    rows = _attendees(actor, list(attendees or []), found_trainer, day, errors)
    if errors:
        raise ValidationError(errors)
    if trainer_is_local_staff is None:
        institution = found_trainer.institution
        trainer_is_local_staff = (institution.local if institution is not None
                                  else found_trainer.kind == WorkerKind.MUNICIPAL_STAFF)
    with transaction.atomic():
        session = TrainingSession.objects.create(
            module=found_module, trainer=found_trainer, territory=territory, date=day, mode=mode,
            trainer_is_local_staff=bool(trainer_is_local_staff), notes=(notes or "").strip(),
            recorded_by=actor if getattr(actor, "pk", None) else None)
        made = Attendance.objects.bulk_create([
            Attendance(session=session, worker=w, attended=attended, score=score)
            for w, attended, score in rows])
        changes = audit.diff({}, audit.snapshot(session))
        changes["attendees"] = [None, [str(w.pk) for w, attended, _s in rows if attended]]
        audit.record(actor=actor, action=AuditAction.CREATE, obj=session, changes=changes,
                     territory_path=territory.path)
        paths = {w.pk: w.territory.path for w, _a, _s in rows}
        audit.record_many(_events(actor, made, lambda a: paths[a.worker_id]))
        session.new_completions = derive_completions(
            actor=actor, workers=[w.pk for w, attended, _s in rows if attended])
    return session


# --- completions and certification ------------------------------------------------------------


def derive_completions(*, actor=None, workers: Iterable | QuerySet | None = None,
                       curricula: Iterable[Curriculum] | None = None) -> list[Completion]:
    """Create the completions earned and not yet recorded: a worker completes a curriculum
    meant for her kind when she attended every core module and every module for her kind.

    One grouped query per curriculum (HAVING the count of distinct required modules attended =
    the number required for her kind), then one bulk insert; `completed_on` is the date of the
    last required module attended. `workers` limits the check to some workers (ids).
    """
    made: list[Completion] = []
    for curriculum in curricula or Curriculum.objects.filter(active=True):
        per_kind = dict(Module.objects.filter(curriculum=curriculum).values_list("for_kind")
                        .annotate(n=Count("pk")).order_by())
        core = per_kind.get("", 0)
        required = {k: core + per_kind.get(k, 0) for k in (curriculum.for_kinds or [])
                    if core + per_kind.get(k, 0) > 0}
        if not required:
            continue
        rows = (Attendance.objects.filter(
                    attended=True, session__module__curriculum=curriculum,
                    worker__kind__in=list(required))
                .filter(Q(session__module__is_core=True)
                        | Q(session__module__for_kind=F("worker__kind")))
                .exclude(worker__completions__curriculum=curriculum))
        if workers is not None:
            rows = rows.filter(worker__in=workers)
        done = (rows.values("worker_id", "worker__kind")
                .annotate(n=Count("session__module", distinct=True),
                          last=Max("session__date"),
                          needed=Case(*[When(worker__kind=k, then=Value(v))
                                        for k, v in required.items()],
                                      default=Value(-1), output_field=IntegerField()))
                .filter(n=F("needed")).order_by())
        made += [Completion(worker_id=r["worker_id"], curriculum=curriculum,
                            completed_on=r["last"]) for r in done]
    if not made:
        return []
    with transaction.atomic():
        Completion.objects.bulk_create(made)
        paths = dict(Worker.objects.filter(pk__in=[c.worker_id for c in made])
                     .values_list("pk", "territory__path"))
        audit.record_many(_events(actor, made, lambda c: paths[c.worker_id],
                                  note="derived from attendance"))
    return made


def certify(*, actor, completion: Completion, on: dt.date | None = None) -> Completion:
    """Certify a completion (by a facilitator or an officer, not by the worker herself); the
    worker's certification level rises to the level the curriculum grants."""
    worker = completion.worker
    _check(actor, worker.territory, _("You cannot certify the workers of this territory."))
    errors: dict[str, Any] = {}
    if completion.certified:
        errors["certified"] = _("%(name)s is already certified in “%(curriculum)s”.") % {
            "name": worker.full_name, "curriculum": completion.curriculum.name}
    if worker.user_id is not None and worker.user_id == getattr(actor, "pk", None):
        errors["certified"] = _("You cannot certify your own training.")
    day = _date(on or timezone.localdate(), "certified_on", errors, _("Certification date"))
    if day is not None and day < completion.completed_on:
        errors["certified_on"] = _("Certification date: %(date)s is before the completion on "
                                   "%(done)s.") % {"date": day.isoformat(),
                                                   "done": completion.completed_on.isoformat()}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        before = audit.snapshot(completion)
        completion.certified, completion.certified_on = True, day
        completion.certified_by = actor if getattr(actor, "pk", None) else None
        completion.save(update_fields=["certified", "certified_on", "certified_by",
                                       "updated_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=completion,
                     changes=audit.diff(before, audit.snapshot(completion)),
                     territory_path=worker.territory.path, note="certified")
        level = completion.curriculum.grants_level
        if CERTIFICATION_ORDER[level] > CERTIFICATION_ORDER[worker.certification_level]:
            before = audit.snapshot(worker)
            worker.certification_level = level
            worker.save(update_fields=["certification_level", "updated_at"])
            audit.record(actor=actor, action=AuditAction.UPDATE, obj=worker,
                         changes=audit.diff(before, audit.snapshot(worker)),
                         territory_path=worker.territory.path, note="certified")
    return completion
