"""Thin views: the DHIS2 export page and download, and the mapping page (edit, remove, CSV
import and export).

A unit outside the user's territories is 404 before any role check; then the export needs
`can_view_tablero` and the mapping `can_manage_indicators` (403 otherwise).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crecer.accounts import policies
from crecer.indicators import periods
from crecer.indicators.models import Indicator

from . import actions, dhis2, queries
from .tables import table_response

IMPORT_MAX_BYTES = 2 * 1024 * 1024


def _require_viewer(user) -> None:
    if not policies.can_view_tablero(user):
        raise PermissionDenied(_("Your role cannot export indicator values."))


def _default_period() -> str:
    return periods.previous(periods.current(periods.MONTH)).code


def _export_request(request) -> tuple[dict, dhis2.Export | None, str]:
    """Read period, unit, children and indicators from the query string: (filters, the export
    when unit and period are valid, an error message)."""
    data = request.GET
    f = {"period": data.get("period", "").strip() or _default_period(),
         "unit": None, "children": data.get("children") in ("1", "on", "true"),
         "indicators": [c for c in data.getlist("indicator") if c]}
    if data.get("unit"):
        f["unit"] = queries.unit_in_scope(request.user, pk=data["unit"])  # 404 outside
    _require_viewer(request.user)
    if f["unit"] is None:
        return f, None, ""
    try:
        periods.parse(f["period"])
    except ValueError:
        return f, None, queries.period_error(f["period"])
    unit_ids = queries.export_unit_ids(request.user, f["unit"], children=f["children"])
    return f, dhis2.collect(f["period"], unit_ids, f["indicators"] or None), ""


def _query(f: dict, **extra) -> str:
    pairs = [("period", f["period"])]
    if f["unit"] is not None:
        pairs.append(("unit", f["unit"].pk))
    if f["children"]:
        pairs.append(("children", "1"))
    pairs += [("indicator", c) for c in f["indicators"]]
    pairs += list(extra.items())
    return urlencode(pairs)


@login_required
@require_GET
def export_page(request):
    f, export, error = _export_request(request)
    return render(request, "interop/dhis2.html", {
        "filters": f, "export": export, "error": error,
        "units": queries.export_unit_choices(request.user),
        "indicators": Indicator.objects.filter(active=True).order_by("code"),
        "json_query": _query(f, format="json") if export else "",
        "adx_query": _query(f, format="adx") if export else "",
        "can_manage": policies.can_manage_indicators(request.user),
    }, status=400 if error else 200)


@login_required
@require_GET
def download(request):
    f, export, error = _export_request(request)
    if f["unit"] is None:
        return HttpResponseBadRequest(_("Choose a territory."))
    if error or export is None:
        return HttpResponseBadRequest(error)
    fmt = request.GET.get("format", "json")
    name = f"dhis2-{f['unit'].code}-{f['period']}"
    if fmt == "json":
        body = json.dumps(dhis2.to_data_value_set(export), ensure_ascii=False, indent=1)
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        name += ".json"
    elif fmt == "adx":
        response = HttpResponse(dhis2.to_adx(export), content_type=dhis2.ADX_CONTENT_TYPE)
        name += "-adx.xml"
    else:
        return HttpResponseBadRequest(_("Choose the format json or adx."))
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- mapping -----------------------------------------------------------------------------------

def _mapping_page(request, *, errors: dict | None = None, import_errors=None, form=None,
                  status: int = 200):
    user = request.user
    unit_mappings = queries.unit_mappings_for(user)
    return render(request, "interop/mapping.html", {
        "indicators": queries.indicators_with_mapping(),
        "unit_mappings": unit_mappings[:queries.UNIT_CHOICES_MAX],
        "unit_mapping_count": unit_mappings.count(),
        "unmapped_units": queries.unmapped_area_count(user),
        "errors": errors or {}, "import_errors": import_errors or [], "form": form or {},
        "columns": actions.CSV_COLUMNS,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def mapping(request):
    """GET: the mapping. POST `kind=indicator` (indicator, data_element,
    category_option_combo, attribute_option_combo, data_set) or `kind=unit` (unit code,
    org_unit) saves one mapping."""
    user = request.user
    if request.method == "GET":
        actions.require_manager(user)
        return _mapping_page(request)
    data = request.POST
    kind = data.get("kind")
    try:
        if kind == "unit":
            unit = queries.unit_in_scope(user, code=data.get("unit", ""))
            actions.save_unit_mapping(actor=user, unit=unit, org_unit=data.get("org_unit", ""))
            label = unit.code
        elif kind == "indicator":
            actions.require_manager(user)
            indicator = Indicator.objects.filter(code=data.get("indicator", "")).first()
            if indicator is None:
                raise ValidationError({"indicator": _("Choose an indicator.")})
            actions.save_indicator_mapping(actor=user, indicator=indicator, data=data)
            label = indicator.code
        else:
            return HttpResponseBadRequest(_("Unknown kind of mapping."))
    except ValidationError as exc:
        return _mapping_page(request, errors={kind: exc.message_dict}, form=data, status=400)
    messages.success(request, _("Mapping of “%(code)s” saved.") % {"code": label})
    return redirect("interop:mapping")


@login_required
@require_POST
def mapping_remove(request):
    user, data = request.user, request.POST
    if data.get("kind") == "unit":
        unit = queries.unit_in_scope(user, pk=data.get("unit"))
        removed, label = actions.remove_unit_mapping(actor=user, unit=unit), unit.code
    else:
        actions.require_manager(user)
        indicator = Indicator.objects.filter(code=data.get("indicator", "")).first()
        if indicator is None:
            return HttpResponseBadRequest(_("Choose an indicator."))
        removed = actions.remove_indicator_mapping(actor=user, indicator=indicator)
        label = indicator.code
    if removed:
        messages.success(request, _("Mapping of “%(code)s” removed.") % {"code": label})
    return redirect("interop:mapping")


@login_required
@require_POST
def mapping_import(request):
    actions.require_manager(request.user)
    upload = request.FILES.get("file")
    if upload is None:
        return _mapping_page(request, import_errors=[_("Choose a file.")], status=400)
    if upload.size > IMPORT_MAX_BYTES:
        return _mapping_page(request, import_errors=[_("The file is too large.")], status=400)
    result = actions.import_mapping(actor=request.user, data=upload.read())
    if not result.ok:
        return _mapping_page(request, import_errors=result.errors, status=400)
    messages.success(request, _(
        "Mapping imported: %(indicators)d indicators and %(units)d territories read, "
        "%(changed)d mappings created or changed.") % {
        "indicators": result.indicators, "units": result.units, "changed": result.changed})
    return redirect("interop:mapping")


@login_required
@require_GET
def mapping_export(request):
    actions.require_manager(request.user)
    headers, rows = queries.mapping_table(request.user)
    return table_response(request, title=queries.mapping_title(), headers=headers, rows=rows,
                          fmt=request.GET.get("format", "csv"))


def export_url(unit, period: str) -> str:
    """The export page for a unit and period (for links from other pages)."""
    return reverse("interop:dhis2") + "?" + urlencode({"unit": unit.pk, "period": period})
