"""Pure rules: periods (months) and which co-responsibilities apply to whom in a period."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crecer.programmes.schedule import age_in_months

PERIOD_RE = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(value: str) -> tuple[dt.date, dt.date]:
    """First and last day of a "YYYY-MM" month, or a ValidationError naming the field."""
    m = PERIOD_RE.match(str(value or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
        raise ValidationError({"period": _("“%(value)s” is not a month (YYYY-MM).")
                               % {"value": value}})
    year, month = int(m.group(1)), int(m.group(2))
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def period_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class Member:
    pk: object
    name: str
    birth_date: dt.date | None
    pregnant: bool


def applicable(config: dict, members: list[Member], period_end: dt.date) -> list[tuple[dict, Member]]:
    """(condition, person) pairs due in the month: child conditions for each member whose age
    in completed months at the end of the month is in [from_months, to_months); pregnancy
    conditions for each member with an active pregnancy."""
    out = []
    for cond in config.get("coresponsibilities", []):
        for m in members:
            if cond.get("audience", "child") == "pregnant":
                if m.pregnant:
                    out.append((cond, m))
            elif m.birth_date is not None and m.birth_date <= period_end:
                age = age_in_months(m.birth_date, period_end)
                if cond["from_months"] <= age < cond["to_months"]:
                    out.append((cond, m))
    return out
