"""Indicator pages: the catalogue, the reference sheets, the form of the M&E officer, and the
targets (list and CSV import). Reading needs `can_view_tablero`; writing
`can_manage_indicators` (checked again by the actions)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crecer.accounts import policies

from . import actions, catalogue, expression, periods
from .forms import DIMENSION_LABELS, IndicatorForm, TargetImportForm
from .models import Indicator, ResultsChain
from .targets import targets_visible_to

MAX_TARGET_ROWS_SHOWN = 500


def _require_viewer(user) -> None:
    if not policies.can_view_tablero(user):
        raise PermissionDenied(_("You cannot see the indicators."))


def _require_manager(user) -> None:
    if not policies.can_manage_indicators(user):
        raise PermissionDenied(_("You cannot change indicators or targets."))


@login_required
@require_GET
def indicator_list(request):
    """The catalogue, grouped by results-chain column, then by programme group."""
    _require_viewer(request.user)
    by_chain: dict[str, dict[str, list[Indicator]]] = defaultdict(lambda: defaultdict(list))
    indicators = list(Indicator.objects.order_by("programme_group", "code"))
    for ind in indicators:
        by_chain[ind.results_chain][ind.programme_group].append(ind)
    columns = [{"code": code, "label": label,
                "groups": sorted(by_chain[code].items(), key=lambda kv: kv[0])}
               for code, label in ResultsChain.choices if code in by_chain]
    return render(request, "indicators/list.html", {
        "columns": columns, "count": len(indicators),
        "can_manage": policies.can_manage_indicators(request.user)})


@login_required
@require_GET
def indicator_detail(request, code):
    """The reference sheet (cédula) of one indicator, with the targets the user may see."""
    _require_viewer(request.user)
    indicator = get_object_or_404(Indicator, code=code)
    targets = list(targets_visible_to(request.user).filter(indicator=indicator)
                   [:MAX_TARGET_ROWS_SHOWN])
    dims = dict(DIMENSION_LABELS)
    return render(request, "indicators/detail.html", {
        "indicator": indicator, "targets": targets,
        "disaggregations": [dims.get(d, d) for d in indicator.disaggregations],
        "can_manage": policies.can_manage_indicators(request.user)})


@login_required
@require_GET
def indicator_export(request, code):
    """The indicator as a catalogue file (TOML), to keep it under version control."""
    _require_viewer(request.user)
    indicator = get_object_or_404(Indicator, code=code)
    response = HttpResponse(catalogue.export_catalogue([indicator]),
                            content_type="application/toml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{indicator.code}.toml"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def indicator_new(request):
    return _edit(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, code):
    _require_manager(request.user)
    return _edit(request, get_object_or_404(Indicator, code=code))


def _edit(request, indicator: Indicator | None):
    _require_manager(request.user)
    form = IndicatorForm(request.POST or None, indicator=indicator)
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.save_indicator(actor=request.user, data=form.cleaned_data,
                                           indicator=indicator)
        except ValidationError as exc:
            form.add_rule_errors(exc)
        else:
            messages.success(request, _("Indicator %(code)s saved; its values are being "
                                        "recomputed.") % {"code": saved.code})
            return redirect("indicators:detail", code=saved.code)
    return render(request, "indicators/form.html", {"form": form, "indicator": indicator},
                  status=400 if form.errors else 200)


@login_required
@require_POST
def check_expression(request):
    """HTMX: check the numerator or denominator being typed (`?field=numerator`)."""
    _require_manager(request.user)
    name = request.GET.get("field") or request.POST.get("field") or "numerator"
    if name not in ("numerator", "denominator"):
        name = "numerator"
    text = request.POST.get(name, "")
    label = _("Numerator") if name == "numerator" else _("Denominator")
    context = {"field": name, "empty": not text.strip()}
    if text.strip():
        try:
            tree = expression.check(text, catalogue.known_codes())
        except expression.ExpressionError as exc:
            context["error"] = catalogue.expression_message(label, exc)
        else:
            dims = dict(DIMENSION_LABELS)
            context["dims"] = [dims[d] for d, _label in DIMENSION_LABELS
                               if d in expression.dims_supported(tree)]
            context["sources"] = sorted({a.source for a in expression.aggregates(tree)})
    return render(request, "indicators/_check.html", context)


# ---- targets --------------------------------------------------------------------------------

def _targets_page(request, form, errors=(), status=200):
    qs = targets_visible_to(request.user)
    code, period = request.GET.get("indicator", ""), request.GET.get("period", "").strip()
    if code:
        qs = qs.filter(indicator__code=code)
    if period:
        qs = qs.filter(period=period)
    total = qs.count()
    return render(request, "indicators/targets.html", {
        "targets": qs[:MAX_TARGET_ROWS_SHOWN], "total": total, "shown": MAX_TARGET_ROWS_SHOWN,
        "indicators": Indicator.objects.order_by("code").only("code", "name", "name_en"),
        "selected": code, "period": period, "form": form, "errors": list(errors),
        "can_manage": policies.can_manage_indicators(request.user),
        "period_hint": periods.current(periods.YEAR).code}, status=status)


@login_required
@require_GET
def target_list(request):
    _require_viewer(request.user)
    return _targets_page(request, TargetImportForm())


@login_required
@require_POST
def target_import(request):
    _require_manager(request.user)
    form = TargetImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _targets_page(request, form, status=400)
    try:
        counts = actions.import_targets_csv(actor=request.user, file=form.cleaned_data["file"])
    except ValidationError as exc:
        return _targets_page(request, form, errors=exc.messages, status=400)
    messages.success(request, _("Targets imported: %(created)s new, %(updated)s changed, "
                                "%(unchanged)s unchanged.") % counts)
    return redirect("indicators:targets")
