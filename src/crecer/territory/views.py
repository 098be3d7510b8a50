"""Thin pages over the territory queries and io. Units outside the user's subtrees are 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from crecer.accounts import policies, scope
from crecer.registry.queries import households_for

from . import io, queries
from .forms import FILE_KINDS, UploadForm
from .models import OrgUnit

IMPORTERS = {"tree": io.import_tree, "population": io.import_population,
             "boundaries": io.import_boundaries}
MAX_ERRORS_SHOWN = 200


def _roots(user) -> list[OrgUnit]:
    return list(OrgUnit.objects.filter(path__in=scope.root_paths(user)).order_by("name"))


@login_required
def index(request):
    roots = _roots(request.user)
    counts = queries.counts_by_root(roots, households_for(request.user))
    levels = queries.levels_by_depth()
    return render(request, "territory/index.html", {
        "roots": [(u, levels.get(u.depth), counts.get(u.pk, 0)) for u in roots],
        "can_manage": policies.can_manage_territory(request.user),
    })


@login_required
def unit_detail(request, pk: int):
    user = request.user
    unit = get_object_or_404(scope.units_for(user), pk=pk)
    levels = queries.levels_by_depth()
    crumbs = [a for a in queries.ancestors(unit) if scope.covers(user, a) and a.pk != unit.pk]
    year = request.GET.get("year", "")
    population = queries.population_table(unit, int(year) if year.isdigit() else None)
    households = households_for(user)
    counts = queries.counts_by_child(unit, households)
    page = Paginator(queries.area_children(unit), 100).get_page(request.GET.get("page"))
    return render(request, "territory/unit.html", {
        "unit": unit,
        "level": levels.get(unit.depth),
        "child_level": levels.get(unit.depth + 1),
        "crumbs": crumbs,
        "population": population,
        "source_level": levels.get(population.source_depth),
        "children": [(c, counts.get(c.pk, 0)) for c in page],
        "page": page,
        "households_here": households.filter(territory=unit).count(),
        "households_total": sum(counts.values()),
        "service_points": queries.service_points(unit)[:500],
        "can_manage": policies.can_manage_territory(user),
    })


@login_required
def upload(request):
    if not policies.can_manage_territory(request.user):
        raise PermissionDenied
    result, result_kind = None, None
    forms = {kind: UploadForm(initial={"kind": kind}, prefix=kind) for kind, _label in FILE_KINDS}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in IMPORTERS:
            raise Http404
        form = UploadForm(request.POST, request.FILES, prefix=kind)
        forms[kind] = form
        if form.is_valid():
            result_kind = kind
            result = IMPORTERS[kind](form.cleaned_data["file"], actor=request.user,
                                     dry_run=form.cleaned_data["dry_run"])
    labels = dict(FILE_KINDS)
    return render(request, "territory/import.html", {
        "forms": [(kind, labels[kind], forms[kind]) for kind, _label in FILE_KINDS],
        "result": result,
        "result_label": labels.get(result_kind, ""),
        "errors_shown": result.errors[:MAX_ERRORS_SHOWN] if result else [],
        "roots": _roots(request.user),
    }, status=400 if result is not None and not result.ok else 200)


def _export_roots(request) -> list[OrgUnit]:
    """The unit named by ?root= (404 unless in the user's subtrees) or the user's roots."""
    root = request.GET.get("root", "")
    if root:
        if not root.isdigit():
            raise Http404
        return [get_object_or_404(scope.units_for(request.user), pk=int(root))]
    roots = _roots(request.user)
    if not roots:
        raise Http404
    return roots


def _download(content_type: str, roots: list[OrgUnit], name: str, ext: str) -> HttpResponse:
    label = slugify(roots[0].code) if len(roots) == 1 else "territories"
    response = HttpResponse(content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}-{label}.{ext}"'
    return response


@login_required
@require_GET
def export_tree(request):
    roots = _export_roots(request)
    response = _download("text/csv; charset=utf-8", roots, "tree", "csv")
    io.export_tree(response, roots=roots)
    return response


@login_required
@require_GET
def export_population(request):
    roots = _export_roots(request)
    year = request.GET.get("year", "")
    response = _download("text/csv; charset=utf-8", roots, "population", "csv")
    io.export_population(response, roots=roots, year=int(year) if year.isdigit() else None)
    return response


@login_required
@require_GET
def export_boundaries(request):
    roots = _export_roots(request)
    response = _download("application/geo+json", roots, "boundaries", "geojson")
    io.export_boundaries(response, roots=roots)
    return response

