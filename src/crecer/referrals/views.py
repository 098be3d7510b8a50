"""Thin pages over referral queries, forms and actions.

Lookups outside the user's scope are 404 (before any role check, so outsiders learn nothing);
users in scope without the right to act get 403.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crecer.accounts import policies, scope
from crecer.registry import queries as registry_queries
from crecer.territory.models import Sector

from . import actions, queries
from .forms import CounterReferralForm, ReferralForm, RejectForm
from .models import OPEN, Status


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _list_context(request, qs):
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue") == "1"
    rows = queries.filtered(qs, status=status, overdue=overdue)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return {"page": page, "status": status, "overdue": overdue,
            "statuses": [("open", _("open"))] + list(Status.choices)}


@login_required
def referral_list(request):
    user = request.user
    _require(policies.can_view_registry(user), _("You cannot see referrals."))
    context = _list_context(request, queries.sent_referrals_for(user))
    return render(request, "referrals/list.html", context)


@login_required
def inbox(request):
    user = request.user
    _require(policies.can_attend_referrals(user), _("You cannot answer referrals."))
    request.GET = request.GET.copy()
    request.GET.setdefault("status", "open")
    context = _list_context(request, queries.inbox_for(user))
    return render(request, "referrals/inbox.html", context)


@login_required
def directory(request):
    user = request.user
    _require(policies.can_view_registry(user), _("You cannot see the directory."))
    sector = request.GET.get("sector", "")
    sector = sector if sector in Sector.values else ""
    return render(request, "referrals/services.html", {
        "services": queries.services_for(user, sector or None), "sector": sector,
        "sectors": Sector.choices})


def _person_or_404(user, raw):
    try:
        pk = uuid.UUID(str(raw))
    except ValueError as exc:
        raise Http404 from exc
    return scope.get_in_scope(registry_queries.persons_for(user), user, pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def referral_create(request):
    user = request.user
    person = _person_or_404(user, request.GET.get("person") or request.POST.get("person", ""))
    _require(policies.can_refer(user), _("You cannot refer persons."))
    form = ReferralForm(request.POST or None, services=queries.services_for(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = actions.create_referral(
                actor=user, person=person, to_service=data["to_service"],
                reason_code=data["reason_code"], reason=data["reason"], urgency=data["urgency"],
                due_date=data["due_date"])
        except ValidationError as exc:
            form.add_rule_errors(exc)
        else:
            messages.success(request, _("Referral sent to %(service)s.")
                             % {"service": referral.to_service.name})
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, "referrals/form.html", {"form": form, "person": person})


def _detail(request, referral, *, attend_form=None, reject_form=None, status=200):
    user = request.user
    can_answer = (policies.can_attend_referrals(user)
                  and scope.covers(user, referral.to_service))
    return render(request, "referrals/detail.html", {
        "referral": referral, "events": queries.history(referral),
        "overdue": referral.is_overdue(timezone.localdate()),
        "person_visible": scope.covers(user, referral.person.territory),
        "can_answer": can_answer and referral.status in OPEN,
        "attend_form": attend_form or CounterReferralForm(),
        "reject_form": reject_form or RejectForm(),
    }, status=status)


def _referral_or_404(user, pk):
    referral = queries.referrals_for(user).filter(pk=pk).first()
    if referral is None:
        raise Http404
    return referral


@login_required
def referral_detail(request, pk):
    return _detail(request, _referral_or_404(request.user, pk))


def _transition(request, pk, form_class, run):
    """A POST that moves a referral: 404 outside, 403 without the right, errors re-shown."""
    user = request.user
    referral = _referral_or_404(user, pk)
    _require(policies.can_attend_referrals(user) and scope.covers(user, referral.to_service),
             _("You cannot answer referrals to this service."))
    form = form_class(request.POST) if form_class else None
    if form is None or form.is_valid():
        try:
            run(user, referral, form.cleaned_data if form else {})
        except ValidationError as exc:
            if form is None or "status" in getattr(exc, "message_dict", {}):
                # the referral moved meanwhile (or the action does not apply): say so on top
                messages.error(request, " ".join(exc.messages))
                return redirect("referrals:detail", pk=referral.pk)
            form.add_rule_errors(exc)
        else:
            return redirect("referrals:detail", pk=referral.pk)
    key = "attend_form" if form_class is CounterReferralForm else "reject_form"
    return _detail(request, referral, **{key: form})


@login_required
@require_POST
def receive(request, pk):
    def run(user, referral, data):
        actions.receive_referral(actor=user, referral=referral, note=request.POST.get("note", ""))
        messages.success(request, _("Referral received."))
    return _transition(request, pk, None, run)


@login_required
@require_POST
def attend(request, pk):
    def run(user, referral, data):
        actions.record_counter_referral(actor=user, referral=referral, **data)
        messages.success(request, _("Counter-referral recorded: the referral is closed."))
    return _transition(request, pk, CounterReferralForm, run)


@login_required
@require_POST
def reject(request, pk):
    def run(user, referral, data):
        actions.reject_referral(actor=user, referral=referral, reason=data["rejection_reason"])
        messages.success(request, _("Referral rejected."))
    return _transition(request, pk, RejectForm, run)
