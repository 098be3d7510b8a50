"""Below the community: the field work of each volunteer in the selected period, read from the
engine's `volunteer_month` results table (caseload, contacts, home visits, remote contacts that
reached the family, families contacted). Shown for field indicators (`Indicator.field_level`).

The sub-population filters and disaggregations do not apply to these figures (the table says
so): they are counts of the volunteers' own work.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from crecer.accounts.models import User

from .filters import Selection


@dataclass
class VolunteerRow:
    volunteer_id: int
    name: str
    caseload: int = 0
    contacts: int = 0
    home_visits: int = 0
    remote_reached: int = 0
    households_contacted: float = 0
    share: float | None = None
    share_text: str = "–"


@dataclass
class VolunteerTable:
    rows: list[VolunteerRow] = field(default_factory=list)
    note: str = ""


def table(unit, sel: Selection) -> VolunteerTable:
    """One row per volunteer who had families or contacts in the unit's subtree in the period.

    Caseload is the stock at the period's last month with data; contacts, home visits and remote
    contacts add up over the months; families contacted is the month's count (the monthly
    average for longer periods), and its share of the caseload likewise."""
    from crecer.indicators import queries as engine

    from .queries import number

    rows = engine.volunteer_months([unit.pk], sel.period.start, sel.period.end)
    per: dict[int, dict] = {}
    for volunteer_id, _unit_id, month, caseload, contacts, visits, remote, contacted in rows:
        if volunteer_id is None:
            continue
        v = per.setdefault(volunteer_id, {"months": {}, "contacts": 0, "visits": 0,
                                          "remote": 0})
        m = v["months"].setdefault(month, [0, 0])
        m[0] += caseload or 0
        m[1] += contacted or 0
        v["contacts"] += contacts or 0
        v["visits"] += visits or 0
        v["remote"] += remote or 0
    names = {u.pk: (u.get_full_name() or u.username)
             for u in User.objects.filter(pk__in=list(per)).only("first_name", "last_name",
                                                                  "username")}
    out = []
    n_months = sel.period.months
    for volunteer_id, v in per.items():
        months = v["months"]
        last = max(months)
        caseload = months[last][0]
        contacted = sum(m[1] for m in months.values()) / n_months
        shares = [m[1] / m[0] for m in months.values() if m[0]]
        share = 100 * sum(shares) / n_months if shares else None
        row = VolunteerRow(volunteer_id=volunteer_id,
                           name=names.get(volunteer_id, f"#{volunteer_id}"),
                           caseload=caseload, contacts=v["contacts"], home_visits=v["visits"],
                           remote_reached=v["remote"],
                           households_contacted=round(contacted, 1) if n_months > 1
                           else int(contacted), share=share)
        if share is not None:
            row.share_text = f"{number(share, 1)} %"
        out.append(row)
    out.sort(key=lambda r: (r.share is None, -(r.share or 0), r.name))
    note = _("Figures of the volunteers' own work in the period; the sub-population filters "
             "do not apply to them.")
    if n_months > 1:
        note += " " + _("Families contacted and their share are monthly averages.")
    return VolunteerTable(rows=out, note=note)
