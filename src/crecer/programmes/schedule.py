"""Pure date rules of a programme's configuration: ages in months, visit intervals, due dates.

Ages count completed months; a month is complete on the same day of the month, or on the last
day of a shorter month (born 31 January: one month old on 28/29 February).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_in_months(birth: dt.date, on: dt.date) -> int:
    """Completed months between `birth` and `on` (negative before birth)."""
    months = (on.year - birth.year) * 12 + on.month - birth.month
    if add_months(birth, months) > on:
        months -= 1
    return months


def band_for(config: dict, months: int) -> dict | None:
    for band in config["schedule"]["bands"]:
        if band["from_months"] <= months < band["to_months"]:
            return band
    return None


def interval_days(config: dict, *, child_ages: Iterable[int], pregnant: bool) -> int:
    """Days between visits for a household: the shortest interval among its children in a
    band and its pregnancy; the default when nobody is in a band."""
    sched = config["schedule"]
    found = [b["every_days"] for months in child_ages if (b := band_for(config, months))]
    if pregnant and sched.get("pregnant_every_days"):
        found.append(sched["pregnant_every_days"])
    return min(found) if found else sched["default_every_days"]


def next_due(*, last_contact: dt.date | None, start: dt.date, every_days: int) -> dt.date:
    """The next visit is due `every_days` after the last contact; at the start of the
    enrolment when there has been none."""
    if last_contact is None:
        return start
    return last_contact + dt.timedelta(days=every_days)


def messages_for(config: dict, *, child_ages: Iterable[int], pregnant: bool) -> list[dict]:
    """Key messages suited to the household: for each child's age, and for a pregnancy."""
    ages = list(child_ages)
    out = []
    for m in config.get("key_messages", []):
        if m.get("audience", "child") == "pregnant":
            if pregnant:
                out.append(m)
        elif any(m["from_months"] <= a < m["to_months"] for a in ages):
            out.append(m)
    return out
