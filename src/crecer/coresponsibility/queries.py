"""Reads of compliance checks, limited to the user's territories, grouped per household for the
compliance list and the payment roster."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from crecer.accounts.scope import within
from crecer.registry.models import RoleKind
from crecer.registry.queries import persons_for
from crecer.territory.queries import subtree_q

from .models import ComplianceCheck


def checks_for(user) -> QuerySet[ComplianceCheck]:
    return ComplianceCheck.objects.filter(within(user, "household__territory"))


@dataclass
class HouseholdCompliance:
    household: object
    programme: object
    period: str
    caregiver_name: str = ""
    caregiver_id: str = ""
    checks: list = field(default_factory=list)

    @property
    def compliant(self) -> bool:
        return all(c.compliant for c in self.checks)

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.checks if not c.compliant and c.reason]


def household_compliance(user, *, period: str, programme=None, municipality=None,
                         limit: int | None = None) -> list[HouseholdCompliance]:
    """One entry per household, programme and period with checks in the user's scope."""
    qs = checks_for(user).filter(period=period).select_related(
        "household__territory", "programme", "person")
    if programme is not None:
        qs = qs.filter(programme=programme)
    if municipality is not None:
        qs = qs.filter(subtree_q([municipality.path], field="household__territory__path"))
    out: dict[tuple, HouseholdCompliance] = {}
    for c in qs.order_by("household__code", "household_id", "programme__name", "condition",
                         "person__given_names"):
        key = (c.household_id, c.programme_id)
        if key not in out:
            if limit is not None and len(out) >= limit:
                break
            out[key] = HouseholdCompliance(c.household, c.programme, period)
        out[key].checks.append(c)
    household_ids = {k[0] for k in out}
    caregivers = {}
    for p in (persons_for(user).filter(household_id__in=household_ids,
                                       roles__role=RoleKind.CAREGIVER, roles__active=True)
              .order_by("created_at")):
        caregivers.setdefault(p.household_id, p)
    for row in out.values():
        if (p := caregivers.get(row.household.pk)) is not None:
            row.caregiver_name, row.caregiver_id = p.full_name, p.id_number
    return list(out.values())


def roster_header() -> list[str]:
    return [_("household code"), _("programme"), _("period"), _("caregiver"), _("caregiver ID"),
            _("community"), _("compliant"), _("reasons")]


def roster_rows(entries: list[HouseholdCompliance]) -> list[list[str]]:
    return [[e.household.code, e.programme.code, e.period, e.caregiver_name, e.caregiver_id,
             e.household.territory.name, _("yes") if e.compliant else _("no"),
             "; ".join(e.reasons)] for e in entries]


def _safe(value: str) -> str:
    """Cells starting with = + - @ are read as formulas by spreadsheets: quote them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def roster_csv(entries: list[HouseholdCompliance]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(roster_header())
    for row in roster_rows(entries):
        writer.writerow([_safe(str(v)) for v in row])
    return buf.getvalue()


def roster_xlsx(entries: list[HouseholdCompliance]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("Roster")[:31]
    sheet.append(roster_header())
    for row in roster_rows(entries):
        sheet.append([_safe(str(v)) for v in row])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
