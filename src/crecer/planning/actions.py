"""Every write of the RIL cycle: a permission and scope check, input checked before anything is
written (a `ValidationError` naming the field), one transaction, one audit row per change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core import audit
from crecer.core.models import AuditAction
from crecer.indicators import periods
from crecer.territory.models import Kind, OrgUnit

from . import queries
from . import template as tpl
from .models import (
    ActionStatus,
    Answer,
    Criticality,
    Cycle,
    CycleStage,
    Diagnosis,
    Horizon,
    Metric,
    Objective,
    Opportunity,
    OpportunityStatus,
    PlanAction,
    Project,
    ProjectStage,
    Stage,
)

# How a cycle's span is shared among its stages by default (the RIL roadmap: May to November,
# team 1 month, diagnosis 1, planning and data 1, co-design 1.5, prototype 1.5, action plan 1).
STAGE_WEIGHTS = {Stage.TEAM: 1, Stage.DIAGNOSIS: 1, Stage.PRIORITISATION: 0.5, Stage.PLANNING: 1,
                 Stage.CO_DESIGN: 1.5, Stage.IMPLEMENTATION: 1.5, Stage.EVALUATION: 0.5}
DEFAULT_CYCLE_DAYS = 214  # seven months
# Dimensions scoring below this share of the scale get a suggested opportunity.
SUGGEST_BELOW = 60.0
SUGGEST_AT_MOST = 3


def check(actor, territory: OrgUnit) -> None:
    """The actor may manage planning and the territory is within her subtrees."""
    if not policies.can_manage_planning(actor) or not scope.covers(actor, territory):
        raise PermissionDenied(_("You cannot change the planning of this territory."))


def _record(actor, action, obj, territory: OrgUnit, changes: dict, note: str = "") -> None:
    audit.record(actor=actor, action=action, obj=obj, changes=changes,
                 territory_path=territory.path, note=note)


def _created(actor, obj, territory: OrgUnit, note: str = "") -> None:
    _record(actor, AuditAction.CREATE, obj, territory, audit.diff({}, audit.snapshot(obj)), note)


def _text(value: Any, field: str, *, required: bool = True, max_length: int = 200) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError({field: _("At most %(n)s characters.") % {"n": max_length}})
    return text


def _choice(value: Any, choices, field: str):
    try:
        return choices(type(choices.values[0])(value))
    except (ValueError, TypeError):
        raise ValidationError({field: _("“%(value)s” is not a valid choice.") % {
            "value": value}}) from None


def _dates(start: dt.date, end: dt.date, start_field: str, end_field: str) -> None:
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        raise ValidationError({start_field: _("Enter a valid date.")})
    if end < start:
        raise ValidationError({end_field: _("The end date is before the start date.")})


# --- cycles and stages -----------------------------------------------------------------------------


def default_stage_dates(starts_on: dt.date, ends_on: dt.date) -> list[tuple[str, dt.date, dt.date]]:
    """Split the cycle's span among its stages by `STAGE_WEIGHTS` (consecutive, no gaps)."""
    span = (ends_on - starts_on).days + 1
    total = sum(STAGE_WEIGHTS.values())
    out, done = [], 0.0
    for stage in Stage:
        first = starts_on + dt.timedelta(days=round(span * done / total))
        done += STAGE_WEIGHTS[stage]
        last = starts_on + dt.timedelta(days=round(span * done / total) - 1)
        out.append((stage.value, first, max(first, last)))
    return out


def create_cycle(*, actor, territory: OrgUnit, name: str, starts_on: dt.date,
                 ends_on: dt.date | None = None) -> Cycle:
    """A cycle with its seven stages dated by default from the RIL roadmap."""
    check(actor, territory)
    if territory.kind != Kind.AREA:
        raise ValidationError({"territory": _("Choose a city or municipality, not a service "
                                              "point.")})
    name = _text(name, "name", max_length=120)
    ends_on = ends_on or starts_on + dt.timedelta(days=DEFAULT_CYCLE_DAYS - 1)
    _dates(starts_on, ends_on, "starts_on", "ends_on")
    if Cycle.objects.filter(territory=territory, name=name).exists():
        raise ValidationError({"name": _("%(unit)s already has a cycle called “%(name)s”.") % {
            "unit": territory.name, "name": name}})
    with transaction.atomic():
        cycle = Cycle.objects.create(territory=territory, name=name, starts_on=starts_on,
                                     ends_on=ends_on, created_by=actor)
        CycleStage.objects.bulk_create([
            CycleStage(cycle=cycle, stage=stage, position=i, planned_start=first, planned_end=last)
            for i, (stage, first, last) in enumerate(default_stage_dates(starts_on, ends_on))])
        _created(actor, cycle, territory)
    return cycle


def update_stage(*, actor, stage: CycleStage, planned_start: dt.date, planned_end: dt.date,
                 completed_on: dt.date | None = None, note: str = "") -> CycleStage:
    territory = stage.cycle.territory
    check(actor, territory)
    _dates(planned_start, planned_end, "planned_start", "planned_end")
    if completed_on and completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The completion date is in the future.")})
    note = _text(note, "note", required=False, max_length=255)
    with transaction.atomic():
        before = audit.snapshot(stage)
        stage.planned_start, stage.planned_end = planned_start, planned_end
        stage.completed_on, stage.note = completed_on, note
        stage.save()
        changes = audit.diff(before, audit.snapshot(stage))
        if changes:
            _record(actor, AuditAction.UPDATE, stage, territory, changes, note=stage.stage)
    return stage


# --- diagnosis ---------------------------------------------------------------------------------


def save_diagnosis(*, actor, cycle: Cycle, assessed_on: dt.date, scores: dict[str, Any],
                   comments: dict[str, str] | None = None, participants: str = "",
                   notes: str = "", template_code: str = tpl.DEFAULT_TEMPLATE) -> Diagnosis:
    """Save the answers to the questionnaire (a blank score removes an answer). Every score is
    checked first; a `ValidationError` lists every refused one by its question and nothing is
    saved."""
    check(actor, cycle.territory)
    t = tpl.template(template_code)
    questions = t.questions
    comments = comments or {}
    errors: dict[str, str] = {}
    wanted: dict[str, int | None] = {}
    for code, raw in scores.items():
        question = questions.get(code)
        if question is None:
            errors[code] = _("“%(code)s” is not a question of this questionnaire.") % {
                "code": code}
            continue
        text = str(raw if raw is not None else "").strip()
        if not text:
            wanted[code] = None
            continue
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not t.scale_min <= value <= t.scale_max:
            errors[code] = _("%(question)s: the score must be a whole number from %(low)s to "
                             "%(high)s.") % {"question": question.text(), "low": t.scale_min,
                                             "high": t.scale_max}
            continue
        wanted[code] = value
    for code, comment in comments.items():
        if len(str(comment or "")) > 500:
            errors[f"{code}-comment"] = _("%(question)s: the comment is longer than 500 "
                                          "characters.") % {"question": questions[code].text()
                                                            if code in questions else code}
    if not isinstance(assessed_on, dt.date) or assessed_on > timezone.localdate():
        errors["assessed_on"] = _("The date of the diagnosis must be a date, not in the future.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        diagnosis = Diagnosis.objects.filter(cycle=cycle).first()
        created = diagnosis is None
        before_head = {} if created else audit.snapshot(diagnosis)
        if created:
            diagnosis = Diagnosis(cycle=cycle)
        diagnosis.template, diagnosis.template_version = t.code, t.version
        diagnosis.assessed_on = assessed_on
        diagnosis.participants = _text(participants, "participants", required=False,
                                       max_length=255)
        diagnosis.notes = str(notes or "")
        diagnosis.save()
        existing = {a.question: a for a in diagnosis.answers.all()}
        changes = audit.diff(before_head, audit.snapshot(diagnosis))
        new, changed, gone = [], [], []
        for code, value in wanted.items():
            answer = existing.get(code)
            comment = str(comments.get(code, "") or "").strip()
            if value is None:
                if answer is not None:
                    gone.append(answer.pk)
                    changes[f"answer:{code}"] = [answer.score, None]
                continue
            if answer is None:
                new.append(Answer(diagnosis=diagnosis, dimension=questions[code].dimension,
                                  question=code, score=value, comment=comment))
                changes[f"answer:{code}"] = [None, value]
            elif (answer.score, answer.comment) != (value, comment):
                changes[f"answer:{code}"] = [answer.score, value]
                answer.score, answer.comment = value, comment
                changed.append(answer)
        Answer.objects.filter(pk__in=gone).delete()
        Answer.objects.bulk_create(new)
        Answer.objects.bulk_update(changed, ["score", "comment", "updated_at"])
        if changes:
            _record(actor, AuditAction.CREATE if created else AuditAction.UPDATE, diagnosis,
                    cycle.territory, changes)
    return diagnosis


def suggest_opportunities(*, actor, cycle: Cycle, below: float = SUGGEST_BELOW,
                          at_most: int = SUGGEST_AT_MOST) -> list[Opportunity]:
    """Suggest an opportunity for each of the lowest-scoring dimensions (under `below` % of
    the scale, the `at_most` lowest, lowest first): the template's suggestion, criticality from
    the score (under 35 %: high, else medium), horizon from the template. Dimensions that
    already have a generated opportunity in the cycle are skipped (so a second run after the
    same diagnosis adds nothing). The team confirms or discards them."""
    check(actor, cycle.territory)
    diagnosis = Diagnosis.objects.filter(cycle=cycle).first()
    if diagnosis is None:
        raise ValidationError({"diagnosis": _("Fill in the diagnosis first.")})
    t = tpl.template(diagnosis.template)
    scores = [s for s in queries.dimension_scores(diagnosis)
              if s.percent is not None and s.percent < below]
    scores.sort(key=lambda s: (s.percent, s.code))
    taken = set(cycle.opportunities.filter(generated=True).values_list("dimension", flat=True))
    made = []
    with transaction.atomic():
        for s in scores[:at_most]:
            if s.code in taken:
                continue
            dim = t.dimension(s.code)
            opp = Opportunity.objects.create(
                cycle=cycle, dimension=s.code, title=dim.suggestion_text()[:200] or dim.label(),
                description=_("Suggested because “%(dimension)s” scored %(percent)s %% of the "
                              "scale in the diagnosis.") % {"dimension": dim.label(),
                                                            "percent": s.percent},
                criticality=Criticality.HIGH if s.percent < 35 else Criticality.MEDIUM,
                horizon=dim.suggestion_horizon, status=OpportunityStatus.SUGGESTED,
                generated=True)
            _created(actor, opp, cycle.territory, note="suggested")
            made.append(opp)
    return made


# --- opportunities -----------------------------------------------------------------------------


def _opportunity_fields(data: dict[str, Any], cycle: Cycle) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "title" in data:
        fields["title"] = _text(data["title"], "title")
    if "description" in data:
        fields["description"] = str(data["description"] or "").strip()
    if "dimension" in data:
        dim = str(data["dimension"] or "")
        if dim:
            diagnosis = Diagnosis.objects.filter(cycle=cycle).first()
            t = tpl.template(diagnosis.template if diagnosis else tpl.DEFAULT_TEMPLATE)
            if t.dimension(dim) is None:
                raise ValidationError({"dimension": _("“%(value)s” is not a dimension of the "
                                                      "questionnaire.") % {"value": dim}})
        fields["dimension"] = dim
    if "criticality" in data:
        fields["criticality"] = _choice(data["criticality"], Criticality, "criticality")
    if "horizon" in data:
        fields["horizon"] = _choice(data["horizon"], Horizon, "horizon")
    if "status" in data:
        fields["status"] = _choice(data["status"], OpportunityStatus, "status")
    return fields


def add_opportunity(*, actor, cycle: Cycle, data: dict[str, Any]) -> Opportunity:
    check(actor, cycle.territory)
    fields = _opportunity_fields({"status": OpportunityStatus.CONFIRMED, **data}, cycle)
    for required in ("title", "criticality", "horizon"):
        if required not in fields:
            raise ValidationError({required: _("This field is required.")})
    with transaction.atomic():
        opp = Opportunity.objects.create(cycle=cycle, **fields)
        _created(actor, opp, cycle.territory)
    return opp


def update_opportunity(*, actor, opportunity: Opportunity, data: dict[str, Any]) -> Opportunity:
    """Confirm or discard a suggestion, or change criticality, horizon or text."""
    cycle = opportunity.cycle
    check(actor, cycle.territory)
    fields = _opportunity_fields(data, cycle)
    with transaction.atomic():
        before = audit.snapshot(opportunity)
        for k, v in fields.items():
            setattr(opportunity, k, v)
        opportunity.save()
        changes = audit.diff(before, audit.snapshot(opportunity))
        if changes:
            _record(actor, AuditAction.UPDATE, opportunity, cycle.territory, changes)
    return opportunity


# --- the action plan -------------------------------------------------------------------------------


def add_objective(*, actor, cycle: Cycle, title: str, description: str = "",
                  horizon: int = Horizon.MEDIUM, opportunity: Opportunity | None = None
                  ) -> Objective:
    check(actor, cycle.territory)
    if opportunity is not None and opportunity.cycle_id != cycle.pk:
        raise ValidationError({"opportunity": _("This opportunity belongs to another cycle.")})
    with transaction.atomic():
        objective = Objective.objects.create(
            cycle=cycle, title=_text(title, "title"), description=str(description or ""),
            horizon=_choice(horizon, Horizon, "horizon"), opportunity=opportunity)
        _created(actor, objective, cycle.territory)
    return objective


def _period(code: str, field: str, *, required: bool) -> str:
    code = str(code or "").strip()
    if not code:
        if required:
            raise ValidationError({field: _("This field is required.")})
        return ""
    try:
        return periods.parse(code).code
    except ValueError:
        raise ValidationError({field: _("“%(value)s” is not a period (use 202603, 2026Q1, 2026S1 "
                                        "or 2026).") % {"value": code}}) from None


def add_metric(*, actor, objective: Objective, indicator: str, baseline: float, target: float,
               target_period: str, baseline_period: str = "") -> Metric:
    """A metric tied to an indicator of the catalogue (by code)."""
    from crecer.indicators.models import Indicator

    cycle = objective.cycle
    check(actor, cycle.territory)
    found = Indicator.objects.filter(code=str(indicator or "").strip(), active=True).first()
    if found is None:
        raise ValidationError({"indicator": _("“%(code)s” is not an active indicator of the "
                                              "catalogue.") % {"code": indicator}})
    for field, value in (("baseline", baseline), ("target", target)):
        if not isinstance(value, int | float) or value != value:  # NaN
            raise ValidationError({field: _("Enter a number.")})
    with transaction.atomic():
        metric = Metric.objects.create(
            objective=objective, indicator=found, baseline=float(baseline), target=float(target),
            baseline_period=_period(baseline_period, "baseline_period", required=False),
            target_period=_period(target_period, "target_period", required=True))
        _created(actor, metric, cycle.territory)
    return metric


def add_action(*, actor, objective: Objective, title: str, owner: str, starts_on: dt.date,
               ends_on: dt.date, status: str = ActionStatus.PLANNED) -> PlanAction:
    cycle = objective.cycle
    check(actor, cycle.territory)
    _dates(starts_on, ends_on, "starts_on", "ends_on")
    status = _choice(status, ActionStatus, "status")
    with transaction.atomic():
        action = PlanAction.objects.create(
            objective=objective, title=_text(title, "title"),
            owner=_text(owner, "owner", max_length=150), starts_on=starts_on, ends_on=ends_on,
            status=status,
            completed_on=timezone.localdate() if status == ActionStatus.DONE else None)
        _created(actor, action, cycle.territory)
    return action


def set_action_status(*, actor, action: PlanAction, status: str, note: str = "") -> PlanAction:
    """Move an action to another status; done stamps today's date (cleared if re-opened)."""
    cycle = action.objective.cycle
    check(actor, cycle.territory)
    status = _choice(status, ActionStatus, "status")
    note = _text(note, "note", required=False, max_length=255)
    with transaction.atomic():
        before = audit.snapshot(action)
        action.status = status
        if status == ActionStatus.DONE:
            action.completed_on = action.completed_on or timezone.localdate()
        else:
            action.completed_on = None
        if note:
            action.note = note
        action.save()
        changes = audit.diff(before, audit.snapshot(action))
        if changes:
            _record(actor, AuditAction.UPDATE, action, cycle.territory, changes)
    return action


# --- co-designed projects ----------------------------------------------------------------------------


def add_project(*, actor, cycle: Cycle, title: str, description: str = "", mentors: str = "",
                opportunity: Opportunity | None = None, stage: str = ProjectStage.IDEA
                ) -> Project:
    check(actor, cycle.territory)
    if opportunity is not None and opportunity.cycle_id != cycle.pk:
        raise ValidationError({"opportunity": _("This opportunity belongs to another cycle.")})
    with transaction.atomic():
        project = Project.objects.create(
            cycle=cycle, title=_text(title, "title"), description=str(description or ""),
            mentors=_text(mentors, "mentors", required=False, max_length=255),
            opportunity=opportunity, stage=_choice(stage, ProjectStage, "stage"),
            stage_since=timezone.localdate())
        _created(actor, project, cycle.territory)
    return project


def set_project_stage(*, actor, project: Project, stage: str) -> Project:
    """Move a project to another prototype stage (idea, prototype, pilot, scaled)."""
    cycle = project.cycle
    check(actor, cycle.territory)
    stage = _choice(stage, ProjectStage, "stage")
    if stage == project.stage:
        return project
    with transaction.atomic():
        before = audit.snapshot(project)
        project.stage, project.stage_since = stage, timezone.localdate()
        project.save()
        _record(actor, AuditAction.UPDATE, project, cycle.territory,
                audit.diff(before, audit.snapshot(project)))
    return project

