"""Completeness and timeliness of the volunteers' reporting in one month, per volunteer and per
territory (the territory of the households).

Definitions (also in the app's README):

* **Expected contacts** of a volunteer with a household in the month: the household is in her
  caseload when one of its enrolments with her (any programme, a volunteer set) overlaps the
  month — up to today for the current month. Its visit interval is the shortest of its
  programmes' schedules for the ages of its children at the end of that window and its
  pregnancy (`crecer.programmes.schedule.interval_days`, the rule of the worklist). Expected =
  days in the caseload ÷ interval, rounded half up (31 days of weekly visits: 4; a monthly
  household: 1; a monthly household that joined on the 25th: 0).
* **Recorded**: her contacts of any kind with that household that occurred in the month,
  counted up to the expected number (an extra visit to one family does not make up for a
  missed one elsewhere). **Completeness** = recorded ÷ expected.
* **Timeliness**: of all contacts that occurred in the month (whoever recorded them), the
  share that reached the server (`created_at`, the moment of sync) within `TIMELY_DAYS` days
  of `occurred_at`.

Set-based: five queries whatever the number of households (enrolments, programme schedules,
members' ages, contacts grouped by volunteer and household with `COUNT ... FILTER`, names);
the schedule arithmetic then runs over those grouped rows in memory.

Limits: the enrolment says who the volunteer is *now* (a caseload moved mid-month counts for
the new volunteer all month); pregnancy is the current one.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.utils import timezone

from crecer.accounts.models import User
from crecer.accounts.scope import within
from crecer.fieldwork.models import Contact
from crecer.indicators import periods
from crecer.programmes.models import Enrolment, EnrolmentStatus, Programme
from crecer.programmes.schedule import age_in_months, interval_days
from crecer.registry.models import Person, RoleKind
from crecer.territory.models import OrgUnit

TIMELY_DAYS = 7


@dataclass
class Tally:
    households: int = 0  # in a volunteer's caseload during the month
    expected: int = 0
    recorded: int = 0  # expected contacts that were recorded (capped per household)
    contacts: int = 0  # contacts that occurred in the month
    timely: int = 0  # of which reached the server within TIMELY_DAYS

    def add(self, other: Tally) -> None:
        self.households += other.households
        self.expected += other.expected
        self.recorded += other.recorded
        self.contacts += other.contacts
        self.timely += other.timely

    @property
    def completeness(self) -> float | None:
        return 100 * self.recorded / self.expected if self.expected else None

    @property
    def timeliness(self) -> float | None:
        return 100 * self.timely / self.contacts if self.contacts else None


@dataclass
class VolunteerRow:
    volunteer_id: int
    name: str
    places: list[str] = field(default_factory=list)  # the territories of her households
    tally: Tally = field(default_factory=Tally)


@dataclass
class TerritoryRow:
    unit: OrgUnit
    tally: Tally = field(default_factory=Tally)


@dataclass
class Reporting:
    month: periods.Period
    until: dt.date | None  # last day counted (None: a month that has not started)
    timely_days: int = TIMELY_DAYS
    total: Tally = field(default_factory=Tally)
    volunteers: list[VolunteerRow] = field(default_factory=list)
    territories: list[TerritoryRow] = field(default_factory=list)


def month_window(month: periods.Period, today: dt.date) -> tuple[dt.date, dt.date | None]:
    """First day of the month and the last day that counts (today for the current month; None
    for a month that has not started)."""
    first = month.first_day()
    last = periods.month_start(month.end + 1) - dt.timedelta(days=1)
    if first > today:
        return first, None
    return first, min(last, today)


def expected_contacts(days: int, every_days: int) -> int:
    """Contacts due in `days` days of caseload with a visit every `every_days` days (half up)."""
    if days <= 0 or every_days <= 0:
        return 0
    return math.floor(days / every_days + 0.5)


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def reporting(user, unit: OrgUnit, month: periods.Period, *, rows: list[OrgUnit] | None = None,
              today: dt.date | None = None, timely_days: int = TIMELY_DAYS) -> Reporting:
    """Completeness and timeliness in `unit`'s subtree (and the user's scope) for `month`, per
    volunteer and per unit of `rows` (the territories one level down; a household counts
    under the row whose subtree holds it)."""
    today = today or timezone.localdate()
    first, until = month_window(month, today)
    out = Reporting(month=month, until=until, timely_days=timely_days)
    row_units = {u.pk: u for u in rows or []}
    territory = {pk: TerritoryRow(unit=u) for pk, u in row_units.items()}
    out.territories = list(territory.values())
    if until is None:
        return out
    in_unit = Q(household__territory__path__subtree=unit.path) & within(user, "household__territory")

    # 1. caseload: (volunteer, household) pairs with an enrolment overlapping the window
    enrolments = (Enrolment.objects.filter(in_unit, volunteer__isnull=False, start__lte=until)
                  .filter(Q(end__isnull=True, status=EnrolmentStatus.ACTIVE) | Q(end__gte=first))
                  .order_by())
    pairs: dict[tuple[int, object], dict] = {}
    for e in enrolments.values("volunteer_id", "household_id", "household__territory__path",
                               "programme_id", "start", "end"):
        pair = pairs.setdefault((e["volunteer_id"], e["household_id"]), {
            "path": e["household__territory__path"], "programmes": set(), "from": until,
            "to": first})
        pair["programmes"].add(e["programme_id"])
        pair["from"] = min(pair["from"], max(e["start"], first))
        pair["to"] = max(pair["to"], min(e["end"] or until, until))
    # 2. the programmes' schedules (a handful of rows)
    configs = dict(Programme.objects.filter(pk__in={p for v in pairs.values()
                                                    for p in v["programmes"]})
                   .values_list("pk", "config"))
    # 3. the ages of the children and the pregnancies of those households
    ages: dict = defaultdict(set)
    pregnant: set = set()
    if pairs:
        members = (Person.objects.filter(within(user), merged_into__isnull=True,
                                         household_id__in=enrolments.values("household_id"))
                   .filter(Q(roles__role=RoleKind.CHILD, roles__active=True)
                           | Q(roles__role=RoleKind.PREGNANT, roles__active=True))
                   .values_list("household_id", "birth_date", "roles__role"))
        for household_id, birth, role in members:
            if role == RoleKind.PREGNANT:
                pregnant.add(household_id)
            elif role == RoleKind.CHILD and birth and birth <= until:
                ages[household_id].add(age_in_months(birth, until))
    # 4. contacts of the month, grouped by volunteer and household
    late = F("occurred_at") + dt.timedelta(days=timely_days)
    contacts = (Contact.objects.filter(in_unit, occurred_at__gte=_aware(first),
                                       occurred_at__lt=_aware(until + dt.timedelta(days=1)))
                .order_by().values("volunteer_id", "household_id", "household__territory__path")
                .annotate(n=Count("id"), timely=Count("id", filter=Q(created_at__lte=late))))
    done: dict[tuple[int, object], int] = {}
    per_volunteer: dict[int, Tally] = defaultdict(Tally)
    places: dict[int, set[int]] = defaultdict(set)

    def row_of(path: str) -> TerritoryRow | None:
        for part in path.strip("/").split("/"):
            if int(part) in territory:
                return territory[int(part)]
        return None

    for c in contacts:
        key = (c["volunteer_id"], c["household_id"])
        done[key] = done.get(key, 0) + c["n"]
        t = Tally(contacts=c["n"], timely=c["timely"])
        per_volunteer[c["volunteer_id"]].add(t)
        out.total.add(t)
        if row := row_of(c["household__territory__path"]):
            row.tally.add(t)
    for (volunteer_id, household_id), pair in pairs.items():
        programmes = [configs[p] for p in pair["programmes"] if configs.get(p)]
        every = min((interval_days(cfg, child_ages=ages[household_id],
                                   pregnant=household_id in pregnant)
                     for cfg in programmes if cfg.get("schedule")), default=0)
        expected = expected_contacts((pair["to"] - pair["from"]).days + 1, every)
        t = Tally(households=1, expected=expected,
                  recorded=min(done.get((volunteer_id, household_id), 0), expected))
        per_volunteer[volunteer_id].add(t)
        out.total.add(t)
        places[volunteer_id].add(int(pair["path"].strip("/").split("/")[-1]))
        if row := row_of(pair["path"]):
            row.tally.add(t)
    # 5. names
    people = {u["pk"]: u for u in User.objects.filter(pk__in=list(per_volunteer))
              .values("pk", "username", "first_name", "last_name")}
    unit_names = dict(OrgUnit.objects.filter(pk__in={p for s in places.values() for p in s})
                      .values_list("pk", "name"))
    for volunteer_id, tally in per_volunteer.items():
        u = people.get(volunteer_id, {})
        name = f"{u.get('first_name', '')} {u.get('last_name', '')}".strip() or \
            u.get("username", f"#{volunteer_id}")
        out.volunteers.append(VolunteerRow(
            volunteer_id=volunteer_id, name=name, tally=tally,
            places=sorted(unit_names.get(p, "") for p in places.get(volunteer_id, ()))))
    out.volunteers.sort(key=lambda r: (r.tally.completeness is None,
                                       r.tally.completeness or 0, r.name))
    return out
