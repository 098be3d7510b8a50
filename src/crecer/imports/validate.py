"""Checking every row of an import file before anything is saved.

`check_rows` turns the rows of a sheet into a `Plan`: the households and persons to create,
and every problem found (row as shown in the spreadsheet, column as written in the file, and
a message in the active language). Field rules come from `crecer.registry.validation`; this
module adds what only an import can get wrong: unknown or out-of-scope communities, missing
values, a household whose rows disagree, duplicates inside the file, IDs already registered,
and likely duplicates of registered persons (warnings, from `crecer.dedup.matching`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crecer.accounts import scope
from crecer.registry.models import Household, IdType, Person, RelationshipKind, RoleKind, Sex
from crecer.registry.validation import clean_expected_delivery, clean_household, clean_person
from crecer.territory.models import Kind, OrgUnit

from . import columns as cols
from . import duplicates
from .duplicates import chunks
from .reader import Refused, Sheet

ERROR, WARNING = "error", "warning"
MAX_PROBLEMS = 5000  # kept in the report; the counts always cover all of them
HEADER_SEARCH_ROWS = 10  # the header may sit under a title, within the first rows
FIXED_LENGTH_IDS = {IdType.DNI_HN: 13, IdType.DNI_PE: 8}  # leading zeros lost in number cells
TEXT_LIMITS = {name: Person._meta.get_field(name).max_length
               for name in ("given_names", "first_surname", "second_surname", "language",
                            "ethnicity", "disability_detail")}
HOUSEHOLD_REF_MAX = Household._meta.get_field("code").max_length
NUMBER_LIMITS = {"rooms": 32767, "monthly_income": 9_999_999_999}  # what the columns hold
ROLE_SEPARATORS = re.compile(r"[;,/+|]")

Progress = Callable[[int, int], None]


@dataclass
class Problem:
    row: int  # spreadsheet row (the header is row 1 in the template); 0 = the whole file
    column: str  # the column as written in the file
    message: str
    level: str = ERROR

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message,
                "level": self.level}


@dataclass
class PersonRow:
    row: int
    ref: str
    data: dict[str, Any] = field(default_factory=dict)  # from registry clean_person
    roles: list[str] = field(default_factory=list)
    edd: dt.date | None = None
    caregiver_is: str = ""
    valid: bool = False  # clean_person accepted it (there may still be other errors)
    likely_duplicate: bool = False


@dataclass
class HouseholdPlan:
    ref: str
    first_row: int
    territory: OrgUnit | None = None
    country: str = ""  # of the community, even when it cannot be used (for IDs and phones)
    data: dict[str, Any] = field(default_factory=dict)
    members: list[PersonRow] = field(default_factory=list)


@dataclass
class Plan:
    header_row: int = 1
    rows: int = 0
    households: dict[str, HouseholdPlan] = field(default_factory=dict)
    persons: list[PersonRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field → header as written
    ignored: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def report(self) -> dict[str, Any]:
        problems = sorted(self.problems, key=lambda p: (p.row, p.level != ERROR))
        errors = self.errors
        return {
            "counts": {
                "rows": self.rows, "households": len(self.households),
                "persons": len(self.persons), "errors": len(errors),
                "warnings": len(self.problems) - len(errors),
                "error_rows": len({p.row for p in errors}),
                "likely_duplicates": sum(1 for p in self.persons if p.likely_duplicate),
            },
            "header_row": self.header_row,
            "columns": list(self.headers.values()),
            "ignored_columns": self.ignored,
            "problems": [p.as_dict() for p in problems[:MAX_PROBLEMS]],
            "truncated": len(problems) > MAX_PROBLEMS,
        }


def check_rows(sheet: Sheet, *, user, progress: Progress | None = None,
               likely_duplicates: bool = True) -> Plan:
    """Check every row as `user` would import it. Raises Refused when the file as a whole
    cannot be used (no header, missing columns, no data). `likely_duplicates=False` leaves out
    the search for likely duplicates in the registry (warnings only)."""
    return _Checker(user, progress, likely_duplicates).run(sheet)


class _Checker:
    def __init__(self, user, progress: Progress | None, likely_duplicates: bool = True):
        self.user = user
        self.likely_duplicates = likely_duplicates
        self.progress = progress or (lambda done, total: None)
        self.plan = Plan()
        self.done = 0
        self.total = 0
        self.not_leaf: set[int] = set()

    # -- helpers -----------------------------------------------------------------------------

    def add(self, row: int, name: str, message: str, level: str = ERROR) -> None:
        self.plan.problems.append(Problem(row, self.plan.headers.get(name, name), message, level))

    def step(self, n: int = 1) -> None:
        self.done += n
        if self.done % 100 < n or self.done >= self.total:
            self.progress(min(self.done, self.total), self.total)

    # -- the run -----------------------------------------------------------------------------

    def run(self, sheet: Sheet) -> Plan:
        records = self.read_header(sheet.rows)
        self.total = (2 if self.likely_duplicates else 1) * len(records)
        self.progress(0, self.total)
        units = self.resolve_communities(records)
        self.check_households(records, units)
        for number, rec in records:
            self.check_person(number, rec)
            self.step()
        duplicates.in_file(self.plan, self.add)
        duplicates.registered_ids(self.plan, self.registered(), self.add)
        if self.likely_duplicates:
            duplicates.likely(self.plan, self.user, self.registered(), self.add, self.step)
        self.check_household_warnings()
        self.progress(self.total, self.total)
        return self.plan

    def read_header(self, rows: list[tuple[int, list[Any]]]) -> list[tuple[int, dict]]:
        header_at = None
        for i, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
            known = {cols.column_for(v) for v in values if isinstance(v, str)} - {None}
            if len(known) >= 2:
                header_at = i
                break
        if header_at is None:
            raise Refused(_("No row of column names was found. The first row must hold the "
                            "column names of the template (for example given_names or "
                            "nombres)."))
        number, header = rows[header_at]
        self.plan.header_row = number
        positions: dict[int, str] = {}
        for pos, text in enumerate(header):
            if not cols.filled(text):
                continue
            name = cols.column_for(text)
            written = str(text).strip()
            if name is None:
                self.plan.ignored.append(written)
                self.add(number, written, _("Unknown column; it was ignored."), WARNING)
                continue
            if name in self.plan.headers:
                raise Refused(_("The column “%(column)s” appears twice (as “%(a)s” and “%(b)s”).")
                              % {"column": name, "a": self.plan.headers[name], "b": written})
            self.plan.headers[name] = written
            positions[pos] = name
        missing = [n for n in cols.REQUIRED if n not in self.plan.headers]
        if missing:
            names = ", ".join(f"{n} ({cols.BY_NAME[n].aliases[0]})" for n in missing)
            raise Refused(_("Missing columns: %(columns)s. Download the template to see every "
                            "column.") % {"columns": names})
        records = []
        for number, values in rows[header_at + 1:]:
            rec = {name: values[pos] if pos < len(values) else None
                   for pos, name in positions.items()}
            if any(cols.filled(v) for v in rec.values()):
                records.append((number, rec))
        if not records:
            raise Refused(_("The file has column names but no rows of data."))
        if len(records) > _max_rows():
            raise Refused(_("The file has more than %(n)s rows; split it into smaller files.")
                          % {"n": _max_rows()})
        self.plan.rows = len(records)
        return records

    # -- households ----------------------------------------------------------------------------

    def resolve_communities(self, records: list[tuple[int, dict]]) -> dict[str, OrgUnit]:
        codes = {text(rec.get("community")) for _n, rec in records} - {""}
        wanted = codes | {c.upper() for c in codes}
        units: dict[str, OrgUnit] = {}
        for part in chunks(sorted(wanted)):
            units.update({u.code: u for u in OrgUnit.objects.filter(code__in=part)})
        by_upper = {code.upper(): unit for code, unit in units.items()}
        parents = set(OrgUnit.objects.filter(
            kind=Kind.AREA, parent_id__in=[u.pk for u in units.values()]
        ).values_list("parent_id", flat=True))
        self.not_leaf = parents
        return {code: units.get(code) or by_upper.get(code.upper()) for code in codes
                if units.get(code) or by_upper.get(code.upper())}

    def check_households(self, records: list[tuple[int, dict]], units: dict[str, OrgUnit]):
        groups: dict[str, list[tuple[int, dict]]] = defaultdict(list)
        for number, rec in records:
            ref = text(rec.get("household_ref"))
            if not ref:
                self.add(number, "household_ref", _("This field is required."))
                continue
            if len(ref) > HOUSEHOLD_REF_MAX:
                self.add(number, "household_ref", _("At most %(n)s characters.")
                         % {"n": HOUSEHOLD_REF_MAX})
                continue
            groups[ref].append((number, rec))
        for ref, rows in groups.items():
            plan = HouseholdPlan(ref=ref, first_row=rows[0][0])
            self.plan.households[ref] = plan
            values: dict[str, Any] = {}
            origin: dict[str, int] = {}
            for number, rec in rows:
                for name in cols.HOUSEHOLD_COLUMNS:
                    if name == "household_ref" or name not in rec:
                        continue
                    value = rec[name]
                    if not cols.filled(value):
                        continue
                    if name not in values:
                        values[name], origin[name] = value, number
                    elif text(value).casefold() != text(values[name]).casefold():
                        self.add(number, name, _("Differs from row %(row)s of the same household "
                                                 "(“%(value)s”).")
                                 % {"row": origin[name], "value": text(values[name])})
            plan.territory = self.check_community(plan, values, origin, units)
            data = {"code": ref}
            for name, value in values.items():
                if name == "community":
                    continue
                if name in cols.VALUE_ALIASES and isinstance(value, str):
                    value = cols.canonical(cols.VALUE_ALIASES[name], value) or value
                if name in ("latitude", "longitude", "monthly_income") and isinstance(value, str):
                    value = _decimal_point(value)
                data[name] = value
            try:
                plan.data = clean_household(data)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        self.add(origin.get(name, plan.first_row), name, message)
            for name, limit in NUMBER_LIMITS.items():
                if (plan.data.get(name) or 0) > limit:
                    self.add(origin[name], name, _("At most %(n)s.") % {"n": limit})

    def check_community(self, plan: HouseholdPlan, values: dict, origin: dict,
                        units: dict[str, OrgUnit]) -> OrgUnit | None:
        code = text(values.get("community"))
        if not code:
            self.add(plan.first_row, "community", _("This field is required."))
            return None
        row = origin["community"]
        unit = units.get(code)
        prefix = code.split("-")[0].upper()
        plan.country = _country(unit) if unit else prefix if len(prefix) == 2 else ""
        if unit is None:
            self.add(row, "community", _("Unknown community code “%(code)s”.") % {"code": code})
            return None
        if not scope.covers(self.user, unit):
            self.add(row, "community", _("The community “%(code)s” is outside your "
                                         "territories.") % {"code": code})
            return None
        if unit.kind != Kind.AREA or unit.pk in self.not_leaf:
            self.add(row, "community", _("“%(code)s” (%(name)s) is not a community: use the code "
                                         "of one of the communities under it.")
                     % {"code": code, "name": unit.name})
            return None
        return unit

    # -- persons -------------------------------------------------------------------------------

    def check_person(self, number: int, rec: dict) -> None:
        ref = text(rec.get("household_ref"))
        household = self.plan.households.get(ref)
        person = PersonRow(row=number, ref=ref)
        self.plan.persons.append(person)
        if household is not None:
            household.members.append(person)
        country = household.country if household else ""
        reported: set[str] = set()
        for name in ("given_names", "first_surname", "sex", "role"):
            if not text(rec.get(name)):
                self.add(number, name, _("This field is required."))
                reported.add(name)
        data = {name: rec.get(name) for name in cols.PERSON_COLUMNS if name in rec}
        for name in ("given_names", "first_surname", "second_surname", "language", "ethnicity",
                     "disability_detail", "phone"):
            if name in data:
                data[name] = text(data[name])
        sex = text(data.get("sex"))
        data["sex"] = cols.canonical(cols.SEX, sex) or sex
        self.set_id(data, country)
        person.roles = self.parse_roles(number, text(rec.get("role")), reported)
        try:
            person.data = clean_person(data, country=country)
            person.valid = True
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name not in reported:
                    for message in messages:
                        self.add(number, name, message)
        for name, limit in TEXT_LIMITS.items():
            if len(text(data.get(name))) > limit:
                self.add(number, name, _("At most %(n)s characters.") % {"n": limit})
                person.valid = False
        self.check_pregnancy(person, rec, data)
        self.check_relationship(person, rec)
        if RoleKind.CHILD in person.roles and person.valid and not person.data.get("birth_date"):
            self.add(number, "birth_date", _("A child without a birth date will not get visits "
                                             "by age."), WARNING)

    def set_id(self, data: dict, country: str) -> None:
        raw_number = data.get("id_number")
        number = text(raw_number)
        kind = text(data.get("id_type"))
        folded = " ".join(cols.fold(kind).split())
        if folded in cols.GENERIC_ID or (not kind and number):
            kind = cols.NATIONAL_ID.get(country, kind)
        else:
            kind = cols.canonical(cols.ID_TYPES, kind) if kind else ""
            if kind is None:
                kind = text(data.get("id_type"))
        if isinstance(raw_number, int | float) and kind in FIXED_LENGTH_IDS:
            number = number.zfill(FIXED_LENGTH_IDS[kind])  # Excel drops leading zeros
        data["id_type"], data["id_number"] = kind, number

    def parse_roles(self, number: int, raw: str, reported: set[str]) -> list[str]:
        roles: list[str] = []
        for part in ROLE_SEPARATORS.split(raw):
            if not part.strip():
                continue
            role = cols.canonical(cols.ROLES, part)
            if role is None:
                self.add(number, "role", _("Unknown role “%(value)s” (use caregiver, child, "
                                           "pregnant, head or other).") % {"value": part.strip()})
                reported.add("role")
            elif role not in roles:
                roles.append(role)
        return roles

    def check_pregnancy(self, person: PersonRow, rec: dict, data: dict) -> None:
        raw = rec.get("expected_delivery_date")
        if RoleKind.PREGNANT in person.roles:
            if data.get("sex") == Sex.MALE:
                self.add(person.row, "role", _("A man cannot be registered as pregnant."))
            try:
                person.edd = clean_expected_delivery(raw)
            except ValidationError as exc:
                for message in exc.message_dict.get("expected_delivery_date", []):
                    self.add(person.row, "expected_delivery_date", message)
        elif cols.filled(raw):
            self.add(person.row, "expected_delivery_date", _("Ignored: the role does not include "
                                                            "pregnant."), WARNING)

    def check_relationship(self, person: PersonRow, rec: dict) -> None:
        raw = text(rec.get("caregiver_is"))
        if not raw:
            return
        kind = cols.canonical(cols.RELATIONSHIPS, raw)
        if kind is None:
            self.add(person.row, "caregiver_is", _("Unknown relationship “%(value)s” (use mother, "
                                                   "father, grandparent, sibling, partner, "
                                                   "guardian or other).") % {"value": raw})
            return
        person.caregiver_is = kind

    def registered(self):
        from crecer.registry.queries import persons_for

        return persons_for(self.user)

    def check_household_warnings(self) -> None:
        from crecer.registry.queries import households_for

        refs = sorted(self.plan.households)
        known: dict[tuple[str, int], str] = {}
        for part in chunks(refs):
            for code, unit_id, name in households_for(self.user).filter(code__in=part) \
                    .values_list("code", "territory_id", "territory__name"):
                known[(code, unit_id)] = name
        for ref, household in self.plan.households.items():
            if household.territory is not None and (ref, household.territory.pk) in known:
                self.add(household.first_row, "household_ref", _(
                    "A household with the code “%(code)s” is already registered in %(place)s.")
                    % {"code": ref, "place": household.territory.name}, WARNING)
            if household.members and not any(RoleKind.CAREGIVER in m.roles
                                              for m in household.members):
                self.add(household.first_row, "role", _("This household has no caregiver."),
                         WARNING)


def default_relationship(caregiver_sex: str) -> str:
    return RelationshipKind.MOTHER if caregiver_sex == Sex.FEMALE else RelationshipKind.FATHER


def text(value: Any) -> str:
    """A cell as stripped text: whole numbers without ".0", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return " ".join(str(value).split())


def _decimal_point(value: str) -> str:
    value = value.strip()
    return value.replace(",", ".") if "," in value and "." not in value else value


def _country(territory: OrgUnit) -> str:
    from crecer.registry.forms import country_of

    return country_of(territory)


def _max_rows() -> int:
    from .reader import max_rows

    return max_rows()
