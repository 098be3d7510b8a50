"""Thin views: the compliance list (with the verification form), the payment roster exports and
the upload of a health/education system file.

A municipality outside the user's territories is 404 (before any role check); users without
`can_verify_coresponsibility` get 403.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crecer.accounts import policies
from crecer.deliveries.queries import managed_municipalities, municipalities_for
from crecer.programmes.models import Programme

from . import actions, queries, rules
from .models import Source

LIST_LIMIT = 500


def _require(user) -> None:
    if not policies.can_verify_coresponsibility(user):
        raise PermissionDenied(_("You cannot verify co-responsibilities."))


def _filters(request, data) -> dict:
    """Programme, period and municipality from the request: 404 for a municipality the user's
    territories do not touch or an unknown programme; a bad month falls back to this month."""
    out = {"programme": None, "municipality": None,
           "period": rules.period_of(timezone.localdate())}
    if data.get("municipality"):
        try:
            muni_id = int(data["municipality"])
        except ValueError:
            raise Http404 from None
        out["municipality"] = municipalities_for(request.user).filter(pk=muni_id).first()
        if out["municipality"] is None:
            raise Http404
    if data.get("programme"):
        out["programme"] = Programme.objects.filter(pk=data["programme"]).first() if _uuid(
            data["programme"]) else None
        if out["programme"] is None:
            raise Http404
    if data.get("period"):
        try:
            out["period"] = rules.period_of(rules.parse_period(data["period"])[0])
        except ValidationError:
            messages.error(request, _("“%(value)s” is not a month (YYYY-MM).")
                           % {"value": data["period"]})
    return out


def _uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _programmes() -> list[Programme]:
    """Active programmes with co-responsibilities."""
    return [p for p in Programme.objects.filter(active=True) if p.config.get("coresponsibilities")]


def _query(f: dict) -> str:
    return urlencode({k: (v.pk if hasattr(v, "pk") else v) for k, v in f.items() if v})


@login_required
def compliance_list(request):
    f = _filters(request, request.GET)
    _require(request.user)
    entries = queries.household_compliance(request.user, limit=LIST_LIMIT, **f)
    return render(request, "coresponsibility/list.html", {
        "entries": entries, "filters": f, "query": _query(f), "limit": LIST_LIMIT,
        "programmes": _programmes(),
        "municipalities": managed_municipalities(request.user),
    })


@login_required
@require_POST
def verify(request):
    f = _filters(request, request.POST)
    _require(request.user)
    if f["programme"] is None or f["municipality"] is None:
        messages.error(request, _("Choose a programme and a municipality to verify."))
        return redirect(reverse("coresponsibility:list") + "?" + _query(f))
    try:
        counts = actions.verify_period(actor=request.user, programme=f["programme"],
                                       period=f["period"], municipality=f["municipality"])
    except PermissionDenied:
        raise Http404 from None  # a municipality the user only touches from below
    messages.success(request, _("%(households)d households verified: %(compliant)d checks met, "
                                "%(not_compliant)d not met.") % counts)
    return redirect(reverse("coresponsibility:list") + "?" + _query(f))


def _roster(request):
    f = _filters(request, request.GET)
    _require(request.user)
    return f, queries.household_compliance(request.user, **f)


@login_required
def roster_csv(request):
    f, entries = _roster(request)
    response = HttpResponse(queries.roster_csv(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="roster-{f["period"]}.csv"'
    return response


@login_required
def roster_xlsx(request):
    f, entries = _roster(request)
    response = HttpResponse(
        queries.roster_xlsx(entries),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="roster-{f["period"]}.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    _require(request.user)
    programmes = _programmes()
    ctx = {"programmes": programmes, "sources": [(s.value, s.label) for s in Source
                                                  if s != Source.VOLUNTEER],
           "period": rules.period_of(timezone.localdate()), "errors": [], "report": None}
    if request.method == "POST":
        ctx["period"] = request.POST.get("period", "")
        ctx["programme_id"] = request.POST.get("programme", "")
        programme = next((p for p in programmes if str(p.pk) == ctx["programme_id"]), None)
        source = request.POST.get("source", Source.HEALTH_SYSTEM)
        upload_file = request.FILES.get("file")
        if programme is None:
            ctx["errors"] = [_("Choose a programme.")]
        elif upload_file is None:
            ctx["errors"] = [_("Choose a file.")]
        elif source not in (Source.HEALTH_SYSTEM, Source.EDUCATION_SYSTEM):
            ctx["errors"] = [_("Choose the system the file comes from.")]
        else:
            try:
                ctx["report"] = actions.import_health_file(
                    actor=request.user, programme=programme, period=ctx["period"],
                    file=upload_file, source=source)
            except ValidationError as exc:
                ctx["errors"] = exc.messages
    return render(request, "coresponsibility/upload.html", ctx,
                  status=400 if ctx["errors"] else 200)
