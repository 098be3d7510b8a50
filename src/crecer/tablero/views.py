"""Thin pages of the tablero. A unit outside the user's subtrees is 404 (whatever her role);
a role without `can_view_tablero` gets 403 for units she covers. Both are checked on every
request; then the page's content (everything inside base.html, which holds the CSRF token and
the user's name) comes from the user's cache (`cache.py`), rendered once per data version."""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET

from crecer.accounts import policies
from crecer.interop.tables import table_response

from . import cache, pages, queries

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


def _content(request, fragment: str, build, *names: str) -> dict:
    """{"content": the fragment rendered from `build()`'s context, and the context's `names`
    (as text, for the page's title)}, from the user's cache. Rendered without the request, so
    that nothing of the session (CSRF token, messages) can enter the cached HTML."""
    def make() -> dict:
        ctx = build()
        return {"content": render_to_string(fragment, ctx),
                **{name: str(ctx.get(name, "")) for name in names}}

    return cache.cached(("page", *cache.request_parts(request)), request.user, make)


@login_required
@require_GET
def unit(request, unit_id: int):
    place = queries.unit_for(request.user, unit_id)  # 404 outside her scope, before the 403
    _check(request)
    if "format" in request.GET:
        ctx = pages.unit_page(request.user, place, request.GET)
        title, headers, rows = pages.unit_table(ctx)
        return table_response(request, title=title, headers=headers, rows=rows,
                              fmt=request.GET["format"])
    page = _content(request, "tablero/_unit.html",
                    lambda: pages.unit_page(request.user, place, request.GET))
    return render(request, "tablero/unit.html", {**page, "unit": place})


@login_required
@require_GET
def indicator(request, unit_id: int, code: str):
    place = queries.unit_for(request.user, unit_id)
    _check(request)
    if "format" in request.GET:
        ctx = pages.indicator_page(request.user, place, code, request.GET)
        title, headers, rows = pages.indicator_table(ctx)
        return table_response(request, title=title, headers=headers, rows=rows,
                              fmt=request.GET["format"])
    page = _content(request, "tablero/_indicator.html",
                    lambda: pages.indicator_page(request.user, place, code, request.GET), "name")
    return render(request, "tablero/indicator.html",
                  {**page, "unit": place, "plotly_version": plotly_version()})


@login_required
@require_GET
def chain(request, unit_id: int, column: str):
    place = queries.unit_for(request.user, unit_id)
    _check(request)
    page = _content(request, "tablero/_chain.html",
                    lambda: pages.chain_page(request.user, place, column, request.GET),
                    "column_label")
    return render(request, "tablero/chain.html", {**page, "unit": place})


# --- Plotly.js, served from the installed plotly package (no CDN, no copy in the repo) -------

@functools.cache
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
