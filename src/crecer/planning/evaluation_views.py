"""Thin pages of the evaluation rounds and the risk register (same rules as `views.py`: 404
outside the user's subtrees, then 403 without the policy). A caregiver's individual scores are
shown only to roles that manage planning; viewers see the round's aggregates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crecer.accounts import policies
from crecer.core import uploads

from . import charts, evaluation, forms, queries, risks
from .models import Moment
from .views import _base, _messages, can_manage, can_view

# --- evaluation rounds ---------------------------------------------------------------------------


@login_required
@require_GET
def rounds(request):
    from crecer.tablero.views import plotly_version

    user = request.user
    can_view(user)
    found = list(evaluation.rounds_for(user).order_by("territory__path", "year", "name")[:200])
    res = evaluation.results(found)
    chart = None
    if any(res[r.pk].baseline_n or res[r.pk].follow_up_n for r in found):
        chart = charts.round_bars([f"{r.territory.name} · {r.year}" for r in found],
                                  [res[r.pk].baseline_mean for r in found],
                                  [res[r.pk].follow_up_mean for r in found],
                                  str(Moment.BASELINE.label), str(Moment.FOLLOW_UP.label))
    return render(request, "planning/rounds.html", _base(
        request, rounds=[(r, res[r.pk]) for r in found], chart=chart,
        plotly_version=plotly_version()))


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request):
    user = request.user
    can_manage(user)
    form = forms.RoundForm(request.POST or None, units=queries.planning_units(user))
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        territory = queries.unit_in_scope(user, d.pop("territory"))
        try:
            rnd = evaluation.create_round(actor=user, territory=territory, **d)
        except ValidationError as exc:
            forms.show_errors(form, exc)
        else:
            messages.success(request, _("Evaluation round created."))
            return redirect("planning:round", pk=rnd.pk)
    return render(request, "planning/round_new.html", _base(request, form=form))


def _round_page(request, rnd, *, score_form=None, import_form=None, finding_form=None,
                import_errors=None, status=200):
    user = request.user
    manage = policies.can_manage_planning(user)
    caregivers = evaluation.caregivers_for(user, rnd) if manage else []
    return render(request, "planning/round.html", _base(
        request, round=rnd, result=evaluation.results([rnd])[rnd.pk],
        findings=rnd.findings.all(),
        scores=evaluation.scores_for(user, rnd)[:500] if manage else None,
        score_form=score_form or forms.ScoreForm(caregivers=caregivers, auto_id="score-%s"),
        import_form=import_form or forms.ImportForm(auto_id="import-%s"),
        finding_form=finding_form or forms.FindingForm(
            initial={"published_on": timezone.localdate()}, auto_id="finding-%s"),
        import_errors=import_errors,
        can_publish=manage and policies.can_enter_aggregates(user)), status=status)


@login_required
@require_GET
def round_detail(request, pk):
    user = request.user
    rnd = evaluation.round_for(user, pk)
    can_view(user)
    return _round_page(request, rnd)


@login_required
@require_POST
def score_new(request, pk):
    from crecer.registry.queries import persons_for

    user = request.user
    rnd = evaluation.round_for(user, pk)
    can_manage(user)
    form = forms.ScoreForm(request.POST, caregivers=evaluation.caregivers_for(user, rnd),
                           auto_id="score-%s")
    if form.is_valid():
        d = form.cleaned_data
        person = persons_for(user).filter(pk=d["person"]).first()
        if person is None:
            form.add_error("person", _("Choose a caregiver of this territory."))
        else:
            try:
                evaluation.record_score(actor=user, rnd=rnd, person=person, moment=d["moment"],
                                        score=d["score"], assessed_on=d["assessed_on"])
            except ValidationError as exc:
                forms.show_errors(form, exc)
            else:
                messages.success(request, _("Score saved."))
                return redirect("planning:round", pk=rnd.pk)
    return _round_page(request, rnd, score_form=form)


@login_required
@require_POST
def scores_import(request, pk):
    user = request.user
    rnd = evaluation.round_for(user, pk)
    can_manage(user)
    form = forms.ImportForm(request.POST, request.FILES, auto_id="import-%s")
    errors = None
    if form.is_valid():
        try:
            report = evaluation.import_scores(actor=user, rnd=rnd, file=form.cleaned_data["file"])
        except ValidationError as exc:
            errors = _messages(exc)
        else:
            messages.success(request, _("%(created)s scores added, %(updated)s corrected, "
                                        "%(unchanged)s unchanged.") % {
                "created": report.created, "updated": report.updated,
                "unchanged": report.unchanged})
            return redirect("planning:round", pk=rnd.pk)
    return _round_page(request, rnd, import_form=form, import_errors=errors)


@login_required
@require_GET
def scores_template(request):
    can_manage(request.user)
    response = HttpResponse(evaluation.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="parenting-scale-scores.csv"'
    return response


@login_required
@require_POST
def finding_new(request, pk):
    user = request.user
    rnd = evaluation.round_for(user, pk)
    can_manage(user)
    form = forms.FindingForm(request.POST, request.FILES, auto_id="finding-%s")
    if form.is_valid():
        try:
            evaluation.add_finding(actor=user, rnd=rnd, **form.cleaned_data)
        except ValidationError as exc:
            forms.show_errors(form, exc)
        else:
            messages.success(request, _("Finding published."))
            return redirect("planning:round", pk=rnd.pk)
    return _round_page(request, rnd, finding_form=form)


@login_required
@require_GET
def finding_download(request, pk):
    from django.http import Http404

    user = request.user
    finding = evaluation.finding_for(user, pk)
    can_view(user)
    if not finding.has_file:
        raise Http404
    return uploads.serve_download(finding)


@login_required
@require_POST
def round_publish(request, pk):
    user = request.user
    rnd = evaluation.round_for(user, pk)
    can_manage(user)
    try:
        evaluation.publish_round(actor=user, rnd=rnd)
    except ValidationError as exc:
        for m in _messages(exc):
            messages.error(request, m)
    else:
        messages.success(request, _("The means were entered as the aggregate figures of "
                                    "%(unit)s for %(year)s.") % {"unit": rnd.territory.name,
                                                                 "year": rnd.year})
    return redirect("planning:round", pk=rnd.pk)


# --- risks -----------------------------------------------------------------------------------


@login_required
@require_GET
def risk_list(request):
    user = request.user
    can_view(user)
    today = timezone.localdate()
    found = risks.risks_for(user)
    return render(request, "planning/risks.html", _base(
        request, risks=[(r, risks.band(r.score)) for r in found[:300]],
        due=risks.review_due(found, today).count()))


@login_required
@require_http_methods(["GET", "POST"])
def risk_new(request):
    user = request.user
    can_manage(user)
    form = forms.NewRiskForm(request.POST or None, units=queries.planning_units(user))
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        territory = queries.unit_in_scope(user, d.pop("territory"))
        try:
            risks.add_risk(actor=user, territory=territory, data=d)
        except ValidationError as exc:
            forms.show_errors(form, exc)
        else:
            messages.success(request, _("Risk added to the register."))
            return redirect("planning:risks")
    return render(request, "planning/risk_form.html", _base(request, form=form, risk=None))


@login_required
@require_http_methods(["GET", "POST"])
def risk_edit(request, pk):
    user = request.user
    risk = risks.risk_for(user, pk)
    can_view(user)
    initial = {f: getattr(risk, f) for f in forms.RiskForm.base_fields}
    form = forms.RiskForm(request.POST or None, initial=initial)
    if request.method == "POST":
        can_manage(user)
        if form.is_valid():
            try:
                risks.update_risk(actor=user, risk=risk, data=form.cleaned_data)
            except ValidationError as exc:
                forms.show_errors(form, exc)
            else:
                messages.success(request, _("Risk updated."))
                return redirect("planning:risks")
    return render(request, "planning/risk_form.html", _base(request, form=form, risk=risk))
