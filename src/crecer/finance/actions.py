"""Every write to finance data: a permission check, complete validation before anything is
written, one transaction, an audit row per change.

    record_budget(actor=…, unit=…, year=2026, category="staff", source=…, amount="1200.50")
    record_expenditure(actor=…, unit=…, date=…, category=…, source=…, amount=…, in_kind=True,
                       valuation_note="2 rooms × 12 months × 80 USD")
    record_group_purchase(actor=…, name=…, date=…, total_amount=…, source=…,
                          shares=[{"unit": a, "percent": "60"}, {"unit": b, "percent": "40"}])

Values may be typed (Decimal, date, FundingSource, OrgUnit) or the text a user typed; a
`Rejected` lists every refused input (the field named) and nothing is saved. File imports are
in `importing.py`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core import audit
from crecer.core.models import AuditAction
from crecer.territory.models import OrgUnit

from . import cleaning
from .cleaning import Cleaner, FieldError, Rejected
from .models import (
    Budget,
    Category,
    Expenditure,
    FundingSource,
    GroupPurchase,
    GroupPurchaseShare,
    SourceKind,
    is_government_kind,
)
from .policies import can_manage_sources

PERCENT_TOLERANCE = Decimal("0.01")


def check_can_manage(actor, *units: OrgUnit) -> None:
    if not policies.can_manage_finance(actor):
        raise PermissionDenied(_("You cannot record finance data."))
    for unit in units:
        if not scope.covers(actor, unit):
            raise PermissionDenied(_("This territory is outside your territories."))


def _created(obj) -> dict[str, list[Any]]:
    return {k: [None, v] for k, v in audit.snapshot(obj).items() if k != "id"}


def _note(obj, unit: OrgUnit) -> str:
    return f"{obj._meta.model_name} · {unit.code}"


# --- budget and expenditure lines --------------------------------------------------------------

def record_budget(*, actor, unit: OrgUnit | str, year: int | str, category: str,
                  source: FundingSource | str, amount: Decimal | str, in_kind: bool | str = False,
                  valuation_note: str = "", is_ecd_line: bool | str = False,
                  note: str = "") -> Budget:
    """Record one budget line of a territory (in the actor's territories)."""
    if not policies.can_manage_finance(actor):
        raise PermissionDenied(_("You cannot record finance data."))
    values, errors = Cleaner(actor).budget({
        "unit": unit, "year": year, "category": category, "source": source, "amount": amount,
        "in_kind": in_kind, "valuation_note": valuation_note, "is_ecd_line": is_ecd_line,
        "note": note})
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        budget = Budget.objects.create(entered_by=actor, **values)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=budget, changes=_created(budget),
                     territory_path=budget.unit.path, note=_note(budget, budget.unit))
    return budget


def record_expenditure(*, actor, unit: OrgUnit | str, date, category: str,
                       source: FundingSource | str, amount: Decimal | str,
                       in_kind: bool | str = False, valuation_note: str = "",
                       description: str = "") -> Expenditure:
    """Record one expenditure (or valued in-kind contribution) of a territory."""
    if not policies.can_manage_finance(actor):
        raise PermissionDenied(_("You cannot record finance data."))
    values, errors = Cleaner(actor).expenditure({
        "unit": unit, "date": date, "category": category, "source": source, "amount": amount,
        "in_kind": in_kind, "valuation_note": valuation_note, "description": description})
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        spent = Expenditure.objects.create(entered_by=actor, **values)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=spent, changes=_created(spent),
                     territory_path=spent.unit.path, note=_note(spent, spent.unit))
    return spent


def delete_budget(*, actor, budget: Budget) -> None:
    check_can_manage(actor, budget.unit)
    with transaction.atomic():
        before = audit.snapshot(budget)
        audit.record(actor=actor, action=AuditAction.DELETE, obj=budget,
                     changes={k: [v, None] for k, v in before.items() if k != "id"},
                     territory_path=budget.unit.path, note=_note(budget, budget.unit))
        budget.delete()


def delete_expenditure(*, actor, expenditure: Expenditure) -> None:
    check_can_manage(actor, expenditure.unit)
    if expenditure.group_purchase_id:
        raise Rejected([FieldError("", _(
            "This expenditure is a share of the group purchase “%(name)s”: delete the group "
            "purchase instead.") % {"name": expenditure.group_purchase.name})])
    with transaction.atomic():
        before = audit.snapshot(expenditure)
        audit.record(actor=actor, action=AuditAction.DELETE, obj=expenditure,
                     changes={k: [v, None] for k, v in before.items() if k != "id"},
                     territory_path=expenditure.unit.path,
                     note=_note(expenditure, expenditure.unit))
        expenditure.delete()


# --- group purchases ---------------------------------------------------------------------------

def _split(total: Decimal, percents: list[Decimal]) -> list[Decimal]:
    """Amounts for the percentages (rounded to the cent; the last share takes the rounding so
    that they add up to the total exactly)."""
    amounts = [(total * p / 100).quantize(Decimal("0.01")) for p in percents[:-1]]
    return [*amounts, total - sum(amounts, Decimal(0))]


def _clean_shares(cleaner: Cleaner, shares: list[dict], total: Decimal | None,
                  errors: list[FieldError]) -> list[tuple[OrgUnit, Decimal, Decimal]]:
    """[(unit, percent, amount)] or errors. Every share gives a percentage, or every share an
    amount; percentages add up to 100, amounts to the total."""
    rows = [s for s in shares if any(cleaning._text(s.get(k)) or isinstance(s.get(k), OrgUnit)
                                     for k in ("unit", "percent", "amount"))]
    if len(rows) < 2:
        errors.append(FieldError("shares", _("a group purchase is shared by at least two "
                                             "territories.")))
        return []
    units: list[OrgUnit] = []
    percents: list[Decimal | None] = []
    amounts: list[Decimal | None] = []
    seen: set[int] = set()
    for n, share in enumerate(rows, start=1):
        label = _("share %(n)s") % {"n": n}
        try:
            unit = cleaner.unit(share.get("unit"))
            if unit.pk in seen:
                errors.append(FieldError("shares", _("%(share)s: %(unit)s has two shares.")
                                         % {"share": label, "unit": unit.name}))
            seen.add(unit.pk)
            units.append(unit)
        except ValueError as exc:
            errors.append(FieldError("shares", f"{label}: {exc}"))
        p_text, a_text = cleaning._text(share.get("percent")), cleaning._text(share.get("amount"))
        percent = amount = None
        if p_text:
            try:
                percent = Decimal(p_text.rstrip("%").strip().replace(",", "."))
                if not percent.is_finite() or not 0 < percent <= 100:
                    raise ValueError
                if percent != percent.quantize(Decimal("0.0001")):
                    raise ValueError
            except (ValueError, ArithmeticError):
                errors.append(FieldError("shares", _(
                    "%(share)s: “%(raw)s” is not a percentage above 0 and up to 100 (at most 4 "
                    "decimals).") % {"share": label, "raw": p_text}))
                percent = None
        if a_text:
            try:
                amount = cleaning.parse_amount(a_text, positive=True)
            except ValueError as exc:
                errors.append(FieldError("shares", f"{label}: {exc}"))
        if not p_text and not a_text:
            errors.append(FieldError("shares", _("%(share)s: give its percentage or its "
                                                 "amount.") % {"share": label}))
        percents.append(percent)
        amounts.append(amount)
    if errors:
        return []
    if all(p is not None for p in percents):
        given = sum(percents, Decimal(0))
        if abs(given - 100) > PERCENT_TOLERANCE:
            errors.append(FieldError("shares", _(
                "the percentages add up to %(sum)s %%, not 100 %%.")
                % {"sum": format(given.normalize(), "f")}))
            return []
        if total is None:
            return []
        return list(zip(units, percents, _split(total, percents), strict=True))
    if all(a is not None for a in amounts):
        given = sum(amounts, Decimal(0))
        if total is not None and given != total:
            errors.append(FieldError("shares", _(
                "the amounts add up to %(sum)s, not to the total %(total)s.")
                % {"sum": given, "total": total}))
            return []
        if total is None:
            return []
        return [(u, (a * 100 / total).quantize(Decimal("0.0001")), a)
                for u, a in zip(units, amounts, strict=True)]
    errors.append(FieldError("shares", _("give every share as a percentage, or every share as "
                                         "an amount (not a mix).")))
    return []


def record_group_purchase(*, actor, name: str, date, total_amount: Decimal | str,
                          source: FundingSource | str, shares: list[dict],
                          category: str = Category.MATERIALS_KITS,
                          description: str = "") -> GroupPurchase:
    """Record an order placed together by several territories and one expenditure per share.

    `shares`: [{"unit": OrgUnit or code, "percent": "60"} …] or with "amount" instead; every
    territory must be in the actor's territories."""
    if not policies.can_manage_finance(actor):
        raise PermissionDenied(_("You cannot record finance data."))
    cleaner = Cleaner(actor)
    errors: list[FieldError] = []
    name = cleaning.clean_text(name, "name", errors, None)
    if not name:
        errors.append(FieldError("name", _("give the purchase a name.")))
    description = cleaning.clean_text(description, "description", errors, None)
    values: dict[str, Any] = {}
    inputs = (("date", date, cleaning.parse_date),
              ("category", category, cleaning.parse_category),
              ("source", source, cleaner.source),
              ("total_amount", total_amount, lambda v: cleaning.parse_amount(v, positive=True)))
    for field, raw, parse in inputs:
        try:
            values[field] = parse(raw)
        except ValueError as exc:
            errors.append(FieldError(field, str(exc)))
    source_obj = values.get("source")
    if source_obj is not None and source_obj.kind == SourceKind.COMMUNITY_IN_KIND:
        errors.append(FieldError("source", _("a group purchase is paid in money, not given in "
                                             "kind by the community.")))
    split = _clean_shares(cleaner, shares, values.get("total_amount"), errors)
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        purchase = GroupPurchase.objects.create(name=name, description=description,
                                                entered_by=actor, **values)
        made = GroupPurchaseShare.objects.bulk_create([
            GroupPurchaseShare(purchase=purchase, unit=u, percent=p, amount=a)
            for u, p, a in split])
        spent = Expenditure.objects.bulk_create([
            Expenditure(unit=u, date=purchase.date, category=purchase.category,
                        source=purchase.source, amount=a, description=name[:255],
                        group_purchase=purchase, entered_by=actor)
            for u, _p, a in split])
        changes = _created(purchase)
        changes["shares"] = [None, [{"unit": s.unit.code, "percent": str(s.percent),
                                     "amount": str(s.amount)} for s in made]]
        audit.record(actor=actor, action=AuditAction.CREATE, obj=purchase, changes=changes,
                     territory_path=common_path([u for u, _p, _a in split]), note=f"group purchase · {len(made)} shares")
        for e in spent:
            audit.record(actor=actor, action=AuditAction.CREATE, obj=e, changes=_created(e),
                         territory_path=e.unit.path, note=_note(e, e.unit))
    return purchase


def common_path(units: list[OrgUnit]) -> str:
    """The path of the lowest territory above (or equal to) all the units."""
    if not units:
        return ""
    parts = [u.path.strip("/").split("/") for u in units]
    shared: list[str] = []
    for segments in zip(*parts, strict=False):
        if len(set(segments)) != 1:
            break
        shared.append(segments[0])
    return f"/{'/'.join(shared)}/" if shared else ""


def delete_group_purchase(*, actor, purchase: GroupPurchase) -> None:
    """Delete a group purchase with its shares and their expenditures (every territory of it
    must be the actor's)."""
    units = [s.unit for s in purchase.shares.select_related("unit")]
    check_can_manage(actor, *units)
    with transaction.atomic():
        for e in purchase.expenditures.select_related("unit"):
            audit.record(actor=actor, action=AuditAction.DELETE, obj=e,
                         changes={k: [v, None] for k, v in audit.snapshot(e).items()
                                  if k != "id"},
                         territory_path=e.unit.path, note=_note(e, e.unit))
        audit.record(actor=actor, action=AuditAction.DELETE, obj=purchase,
                     changes={k: [v, None] for k, v in audit.snapshot(purchase).items()
                              if k != "id"},
                     territory_path=common_path(units),
                     note="group purchase deleted")
        purchase.delete()


# --- funding sources ---------------------------------------------------------------------------

def add_funding_source(*, actor, code: str, name: str, kind: str) -> FundingSource:
    if not can_manage_sources(actor):
        raise PermissionDenied(_("You cannot add funding sources."))
    errors: list[FieldError] = []
    code = cleaning.clean_text(code, "code", errors, None).lower()
    name = cleaning.clean_text(name, "name", errors, None)
    if not code:
        errors.append(FieldError("code", _("enter a short code (letters, digits and dashes).")))
    elif len(code) > 40 or not all(c.isalnum() or c in "-_" for c in code) or not code.isascii():
        errors.append(FieldError("code", _("use up to 40 letters, digits and dashes, without "
                                           "spaces or accents.")))
    elif FundingSource.objects.filter(code=code).exists():
        errors.append(FieldError("code", _("“%(code)s” is already used.") % {"code": code}))
    if not name:
        errors.append(FieldError("name", _("enter the name of the source.")))
    if kind not in SourceKind.values:
        errors.append(FieldError("kind", _("choose the kind of source.")))
    if errors:
        raise Rejected(errors)
    with transaction.atomic():
        source = FundingSource.objects.create(code=code, name=name, kind=kind)
        audit.record(actor=actor, action=AuditAction.CREATE, obj=source,
                     changes=_created(source), note=f"funding source {code}")
    return source


def set_source_active(*, actor, source: FundingSource, active: bool) -> FundingSource:
    if not can_manage_sources(actor):
        raise PermissionDenied(_("You cannot change funding sources."))
    if source.active != active:
        with transaction.atomic():
            source.active = active
            source.save(update_fields=["active", "updated_at"])
            audit.record(actor=actor, action=AuditAction.UPDATE, obj=source,
                         changes={"active": [not active, active]},
                         note=f"funding source {source.code}")
    return source


# The sources of the Honduras model (seeds/001, pillars 1-3); `load_default_sources` adds the
# missing ones (idempotent). Names are data, in the language of the programme.
DEFAULT_SOURCES = [
    ("gobierno-central", "Gobierno central (Secretaría de Desarrollo Social)",
     SourceKind.CENTRAL_GOVERNMENT),
    ("municipalidad", "Presupuesto municipal", SourceKind.MUNICIPALITY),
    ("aporte-comunitario", "Aporte comunitario en especie", SourceKind.COMMUNITY_IN_KIND),
    ("unicef", "UNICEF", SourceKind.INTERNATIONAL_COOPERATION),
    ("bid", "Banco Interamericano de Desarrollo", SourceKind.INTERNATIONAL_COOPERATION),
    ("banco-mundial", "Banco Mundial", SourceKind.INTERNATIONAL_COOPERATION),
    ("sector-privado", "Sector privado y filantropía", SourceKind.PRIVATE_SECTOR),
    ("bono-impacto-social", "Bono de impacto social", SourceKind.SOCIAL_IMPACT_BOND),
]


def load_default_sources() -> int:
    """Add the shipped funding sources that do not exist yet (run as the system, no actor).
    Returns how many were added."""
    existing = set(FundingSource.objects.values_list("code", flat=True))
    new = [FundingSource(code=c, name=n, kind=k, is_government=is_government_kind(k))
           for c, n, k in DEFAULT_SOURCES if c not in existing]
    FundingSource.objects.bulk_create(new)
    return len(new)
