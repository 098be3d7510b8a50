"""Thin views over the workforce queries, forms and actions.

Lookups outside the user's territories are 404 (before any role check, so outsiders learn
nothing); users in scope without the right to see or act get 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crecer.accounts import policies
from crecer.accounts.scope import get_in_scope, root_paths, units_for, within
from crecer.territory.models import OrgUnit

from . import actions, queries
from .forms import (
    CareerForm,
    LeaveForm,
    SessionFilterForm,
    SessionForm,
    WorkerFilterForm,
    WorkerForm,
)
from .models import Completion, TrainingSession, Worker, WorkerKind


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _unit(user, value) -> OrgUnit | None:
    """The unit with id `value` if it is in the user's territories (None when not given; 404
    when outside)."""
    if value in (None, ""):
        return None
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    unit = units_for(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def _home_unit(user) -> OrgUnit | None:
    """The user's first (highest) territory."""
    paths = root_paths(user)
    return OrgUnit.objects.filter(path__in=paths).order_by("depth", "name").first()


def _summary(form) -> list[str]:
    """Every error of a bound form, each naming its field, for the box on top of the page."""
    out = [str(e) for e in form.non_field_errors()]
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        label = str(form.fields[name].label) if name in form.fields else name
        out += [str(e) if str(e).startswith(label) else f"{label}: {e}" for e in errors]
    return out


# --- workers ----------------------------------------------------------------------------------


@login_required
def worker_list(request):
    user = request.user
    _require(policies.can_view_workforce(user))
    form = WorkerFilterForm(user, request.GET or None)
    qs = queries.workers_for(user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    status = data.get("status") or "active"
    if data.get("unit"):
        qs = qs.filter(territory__path__subtree=data["unit"].path)
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    if status == "active":
        qs = qs.filter(leave_date__isnull=True)
    elif status == "left":
        qs = qs.filter(leave_date__isnull=False)
    if data.get("level"):
        qs = qs.filter(certification_level=data["level"])
    for word in (data.get("q") or "").split():
        qs = qs.filter(Q(given_names__icontains=word) | Q(surnames__icontains=word))
    totals = dict(qs.order_by().values_list("kind").annotate(n=Count("pk")))
    page = Paginator(qs.order_by("territory__path", "surnames", "given_names"), 50) \
        .get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "workforce/workers.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "totals": [(label, totals.get(kind, 0)) for kind, label in WorkerKind.choices],
        "can_manage": policies.can_manage_workforce(user),
    })


@login_required
def worker_new(request):
    user = request.user
    _require(policies.can_manage_workforce(user))
    form = WorkerForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            worker = actions.register_worker(
                actor=user, territory=data["territory"], given_names=data["given_names"],
                surnames=data["surnames"], kind=data["kind"], start_date=data["start_date"],
                institution=data["institution"], user=data["user"],
                certification_level=data["certification_level"],
                career_stage=data["career_stage"])
        except ValidationError as exc:
            form.add_rule_errors(exc)
        else:
            messages.success(request, _("%(name)s was registered.") % {"name": worker.full_name})
            return redirect("workforce:worker", pk=worker.pk)
    return render(request, "workforce/worker_form.html", {
        "form": form, "summary": _summary(form) if form.is_bound else []})


def _worker_page(request, worker: Worker, leave_form=None, career_form=None):
    user = request.user
    can_manage = policies.can_manage_workforce(user)
    return render(request, "workforce/worker.html", {
        "worker": worker, **queries.training_record(worker),
        "can_manage": can_manage,
        # a refused form is shown with its errors, even once she has left
        "leave_form": leave_form or (LeaveForm() if can_manage and worker.active else None),
        "career_form": (career_form or CareerForm(initial={"career_stage": worker.career_stage}))
        if can_manage else None,
    })


@login_required
def worker_detail(request, pk):
    worker = get_in_scope(Worker.objects.select_related("territory", "institution", "user"),
                          request.user, "territory", pk=pk)
    _require(policies.can_view_workforce(request.user))
    return _worker_page(request, worker)


@login_required
@require_POST
def worker_leave(request, pk):
    user = request.user
    worker = get_in_scope(Worker.objects.select_related("territory"), user, "territory", pk=pk)
    _require(policies.can_manage_workforce(user))
    form = LeaveForm(request.POST)
    if form.is_valid():
        try:
            actions.record_leave(actor=user, worker=worker, **form.cleaned_data)
        except ValidationError as exc:
            form.add_rule_errors(exc)
        else:
            messages.success(request, _("The departure of %(name)s was recorded.") % {
                "name": worker.full_name})
            return redirect("workforce:worker", pk=worker.pk)
    worker.refresh_from_db()
    return _worker_page(request, worker, leave_form=form)


@login_required
@require_POST
def worker_career(request, pk):
    user = request.user
    worker = get_in_scope(Worker.objects.select_related("territory"), user, "territory", pk=pk)
    _require(policies.can_manage_workforce(user))
    form = CareerForm(request.POST)
    if form.is_valid():
        try:
            actions.change_career_stage(actor=user, worker=worker, **form.cleaned_data)
        except ValidationError as exc:
            form.add_rule_errors(exc)
        else:
            messages.success(request, _("Career stage updated."))
            return redirect("workforce:worker", pk=worker.pk)
    return _worker_page(request, worker, career_form=form)


@login_required
@require_POST
def certify(request, pk):
    user = request.user
    completion = get_in_scope(Completion.objects.select_related(
        "worker__territory", "curriculum"), user, "worker__territory", pk=pk)
    _require(policies.can_manage_workforce(user))
    try:
        actions.certify(actor=user, completion=completion)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("%(name)s is certified in “%(curriculum)s”.") % {
            "name": completion.worker.full_name, "curriculum": completion.curriculum.name})
    return redirect("workforce:worker", pk=completion.worker_id)


# --- training sessions ------------------------------------------------------------------------


@login_required
def session_list(request):
    user = request.user
    _require(policies.can_view_workforce(user))
    form = SessionFilterForm(user, request.GET or None)
    qs = queries.sessions_for(user)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if data.get("unit"):
        qs = qs.filter(territory__path__subtree=data["unit"].path)
    if data.get("module"):
        qs = qs.filter(module=data["module"])
    if data.get("date_from"):
        qs = qs.filter(date__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(date__lte=data["date_to"])
    local_share = queries.local_staff_share(qs)
    qs = qs.annotate(present=Count("attendances", filter=Q(attendances__attended=True)))
    page = Paginator(qs.order_by("-date", "-created_at"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "workforce/sessions.html", {
        "form": form, "page": page, "query": query.urlencode(), "local_share": local_share,
        "can_manage": policies.can_manage_workforce(user)})


def _attendance_rows(request) -> list[dict]:
    """The posted attendance list, in the order of the page: ticked workers and their
    optional scores."""
    return [{"worker": pk, "attended": True, "score": request.POST.get(f"score-{pk}", "")}
            for pk in request.POST.getlist("attended")]


@login_required
def session_new(request):
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    unit = _unit(user, source.get("territory")) or _home_unit(user)
    _require(policies.can_manage_workforce(user))
    if unit is None:
        raise Http404
    today = timezone.localdate()
    if request.method == "POST":
        form = SessionForm(user, request.POST)
        checked = set(request.POST.getlist("attended"))
        scores = {k[len("score-"):]: v for k, v in request.POST.items() if k.startswith("score-")}
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = actions.record_session(
                    actor=user, territory=data["territory"], module=data["module"],
                    trainer=data["trainer"], date=data["date"], mode=data["mode"],
                    notes=data["notes"], attendees=_attendance_rows(request))
            except ValidationError as exc:
                form.add_rule_errors(exc)
            else:
                made = getattr(session, "new_completions", [])
                messages.success(request, _(
                    "Session recorded: %(present)d attended, %(completions)d completed a "
                    "curriculum.") % {"present": session.attendances.filter(attended=True)
                                      .count(), "completions": len(made)})
                return redirect("workforce:session", pk=session.pk)
    else:
        own = queries.trainers_for(user).filter(user=user).first()
        form = SessionForm(user, initial={"territory": unit, "date": today.isoformat(),
                                          "trainer": own})
        checked, scores = set(), {}
    rows = [(w, str(w.pk) in checked, scores.get(str(w.pk), ""))
            for w in queries.attendees_for_form(user, unit, today)]
    return render(request, "workforce/session_form.html", {
        "form": form, "unit": unit, "rows": rows,
        "summary": _summary(form) if form.is_bound else []})


@login_required
def session_detail(request, pk):
    user = request.user
    session = get_in_scope(TrainingSession.objects.select_related(
        "module__curriculum", "trainer", "territory", "recorded_by"), user, "territory", pk=pk)
    _require(policies.can_view_workforce(user))
    attendances = session.attendances.select_related("worker__territory")
    visible = list(attendances.filter(within(user, "worker__territory"))
                   .order_by("worker__surnames", "worker__given_names"))
    return render(request, "workforce/session.html", {
        "session": session, "attendances": visible,
        "hidden": attendances.count() - len(visible)})


# --- cascade and turnover ---------------------------------------------------------------------


@login_required
def cascade(request):
    user = request.user
    unit = _unit(user, request.GET.get("unit"))
    _require(policies.can_view_workforce(user))
    rows = queries.cascade(user, unit)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "workforce/cascade.html", {
        "unit": unit, "page": page, "units": units_for(user).filter(kind="area")
        .order_by("path"),
        "trainers": len(rows), "volunteers": len({v.worker.pk for r in rows for v in r.volunteers}),
        "families": sum(r.families for r in rows)})


@login_required
def turnover(request):
    user = request.user
    unit = _unit(user, request.GET.get("unit")) or _home_unit(user)
    _require(policies.can_view_workforce(user))
    if unit is None:
        raise Http404
    kind = request.GET.get("kind", "")
    if kind not in WorkerKind.values:
        kind = ""
    this_year = timezone.localdate().year
    years = [this_year - 2, this_year - 1, this_year]
    return render(request, "workforce/turnover.html", {
        "unit": unit, "kind": kind, "kinds": WorkerKind.choices, "years": years,
        "rows": queries.turnover_table(user, unit, years, kind),
        "teams": queries.municipal_teams(user, unit),
        "units": units_for(user).filter(kind="area").order_by("path")})
