"""The health (or education) system's file: reading it strictly, then matching its rows to the
registry (by ID, else by names and birth date with the duplicate matcher)."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crecer.dedup.matching import find_candidates
from crecer.imports import reader
from crecer.programmes.models import EnrolmentStatus
from crecer.registry.models import Person
from crecer.registry.queries import persons_for

# A name + birth date match needs at least this matcher score (and the same birth date).
MATCH_SCORE = 0.8
COLUMNS = ("id_type", "id_number", "given_names", "surnames", "birth_date", "condition", "date",
           "compliant")
ALIASES = {"condition_code": "condition", "first_surname": "surnames", "apellidos": "surnames",
           "nombres": "given_names", "fecha": "date", "cumple": "compliant",
           "fecha_nacimiento": "birth_date"}
YES = {"yes", "y", "true", "1", "si", "sí", "s"}
NO = {"no", "n", "false", "0"}


@dataclass
class Row:
    number: int
    id_type: str
    id_number: str
    given_names: str
    first_surname: str
    second_surname: str
    birth_date: dt.date | None
    condition: str
    date: dt.date
    compliant: bool


@dataclass
class Match:
    row: Row
    person: Person
    how: str  # "id" or "name and birth date"


@dataclass
class Report:
    matched: list[Match] = field(default_factory=list)
    unmatched: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)
    saved: int = 0


def _header(value: Any) -> str:
    key = re.sub(r"[\s\-]+", "_", str(value or "").strip().lower())
    return ALIASES.get(key, key)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def read(file) -> reader.Sheet:
    """The rows of an uploaded file; `ValidationError` when it is no usable spreadsheet."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        with path.open("wb") as out:
            for chunk in (file.chunks() if hasattr(file, "chunks") else [file.read()]):
                out.write(chunk)
        try:
            with path.open("rb") as fh:
                head = fh.read(8192)
            fmt = reader.sniff(head, path.stat().st_size, path)
            path = path.rename(path.with_suffix(f".{fmt}"))  # openpyxl wants the extension
            return reader.read_sheet(path, fmt)
        except reader.Refused as exc:
            raise ValidationError([str(exc)]) from None


def parse(file, *, programme, start: dt.date, end: dt.date) -> list[Row]:
    """Every data row, checked. Any problem refuses the whole file with messages naming the row
    and the field."""
    sheet = read(file)
    if not sheet.rows:
        raise ValidationError([_("The file is empty.")])
    header_number, header = sheet.rows[0]
    names = [_header(v) for v in header]
    missing = [c for c in COLUMNS if c not in names and c != "id_type"]
    if missing:
        raise ValidationError([_("Row %(row)s: missing columns: %(cols)s.") % {
            "row": header_number, "cols": ", ".join(missing)}])
    codes = programme.coresponsibility_codes()
    errors: list[str] = []
    rows: list[Row] = []

    def err(number: int, column: str, message: str) -> None:
        errors.append(_("Row %(row)s, %(field)s: %(message)s") % {
            "row": number, "field": column, "message": message})

    for number, values in sheet.rows[1:]:
        cell = {n: values[i] if i < len(values) else None for i, n in enumerate(names)}
        before = len(errors)
        condition = _text(cell.get("condition")).upper()
        if condition not in codes:
            err(number, "condition", _("“%(value)s” is not a co-responsibility of %(programme)s.")
                % {"value": condition, "programme": programme.name})
        day = None
        try:
            day = _date(cell.get("date"))
        except ValueError:
            err(number, "date", _("“%(value)s” is not a date (YYYY-MM-DD).")
                % {"value": _text(cell.get("date"))})
        if day is not None and not start <= day <= end:
            err(number, "date", _("%(date)s is not in the month %(period)s.")
                % {"date": day.isoformat(), "period": start.strftime("%Y-%m")})
        birth = None
        if _text(cell.get("birth_date")):
            try:
                birth = _date(cell.get("birth_date"))
            except ValueError:
                err(number, "birth_date", _("“%(value)s” is not a date (YYYY-MM-DD).")
                    % {"value": _text(cell.get("birth_date"))})
        flag = _text(cell.get("compliant")).lower()
        if flag not in YES | NO:
            err(number, "compliant", _("“%(value)s” is not yes or no.") % {"value": flag})
        id_number = re.sub(r"[\s.\-]", "", _text(cell.get("id_number")).upper())
        given = _text(cell.get("given_names"))
        surnames = _text(cell.get("surnames")).split(None, 1)
        if "second_surname" in names:  # separate columns: first_surname (alias) + second
            surnames = [x for x in (_text(cell.get("surnames")),
                                    _text(cell.get("second_surname"))) if x]
        if not id_number and not (given and surnames and birth):
            err(number, "id_number", _("needs an ID number, or given names, surnames and a "
                                       "birth date."))
        if len(errors) == before:
            rows.append(Row(number=number, id_type=_text(cell.get("id_type")).upper(),
                            id_number=id_number, given_names=given,
                            first_surname=surnames[0] if surnames else "",
                            second_surname=surnames[1] if len(surnames) > 1 else "",
                            birth_date=birth, condition=condition, date=day,
                            compliant=flag in YES))
    if errors:
        raise ValidationError(errors)
    if not rows:
        raise ValidationError([_("The file has no data rows.")])
    return rows


def _by_name(actor, row: Row) -> tuple[Person | None, str]:
    data = {"given_names": row.given_names, "first_surname": row.first_surname,
            "second_surname": row.second_surname, "birth_date": row.birth_date}
    found = [c for c in find_candidates(actor, data, limit=5)
             if c.score >= MATCH_SCORE and c.person.birth_date == row.birth_date]
    if not found:
        return None, _("no person with these names and birth date in your territories")
    if len(found) > 1 and found[1].score >= found[0].score:
        return None, _("several persons match these names and birth date")
    return found[0].person, ""


def match(actor, programme, rows: list[Row], *, period_end: dt.date) -> Report:
    """Match each row to one person in the actor's scope whose household is enrolled."""
    report = Report()
    people = persons_for(actor)
    by_id = {}
    ids = {r.id_number for r in rows if r.id_number}
    if ids:
        for p in people.filter(id_number__in=ids).select_related("territory"):
            by_id.setdefault(p.id_number, []).append(p)
    enrolled = set(programme.enrolments.filter(
        status=EnrolmentStatus.ACTIVE, start__lte=period_end).values_list("household_id", flat=True))
    for row in rows:
        person, how, reason = None, "id", ""
        if row.id_number and len(by_id.get(row.id_number, [])) == 1:
            person = by_id[row.id_number][0]
        elif row.given_names and row.first_surname and row.birth_date:
            person, reason = _by_name(actor, row)
            how = "name and birth date"
            if person is None and row.id_number:
                reason = _("no person with ID %(id)s in your territories; %(reason)s") % {
                    "id": row.id_number, "reason": reason}
        else:
            reason = _("no person with ID %(id)s in your territories") % {"id": row.id_number}
        if person is not None and person.household_id not in enrolled:
            person, reason = None, _("%(person)s's household is not enrolled in %(programme)s") % {
                "person": person.full_name, "programme": programme.name}
        if person is None:
            report.unmatched.append((row.number, reason))
        else:
            report.matched.append(Match(row, person, how))
    return report
