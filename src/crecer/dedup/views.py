"""Thin pages over dedup queries and actions.

Lookups outside the user's scope are 404 (before any role check, so outsiders learn nothing);
users in scope without the right to review duplicates get 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from crecer.accounts import policies
from crecer.accounts.scope import get_in_scope
from crecer.registry import queries as registry_queries

from . import actions, queries
from .models import Decision, Status


def _require_reviewer(user) -> None:
    if not policies.can_review_duplicates(user):
        raise PermissionDenied(_("You cannot review duplicates."))


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


@login_required
def queue(request):
    user = request.user
    _require_reviewer(user)
    page = Paginator(queries.review_queue(user), 50).get_page(request.GET.get("page"))
    return render(request, "dedup/queue.html", {"page": page})


def _rows(a, b) -> list[dict]:
    """The fields of both records side by side, with whether they differ."""
    def roles(p):
        return ", ".join(str(r.get_role_display()) for r in getattr(p, "active_roles", []))

    spec = [
        (_("Given names"), lambda p: p.given_names),
        (_("First surname"), lambda p: p.first_surname),
        (_("Second surname"), lambda p: p.second_surname),
        (_("Sex"), lambda p: p.get_sex_display()),
        (_("Birth date"), lambda p: p.birth_date.strftime("%d/%m/%Y") if p.birth_date else ""),
        (_("ID"), lambda p: f"{p.get_id_type_display()} {p.id_number}" if p.id_number else ""),
        (_("Phone"), lambda p: p.phone),
        (_("Community"), lambda p: p.territory.name),
        (_("Household"), lambda p: str(p.household) if p.household_id else ""),
        (_("Roles"), roles),
        (_("Registered"), lambda p: p.created_at.strftime("%d/%m/%Y")),
    ]
    out = []
    for label, get in spec:
        va, vb = str(get(a) or ""), str(get(b) or "")
        out.append({"label": label, "a": va, "b": vb, "differs": va.lower() != vb.lower()})
    return out


@login_required
def compare(request, pk):
    user = request.user
    candidate = get_in_scope(queries.candidates_for(user, status=None), user,
                             field="person_a__territory", pk=pk)
    _require_reviewer(user)
    persons = {p.pk: p for p in registry_queries.with_relations(
        user, registry_queries.persons_for(user, include_merged=True)
        .filter(pk__in=[candidate.person_a_id, candidate.person_b_id]))}
    a, b = persons[candidate.person_a_id], persons[candidate.person_b_id]
    if request.method == "POST":
        decision = request.POST.get("decision", "")
        survivor = None
        if decision == "merge":
            keep = request.POST.get("survivor", "")
            survivor = a if keep == str(a.pk) else b if keep == str(b.pk) else None
            if survivor is None:
                messages.error(request, _("Choose which record to keep."))
                return redirect("dedup:compare", pk=candidate.pk)
            decision = Decision.SAME
        try:
            actions.review_candidate(actor=user, candidate=candidate, decision=decision,
                                     survivor=survivor)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return redirect("dedup:compare", pk=candidate.pk)
        if survivor is not None:
            messages.success(request, _("Records merged. The merge can be undone from the merge history."))
        elif decision == Decision.DIFFERENT:
            messages.success(request, _("Marked as different persons."))
        else:
            messages.success(request, _("Marked as the same person."))
        nxt = queries.review_queue(user).exclude(pk=candidate.pk).first()
        return redirect("dedup:compare", pk=nxt.pk) if nxt else redirect("dedup:queue")
    return render(request, "dedup/compare.html", {
        "candidate": candidate, "a": a, "b": b, "rows": _rows(a, b),
        "pending": candidate.status in (Status.PENDING, Status.CONFIRMED_SAME)
        and not a.merged_into_id and not b.merged_into_id,
    })


@login_required
def merges(request):
    user = request.user
    _require_reviewer(user)
    page = Paginator(queries.merges_for(user), 50).get_page(request.GET.get("page"))
    return render(request, "dedup/merges.html", {"page": page})


@login_required
@require_POST
def undo(request, pk):
    user = request.user
    merge = get_in_scope(queries.merges_for(user), user, field="survivor__territory", pk=pk)
    _require_reviewer(user)
    try:
        actions.undo_merge(actor=user, merge=merge)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Merge undone: both records are active again."))
    return redirect("dedup:merges")
