"""Eligibility of a household (or one person of it) for a programme, with the reason when not."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from crecer.registry.models import RoleKind

from .schedule import age_in_months


@dataclass(frozen=True)
class Member:
    """What eligibility needs to know about a person."""

    pk: object
    name: str
    birth_date: dt.date | None
    pregnant: bool


def members_of(persons) -> list[Member]:
    """`persons`: a (scoped) queryset of Person; one query with their active pregnant roles."""
    from django.db.models import Exists, OuterRef

    from crecer.registry.models import PersonRole

    preg = PersonRole.objects.filter(person=OuterRef("pk"), role=RoleKind.PREGNANT, active=True)
    return [Member(p.pk, p.full_name, p.birth_date, p.is_pregnant)
            for p in persons.annotate(is_pregnant=Exists(preg))]


def reasons_not_eligible(config: dict, *, household, members: list[Member],
                         person: Member | None = None, on: dt.date) -> list[str]:
    """Empty when eligible; otherwise each reason, in the user's language."""
    elig = config["eligibility"]
    lo, hi, pregnancy = elig["min_age_months"], elig["max_age_months"], elig["pregnancy"]
    reasons: list[str] = []
    areas = elig.get("areas") or []
    if areas and household.area not in areas:
        reasons.append(_("Household %(hh)s is in a %(area)s area; the programme serves only "
                         "%(areas)s areas.") % {"hh": household, "area": household.get_area_display(),
                                                "areas": ", ".join(areas)})
    candidates = [person] if person else members

    def age_ok(m: Member) -> bool:
        return m.birth_date is not None and lo <= age_in_months(m.birth_date, on) < hi

    if pregnancy == "required":
        if not any(m.pregnant for m in candidates):
            if person:
                reasons.append(_("%(name)s is not pregnant; the programme serves pregnant "
                                 "women.") % {"name": person.name})
            else:
                reasons.append(_("Nobody in household %(hh)s is pregnant; the programme serves "
                                 "pregnant women.") % {"hh": household})
        return reasons
    if any(age_ok(m) for m in candidates):
        return reasons
    if pregnancy == "accepted" and any(m.pregnant for m in candidates):
        return reasons
    span = {"lo": lo, "hi": hi}
    if person:
        if person.birth_date is None:
            reasons.append(_("%(name)s has no birth date; the programme serves children from "
                             "%(lo)s to %(hi)s months.") % {"name": person.name, **span})
        else:
            months = age_in_months(person.birth_date, on)
            extra = (_(" and pregnant women") if pregnancy == "accepted" else "")
            reasons.append(_("%(name)s is %(age)s months old: out of the age range of the "
                             "programme (children from %(lo)s to %(hi)s months%(extra)s).")
                           % {"name": person.name, "age": months, "extra": extra, **span})
    else:
        if pregnancy == "accepted":
            reasons.append(_("Household %(hh)s has no child from %(lo)s to %(hi)s months and no "
                             "pregnant woman.") % {"hh": household, **span})
        else:
            reasons.append(_("Household %(hh)s has no child from %(lo)s to %(hi)s months.")
                           % {"hh": household, **span})
    return reasons
