"""Reads for field work: the volunteer's worklist and the facilitator's team overview.

Both are set-based: one query for the active enrolments with the last contact of each
household (a grouped `Max` subquery), one for the members of those households (ages and
pregnancies); the schedule arithmetic then runs over those rows in memory. No query per row.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, Max, OuterRef, QuerySet, Subquery

from crecer.accounts.models import Role, User
from crecer.accounts.scope import within
from crecer.programmes.models import Enrolment, EnrolmentStatus, Programme
from crecer.programmes.schedule import age_in_months, interval_days, next_due
from crecer.registry.models import Household, Person, PersonRole, RoleKind

from .models import Contact

DUE_HORIZON_DAYS = 7  # "due this week"


@dataclass
class WorkItem:
    household: Household
    volunteer_id: int | None
    programmes: list[Programme] = field(default_factory=list)
    start: dt.date | None = None
    last_contact: dt.date | None = None
    next_due: dt.date | None = None
    every_days: int = 0
    days_overdue: int = 0  # > 0 when overdue
    pregnant: bool = False
    youngest_months: int | None = None
    caregiver: str = ""

    @property
    def priority(self) -> bool:
        """Pregnant women and babies under 12 months come first."""
        return self.pregnant or (self.youngest_months is not None and self.youngest_months < 12)

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0

    def is_due(self, today: dt.date) -> bool:
        return self.next_due is not None and \
            self.next_due < today + dt.timedelta(days=DUE_HORIZON_DAYS)


def _enrolments(qs: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    last = (Contact.objects.filter(household=OuterRef("household_id")).order_by()
            .values("household").annotate(last=Max("occurred_at")).values("last"))
    return (qs.filter(status=EnrolmentStatus.ACTIVE)
            .select_related("programme", "household", "household__territory")
            .annotate(last_contact_at=Subquery(last)))


def _build(enrolments: list[Enrolment], today: dt.date, viewer) -> list[WorkItem]:
    from django.utils import timezone

    items: dict[tuple, WorkItem] = {}
    for e in enrolments:
        key = (e.volunteer_id, e.household_id)
        item = items.get(key)
        if item is None:
            last = e.last_contact_at
            item = items[key] = WorkItem(
                household=e.household, volunteer_id=e.volunteer_id, start=e.start,
                last_contact=timezone.localdate(last) if last else None)
        item.programmes.append(e.programme)
        item.start = min(item.start, e.start)
    if not items:
        return []
    household_ids = {k[1] for k in items}
    preg = PersonRole.objects.filter(person=OuterRef("pk"), role=RoleKind.PREGNANT, active=True)
    members = (Person.objects.filter(within(viewer), household_id__in=household_ids,
                                     merged_into__isnull=True)
               .annotate(is_pregnant=Exists(preg))
               .values("household_id", "birth_date", "is_pregnant", "given_names",
                       "first_surname", "roles__role"))
    ages: dict = defaultdict(set)
    pregnant: set = set()
    names: dict = {}
    for m in members:
        hid = m["household_id"]
        if m["is_pregnant"]:
            pregnant.add(hid)
        if m["roles__role"] == RoleKind.CHILD and m["birth_date"]:
            months = age_in_months(m["birth_date"], today)
            if months >= 0:
                ages[hid].add(months)
        if m["roles__role"] == RoleKind.CAREGIVER and hid not in names:
            names[hid] = f'{m["given_names"]} {m["first_surname"]}'
    out = []
    for (_vol, hid), item in items.items():
        item.pregnant = hid in pregnant
        item.youngest_months = min(ages[hid]) if ages[hid] else None
        item.caregiver = names.get(hid, "")
        item.every_days = min(interval_days(p.config, child_ages=ages[hid], pregnant=item.pregnant)
                              for p in item.programmes)
        item.next_due = next_due(last_contact=item.last_contact, start=item.start,
                                 every_days=item.every_days)
        item.days_overdue = (today - item.next_due).days
        out.append(item)
    return out


def sort_worklist(items: list[WorkItem], today: dt.date) -> list[WorkItem]:
    """Due (within the week) first; among them pregnant women and babies first, then the most
    overdue; then the others by due date."""
    return sorted(items, key=lambda i: (not i.is_due(today), not i.priority, -i.days_overdue,
                                        i.household.code, str(i.household.pk)))


def worklist_for(volunteer, today: dt.date) -> list[WorkItem]:
    """The households the volunteer accompanies (active enrolments with her), in visit order."""
    qs = _enrolments(Enrolment.objects.filter(within(volunteer, "household__territory"),
                                              volunteer=volunteer))
    return sort_worklist(_build(list(qs), today, volunteer), today)


@dataclass
class VolunteerSummary:
    volunteer: User
    caseload: int = 0
    due: int = 0
    overdue: int = 0
    contacted_30_days: int = 0

    @property
    def coverage(self) -> int:
        """Percent of the caseload not overdue."""
        return round(100 * (self.caseload - self.overdue) / self.caseload) if self.caseload else 0


def volunteers_for(user) -> QuerySet[User]:
    """Active volunteers working inside the user's subtrees."""
    return (User.objects.filter(within(user, "territories"), role=Role.VOLUNTEER, is_active=True)
            .distinct().order_by("username"))


def facilitator_overview(facilitator, today: dt.date) -> list[VolunteerSummary]:
    """Per volunteer in the facilitator's scope: caseload, due this week, overdue, contacted in
    the last 30 days. Three queries whatever the number of volunteers."""
    volunteers = list(volunteers_for(facilitator))
    summaries = {v.pk: VolunteerSummary(volunteer=v) for v in volunteers}
    qs = _enrolments(Enrolment.objects.filter(within(facilitator, "household__territory"),
                                              volunteer_id__in=list(summaries)))
    for item in _build(list(qs), today, facilitator):
        s = summaries[item.volunteer_id]
        s.caseload += 1
        s.due += item.is_due(today) and not item.overdue
        s.overdue += item.overdue
        s.contacted_30_days += bool(item.last_contact and
                                    (today - item.last_contact).days <= 30)
    return sorted(summaries.values(), key=lambda s: (-s.overdue, s.volunteer.username))


def contacts_for(user) -> QuerySet[Contact]:
    return Contact.objects.filter(within(user, "household__territory")).select_related(
        "household", "volunteer")
