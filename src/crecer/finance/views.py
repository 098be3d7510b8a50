"""Thin finance pages over `queries`, `actions`, `importing` and `projection`.

A territory, line or purchase outside the user's subtrees is 404 (before any role check, so
outsiders learn nothing); a user in scope without the rule gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crecer.accounts import policies, scope
from crecer.interop.tables import table_response
from crecer.programmes.queries import programmes_for
from crecer.tablero.charts import script_json
from crecer.tablero.views import plotly_version

from . import actions, charts, importing, pages, queries
from . import projection as pj
from .cleaning import Rejected
from .forms import (
    MAX_PLAN_YEARS,
    BudgetForm,
    ExpenditureForm,
    GroupPurchaseForm,
    ImportForm,
    ProjectionForm,
    SourceForm,
    put_errors,
)
from .models import Budget, Expenditure, FundingSource
from .policies import can_manage_sources


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _year(request, unit) -> int:
    text = request.GET.get("year", "")
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    this_year = timezone.localdate().year
    return next((y for y in queries.years_with_data(unit) if y <= this_year), this_year)


def _lines_url(unit, year, kind: str = "") -> str:
    url = reverse("finance:lines", args=[unit.pk])
    return f"{url}?year={year}" + (f"&kind={kind}" if kind else "")


# --- overview ----------------------------------------------------------------------------------

@login_required
@require_GET
def index(request):
    _require(policies.can_view_finance(request.user))
    unit = queries.top_unit(request.user)
    if unit is None:
        raise Http404
    return redirect("finance:unit", unit_id=unit.pk)


@login_required
@require_GET
def unit(request, unit_id: int):
    place = queries.territory_for(request.user, unit_id)
    _require(policies.can_view_finance(request.user))
    year = _year(request, place)
    programme = request.GET.get("programme", "").strip() or None
    o = queries.overview(request.user, place, year, programme)
    if "format" in request.GET:
        title, headers, rows = pages.overview_table(o, request.GET.get("table", "children"))
        return table_response(request, title=title, headers=headers, rows=rows,
                              fmt=request.GET["format"])
    years = sorted({*queries.years_with_data(place), year}, reverse=True)
    return render(request, "finance/unit.html", {
        "unit": place, "o": o, "year": year, "years": years, "programme": programme or "",
        "programmes": programmes_for(request.user).order_by("name"),
        "crumbs": pages.crumbs(request.user, place),
        "can_manage": policies.can_manage_finance(request.user),
        "plotly_version": plotly_version(),
        "years_json": script_json(charts.years_figure(o)) if o.years else "",
        "sources_json": script_json(charts.sources_figure(o)) if o.sources else "",
        "query": request.GET.urlencode(),
    })


@login_required
@require_GET
def lines(request, unit_id: int):
    place = queries.territory_for(request.user, unit_id)
    _require(policies.can_view_finance(request.user))
    year = _year(request, place)
    kind = request.GET.get("kind", "expenditures")
    if kind == "budgets":
        rows = queries.budgets_under(place).filter(year=year)
    else:
        kind = "expenditures"
        first, last = queries.year_bounds(year)
        rows = queries.expenditures_under(place).filter(date__gte=first, date__lte=last)
    rows = rows.select_related("unit", "source", "entered_by").order_by("unit__path", "-pk")
    if kind == "expenditures":
        rows = rows.select_related("group_purchase").order_by("-date", "unit__path", "-pk")
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(request, "finance/lines.html", {
        "unit": place, "year": year, "kind": kind, "page": page,
        "can_manage": policies.can_manage_finance(request.user),
        "crumbs": pages.crumbs(request.user, place),
    })


# --- entry -------------------------------------------------------------------------------------

def _entry(request, unit_id: int, form_class, record, kind: str):
    place = queries.territory_for(request.user, unit_id)
    _require(policies.can_manage_finance(request.user))
    units = list(pages.entry_units(place))
    sources = list(queries.sources())
    initial = {"unit": str(place.pk), "year": str(timezone.localdate().year),
               "date": timezone.localdate().isoformat()}
    form = form_class(request.POST or None, initial=initial, units=units, sources=sources)
    summary: list[str] = []
    if request.method == "POST" and form.is_valid():
        by_pk = {str(u.pk): u for u in units}
        data = dict(form.cleaned_data)
        data["unit"] = by_pk.get(data.get("unit", ""), data.get("unit", ""))
        try:
            line = record(actor=request.user, **data)
        except Rejected as exc:
            summary = put_errors(form, exc)
        else:
            messages.success(request, _("Saved: %(amount)s USD for %(unit)s.")
                             % {"amount": line.amount, "unit": line.unit.name})
            year = line.year if kind == "budgets" else line.date.year
            return redirect(_lines_url(place, year, kind))
    return render(request, "finance/entry.html", {
        "unit": place, "form": form, "summary": summary, "kind": kind,
        "crumbs": pages.crumbs(request.user, place), "no_sources": not sources,
    })


@login_required
@require_http_methods(["GET", "POST"])
def budget_new(request, unit_id: int):
    return _entry(request, unit_id, BudgetForm, actions.record_budget, "budgets")


@login_required
@require_http_methods(["GET", "POST"])
def expenditure_new(request, unit_id: int):
    return _entry(request, unit_id, ExpenditureForm, actions.record_expenditure, "expenditures")


@login_required
@require_POST
def budget_delete(request, pk):
    budget = scope.get_in_scope(Budget.objects.select_related("unit"), request.user, "unit",
                                pk=pk)
    _require(policies.can_manage_finance(request.user))
    actions.delete_budget(actor=request.user, budget=budget)
    messages.success(request, _("Budget line deleted."))
    return redirect(_lines_url(budget.unit, budget.year, "budgets"))


@login_required
@require_POST
def expenditure_delete(request, pk):
    spent = scope.get_in_scope(Expenditure.objects.select_related("unit", "group_purchase"),
                               request.user, "unit", pk=pk)
    _require(policies.can_manage_finance(request.user))
    try:
        actions.delete_expenditure(actor=request.user, expenditure=spent)
    except Rejected as exc:
        messages.error(request, " ".join(str(e) for e in exc.errors))
    else:
        messages.success(request, _("Expenditure deleted."))
    return redirect(_lines_url(spent.unit, spent.date.year, "expenditures"))


@login_required
@require_http_methods(["GET", "POST"])
def import_lines(request):
    _require(policies.can_manage_finance(request.user))
    form = ImportForm(request.POST or None, request.FILES or None)
    summary: list[str] = []
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        try:
            result = importing.import_lines(actor=request.user, kind=kind,
                                            upload=request.FILES.get("file"))
        except Rejected as exc:
            summary = [str(e) for e in exc.errors]
        else:
            messages.success(request, _("%(n)s lines imported.") % {"n": result.created})
            return redirect("finance:import")
    return render(request, "finance/import.html", {
        "form": form, "summary": summary, "columns": importing.COLUMNS,
        "required": importing.REQUIRED,
        "sources": queries.sources(), "categories": pages.category_rows(),
    })


@login_required
@require_GET
def import_template(request, kind: str):
    _require(policies.can_view_finance(request.user))
    if kind not in importing.KINDS:
        raise Http404
    headers, rows = importing.template_rows(kind)
    title = _("Budget lines") if kind == importing.BUDGETS else _("Expenditures")
    return table_response(request, title=title, headers=headers, rows=rows,
                          fmt=request.GET.get("format", "xlsx"))


# --- group purchases ---------------------------------------------------------------------------

@login_required
@require_GET
def purchases(request):
    _require(policies.can_view_finance(request.user))
    rows = pages.purchase_rows(request.user)
    return render(request, "finance/purchases.html", {
        "rows": rows, "can_manage": policies.can_manage_finance(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def purchase_new(request):
    _require(policies.can_manage_finance(request.user))
    units = list(queries.municipalities_for(request.user))
    form = GroupPurchaseForm(request.POST or None, units=units, sources=queries.sources(),
                             initial={"date": timezone.localdate().isoformat(),
                                      "category": "materials_kits"})
    summary: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            purchase = actions.record_group_purchase(
                actor=request.user, name=data["name"], date=data["date"],
                description=data["description"], category=data["category"],
                source=data["source"], total_amount=data["total_amount"],
                shares=form.shares({str(u.pk): u for u in units}))
        except Rejected as exc:
            summary = put_errors(form, exc)
        else:
            messages.success(request, _("Group purchase recorded, with one expenditure per "
                                        "territory."))
            return redirect("finance:purchase", pk=purchase.pk)
    return render(request, "finance/purchase_form.html", {"form": form, "summary": summary})


@login_required
@require_GET
def purchase(request, pk):
    item = queries.purchase_for(request.user, pk)
    _require(policies.can_view_finance(request.user))
    shares, others = pages.purchase_shares(request.user, item)
    return render(request, "finance/purchase.html", {
        "purchase": item, "shares": shares, "others": others,
        "can_delete": policies.can_manage_finance(request.user) and not others})


@login_required
@require_POST
def purchase_delete(request, pk):
    item = queries.purchase_for(request.user, pk)
    _require(policies.can_manage_finance(request.user))
    actions.delete_group_purchase(actor=request.user, purchase=item)
    messages.success(request, _("Group purchase deleted."))
    return redirect("finance:purchases")


# --- funding sources ---------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def sources(request):
    _require(policies.can_view_finance(request.user))
    can_manage = can_manage_sources(request.user)
    form = SourceForm(request.POST or None)
    summary: list[str] = []
    if request.method == "POST":
        _require(can_manage)
        if form.is_valid():
            try:
                source = actions.add_funding_source(actor=request.user, **form.cleaned_data)
            except Rejected as exc:
                summary = put_errors(form, exc)
            else:
                messages.success(request, _("Funding source “%(name)s” added.")
                                 % {"name": source.name})
                return redirect("finance:sources")
    return render(request, "finance/sources.html", {
        "sources": queries.sources(active_only=False), "form": form, "summary": summary,
        "can_manage": can_manage})


@login_required
@require_POST
def source_toggle(request, pk):
    _require(can_manage_sources(request.user))
    source = FundingSource.objects.filter(pk=pk).first()
    if source is None:
        raise Http404
    actions.set_source_active(actor=request.user, source=source, active=not source.active)
    return redirect("finance:sources")


# --- projection --------------------------------------------------------------------------------

@login_required
@require_GET
def projection(request):
    _require(policies.can_view_finance(request.user))
    municipalities = list(queries.municipalities_for(request.user)[:1000])
    submitted = "years" in request.GET
    form = ProjectionForm(request.GET if submitted else None, municipalities=municipalities)
    ctx = {"form": form, "summary": [], "result": None, "plotly_version": plotly_version(),
           "query": request.GET.urlencode()}
    if not submitted:
        form.fields["existing_municipalities"].initial = str(
            pages.default_coverage(request.user))
        ctx["shown_years"] = 3
        return render(request, "finance/projection.html", ctx)
    plan, chosen, errors = form.plan({str(u.pk): u for u in municipalities})
    if plan is not None:
        errors = pj.validate(plan)
    wanted = request.GET.get("years", "").strip()
    ctx["shown_years"] = max(1, min(int(wanted) if wanted.isdigit() else 3, MAX_PLAN_YEARS))
    if errors:
        ctx["summary"] = pages.projection_errors(form, errors)
        return render(request, "finance/projection.html", ctx)
    result = pj.project(plan)
    if "format" in request.GET:
        title, headers, rows = pages.projection_table(result, chosen)
        return table_response(request, title=title, headers=headers, rows=rows,
                              fmt=request.GET["format"])
    ctx.update({
        "result": result, "chosen": chosen,
        "table_headers": pages.projection_table(result, chosen)[1],
        "table_rows": pages.projection_table(result, chosen)[2],
        "coverage_json": script_json(charts.coverage_figure(result)),
        "cost_json": script_json(charts.cost_figure(result)),
        "share_json": script_json(charts.share_figure(result)),
    })
    return render(request, "finance/projection.html", ctx)
