"""Programme pages: the list (every role) and the configuration editor (administrators)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crecer.accounts.models import Role, User
from crecer.accounts.scope import get_in_scope
from crecer.registry.queries import households_for, persons_for

from . import actions, policies, queries


@login_required
def programme_list(request):
    if not policies.can_view_programmes(request.user):
        raise PermissionDenied
    return render(request, "programmes/list.html", {
        "programmes": queries.programmes_for(request.user),
        "can_manage": policies.can_manage_programmes(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk):
    programme = get_object_or_404(queries.programmes_for(request.user), pk=pk)
    if not policies.can_manage_programmes(request.user):
        raise PermissionDenied(_("You cannot change programmes."))
    errors: list[str] = []
    text = json.dumps(programme.config, ensure_ascii=False, indent=2)
    name, active = programme.name, programme.active
    if request.method == "POST":
        text = request.POST.get("config", "")
        name = request.POST.get("name", "").strip() or programme.name
        active = request.POST.get("active") == "on"
        try:
            config = json.loads(text)
        except json.JSONDecodeError as exc:
            errors = [_("The configuration is not valid JSON (line %(line)s, column %(col)s): "
                        "%(msg)s") % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}]
        else:
            try:
                actions.update_programme(actor=request.user, programme=programme,
                                         data={"name": name, "active": active, "config": config})
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("Programme %(p)s saved.") % {"p": programme})
                return redirect("programmes:list")
    return render(request, "programmes/edit.html", {
        "programme": programme, "text": text, "name": name, "active": active,
        "errors": errors}, status=400 if errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def enrol(request, pk):
    """Enrol a household (or one of its members) in a programme, with a volunteer."""
    user = request.user
    household = get_in_scope(households_for(user), user, pk=pk)
    if not policies.can_enrol(user):
        raise PermissionDenied(_("You cannot enrol households."))
    members = persons_for(user).filter(household=household).order_by("birth_date")
    volunteers = User.objects.filter(role=Role.VOLUNTEER, is_active=True,
                                     territories__in=household.territory.ancestor_ids()
                                     ).distinct().order_by("username")
    programmes = queries.programmes_for(user).filter(active=True)
    errors: list[str] = []
    if request.method == "POST":
        programme = programmes.filter(pk=request.POST.get("programme") or None).first()
        person = members.filter(pk=request.POST.get("person") or None).first()
        volunteer = volunteers.filter(pk=request.POST.get("volunteer") or None).first()
        if programme is None:
            errors = [_("Choose a programme.")]
        else:
            try:
                actions.enrol(actor=user, programme=programme, household=household,
                              person=person, volunteer=volunteer)
            except actions.NotEligible as exc:
                errors = exc.reasons
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("Household %(hh)s enrolled in %(p)s.")
                                 % {"hh": household, "p": programme})
                return redirect("registry:household", pk=household.pk)
    current = queries.active_enrolments_for(user).filter(household=household)
    return render(request, "programmes/enrol.html", {
        "household": household, "members": members, "volunteers": volunteers,
        "programmes": programmes, "current": current, "errors": errors},
        status=400 if errors else 200)
