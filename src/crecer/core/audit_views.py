"""The audit reader: data officers and administrators read the trail of their subtrees.

Thin views over `queries.audit_events_for`; the scope and the policy are applied there and here.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from . import queries
from .forms import AuditFilterForm


def _events_or_403(request):
    from crecer.accounts import policies

    if not policies.can_view_audit(request.user):
        raise PermissionDenied
    return queries.audit_events_for(request.user)


def _render_events(request, events, context):
    page = Paginator(events.order_by("-at", "-id"), 50).get_page(request.GET.get("page"))
    rows = [(e, queries.describe_changes(e)) for e in page]
    from crecer.territory.models import OrgUnit

    unit_ids = {int(p) for e in page for p in e.territory_path.strip("/").split("/")[-1:] if p}
    names = dict(OrgUnit.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    context.update({
        "page": page,
        "rows": [(e, changes, names.get(_last_id(e.territory_path), "")) for e, changes in rows],
        "query": _query_without_page(request),
    })
    return render(request, "audit/events.html", context)


def _last_id(path: str) -> int | None:
    parts = [p for p in path.strip("/").split("/") if p]
    return int(parts[-1]) if parts and parts[-1].isdigit() else None


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def audit_index(request):
    events = _events_or_403(request)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        events = queries.filter_events(events, person_id=d["person"], username=d["user"].strip(),
                                       date_from=d["date_from"], date_to=d["date_to"],
                                       entity=d["entity"])
    elif form.is_bound:
        events = events.none()
    return _render_events(request, events, {"form": form, "mode": "all"})


def _traced_in_scope(user, person_id) -> bool:
    """Whether the trail of this person touches the user's territories, whatever her role: a
    person outside them is 404 before any role check, so that outsiders learn nothing."""
    from crecer.accounts import scope
    from crecer.territory.queries import subtree_q

    return queries.AuditEvent.objects.filter(
        subtree_q(scope.root_paths(user), field="territory_path"), person_id=person_id).exists()


@login_required
def audit_person(request, person_id):
    if not _traced_in_scope(request.user, person_id):
        raise Http404
    events = queries.filter_events(_events_or_403(request), person_id=person_id)
    if not events.exists():
        raise Http404
    return _render_events(request, events, {"mode": "person", "person_id": person_id})


@login_required
def audit_user(request, username):
    events = queries.filter_events(_events_or_403(request), username=username)
    if not get_user_model().objects.filter(username=username).exists() and not events.exists():
        raise Http404
    return _render_events(request, events, {"mode": "user", "username": username})
