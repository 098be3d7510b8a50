"""Thin pages of data quality. A unit outside the user's subtrees is 404 (whatever her role);
a role without `can_view_tablero` gets 403 for units she covers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from crecer.accounts import policies
from crecer.interop.tables import table_response

from . import pages, queries


def _check(request) -> None:
    if not policies.can_view_tablero(request.user):
        raise PermissionDenied


@login_required
@require_GET
def index(request):
    """The page of the user's top territory."""
    _check(request)
    unit = queries.top_unit(request.user)
    if unit is None:
        raise Http404
    url = reverse("quality:unit", args=[unit.pk])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_GET
def unit(request, unit_id: int):
    territory = queries.unit_for(request.user, unit_id)  # 404 outside her scope, before 403
    _check(request)
    if "format" in request.GET:
        title, headers, rows = pages.table(request.user, territory, request.GET,
                                           request.GET.get("table", ""))
        return table_response(request, title=title, headers=headers, rows=rows,
                              fmt=request.GET["format"])
    return render(request, "quality/unit.html", pages.page(request.user, territory, request.GET))
