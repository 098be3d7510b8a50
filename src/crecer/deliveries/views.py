"""Thin views over the stock queries, forms and actions.

Lookups outside the user's scope are 404 (before any role check, so outsiders learn nothing);
users in scope without the right to act get 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crecer.accounts import policies
from crecer.accounts.scope import get_in_scope
from crecer.registry.queries import households_for

from . import actions, queries
from .forms import AdjustmentForm, DeliveryForm, ReceiptForm


def _stock_page(request, form: ReceiptForm | None = None,
                adjust_form: AdjustmentForm | None = None):
    user = request.user
    if not policies.can_view_registry(user):
        raise PermissionDenied
    balances = queries.balances_for(user)
    can_manage = policies.can_manage_stock(user)
    if can_manage:
        form = ReceiptForm(user) if form is None else form
        adjust_form = AdjustmentForm(user) if adjust_form is None else adjust_form
    return render(request, "deliveries/stock.html", {
        "balances": balances,
        "alerts": [b for b in balances if b["status"] != "ok"],
        "movements": queries.recent_movements(user),
        "form": form if can_manage else None,
        "adjust_form": adjust_form if can_manage else None,
    })


def _visible_municipality(request, field: str):
    """The municipality posted in `field`, if the user's territories touch it; else 404."""
    try:
        muni_id = int(request.POST.get(field, ""))
    except ValueError:
        raise Http404 from None
    municipality = queries.municipalities_for(request.user).filter(pk=muni_id).first()
    if municipality is None:
        raise Http404
    return municipality


@login_required
def stock(request):
    return _stock_page(request)


@login_required
@require_POST
def receive(request):
    user = request.user
    municipality = _visible_municipality(request, "municipality")
    if not policies.can_manage_stock(user):
        raise PermissionDenied(_("You cannot record stock."))
    form = ReceiptForm(user, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            movement = actions.receive_stock(
                actor=user, municipality=municipality, item=data["item"],
                quantity=data["quantity"], occurred_on=data["occurred_on"],
                reference=data["reference"])
        except ValidationError as exc:
            form.add_rule_errors(exc)
        else:
            messages.success(request, _("Received %(quantity)d %(unit)s of “%(item)s” in "
                                        "%(municipality)s.") % {
                "quantity": movement.quantity, "unit": movement.item.unit,
                "item": movement.item.name, "municipality": municipality.name})
            return redirect("deliveries:stock")
    return _stock_page(request, form=form)


@login_required
@require_POST
def adjust(request):
    user = request.user
    municipality = _visible_municipality(request, "adjust-municipality")
    if not policies.can_manage_stock(user):
        raise PermissionDenied(_("You cannot record stock."))
    form = AdjustmentForm(user, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            movement = actions.adjust_stock(
                actor=user, municipality=municipality, item=data["item"],
                quantity=data["quantity"], occurred_on=data["occurred_on"],
                reference=data["reference"])
        except ValidationError as exc:
            form.add_rule_errors(exc)
        else:
            messages.success(request, _("Stock of “%(item)s” in %(municipality)s adjusted by "
                                        "%(quantity)+d.") % {
                "item": movement.item.name, "municipality": municipality.name,
                "quantity": movement.quantity})
            return redirect("deliveries:stock")
    return _stock_page(request, adjust_form=form)


@login_required
def delivery_list(request):
    user = request.user
    if not policies.can_view_registry(user):
        raise PermissionDenied
    qs = queries.deliveries_for(user).order_by("-delivered_on", "-created_at")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "deliveries/list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def deliver(request, pk):
    user = request.user
    household = get_in_scope(households_for(user), user, pk=pk)
    if not policies.can_deliver(user):
        raise PermissionDenied(_("You cannot record deliveries."))
    form = DeliveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            delivery = actions.deliver(
                actor=user, household=household, item=data["item"], quantity=data["quantity"],
                delivered_on=data["delivered_on"], delivery_id=data["delivery_id"])
        except ValidationError as exc:
            form.add_rule_errors(exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Delivered %(quantity)d %(unit)s of “%(item)s”.") % {
                "quantity": delivery.quantity, "unit": delivery.item.unit,
                "item": delivery.item.name})
            return redirect("deliveries:deliver", pk=household.pk)
    history = queries.deliveries_for(user).filter(household=household).order_by(
        "-delivered_on", "-created_at")[:100]
    muni_id = queries.municipality_id_of(household.territory)
    available = queries.balances_for(user, municipality_id=muni_id) if muni_id else []
    return render(request, "deliveries/deliver.html", {
        "household": household, "form": form, "history": history, "available": available})
