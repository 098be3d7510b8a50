"""Supervision: accompanied visits with a checklist (issue 3, item 9)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from crecer.accounts import scope
from crecer.accounts.models import Role, User
from crecer.core import audit
from crecer.core.models import AuditAction

from . import policies
from .models import CHECKLIST_CODES, AccompaniedVisit, Contact

COMMENTS_MAX = 2000
_TRUE = {True, "yes", "true", "1", "on"}
_FALSE = {False, "no", "false", "0", "", None}


def volunteers_for(user) -> QuerySet[User]:
    """Active volunteers with a territory inside the user's subtrees."""
    return (User.objects.filter(role=Role.VOLUNTEER, is_active=True)
            .filter(scope.within(user, "territories")).distinct().order_by("username"))


def accompanied_visits_for(user) -> QuerySet[AccompaniedVisit]:
    return (AccompaniedVisit.objects.filter(scope.within(user, "household__territory"))
            .select_related("facilitator", "volunteer", "household"))


def _checklist(answers: Any) -> dict[str, bool]:
    if not isinstance(answers, dict):
        raise ValidationError({"checklist": _("The checklist must map each item to yes or no.")})
    unknown = sorted(set(answers) - set(CHECKLIST_CODES))
    if unknown:
        raise ValidationError({"checklist": _("Unknown checklist item “%(code)s”.")
                               % {"code": unknown[0]}})
    out = {}
    for code in CHECKLIST_CODES:
        value = answers.get(code)
        value = value.strip().lower() if isinstance(value, str) else value
        if value in _TRUE:
            out[code] = True
        elif value in _FALSE:
            out[code] = False
        else:
            raise ValidationError({"checklist": _("Checklist item “%(code)s”: answer yes or no, "
                                                  "not “%(value)s”.")
                                   % {"code": code, "value": value}})
    return out


def record_accompanied_visit(*, actor, volunteer: User, visited_on: dt.date | str,
                             checklist: dict, household=None, contact: Contact | None = None,
                             comments: str = "") -> AccompaniedVisit:
    """A facilitator or administrator records that she accompanied `volunteer` on a visit to
    `household` (or during `contact`, whose household it takes) with the checklist answers."""
    if not policies.can_accompany_visits(actor):
        raise PermissionDenied(_("Only facilitators and administrators record accompanied "
                                 "visits."))
    errors: dict[str, str] = {}
    if contact is not None:
        household = contact.household
        if contact.volunteer_id != volunteer.pk:
            errors["contact"] = _("This contact was recorded by another volunteer.")
    if household is None:
        raise ValidationError({"household": _("Choose the household visited.")})
    if not scope.covers(actor, household.territory):
        raise PermissionDenied(_("This household is outside your territories."))
    if volunteer.role != Role.VOLUNTEER or not volunteers_for(actor).filter(
            pk=volunteer.pk).exists():
        errors["volunteer"] = _("“%(name)s” is not a volunteer of your territories.") % {
            "name": volunteer.username}
    day = visited_on if isinstance(visited_on, dt.date) else parse_date(str(visited_on or ""))
    if day is None:
        errors["visited_on"] = _("“%(value)s” is not a date.") % {"value": visited_on}
    elif day > timezone.localdate():
        errors["visited_on"] = _("The visit date cannot be in the future.")
    comments = (comments or "").strip()
    if len(comments) > COMMENTS_MAX:
        errors["comments"] = _("Use at most %(n)d characters.") % {"n": COMMENTS_MAX}
    try:
        answers = _checklist(checklist)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        visit = AccompaniedVisit.objects.create(
            facilitator=actor, volunteer=volunteer, household=household, contact=contact,
            visited_on=day, checklist=answers, comments=comments)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=visit,
                     changes=audit.diff({}, audit.snapshot(visit)),
                     territory_path=household.territory.path)
    return visit
