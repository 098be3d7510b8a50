"""What the data-quality page shows, and each of its tables as a download.

`page(user, unit, params)` builds every section; `table(user, unit, params, name)` builds
only the one asked for and returns (title, headers, rows) for
`crecer.interop.tables.table_response`.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.http import Http404
from django.utils.translation import gettext as _

from crecer.accounts import policies
from crecer.indicators import periods
from crecer.territory.models import OrgUnit

from . import outliers, queries, reporting

TABLES = ("territories", "volunteers", "duplicates", "outliers", "aggregate_outliers",
          "denominators", "approvals")


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


class Context:
    """The unit, the month and the rows below, shared by every section."""

    def __init__(self, user, unit: OrgUnit, params, today: dt.date | None = None) -> None:
        self.user = user
        self.unit = unit
        self.today = today
        self.month = queries.parse_month(params.get("month"), today)
        self.rows = queries.rows_below(unit)

    def reporting(self) -> reporting.Reporting:
        return reporting.reporting(self.user, self.unit, self.month, rows=self.rows,
                                   today=self.today)

    def duplicates(self) -> queries.Duplicates:
        return queries.pending_duplicates(self.user, self.unit, self.rows)

    def outliers(self) -> outliers.Outliers:
        return outliers.indicator_outliers(self.unit, self.rows, self.month)

    def aggregate_outliers(self) -> outliers.Outliers:
        return outliers.aggregate_outliers(self.unit, self.month)

    def denominators(self) -> queries.Denominators:
        return queries.missing_denominators(self.unit, self.month.year)

    def approvals(self) -> queries.Approvals:
        return queries.approvals(self.unit, self.rows, self.month)


GOOD, FAIR = 90, 70  # colour of the completeness and timeliness cards (%)


def light(value: float | None) -> str:
    if value is None:
        return ""
    return "good" if value >= GOOD else "fair" if value >= FAIR else "bad"


def page(user, unit: OrgUnit, params, today: dt.date | None = None) -> dict:
    c = Context(user, unit, params, today)
    rep = c.reporting()
    found, entered, approved = c.outliers(), c.aggregate_outliers(), c.approvals()
    return {
        "unit": unit,
        "crumbs": queries.crumbs(user, unit),
        "level": queries.level_name(unit.depth),
        "row_level": queries.level_name(c.rows[0].depth) if c.rows else "",
        "month": c.month,
        "month_label": periods.label(c.month),
        "months": [(m.code, periods.label(m)) for m in queries.month_menu(today)],
        "query": urlencode({"month": c.month.code}),
        "reporting": rep,
        "reporting_month_end": periods.month_start(c.month.end + 1) - dt.timedelta(days=1),
        "lights": {"completeness": light(rep.total.completeness),
                   "timeliness": light(rep.total.timeliness)},
        "duplicates": c.duplicates(),
        "can_review_duplicates": policies.can_review_duplicates(user),
        "outliers": found,
        "aggregate_outliers": entered,
        "outlier_count": len(found.rows) + len(entered.rows),
        "denominators": c.denominators(),
        "approvals": approved,
        "approval_rows": [{"unit": r.unit, "cells": [
            {"locked": r.locked[p.code], "share": r.share(p.code)} for p in approved.periods]}
            for r in approved.rows],
    }


def table(user, unit: OrgUnit, params, name: str,
          today: dt.date | None = None) -> tuple[str, list, list]:
    """(title, headers, rows) of one table of the page; 404 for an unknown table."""
    if name not in TABLES:
        raise Http404
    c = Context(user, unit, params, today)
    where = f"{unit.name} · {c.month.code}"
    if name in ("territories", "volunteers"):
        rep = c.reporting()
        tally_headers = [_("households in caseload"), _("expected contacts"),
                         _("expected contacts recorded"), _("completeness (%)"),
                         _("contacts in the month"),
                         _("recorded within %(days)s days") % {"days": rep.timely_days},
                         _("timeliness (%)")]

        def tally(t: reporting.Tally) -> list:
            return [t.households, t.expected, t.recorded, _pct(t.completeness), t.contacts,
                    t.timely, _pct(t.timeliness)]

        if name == "territories":
            return (f"{_('Reporting by territory')} · {where}",
                    [_("territory code"), _("territory"), *tally_headers],
                    [[r.unit.code, r.unit.name, *tally(r.tally)] for r in rep.territories]
                    + [[unit.code, _("Total %(unit)s") % {"unit": unit.name}, *tally(rep.total)]])
        return (f"{_('Reporting by volunteer')} · {where}",
                [_("volunteer"), _("territories of the households"), *tally_headers],
                [[r.name, ", ".join(r.places), *tally(r.tally)] for r in rep.volunteers])
    if name == "duplicates":
        d = c.duplicates()
        return (f"{_('Pending duplicates')} · {unit.name}",
                [_("territory code"), _("territory"), _("pending pairs")],
                [[u.code, u.name, n] for u, n in d.rows]
                + [[unit.code, _("Total %(unit)s") % {"unit": unit.name}, d.total]])
    if name in ("outliers", "aggregate_outliers"):
        found = c.outliers() if name == "outliers" else c.aggregate_outliers()
        title = _("Unusual indicator values") if name == "outliers" else \
            _("Unusual aggregate values")
        return (f"{title} · {where}",
                [_("code"), _("indicator or data element"), _("territory code"), _("territory"),
                 _("period"), _("value"), _("median of the reference"), _("robust z"),
                 _("compared with"), _("reference values")],
                [[o.code, o.what, o.unit.code, o.unit.name, o.period, o.value, o.median,
                  o.z_text, o.basis_label, o.n] for o in found.rows])
    if name == "denominators":
        d = c.denominators()
        return (f"{_('Missing population estimates')} · {unit.name} · {d.year}",
                [_("territory code"), _("territory"), _("level"), _("in"),
                 _("latest earlier year with an estimate")],
                [[m.unit.code, m.unit.name, m.level, m.parent, m.latest_year]
                 for m in d.missing])
    a = c.approvals()
    headers = [_("territory code"), _("territory")]
    for p in a.periods:
        headers += [_("%(period)s approved") % {"period": p.code},
                    _("%(period)s values approved (%%)") % {"period": p.code}]
    rows = []
    for r in a.rows:
        row = [r.unit.code, r.unit.name]
        for p in a.periods:
            row += [r.locked[p.code], _pct(r.share(p.code))]
        rows.append(row)
    return f"{_('Approvals')} · {where}", headers, rows
