"""Thin pages over the implementation queries and actions.

An object or territory outside the user's subtrees is 404 (looked up before any role check, so
outsiders learn nothing); a user in scope without the rule gets 403. Evidence and minutes files
are only ever served by `crecer.core.uploads.serve_download` (attachment, nosniff).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crecer.accounts import policies, scope
from crecer.core.uploads import max_evidence_bytes, megabytes, serve_download
from crecer.territory.models import OrgUnit
from crecer.territory.queries import ancestors

from . import actions, queries
from .forms import (
    AgreementForm,
    AgreementUpdateForm,
    CommitteeForm,
    MeetingForm,
    MemberForm,
    StepForm,
    add_errors,
)
from .models import CommitteeKind
from .template import TemplateError, load


def _require(allowed: bool, message: str = "") -> None:
    if not allowed:
        raise PermissionDenied(message)


def _can_view(user) -> None:
    _require(policies.can_view_implementation(user),
             _("You cannot open the implementation pages."))


def _unit_param(request) -> OrgUnit | None:
    raw = request.GET.get("unit", "")
    if not raw:
        return None
    try:
        return queries.territory_for(request.user, int(raw))
    except ValueError:
        raise Http404 from None


def _upload_hint() -> str:
    return _("PDF, images (JPG, PNG), Excel, Word, OpenDocument, CSV or text; up to %(mb)s MB "
             "each.") % {"mb": megabytes(max_evidence_bytes())}


# --- checklists ----------------------------------------------------------------------------------

@login_required
def index(request):
    user = request.user
    _can_view(user)
    roots = list(OrgUnit.objects.filter(path__in=scope.root_paths(user)).order_by("path"))
    return render(request, "implementation/index.html", {
        "roots": [(u, queries.progress_of(user, u)) for u in roots],
        "levels": queries.level_rollup(user),
        "components": queries.component_rollup(user),
        "checklists": queries.checklist_rows(user, limit=200),
        "late_territories": queries.late_by_territory(user, limit=10),
        "overdue_agreements": queries.open_agreements(user, overdue_only=True).count(),
    })


@login_required
def unit(request, unit_id: int):
    user = request.user
    territory = queries.territory_for(user, unit_id)
    _can_view(user)
    checklist = queries.checklist_of(territory)
    components = []
    if checklist is not None:
        steps: dict = {}
        for step in checklist.steps.select_related("owner").order_by("position"):
            steps.setdefault(step.component_id, []).append(step)
        components = [(c, p, steps.get(c.pk, []))
                      for c, p in queries.component_progress(checklist)]
    return render(request, "implementation/unit.html", {
        "unit": territory,
        "trail": [a for a in ancestors(territory) if scope.covers(user, a)],
        "checklist": checklist, "components": components,
        "today": queries.today(),
        "subtree": queries.progress_of(user, territory),
        "component_rollup": queries.component_rollup(user, territory),
        "children": queries.child_rollup(user, territory),
        "late_territories": queries.late_by_territory(user, territory, limit=10),
        "committees": queries.committees_for(user, unit=territory)[:20],
        "can_manage": policies.can_manage_implementation(user),
        "template": load("mas-bienestar"),
    })


@login_required
@require_POST
def instantiate(request, unit_id: int):
    user = request.user
    territory = queries.territory_for(user, unit_id)
    _require(policies.can_manage_implementation(user), _("You cannot start checklists."))
    raw = request.POST.get("start_date", "").strip()
    try:
        start = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        messages.error(request, _("Start date: “%(value)s” is not a date.") % {"value": raw})
        return redirect("implementation:unit", unit_id=territory.pk)
    try:
        actions.instantiate(request.POST.get("template", "mas-bienestar"), territory,
                            actor=user, start_date=start)
    except actions.Rejected as exc:
        for e in exc.errors:
            messages.error(request, str(e))
    except TemplateError:
        messages.error(request, _("Unknown template."))
    else:
        messages.success(request, _("Checklist started for %(unit)s.") % {"unit": territory})
    return redirect("implementation:unit", unit_id=territory.pk)


@login_required
@require_http_methods(["GET", "POST"])
def step(request, pk):
    user = request.user
    obj = queries.step_for(user, pk)
    _can_view(user)
    can_manage = policies.can_manage_implementation(user)
    form = StepForm(request.POST or None, step=obj)
    summary: list[str] = []
    if request.method == "POST":
        _require(can_manage, _("You cannot update steps."))
        files = request.FILES.getlist("evidence")
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.update_step(actor=user, step=obj, status=data["status"],
                                    owner=data["owner"], owner_text=data["owner_text"],
                                    due_date=data["due_date"], comment=data["comment"],
                                    files=files)
            except actions.Rejected as exc:
                add_errors(form, exc.errors)
                summary = [str(e) for e in exc.errors]
                obj.refresh_from_db()
            else:
                messages.success(request, _("Step %(code)s saved.") % {"code": obj.code})
                return redirect("implementation:step", pk=obj.pk)
        else:
            summary = [f"{form.fields[f].label if f in form.fields else ''}: {m}".lstrip(": ")
                       for f, ms in form.errors.items() for m in ms]
    return render(request, "implementation/step.html", {
        "step": obj, "unit": obj.territory, "form": form, "summary": summary,
        "can_manage": can_manage, "today": queries.today(),
        "comments": obj.comments.select_related("author"),
        "evidence": obj.evidence.select_related("uploaded_by"),
        "component": obj.component, "phase_label": obj.checklist.phase_label(obj.phase),
        "upload_hint": _upload_hint(),
    }, status=200)


@login_required
def evidence(request, pk):
    user = request.user
    item = queries.evidence_for(user, pk)
    _can_view(user)
    return serve_download(item, item.original_name)


@login_required
def late(request):
    user = request.user
    _can_view(user)
    territory = _unit_param(request)
    page = Paginator(queries.late_steps(user, territory), 100).get_page(request.GET.get("page"))
    return render(request, "implementation/late.html", {
        "unit": territory, "page": page, "today": queries.today(),
        "territories": queries.late_by_territory(user, territory),
    })


# --- committees ----------------------------------------------------------------------------------

@login_required
def committees(request):
    user = request.user
    _can_view(user)
    kind = request.GET.get("kind", "")
    if kind not in CommitteeKind.values:
        kind = ""
    territory = _unit_param(request)
    page = Paginator(queries.committees_for(user, kind=kind, unit=territory), 50).get_page(
        request.GET.get("page"))
    return render(request, "implementation/committees.html", {
        "page": page, "kind": kind, "kinds": CommitteeKind.choices, "unit": territory,
        "can_manage": policies.can_manage_committees(user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def committee_new(request):
    user = request.user
    territory = None
    raw = request.POST.get("territory") or request.GET.get("territory") or ""
    if raw:
        try:
            territory = queries.territory_for(user, int(raw))
        except ValueError:
            raise Http404 from None
    _require(policies.can_manage_committees(user), _("You cannot create committees."))
    form = CommitteeForm(request.POST or None, user=user,
                         initial={"territory": territory.pk if territory else None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = actions.create_committee(actor=user, territory=territory, kind=data["kind"],
                                               name=data["name"], purpose=data["purpose"])
        except actions.Rejected as exc:
            add_errors(form, exc.errors)
        else:
            messages.success(request, _("%(name)s created.") % {"name": created.name})
            return redirect("implementation:committee", pk=created.pk)
    return render(request, "implementation/committee_form.html", {"form": form})


def _committee_page(request, committee, *, member_form=None, meeting_form=None,
                    agreement_form=None, status: int = 200):
    user = request.user
    can_manage = policies.can_manage_committees(user)
    today = queries.today()
    return render(request, "implementation/committee.html", {
        "committee": committee, "unit": committee.territory, "today": today,
        "members": committee.members.select_related("user").order_by("end_date", "position"),
        "meetings": committee.meetings.prefetch_related("files").order_by("-date")[:50],
        "agreements": committee.agreements.select_related("owner", "meeting").order_by("number"),
        "can_manage": can_manage,
        "member_form": member_form or (MemberForm(committee=committee) if can_manage else None),
        "meeting_form": meeting_form or (MeetingForm(committee=committee) if can_manage
                                         else None),
        "agreement_form": agreement_form or (AgreementForm(committee=committee) if can_manage
                                             else None),
        "upload_hint": _upload_hint(),
    }, status=status)


@login_required
def committee(request, pk):
    obj = queries.committee_for(request.user, pk)
    _can_view(request.user)
    return _committee_page(request, obj)


def _committee_post(request, pk):
    obj = queries.committee_for(request.user, pk)
    _require(policies.can_manage_committees(request.user), _("You cannot change committees."))
    return obj


@login_required
@require_POST
def member_new(request, pk):
    obj = _committee_post(request, pk)
    form = MemberForm(request.POST, committee=obj)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.add_member(actor=request.user, committee=obj, user=d["user"],
                               person_name=d["person_name"], position=d["position"],
                               institution=d["institution"], start_date=d["start_date"])
        except actions.Rejected as exc:
            add_errors(form, exc.errors)
        else:
            messages.success(request, _("Member added."))
            return redirect("implementation:committee", pk=obj.pk)
    return _committee_page(request, obj, member_form=form)


@login_required
@require_POST
def meeting_new(request, pk):
    obj = _committee_post(request, pk)
    form = MeetingForm(request.POST, committee=obj)
    if form.is_valid():
        d = form.cleaned_data
        try:
            meeting = actions.record_meeting(
                actor=request.user, committee=obj, date=d["date"], place=d["place"],
                minutes=d["minutes"], attendees=d["attendees"],
                files=request.FILES.getlist("meeting-files"))
        except actions.Rejected as exc:
            add_errors(form, exc.errors)
        else:
            messages.success(request, _("Meeting of %(date)s recorded.") % {
                "date": meeting.date.isoformat()})
            return redirect("implementation:meeting", pk=meeting.pk)
    return _committee_page(request, obj, meeting_form=form)


@login_required
def meeting(request, pk):
    obj = queries.meeting_for(request.user, pk)
    _can_view(request.user)
    return render(request, "implementation/meeting.html", {
        "meeting": obj, "committee": obj.committee, "unit": obj.committee.territory,
        "files": obj.files.all(), "attendees": obj.attendees.select_related("user"),
        "agreements": obj.agreements.select_related("owner").order_by("number"),
        "today": queries.today(),
    })


@login_required
def meeting_file(request, pk):
    item = queries.meeting_file_for(request.user, pk)
    _can_view(request.user)
    return serve_download(item, item.original_name)


@login_required
@require_POST
def agreement_new(request, pk):
    obj = _committee_post(request, pk)
    form = AgreementForm(request.POST, committee=obj)
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.add_agreement(actor=request.user, committee=obj, text=d["text"],
                                  meeting=d["meeting"], owner=d["owner"],
                                  owner_text=d["owner_text"], due_date=d["due_date"])
        except actions.Rejected as exc:
            add_errors(form, exc.errors)
        else:
            messages.success(request, _("Agreement added."))
            return redirect("implementation:committee", pk=obj.pk)
    return _committee_page(request, obj, agreement_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def agreement(request, pk):
    user = request.user
    obj = queries.agreement_for(user, pk)
    _can_view(user)
    can_manage = policies.can_manage_committees(user)
    form = AgreementUpdateForm(request.POST or None, agreement=obj)
    if request.method == "POST":
        _require(can_manage, _("You cannot follow agreements."))
        if form.is_valid():
            try:
                actions.update_agreement(actor=user, agreement=obj,
                                         status=form.cleaned_data["status"],
                                         note=form.cleaned_data["note"])
            except actions.Rejected as exc:
                add_errors(form, exc.errors)
                obj.refresh_from_db()
            else:
                messages.success(request, _("Agreement updated."))
                return redirect("implementation:agreement", pk=obj.pk)
    return render(request, "implementation/agreement.html", {
        "agreement": obj, "committee": obj.committee, "unit": obj.committee.territory,
        "updates": obj.updates.select_related("author"), "form": form,
        "can_manage": can_manage, "today": queries.today(),
    })


@login_required
def agreements(request):
    user = request.user
    _can_view(user)
    overdue = request.GET.get("overdue") == "1"
    territory = _unit_param(request)
    page = Paginator(queries.open_agreements(user, overdue_only=overdue, unit=territory),
                     100).get_page(request.GET.get("page"))
    return render(request, "implementation/agreements.html", {
        "page": page, "overdue": overdue, "unit": territory, "today": queries.today(),
    })

