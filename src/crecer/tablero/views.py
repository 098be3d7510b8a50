"""Thin pages of the tablero. A unit outside the user's subtrees is 404 (whatever her role);
a role without `can_view_tablero` gets 403 for units she covers."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from crecer.accounts import policies
from crecer.interop.tables import table_response

from . import pages, queries

YEAR = 365 * 24 * 3600


def _check(request) -> None:
    if not policies.can_view_tablero(request.user):
        raise PermissionDenied


@login_required
@require_GET
def index(request):
    """The tablero of the user's top unit."""
    _check(request)
    unit = queries.top_unit(request.user)
    if unit is None:
        raise Http404
    url = reverse("tablero:unit", args=[unit.pk])
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_GET
def unit(request, unit_id: int):
    place = queries.unit_for(request.user, unit_id)  # 404 outside her scope, before the 403
    _check(request)
    ctx = pages.unit_page(request.user, place, request.GET)
    if "format" in request.GET:
        title, headers, rows = pages.unit_table(ctx)
        return table_response(request, title=title, headers=headers, rows=rows,
                              fmt=request.GET["format"])
    return render(request, "tablero/unit.html", ctx)


@login_required
@require_GET
def indicator(request, unit_id: int, code: str):
    place = queries.unit_for(request.user, unit_id)
    _check(request)
    ctx = pages.indicator_page(request.user, place, code, request.GET)
    ctx["plotly_version"] = plotly_version()
    if "format" in request.GET:
        title, headers, rows = pages.indicator_table(ctx)
        return table_response(request, title=title, headers=headers, rows=rows,
                              fmt=request.GET["format"])
    return render(request, "tablero/indicator.html", ctx)


@login_required
@require_GET
def chain(request, unit_id: int, column: str):
    place = queries.unit_for(request.user, unit_id)
    _check(request)
    return render(request, "tablero/chain.html",
                  pages.chain_page(request.user, place, column, request.GET))


# --- Plotly.js, served from the installed plotly package (no CDN, no copy in the repo) -------

@cache
def _plotly() -> tuple[bytes, bytes, str]:
    """plotly.min.js, its gzip and an ETag (the bundled plotly.js version)."""
    import plotly
    from plotly.offline import get_plotlyjs_version

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    raw = path.read_bytes()
    return raw, gzip.compress(raw, compresslevel=6), f'"plotly-{get_plotlyjs_version()}"'


def plotly_version() -> str:
    return _plotly()[2].strip('"')


@require_GET
def plotly_js(request):
    """Public (a library, no data), cached for a year: pages link it with ?v=<version>."""
    raw, packed, etag = _plotly()
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
        response = HttpResponse(packed if gzipped else raw,
                                content_type="text/javascript; charset=utf-8")
        if gzipped:
            response["Content-Encoding"] = "gzip"
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response["Vary"] = "Accept-Encoding"
    return response
