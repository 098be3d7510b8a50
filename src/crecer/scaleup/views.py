"""Thin pages of the scale-up. A territory outside the user's subtrees is 404 (whatever her
role); a role without `can_view_tablero` gets 403, and recording a decision needs
`can_decide_phase`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crecer.accounts import policies, scope
from crecer.territory.models import Kind, OrgUnit

from . import actions, pages
from .forms import DecisionForm
from .models import Decision, PhaseModel


def _unit(request, unit_id: int) -> OrgUnit:
    unit = OrgUnit.objects.filter(pk=unit_id, kind=Kind.AREA).first()
    if unit is None or not scope.covers(request.user, unit):
        raise Http404
    return unit


def _check(request) -> None:
    if not policies.can_view_tablero(request.user):
        raise PermissionDenied


@login_required
@require_GET
def index(request):
    _check(request)
    return render(request, "scaleup/index.html", pages.index_page(request.user, request.GET))


@login_required
@require_GET
def unit(request, unit_id: int):
    place = _unit(request, unit_id)  # 404 outside her scope, before the 403
    _check(request)
    return render(request, "scaleup/unit.html", pages.unit_page(request.user, place, request.GET))


@login_required
@require_POST
def decide(request, unit_id: int):
    place = _unit(request, unit_id)
    if not policies.can_decide_phase(request.user):
        raise PermissionDenied
    model = PhaseModel.objects.filter(code=request.POST.get("model", ""), active=True).first()
    if model is None:
        raise Http404
    form = DecisionForm(request.POST, decisions=list(Decision.choices))
    if form.is_valid():
        try:
            made = actions.record_decision(
                actor=request.user, unit=place, model=model,
                decision=form.cleaned_data["decision"], comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("Decision recorded: %(decision)s.") % {
                "decision": made.get_decision_display()})
            url = reverse("scaleup:unit", args=[place.pk])
            return redirect(f"{url}?model={model.code}#history")
    ctx = pages.unit_page(request.user, place, {"model": model.code}, form=form)
    return render(request, "scaleup/unit.html", ctx, status=400)
