"""Every write to aggregate values and period approvals: permission and scope checks, complete
validation before anything is written, one transaction, one audit row per change.

    save_values(actor=…, unit=…, period="2026Q1", values={"workshops_total": "12", …})
    approve_period(actor=…, unit=…, period="202603")
    undo_approval(actor=…, approval=…, reason="wrong budget figure")

A value is locked while an active approval exists for its territory or any territory above it,
for its period or a period containing it (a year's approval locks its quarters and months).
Approving freezes the indicator values of the territory's subtree and period
(`crecer.indicators.engine.freeze`); undoing releases them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core import audit
from crecer.core.models import AuditAction
from crecer.indicators import periods
from crecer.territory.models import Kind, Level, OrgUnit

from . import queries
from .models import AggregateValue, DataElement, PeriodApproval, ValueType

MAX_ABS = Decimal("1e14")  # DecimalField(max_digits=16, decimal_places=2)
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_YES = {"1", "yes", "y", "si", "sí", "s", "true", "on", "x"}
_NO = {"0", "no", "n", "false", "off"}


@dataclass(frozen=True)
class FieldError:
    """One refused input: the field (element code, or "period" / "unit" / "" for the form) and
    the reason, in the user's language; `str()` names the field."""

    code: str
    field: str  # the element's name in the user's language ("" for the whole form)
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValuesRejected(ValidationError):
    """Nothing was saved; `errors` lists every refused input."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        by_field: dict[str, list[str]] = {}
        for e in errors:
            by_field.setdefault(e.code or "__all__", []).append(str(e))
        super().__init__(by_field)


@dataclass
class SaveResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.created) + len(self.updated) + len(self.deleted)


# --- parsing ---------------------------------------------------------------------------------

def parse_value(element: DataElement, raw: str) -> Decimal:
    """The stored value of one input, or ValueError with the reason (in the user's language)."""
    text = str(raw).strip()
    if element.value_type == ValueType.BOOLEAN:
        low = text.lower()
        if low in _YES:
            return Decimal(1)
        if low in _NO:
            return Decimal(0)
        raise ValueError(_("“%(raw)s” is not yes or no.") % {"raw": text})
    compact = re.sub(r"[\s\u00a0\u202f]", "", text)
    if element.value_type in (ValueType.MONEY, ValueType.PERCENTAGE):
        compact = compact.lstrip("$").rstrip("%")
    if not _NUMBER.match(compact):
        raise ValueError(_("“%(raw)s” is not a number: write digits only, with a point or a "
                           "comma before the decimals (e.g. 1250.50).") % {"raw": text})
    try:
        value = Decimal(compact.replace(",", "."))
    except InvalidOperation:  # pragma: no cover (the pattern already refused it)
        raise ValueError(_("“%(raw)s” is not a number.") % {"raw": text}) from None
    if element.value_type == ValueType.INTEGER and value != value.to_integral_value():
        raise ValueError(_("%(value)s is not a whole number.") % {"value": text})
    if value.as_tuple().exponent < -2 and value != value.quantize(Decimal("0.01")):
        raise ValueError(_("%(value)s has more than 2 decimals.") % {"value": text})
    if abs(value) >= MAX_ABS:
        raise ValueError(_("%(value)s is too large.") % {"value": text})
    lo, hi = element.min_value, element.max_value
    if element.value_type == ValueType.PERCENTAGE:
        lo = 0 if lo is None else lo
        hi = 100 if hi is None else hi
    if lo is not None and value < Decimal(str(lo)):
        raise ValueError(_("%(value)s is below the minimum, %(min)s.")
                         % {"value": text, "min": _plain(lo)})
    if hi is not None and value > Decimal(str(hi)):
        raise ValueError(_("%(value)s is above the maximum, %(max)s.")
                         % {"value": text, "max": _plain(hi)})
    return value.quantize(Decimal("0.01"))


def period_noun(kind: str) -> str:
    return {periods.MONTH: _("month"), periods.QUARTER: _("quarter"),
            periods.SEMESTER: _("semester"), periods.YEAR: _("year")}.get(kind, kind)


def _level_name(code: str) -> str:
    level = Level.objects.filter(code=code).first()
    return level.name.lower() if level else code


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def lock_message(approval: PeriodApproval) -> str:
    return _("The period is locked: %(unit)s, %(period)s was approved by %(user)s "
             "(%(date)s).") % {
        "unit": approval.unit.name, "period": periods.label(approval.period),
        "user": approval.approved_by, "date": date_format(
            timezone.localtime(approval.approved_at), "SHORT_DATETIME_FORMAT")}


def _unit_level_errors(unit: OrgUnit) -> list[FieldError]:
    if unit.kind != Kind.AREA:
        return [FieldError("unit", "", _("%(unit)s is a service point: aggregate figures are "
                                         "entered for areas.") % {"unit": unit.name})]
    return []


def _check_entry(actor, unit: OrgUnit) -> None:
    if not policies.can_enter_aggregates(actor) or not scope.covers(actor, unit):
        raise PermissionDenied(_("You cannot enter figures for this territory."))


# --- save ------------------------------------------------------------------------------------

def save_values(*, actor, unit: OrgUnit, period: str, values: dict[str, str],
                comments: dict[str, str] | None = None) -> SaveResult:
    """Validate every input, then save them all in one transaction (or nothing).

    `values` maps element codes to the text typed; a blank text deletes the stored value.
    Codes left out are not touched. Raises PermissionDenied (role or territory) or
    ValuesRejected listing every refused input.
    """
    _check_entry(actor, unit)
    comments = comments or {}
    errors = _unit_level_errors(unit)
    try:
        parsed_period = periods.parse(period)
    except ValueError:
        raise ValuesRejected(errors + [FieldError("period", _("Period"), _(
            "“%(period)s” is not a period (use 202603, 2026Q1 or 2026).") % {"period": period})]
        ) from None
    period = parsed_period.code
    approval = queries.is_locked(unit, period)
    if approval is not None:  # say so first: no point correcting figures that cannot change
        raise ValuesRejected([FieldError("", "", lock_message(approval))])
    elements = {e.code: e for e in DataElement.objects.filter(code__in=list(values))}
    unit_level = queries.level_code(unit)
    wanted: dict[str, Decimal | None] = {}
    for code, raw in values.items():
        element = elements.get(code)
        if element is None:
            errors.append(FieldError(code, code, _("unknown data element.")))
            continue
        name = element.label
        if not element.active:
            errors.append(FieldError(code, name, _("this figure is no longer collected.")))
            continue
        if element.period_type != parsed_period.type:
            errors.append(FieldError(code, name, _(
                "it is entered %(expected)s, and %(period)s is a %(actual)s.")
                % {"expected": element.get_period_type_display(), "period": period,
                   "actual": period_noun(parsed_period.type)}))
            continue
        if element.level_code and element.level_code != unit_level:
            errors.append(FieldError(code, name, _(
                "it is entered for each %(level)s, and %(unit)s is not one.")
                % {"level": _level_name(element.level_code), "unit": unit.name}))
            continue
        comment = str(comments.get(code, "") or "").strip()
        if len(comment) > 255:
            errors.append(FieldError(code, name, _("the comment is longer than 255 characters.")))
            continue
        raw_text = "" if raw is None else str(raw).strip()
        if raw_text == "":
            wanted[code] = None
            continue
        try:
            wanted[code] = parse_value(element, raw_text)
        except ValueError as exc:
            errors.append(FieldError(code, name, str(exc)))
    if errors:
        raise ValuesRejected(errors)

    with transaction.atomic():
        approval = queries.is_locked(unit, period)  # again: approved meanwhile?
        if approval is not None:
            raise ValuesRejected([FieldError("", "", lock_message(approval))])
        stored = {v.element.code: v for v in AggregateValue.objects.select_for_update()
                  .filter(unit=unit, period=period).select_related("element")}
        rule_errors = _rule_errors(elements, wanted, stored)
        if rule_errors:
            raise ValuesRejected(rule_errors)
        result = SaveResult()
        for code, value in wanted.items():
            element = elements[code]
            comment = str(comments.get(code, "") or "").strip()
            _write(actor, unit, period, element, value, comment, stored.get(code), result)
        if result.changed:
            _schedule_refresh()
    return result


def _rule_errors(elements: dict[str, DataElement], wanted: dict[str, Decimal | None],
                 stored: dict[str, AggregateValue]) -> list[FieldError]:
    """`not_above` rules over the values as they will be after saving."""
    def after(code: str) -> Decimal | None:
        if code in wanted:
            return wanted[code]
        row = stored.get(code)
        return row.value if row else None

    errors = []
    for code, value in wanted.items():
        element = elements[code]
        other_code = element.not_above
        if value is None or not other_code:
            continue
        limit = after(other_code)
        if limit is not None and value > limit:
            other = elements.get(other_code) or DataElement.objects.filter(code=other_code).first()
            errors.append(FieldError(code, element.label, _(
                "%(value)s is more than “%(other)s” (%(limit)s).") % {
                "value": queries.as_text(element, value),
                "other": other.label if other else other_code,
                "limit": queries.as_text(other, limit) if other else limit}))
    return errors


def _write(actor, unit, period, element, value, comment, row, result: SaveResult) -> None:
    note = f"{element.code} · {unit.code} · {period}"
    if value is None:
        if row is None:
            return
        changes = {"value": [str(row.value), None], "comment": [row.comment, None],
                   "element": element.code, "period": period}
        audit.record(actor=actor, action=AuditAction.DELETE, obj=row, changes=changes,
                     territory_path=unit.path, note=note)
        row.delete()
        result.deleted.append(element.code)
        return
    if row is None:
        row = AggregateValue.objects.create(element=element, unit=unit, period=period,
                                            value=value, comment=comment, entered_by=actor)
        changes = {"value": [None, str(value)], "element": element.code, "period": period}
        if comment:
            changes["comment"] = [None, comment]
        audit.record(actor=actor, action=AuditAction.CREATE, obj=row, changes=changes,
                     territory_path=unit.path, note=note)
        result.created.append(element.code)
        return
    if row.value == value and row.comment == comment:
        result.unchanged.append(element.code)
        return
    changes = {"element": element.code, "period": period}
    if row.value != value:
        changes["value"] = [str(row.value), str(value)]
    if row.comment != comment:
        changes["comment"] = [row.comment, comment]
    row.value, row.comment, row.entered_by = value, comment, actor
    row.save(update_fields=["value", "comment", "entered_by", "updated_at"])
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=row, changes=changes,
                 territory_path=unit.path, note=note)
    result.updated.append(element.code)


def _schedule_refresh() -> None:
    """Queue the indicator refresh (it is enqueued after commit: the worker must see the new
    values)."""
    from crecer.indicators.tasks import schedule_refresh

    schedule_refresh()


# --- approvals -------------------------------------------------------------------------------

def approve_period(*, actor, unit: OrgUnit, period: str) -> PeriodApproval:
    """Approve the unit's period: its values and those of its subtree (and of the shorter
    periods inside it) are locked and its indicator values frozen."""
    if not policies.can_approve_period(actor) or not scope.covers(actor, unit):
        raise PermissionDenied(_("You cannot approve periods of this territory."))
    errors = _unit_level_errors(unit)
    try:
        parsed = periods.parse(period)
    except ValueError:
        errors.append(FieldError("period", _("Period"), _(
            "“%(period)s” is not a period (use 202603, 2026Q1 or 2026).") % {"period": period}))
        raise ValuesRejected(errors) from None
    if parsed.start > periods.month_index(timezone.localdate()):
        errors.append(FieldError("period", _("Period"), _(
            "%(period)s has not started yet: it cannot be approved.")
            % {"period": periods.label(parsed)}))
    if errors:
        raise ValuesRejected(errors)
    from crecer.indicators import engine

    try:
        with transaction.atomic():
            existing = queries.is_locked(unit, parsed.code)
            if existing is not None:
                raise ValuesRejected([FieldError("", "", _(
                    "Already approved: %(unit)s, %(period)s, by %(user)s.") % {
                    "unit": existing.unit.name, "period": periods.label(existing.period),
                    "user": existing.approved_by})])
            approval = PeriodApproval.objects.create(unit=unit, period=parsed.code,
                                                     approved_by=actor)
            audit.record(actor=actor, action=AuditAction.CREATE, obj=approval,
                         changes={"unit": [None, unit.code], "period": [None, parsed.code],
                                  "approved_by": [None, actor.username]},
                         territory_path=unit.path, note=f"approved {unit.code} {parsed.code}")
            engine.freeze(approval)
    except IntegrityError:  # approved by someone else at the same moment
        raise ValuesRejected([FieldError("", "", _("This period was just approved by someone "
                                                   "else."))]) from None
    return approval


def undo_approval(*, actor, approval: PeriodApproval, reason: str) -> PeriodApproval:
    """Undo an approval (authorised users only, with a reason): the values can change again
    and the indicator values are no longer frozen."""
    if not policies.can_undo_approval(actor) or not scope.covers(actor, approval.unit):
        raise PermissionDenied(_("You cannot undo approvals of this territory."))
    reason = (reason or "").strip()
    errors = []
    if not reason:
        errors.append(FieldError("reason", _("Reason"), _("Say why the approval is undone.")))
    elif len(reason) > 255:
        errors.append(FieldError("reason", _("Reason"), _("Keep the reason under 255 "
                                                          "characters.")))
    if errors:
        raise ValuesRejected(errors)
    from crecer.indicators import engine

    with transaction.atomic():
        current = PeriodApproval.objects.select_for_update().get(pk=approval.pk)
        if not current.active:
            raise ValuesRejected([FieldError("", "", _("This approval was already undone."))])
        current.revoked_by, current.revoked_at = actor, timezone.now()
        current.revoke_reason = reason
        current.save(update_fields=["revoked_by", "revoked_at", "revoke_reason"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=current,
                     changes={"revoked_by": [None, actor.username],
                              "revoked_at": [None, current.revoked_at.isoformat()],
                              "revoke_reason": [None, reason]},
                     territory_path=current.unit.path,
                     note=f"approval undone {current.unit.code} {current.period}")
        engine.release(current)  # queues the refresh that recomputes the released values
    approval.refresh_from_db()
    return current
