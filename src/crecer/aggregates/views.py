"""Thin pages over the aggregate queries and actions.

A territory outside the user's subtrees is 404 (before any role check, so outsiders learn
nothing); a user in scope without the right to act gets 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crecer.accounts import policies, scope
from crecer.indicators import periods

from . import actions, catalogue, queries
from .models import AggregateValue, DataElement, ValueType
from .policies import can_view_aggregates


def _require(allowed: bool, message: str = "") -> None:
    if not allowed:
        raise PermissionDenied(message)


def _period_or_404(code: str) -> periods.Period:
    try:
        return periods.parse(code)
    except ValueError:
        raise Http404 from None


def period_choices(today=None) -> list[tuple[str, list[tuple[str, str]]]]:
    """Recent periods for the chooser, newest first: 13 months, 5 quarters, 3 years."""
    groups = [(_("Months"), periods.MONTH, 13), (_("Quarters"), periods.QUARTER, 5),
              (_("Years"), periods.YEAR, 3)]
    return [(title, [(p.code, periods.label(p)) for p in reversed(periods.last_n(kind, n, today))])
            for title, kind, n in groups]


def _period_code(text: str) -> str | None:
    try:
        return periods.parse(text).code
    except ValueError:
        return None


@login_required
def index(request):
    user = request.user
    _require(can_view_aggregates(user), _("You cannot open aggregate data entry."))
    unit_id, period = request.GET.get("unit", ""), request.GET.get("period", "").strip()
    error = ""
    if unit_id or period:
        try:
            unit = queries.territory_for(user, int(unit_id)) if unit_id else None
        except ValueError:
            raise Http404 from None
        code = _period_code(period)
        if unit is None:
            error = _("Choose a territory.")
        elif code is None:
            error = _("“%(period)s” is not a period (use 202603, 2026Q1 or 2026).") % {
                "period": period}
        else:
            return redirect("aggregates:entry", unit_id=unit.pk, period=code)
    previous_month = periods.previous(periods.current(periods.MONTH)).code
    return render(request, "aggregates/index.html", {
        "territories": queries.territories_for(user).select_related(None)[:2000],
        "period_groups": period_choices(), "selected_period": period or previous_month,
        "selected_unit": unit_id, "error": error,
        "has_elements": DataElement.objects.filter(active=True).exists(),
        "recent": [a for a in queries.approvals_for(user, active_only=True)[:10]
                   if scope.covers(user, a.unit)],
    })


@dataclass
class Row:
    element: DataElement
    text: str
    comment: str
    error: str
    stored: AggregateValue | None

    @property
    def name(self) -> str:
        return f"value-{self.element.code}"

    @property
    def comment_name(self) -> str:
        return f"comment-{self.element.code}"

    @property
    def is_boolean(self) -> bool:
        return self.element.value_type == ValueType.BOOLEAN

    @property
    def inputmode(self) -> str:
        return "numeric" if self.element.value_type == ValueType.INTEGER else "decimal"


def _grouped(rows: list[Row]) -> list[tuple[catalogue.Group, list[Row]]]:
    out: dict[str, list[Row]] = {}
    for row in rows:
        out.setdefault(row.element.group, []).append(row)
    return sorted(((catalogue.group(code), items) for code, items in out.items()),
                  key=lambda pair: (pair[0].position, pair[0].code))


def _related_periods(p: periods.Period) -> list[tuple[str, str]]:
    """Links to the neighbouring periods and to the same moment's other period types."""
    out = [(periods.previous(p).code, "← " + periods.label(periods.previous(p)))]
    for kind in (periods.MONTH, periods.QUARTER, periods.YEAR):
        if kind != p.type:
            other = periods.of_type(kind, p.start)
            out.append((other.code, periods.label(other)))
    nxt = periods.of_type(p.type, p.end + 1)
    if nxt.start <= periods.month_index(timezone.localdate()):
        out.append((nxt.code, periods.label(nxt) + " →"))
    return out


@login_required
@require_http_methods(["GET", "POST"])
def entry(request, unit_id: int, period: str):
    user = request.user
    unit = queries.territory_for(user, unit_id)
    p = _period_or_404(period)
    _require(can_view_aggregates(user), _("You cannot open aggregate data entry."))
    if p.code != period:
        return redirect("aggregates:entry", unit_id=unit.pk, period=p.code)
    elements = list(queries.elements_for(unit, p.type))
    stored = queries.values_of(unit, p.code)
    approval = queries.is_locked(unit, p.code)
    can_enter = policies.can_enter_aggregates(user) and approval is None
    errors: list[actions.FieldError] = []
    posted = request.method == "POST"
    if posted:
        _require(policies.can_enter_aggregates(user), _("You cannot enter figures."))
        values = {e.code: request.POST.get(f"value-{e.code}", "") for e in elements
                  if f"value-{e.code}" in request.POST}
        comments = {e.code: request.POST.get(f"comment-{e.code}", "") for e in elements}
        try:
            result = actions.save_values(actor=user, unit=unit, period=p.code, values=values,
                                         comments=comments)
        except actions.ValuesRejected as exc:
            errors = exc.errors
        else:
            if result.changed:
                messages.success(request, _("Saved: %(n)d figures changed.") % {
                    "n": result.changed})
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("aggregates:entry", unit_id=unit.pk, period=p.code)
    by_code = {e.code: e.message for e in errors}
    rows = []
    for element in elements:
        row = stored.get(element.code)
        if posted:
            text = request.POST.get(f"value-{element.code}", "")
            comment = request.POST.get(f"comment-{element.code}", "")
        else:
            text = queries.as_text(element, row.value if row else None)
            comment = row.comment if row else ""
        rows.append(Row(element, text, comment, by_code.get(element.code, ""), row))
    can_undo = (approval is not None and policies.can_undo_approval(user)
                and scope.covers(user, approval.unit))
    started = p.start <= periods.month_index(timezone.localdate())
    return render(request, "aggregates/entry.html", {
        "unit": unit, "period": p, "period_label": periods.label(p), "groups": _grouped(rows),
        "summary": [str(e) for e in errors], "approval": approval,
        "lock_message": actions.lock_message(approval) if approval else "",
        "can_enter": can_enter and bool(elements),
        "can_approve": approval is None and started and policies.can_approve_period(user),
        "can_undo": can_undo, "related": _related_periods(p),
        "period_type_label": actions.period_noun(p.type),
    }, status=200)


@login_required
@require_POST
def approve(request, unit_id: int, period: str):
    user = request.user
    unit = queries.territory_for(user, unit_id)
    p = _period_or_404(period)
    _require(policies.can_approve_period(user), _("You cannot approve periods."))
    try:
        actions.approve_period(actor=user, unit=unit, period=p.code)
    except actions.ValuesRejected as exc:
        for e in exc.errors:
            messages.error(request, str(e))
    else:
        messages.success(request, _("%(unit)s, %(period)s approved: its figures are locked.")
                         % {"unit": unit.name, "period": periods.label(p)})
    return redirect("aggregates:entry", unit_id=unit.pk, period=p.code)


@login_required
@require_POST
def undo(request, pk: int):
    user = request.user
    approval = queries.undoable_approval(user, pk)
    _require(policies.can_undo_approval(user), _("You cannot undo approvals."))
    try:
        actions.undo_approval(actor=user, approval=approval,
                              reason=request.POST.get("reason", ""))
    except actions.ValuesRejected as exc:
        for e in exc.errors:
            messages.error(request, str(e))
    else:
        messages.success(request, _("Approval undone: the figures of %(unit)s, %(period)s can "
                                    "change again.") % {
            "unit": approval.unit.name, "period": periods.label(approval.period)})
    back = request.POST.get("next", "")
    if back == "approvals":
        return redirect("aggregates:approvals")
    return redirect(reverse("aggregates:entry", kwargs={"unit_id": approval.unit_id,
                                                        "period": approval.period}))


@login_required
def approvals(request):
    user = request.user
    _require(can_view_aggregates(user), _("You cannot see approvals."))
    active_only = request.GET.get("active") == "1"
    qs = queries.approvals_for(user, active_only=active_only)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    can_undo = policies.can_undo_approval(user)
    rows = [{"approval": a, "label": periods.label(a.period),
             "mine": scope.covers(user, a.unit),
             "undoable": can_undo and a.active and scope.covers(user, a.unit)}
            for a in page.object_list]
    return render(request, "aggregates/approvals.html", {
        "page": page, "rows": rows, "active_only": active_only})
