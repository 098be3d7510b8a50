"""Field-work pages: the volunteer's worklist, the facilitator's team overview, the visit form.

Scope first (outsiders get 404), then the role (403).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crecer.accounts.scope import get_in_scope
from crecer.programmes.models import Enrolment
from crecer.programmes.schedule import age_in_months, messages_for
from crecer.referrals.models import ReasonCode, Urgency
from crecer.referrals.queries import services_for
from crecer.registry.models import PersonRole, RoleKind
from crecer.registry.queries import households_for, persons_for

from . import actions, policies, queries, supervision
from .models import CHECKLIST, ContactKind, ContactStatus, RemoteOutcome
from .referral import refer_from_contact

DANGER_SIGNS = [
    ("fever", gettext_lazy("fever")),
    ("fast_breathing", gettext_lazy("fast or difficult breathing")),
    ("not_feeding", gettext_lazy("not feeding or vomiting everything")),
    ("diarrhoea_blood", gettext_lazy("diarrhoea with blood or dehydration")),
    ("convulsions", gettext_lazy("convulsions or very drowsy")),
    ("pregnancy_bleeding", gettext_lazy("bleeding in pregnancy")),
    ("oedema", gettext_lazy("swelling of face or hands (pregnancy)")),
]


@login_required
def worklist(request):
    if not policies.can_view_worklist(request.user):
        raise PermissionDenied(_("Only volunteers and facilitators have a worklist."))
    today = timezone.localdate()
    items = queries.worklist_for(request.user, today)
    due = [i for i in items if i.is_due(today)]
    return render(request, "fieldwork/worklist.html", {
        "due": due, "later": [i for i in items if not i.is_due(today)], "today": today,
        "total": len(items)})


@login_required
def team(request):
    if not policies.can_supervise(request.user):
        raise PermissionDenied(_("Only facilitators and supervisors see the team overview."))
    today = timezone.localdate()
    return render(request, "fieldwork/team.html", {
        "rows": queries.facilitator_overview(request.user, today), "today": today})


def _visit_context(request, household):
    user = request.user
    today = timezone.localdate()
    preg = PersonRole.objects.filter(person=OuterRef("pk"), role=RoleKind.PREGNANT, active=True)
    child = PersonRole.objects.filter(person=OuterRef("pk"), role=RoleKind.CHILD, active=True)
    members = list(persons_for(user).filter(household=household)
                   .annotate(is_pregnant=Exists(preg), is_child=Exists(child))
                   .order_by("birth_date"))
    ages = [age_in_months(m.birth_date, today) for m in members if m.is_child and m.birth_date]
    pregnant = any(m.is_pregnant for m in members)
    enrolments = actions.caseload_enrolments(user, household)
    english = (get_language() or "es").startswith("en")
    suggested, others, seen = [], [], set()
    items, cores = [], []
    for e in enrolments:
        config = e.programme.config
        fit = {m["code"] for m in messages_for(config, child_ages=ages, pregnant=pregnant)}
        for m in config.get("key_messages", []):
            if m["code"] in seen:
                continue
            seen.add(m["code"])
            entry = {"code": m["code"], "topic": m["topic"],
                     "text": m["text_en"] if english else m["text_es"]}
            (suggested if m["code"] in fit else others).append(entry)
        items += [c for c in config.get("deliverables", []) if c not in items]
        cores += [c for c in config.get("coresponsibilities", [])
                  if c["code"] not in {x["code"] for x in cores}]
    return {"household": household, "members": members, "enrolments": enrolments,
            "suggested": suggested, "other_messages": others, "items": items,
            "coresponsibilities": cores, "danger_signs": DANGER_SIGNS,
            "kinds": ContactKind.choices, "outcomes": RemoteOutcome.choices[1:],
            "services": list(services_for(user)), "reason_codes": ReasonCode.choices,
            "urgencies": Urgency.choices,
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}


@login_required
@require_http_methods(["GET", "POST"])
def visit(request, pk):
    user = request.user
    household = get_in_scope(households_for(user), user, pk=pk)
    if not policies.can_record_contact(user):
        raise PermissionDenied(_("Only volunteers and facilitators record contacts."))
    ctx = _visit_context(request, household)
    ctx["contact_id"] = request.POST.get("id") or str(uuid.uuid4())
    if request.method == "POST":
        post = request.POST
        items = []
        for code in ctx["items"]:
            qty = post.get(f"item_{code}", "").strip()
            if qty and qty != "0":
                items.append({"item_code": code, "quantity": int(qty) if qty.isdigit() else qty})
        data = {
            "id": ctx["contact_id"], "kind": post.get("kind", ContactKind.HOME_VISIT),
            "occurred_at": post.get("occurred_at", ""),
            "remote_outcome": post.get("remote_outcome", ""),
            "persons_present": post.getlist("present"),
            "messages_given": post.getlist("messages"),
            "items_delivered": items,
            "coresponsibility_evidence": post.getlist("evidence"),
            "observations": {"danger_signs": post.getlist("danger"),
                             "weight_kg": post.get("weight_kg", "").strip(),
                             "height_cm": post.get("height_cm", "").strip(),
                             "note": post.get("note", "")},
        }
        wants_referral = bool(post.get("ref_person") or post.get("ref_service"))
        try:
            with transaction.atomic():
                contact = actions.record_contact(actor=user, household=household, data=data)
                if wants_referral:
                    refer_from_contact(actor=user, contact=contact, data={
                        "person_id": post.get("ref_person", ""),
                        "service_id": post.get("ref_service", ""),
                        "reason_code": post.get("ref_reason_code", ""),
                        "reason": post.get("ref_reason", ""),
                        "urgency": post.get("ref_urgency", "routine")})
        except ValidationError as exc:
            ctx["errors"] = exc.messages
            return render(request, "fieldwork/visit.html", ctx, status=400)
        messages.success(request, _("Contact with household %(hh)s recorded.")
                         % {"hh": household})
        return redirect("fieldwork:worklist")
    return render(request, "fieldwork/visit.html", ctx)


@login_required
def contacts_to_review(request):
    """Contacts recorded by volunteers in the supervisor's territories, waiting for review."""
    if not policies.can_supervise(request.user):
        raise PermissionDenied(_("Only facilitators and supervisors review contacts."))
    pending = (queries.contacts_for(request.user).filter(status=ContactStatus.RECORDED)
               .exclude(volunteer=request.user).order_by("-occurred_at")[:200])
    return render(request, "fieldwork/review.html", {"contacts": pending})


@login_required
@require_http_methods(["POST"])
def review_contact(request, pk):
    user = request.user
    contact = get_in_scope(queries.contacts_for(user), user, "household__territory", pk=pk)
    if not policies.can_supervise(user):
        raise PermissionDenied(_("Only facilitators and supervisors review contacts."))
    try:
        if request.POST.get("decision") == "return":
            actions.return_contact(actor=user, contact=contact,
                                   reason=request.POST.get("reason", ""))
        else:
            actions.validate_contact(actor=user, contact=contact)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Contact %(c)s: %(status)s.")
                         % {"c": contact, "status": contact.get_status_display()})
    return redirect("fieldwork:review")


@login_required
@require_http_methods(["GET", "POST"])
def accompanied_visits(request):
    """Record an accompanied visit with the supervision checklist; list the recent ones."""
    user = request.user
    if not policies.can_accompany_visits(user):
        raise PermissionDenied(_("Only facilitators and administrators record accompanied "
                                 "visits."))
    volunteers = list(supervision.volunteers_for(user))
    households = list(households_for(user).filter(
        Exists(Enrolment.objects.filter(household=OuterRef("pk"), end__isnull=True)))
        .order_by("code")[:500])
    ctx = {"volunteers": volunteers, "households": households, "checklist": CHECKLIST,
           "today": timezone.localdate().isoformat(), "post": request.POST}
    status = 200
    if request.method == "POST":
        post = request.POST
        volunteer = next((v for v in volunteers if str(v.pk) == post.get("volunteer")), None)
        household = next((h for h in households if str(h.pk) == post.get("household")), None)
        if volunteer is None or household is None:
            ctx["errors"] = [_("Choose a volunteer and a household of your territories.")]
            status = 400
        else:
            try:
                supervision.record_accompanied_visit(
                    actor=user, volunteer=volunteer, household=household,
                    visited_on=post.get("visited_on", ""),
                    checklist={code: post.get(f"check_{code}", "no")
                               for code, _label in CHECKLIST},
                    comments=post.get("comments", ""))
            except ValidationError as exc:
                ctx["errors"] = exc.messages
                status = 400
            else:
                messages.success(request, _("Accompanied visit with %(v)s recorded.")
                                 % {"v": volunteer.get_full_name() or volunteer.username})
                return redirect("fieldwork:accompanied")
    ctx["visits"] = list(supervision.accompanied_visits_for(user)[:100])
    return render(request, "fieldwork/accompanied.html", ctx, status=status)
