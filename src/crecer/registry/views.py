"""Thin views over registry queries, forms and actions.

Lookups outside the user's scope are 404 (before any role check, so outsiders learn nothing);
users in scope without the right to edit get 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crecer.accounts import policies
from crecer.accounts.scope import get_in_scope

from . import actions, queries
from .forms import (
    HouseholdForm,
    HouseholdRegistration,
    MemberAddition,
    PersonEditForm,
    country_of,
)
from .models import RoleKind


def _require_editor(user) -> None:
    if not policies.can_edit_registry(user):
        raise PermissionDenied(_("You cannot change the registry."))


@login_required
def household_list(request):
    q = request.GET.get("q", "").strip()
    user = request.user
    if q:
        ids = list(queries.search_households(user, q, limit=1000).values_list("pk", flat=True))
        qs = queries.households_for(user).filter(pk__in=ids).order_by("code", "created_at")
    else:
        qs = queries.households_for(user).order_by("-created_at")
    page = Paginator(queries.with_summary(qs), 50).get_page(request.GET.get("page"))
    return render(request, "registry/household_list.html", {
        "page": page, "q": q, "can_edit": policies.can_edit_registry(user)})


@login_required
def household_detail(request, pk):
    user = request.user
    household = get_in_scope(queries.households_for(user), user, pk=pk)
    members = queries.with_relations(
        user, queries.persons_for(user).filter(household=household).order_by("birth_date"))
    return render(request, "registry/household_detail.html", {
        "household": household, "members": members,
        "can_edit": policies.can_edit_registry(user)})


@login_required
def person_detail(request, pk):
    user = request.user
    person = get_in_scope(
        queries.with_relations(user, queries.persons_for(user, include_merged=True)), user, pk=pk)
    return render(request, "registry/person_detail.html", {
        "person": person, "can_edit": policies.can_edit_registry(user)})


@login_required
def search(request):
    q = request.GET.get("q", "").strip()
    results = queries.search_persons(request.user, q) if q else []
    return render(request, "registry/search.html", {"q": q, "results": results})


@login_required
@require_http_methods(["GET", "POST"])
def household_create(request):
    user = request.user
    _require_editor(user)
    if request.method == "POST" and "add_member" in request.POST:
        page = HouseholdRegistration.with_extra_row(user, request.POST)
    elif request.method == "POST":
        page = HouseholdRegistration(user, request.POST)
        if page.is_valid():
            try:
                household = page.save()
            except (ValidationError, PermissionDenied) as exc:
                page.add_save_error(exc)
            else:
                messages.success(request, _("Household registered with %(n)d members.")
                                 % {"n": len(page.member_forms())})
                return redirect("registry:household", pk=household.pk)
    else:
        page = HouseholdRegistration(user)
    return render(request, "registry/household_form.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk):
    user = request.user
    household = get_in_scope(queries.households_for(user), user, pk=pk)
    _require_editor(user)
    form = HouseholdForm(request.POST or None, user=user, current=household.territory,
                         initial=HouseholdForm.initial_for(household))
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_household(actor=user, household=household, data=form.household_data,
                                     territory=form.cleaned_data["territory"])
        except ValidationError as exc:
            form.add_rule_errors(exc)
        except PermissionDenied as exc:
            form.add_error("territory", str(exc))
        else:
            messages.success(request, _("Household saved."))
            return redirect("registry:household", pk=household.pk)
    return render(request, "registry/household_edit.html", {"form": form, "household": household})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    user = request.user
    person = get_in_scope(queries.persons_for(user), user, pk=pk)
    _require_editor(user)
    pregnancy = person.roles.filter(role=RoleKind.PREGNANT, active=True).first()
    initial = PersonEditForm.initial_for(person)
    if pregnancy and pregnancy.expected_delivery_date:
        initial["expected_delivery_date"] = pregnancy.expected_delivery_date.isoformat()
    form = PersonEditForm(request.POST or None, initial=initial,
                          country=country_of(person.territory))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                actions.update_person(actor=user, person=person, data=form.person_data)
                if form.edd and (pregnancy is None or pregnancy.expected_delivery_date != form.edd):
                    actions.set_pregnancy(actor=user, person=person,
                                          expected_delivery_date=form.edd)
        except ValidationError as exc:
            form.add_rule_errors(exc)
        else:
            messages.success(request, _("Person saved."))
            return redirect("registry:person", pk=person.pk)
    return render(request, "registry/person_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def member_create(request, pk):
    user = request.user
    household = get_in_scope(queries.households_for(user), user, pk=pk)
    _require_editor(user)
    caregivers = queries.persons_for(user).filter(
        household=household, roles__role=RoleKind.CAREGIVER, roles__active=True
    ).order_by("created_at")
    page = MemberAddition(user, household, request.POST or None, caregivers=list(caregivers))
    if request.method == "POST" and page.is_valid():
        try:
            person = page.save()
        except (ValidationError, PermissionDenied) as exc:
            page.add_save_error(exc)
        else:
            messages.success(request, _("%(name)s added to the household.")
                             % {"name": person.full_name})
            return redirect("registry:household", pk=household.pk)
    return render(request, "registry/member_form.html", {"page": page, "household": household})
