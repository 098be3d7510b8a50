"""Thin views over registry queries and actions. Lookups outside the user's scope are 404."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from crecer.accounts.scope import get_in_scope

from . import queries
from .models import Household, Person


@login_required
def household_list(request):
    q = request.GET.get("q", "")
    qs = queries.search_households(request.user, q, limit=1000) if q else \
        queries.households_for(request.user).order_by("-created_at")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "registry/household_list.html", {"page": page, "q": q})


@login_required
def household_detail(request, pk):
    household = get_in_scope(Household.objects.select_related("territory"), request.user, pk=pk)
    members = queries.persons_for(request.user).filter(household=household).prefetch_related("roles")
    return render(request, "registry/household_detail.html",
                  {"household": household, "members": members})


@login_required
def person_detail(request, pk):
    person = get_in_scope(Person.objects.select_related("territory", "household"), request.user, pk=pk)
    return render(request, "registry/person_detail.html", {"person": person})


@login_required
def search(request):
    q = request.GET.get("q", "")
    results = queries.search_persons(request.user, q) if q else []
    return render(request, "registry/search.html", {"q": q, "results": results})
