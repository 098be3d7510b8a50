"""Thin pages of the RIL cycle. An object outside the user's subtrees is 404 (before any role
check); a role without `can_view_planning` gets 403, and writes need `can_manage_planning`.
A refused input re-renders the page with the form and its errors; nothing is saved."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crecer.accounts import policies

from . import actions, charts, evaluation, forms, queries, risks
from . import template as tpl
from .models import (
    ActionStatus,
    Objective,
    Opportunity,
    OpportunityStatus,
    PlanAction,
    Project,
    ProjectStage,
)


def can_view(user) -> None:
    if not policies.can_view_planning(user):
        raise PermissionDenied


def can_manage(user) -> None:
    if not policies.can_manage_planning(user):
        raise PermissionDenied


def _base(request, **ctx) -> dict:
    return {"can_manage": policies.can_manage_planning(request.user),
            "today": timezone.localdate(), **ctx}


def _diagnosis(cycle):
    """The cycle's diagnosis, or None before it is filled in."""
    from .models import Diagnosis

    return Diagnosis.objects.filter(cycle=cycle).first()


def _template_of(cycle) -> tpl.Template:
    found = _diagnosis(cycle)
    return tpl.template(found.template if found else tpl.DEFAULT_TEMPLATE)


# --- overview and cycles ---------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    user = request.user
    can_view(user)
    today = timezone.localdate()
    rounds = list(evaluation.rounds_for(user).order_by("territory__path", "-year")[:50])
    return render(request, "planning/index.html", _base(
        request, cycles=queries.cycles_overview(user, today),
        late=queries.late_actions_for(user, today)[:50], rounds=rounds,
        round_results=evaluation.results(rounds),
        risks=risks.risks_for(user).exclude(status="closed")[:10]))


@login_required
@require_http_methods(["GET", "POST"])
def cycle_new(request):
    user = request.user
    can_manage(user)
    units = queries.planning_units(user)
    form = forms.CycleForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        territory = queries.unit_in_scope(user, d["territory"])
        try:
            cycle = actions.create_cycle(actor=user, territory=territory, name=d["name"],
                                         starts_on=d["starts_on"], ends_on=d["ends_on"])
        except ValidationError as exc:
            forms.show_errors(form, exc)
        else:
            messages.success(request, _("Cycle created."))
            return redirect("planning:cycle", pk=cycle.pk)
    return render(request, "planning/cycle_new.html", _base(request, form=form))


@login_required
@require_GET
def cycle(request, pk):
    user = request.user
    obj = queries.cycle_for(user, pk)
    can_view(user)
    today = timezone.localdate()
    scores = queries.dimension_scores(_diagnosis(obj))
    return render(request, "planning/cycle.html", _base(
        request, cycle=obj, timeline=queries.timeline(obj, today),
        current=queries.current_stage(obj, today), scores=scores,
        overall=queries.overall_score(scores), counts=queries.action_counts(obj, today),
        projects=queries.project_counts(obj),
        opportunities=queries.ranked_opportunities(obj)[:5], tab="cycle"))


@login_required
@require_POST
def stage_edit(request, pk, stage):
    user = request.user
    obj = queries.cycle_for(user, pk)
    can_manage(user)
    row = obj.stages.filter(stage=stage).first()
    if row is None:
        raise Http404
    form = forms.StageForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        actions.update_stage(actor=user, stage=row, **form.cleaned_data)
    except ValidationError as exc:
        for message in _messages(exc):
            messages.error(request, f"{row.get_stage_display()}: {message}")
    else:
        messages.success(request, _("Stage saved."))
    return redirect("planning:cycle", pk=obj.pk)


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for errors in exc.error_dict.values() for e in errors for m in e.messages]
    return list(exc.messages)


# --- diagnosis -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def diagnosis(request, pk):
    user = request.user
    obj = queries.cycle_for(user, pk)
    can_view(user)
    current = _diagnosis(obj)
    t = _template_of(obj)
    initial = {"assessed_on": current.assessed_on if current else timezone.localdate(),
               "participants": current.participants if current else "",
               "notes": current.notes if current else ""}
    for code, (score, comment) in queries.answers_of(current).items():
        initial[f"q-{code}"], initial[f"c-{code}"] = str(score), comment
    form = forms.DiagnosisForm(request.POST or None, template=t, initial=initial)
    if request.method == "POST":
        can_manage(user)
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.save_diagnosis(actor=user, cycle=obj, assessed_on=d["assessed_on"],
                                       scores=form.scores(), comments=form.comments(),
                                       participants=d["participants"], notes=d["notes"],
                                       template_code=t.code)
            except ValidationError as exc:
                forms.show_errors(form, exc)
            else:
                messages.success(request, _("Diagnosis saved."))
                return redirect("planning:results", pk=obj.pk)
    return render(request, "planning/diagnosis.html", _base(
        request, cycle=obj, form=form, questionnaire=t, tab="diagnosis"))


@login_required
@require_GET
def results(request, pk):
    from crecer.tablero.views import plotly_version

    user = request.user
    obj = queries.cycle_for(user, pk)
    can_view(user)
    scores = queries.dimension_scores(_diagnosis(obj))
    answered = [s for s in scores if s.mean is not None]
    return render(request, "planning/results.html", _base(
        request, cycle=obj, diagnosis=_diagnosis(obj), scores=scores,
        overall=queries.overall_score(scores), questionnaire=_template_of(obj),
        radar=charts.dimension_radar([s.label for s in answered], [s.percent for s in answered])
        if answered else None, plotly_version=plotly_version(), tab="results",
        lowest=sorted(answered, key=lambda s: s.percent)[:3]))


@login_required
@require_POST
def suggest(request, pk):
    user = request.user
    obj = queries.cycle_for(user, pk)
    can_manage(user)
    try:
        made = actions.suggest_opportunities(actor=user, cycle=obj)
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, m)
        return redirect("planning:results", pk=obj.pk)
    if made:
        messages.success(request, _("%(n)s opportunities suggested: confirm or discard them.")
                         % {"n": len(made)})
    else:
        messages.info(request, _("No new suggestion: no other dimension scores low."))
    return redirect("planning:opportunities", pk=obj.pk)


# --- opportunities -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def opportunities(request, pk):
    user = request.user
    obj = queries.cycle_for(user, pk)
    can_view(user)
    t = _template_of(obj)
    form = forms.OpportunityForm(request.POST or None, template=t)
    if request.method == "POST":
        can_manage(user)
        if form.is_valid():
            try:
                actions.add_opportunity(actor=user, cycle=obj, data=form.cleaned_data)
            except ValidationError as exc:
                forms.show_errors(form, exc)
            else:
                messages.success(request, _("Opportunity added."))
                return redirect("planning:opportunities", pk=obj.pk)
    ranked = list(queries.ranked_opportunities(obj, include_discarded=True))
    dims = {d.code: d.label() for d in t.dimensions}
    return render(request, "planning/opportunities.html", _base(
        request, cycle=obj, form=form, tab="opportunities", dimensions=dims,
        ranked=[o for o in ranked if o.status != OpportunityStatus.DISCARDED],
        discarded=[o for o in ranked if o.status == OpportunityStatus.DISCARDED],
        statuses=OpportunityStatus.choices, criticalities=forms.Criticality.choices,
        horizons=forms.Horizon.choices))


@login_required
@require_POST
def opportunity_edit(request, pk):
    user = request.user
    opp = queries.in_scope(Opportunity, user, pk)
    can_manage(user)
    form = forms.OpportunityUpdateForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        actions.update_opportunity(actor=user, opportunity=opp, data=form.cleaned_data)
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, f"{opp.title}: {m}")
    else:
        messages.success(request, _("Opportunity updated."))
    return redirect("planning:opportunities", pk=opp.cycle_id)


# --- the action plan -------------------------------------------------------------------------------


def _indicators():
    from crecer.indicators.models import Indicator

    return Indicator.objects.filter(active=True).order_by("code")


def _plan_page(request, obj, *, objective_form=None, metric_form=None, action_form=None,
               failed_objective=None, status=200):
    user = request.user
    today = timezone.localdate()
    objectives = list(queries.plan(obj))
    metrics = [m for o in objectives for m in o.metrics.all()]
    opportunities = queries.ranked_opportunities(obj)
    indicators = list(_indicators())
    for o in objectives:  # each objective's own forms (ids unique on the page)
        failed = o.pk == failed_objective
        o.metric_form = metric_form if failed and metric_form else forms.MetricForm(
            indicators=indicators, auto_id=f"metric-{o.pk}-%s")
        o.action_form = action_form if failed and action_form else forms.ActionForm(
            auto_id=f"action-{o.pk}-%s")
        o.form_open = {"metric": bool(failed and metric_form),
                       "action": bool(failed and action_form)}
    late = queries.late_actions(PlanAction.objects.filter(objective__cycle=obj), today)
    return render(request, "planning/plan.html", _base(
        request, cycle=obj, objectives=objectives, tab="plan",
        values=queries.metric_values(metrics, obj.territory_id, today),
        late=late, late_ids={a.pk for a in late}, counts=queries.action_counts(obj, today),
        objective_form=objective_form or forms.ObjectiveForm(opportunities=opportunities),
        statuses=ActionStatus.choices, can_edit=policies.can_manage_planning(user)),
        status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan(request, pk):
    user = request.user
    obj = queries.cycle_for(user, pk)
    can_view(user)
    if request.method == "POST":
        can_manage(user)
        opportunities = queries.ranked_opportunities(obj)
        form = forms.ObjectiveForm(request.POST, opportunities=opportunities)
        if form.is_valid():
            d = form.cleaned_data
            opp = opportunities.filter(pk=d["opportunity"]).first() if d["opportunity"] else None
            try:
                actions.add_objective(actor=user, cycle=obj, title=d["title"],
                                      description=d["description"], horizon=d["horizon"],
                                      opportunity=opp)
            except ValidationError as exc:
                forms.show_errors(form, exc)
            else:
                messages.success(request, _("Objective added."))
                return redirect("planning:plan", pk=obj.pk)
        return _plan_page(request, obj, objective_form=form)
    return _plan_page(request, obj)


@login_required
@require_POST
def metric_new(request, pk):
    user = request.user
    objective = queries.in_scope(Objective, user, pk)
    can_manage(user)
    form = forms.MetricForm(request.POST, indicators=_indicators(),
                            auto_id=f"metric-{objective.pk}-%s")
    if form.is_valid():
        try:
            actions.add_metric(actor=user, objective=objective, **form.cleaned_data)
        except ValidationError as exc:
            forms.show_errors(form, exc)
        else:
            messages.success(request, _("Metric added."))
            return redirect("planning:plan", pk=objective.cycle_id)
    return _plan_page(request, objective.cycle, metric_form=form, failed_objective=objective.pk)


@login_required
@require_POST
def action_new(request, pk):
    user = request.user
    objective = queries.in_scope(Objective, user, pk)
    can_manage(user)
    form = forms.ActionForm(request.POST, auto_id=f"action-{objective.pk}-%s")
    if form.is_valid():
        try:
            actions.add_action(actor=user, objective=objective, **form.cleaned_data)
        except ValidationError as exc:
            forms.show_errors(form, exc)
        else:
            messages.success(request, _("Action added."))
            return redirect("planning:plan", pk=objective.cycle_id)
    return _plan_page(request, objective.cycle, action_form=form, failed_objective=objective.pk)


@login_required
@require_POST
def action_status(request, pk):
    user = request.user
    action = queries.in_scope(PlanAction, user, pk, field="objective__cycle__territory")
    can_manage(user)
    form = forms.ActionStatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        actions.set_action_status(actor=user, action=action, **form.cleaned_data)
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, f"{action.title}: {m}")
    else:
        messages.success(request, _("Action updated."))
    return redirect("planning:plan", pk=action.objective.cycle_id)


# --- projects ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def projects(request, pk):
    user = request.user
    obj = queries.cycle_for(user, pk)
    can_view(user)
    opportunities = queries.ranked_opportunities(obj)
    form = forms.ProjectForm(request.POST or None, opportunities=opportunities)
    if request.method == "POST":
        can_manage(user)
        if form.is_valid():
            d = dict(form.cleaned_data)
            opp_id = d.pop("opportunity")
            try:
                actions.add_project(actor=user, cycle=obj,
                                    opportunity=opportunities.filter(pk=opp_id).first()
                                    if opp_id else None, **d)
            except ValidationError as exc:
                forms.show_errors(form, exc)
            else:
                messages.success(request, _("Project added."))
                return redirect("planning:projects", pk=obj.pk)
    return render(request, "planning/projects.html", _base(
        request, cycle=obj, form=form, projects=queries.projects(obj), tab="projects",
        stages=ProjectStage.choices, counts=queries.project_counts(obj)))


@login_required
@require_POST
def project_stage(request, pk):
    user = request.user
    project = queries.in_scope(Project, user, pk)
    can_manage(user)
    form = forms.ProjectStageForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        actions.set_project_stage(actor=user, project=project, stage=form.cleaned_data["stage"])
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, f"{project.title}: {m}")
    else:
        messages.success(request, _("Project updated."))
    return redirect("planning:projects", pk=project.cycle_id)

