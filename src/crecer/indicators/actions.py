"""Writes of indicators and targets: policy check, validation, one transaction, audit, and a
refresh of the indicator values queued after the commit."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core import audit
from crecer.core.models import AuditAction, AuditEvent
from crecer.territory.models import OrgUnit

from . import periods
from .catalogue import FIELDS, clean_definition
from .models import Indicator, Target

# A period finer than the indicator's periodicity has no value to compare with a target.
_PERIOD_RANK = {periods.MONTH: 0, periods.QUARTER: 1, periods.SEMESTER: 2, periods.YEAR: 3}
MAX_TARGET_ROWS = 20_000
TARGET_COLUMNS = ("indicator", "unit_code", "period", "value")


def _require_manager(actor) -> None:
    if not policies.can_manage_indicators(actor):
        raise PermissionDenied(_("You cannot change indicators or targets."))


def _queue_refresh() -> None:
    """Recompute the indicator values in the background once the transaction commits
    (`schedule_refresh` waits for the commit itself)."""
    try:
        from .tasks import schedule_refresh
    except ImportError:  # pragma: no cover - the engine's tasks are not installed
        return
    schedule_refresh()


# ---- indicators -----------------------------------------------------------------------------

def save_indicator(*, actor, data: dict[str, Any], indicator: Indicator | None = None
                   ) -> Indicator:
    """Create an indicator (`indicator` None) or change one. `data` holds the fields of the
    reference sheet (`catalogue.FIELDS`); on a change, missing fields keep their value. The
    numerator and denominator are checked before anything is saved: ValidationError keyed by
    field, the message naming the field, the line, the column and the reason."""
    _require_manager(actor)
    if indicator is not None:
        data = {**{f: getattr(indicator, f) for f in FIELDS}, **data}
        if data.get("code") != indicator.code:
            raise ValidationError({"code": _("The code of an indicator cannot change (values, "
                                             "targets and exports refer to it).")})
    fields = clean_definition({k: v for k, v in data.items() if k in FIELDS})
    with transaction.atomic():
        if indicator is None:
            if Indicator.objects.filter(code=fields["code"]).exists():
                raise ValidationError({"code": _("An indicator with code %(code)s already "
                                                 "exists.") % {"code": fields["code"]}})
            indicator = Indicator(origin="ui", updated_by=actor, **fields)
            indicator.save()
            audit.record(actor=actor, action=AuditAction.CREATE, obj=indicator,
                         changes=audit.diff({}, audit.snapshot(indicator)))
        else:
            indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
            before = audit.snapshot(indicator)
            for name, value in fields.items():
                setattr(indicator, name, value)
            changes = audit.diff(before, audit.snapshot(indicator))
            if not changes:
                return indicator
            indicator.origin = "ui"
            indicator.updated_by = actor
            indicator.save()
            audit.record(actor=actor, action=AuditAction.UPDATE, obj=indicator,
                         changes=changes)
        _queue_refresh()
    return indicator


# ---- targets --------------------------------------------------------------------------------

def _clean_target(indicator: Indicator, unit: OrgUnit, period: str, value) -> tuple[str, float]:
    """(period code, value) or ValidationError keyed by field."""
    errors: dict[str, str] = {}
    try:
        p = periods.parse(period)
    except ValueError:
        errors["period"] = _("'%(p)s' is not a period (use 202603, 2026Q1, 2026S1 or 2026).") \
            % {"p": period}
        p = None
    if p is not None and _PERIOD_RANK[p.type] < _PERIOD_RANK[indicator.periodicity]:
        errors["period"] = _("%(code)s is computed per %(kind)s: give a %(kind)s period, not "
                             "%(p)s.") % {"code": indicator.code, "kind": indicator.periodicity,
                                          "p": period}
    number = _number(value)
    if number is None:
        errors["value"] = _("'%(v)s' is not a number.") % {"v": value}
    if unit.kind != "area":
        errors["unit_code"] = _("%(unit)s is a service point; targets are set for "
                                "territories.") % {"unit": unit.code}
    if errors:
        raise ValidationError(errors)
    return p.code, number


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = str(value or "").strip().replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # 12,5 (decimal comma)
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _upsert(actor, indicator: Indicator, unit: OrgUnit, period: str, value: float
            ) -> tuple[Target, AuditEvent | None]:
    target = Target.objects.filter(indicator=indicator, unit=unit, period=period).first()
    if target is None:
        target = Target.objects.create(indicator=indicator, unit=unit, period=period,
                                       value=value)
        before: dict = {}
        action = AuditAction.CREATE
    elif target.value == value:
        return target, None
    else:
        before = audit.snapshot(target)
        target.value = value
        target.save(update_fields=["value", "updated_at"])
        action = AuditAction.UPDATE
    event = AuditEvent(actor=actor if getattr(actor, "pk", None) else None,
                       actor_username=getattr(actor, "username", "") or "system",
                       action=action, entity=target._meta.label_lower, object_id=str(target.pk),
                       territory_path=unit.path,
                       changes=audit.diff(before, audit.snapshot(target)))
    return target, event


def set_target(*, actor, indicator: Indicator, unit: OrgUnit, period: str, value) -> Target:
    """Set (create or change) the target of an indicator for a territory and period."""
    _require_manager(actor)
    if not scope.covers(actor, unit):
        raise PermissionDenied(_("You cannot set targets for this territory."))
    period, number = _clean_target(indicator, unit, period, value)
    with transaction.atomic():
        target, event = _upsert(actor, indicator, unit, period, number)
        if event is not None:
            audit.record_many([event])
    return target


def import_targets_csv(*, actor, file) -> dict[str, int]:
    """Import targets from a CSV file (columns indicator, unit_code, period, value; comma or
    semicolon separated; UTF-8). Every row is checked first; when any is wrong, nothing is
    saved and ValidationError lists each problem as 'Row N, field: reason' (N is the line of
    the spreadsheet, the header being row 1). Returns how many were created, updated and
    unchanged."""
    _require_manager(actor)
    rows = _read_csv(file)
    indicators = {i.code: i for i in Indicator.objects.filter(
        code__in={r.get("indicator", "").strip() for _, r in rows})}
    units = {u.code: u for u in OrgUnit.objects.filter(
        code__in={r.get("unit_code", "").strip() for _, r in rows})}
    errors: list[str] = []
    clean: list[tuple[Indicator, OrgUnit, str, float]] = []
    seen: dict[tuple, int] = {}

    def err(n: int, name: str, message: str) -> None:
        errors.append(_("Row %(n)s, %(field)s: %(message)s")
                      % {"n": n, "field": name, "message": message})

    for n, row in rows:
        code, unit_code = row.get("indicator", "").strip(), row.get("unit_code", "").strip()
        indicator, unit = indicators.get(code), units.get(unit_code)
        if indicator is None:
            err(n, "indicator", _("no indicator has the code '%(c)s'.") % {"c": code}
                if code else _("the indicator is missing."))
        if unit is None:
            err(n, "unit_code", _("no territory has the code '%(c)s'.") % {"c": unit_code}
                if unit_code else _("the territory code is missing."))
        elif not scope.covers(actor, unit):
            err(n, "unit_code", _("%(c)s is outside your territories.") % {"c": unit_code})
            unit = None
        if indicator is None or unit is None:
            continue
        try:
            period, value = _clean_target(indicator, unit, row.get("period", "").strip(),
                                          row.get("value", ""))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for m in messages:
                    err(n, name, m)
            continue
        key = (indicator.pk, unit.pk, period)
        if key in seen:
            err(n, "period", _("the same indicator, territory and period as row %(m)s.")
                % {"m": seen[key]})
            continue
        seen[key] = n
        clean.append((indicator, unit, period, value))
    if errors:
        raise ValidationError(errors)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    events = []
    with transaction.atomic():
        for indicator, unit, period, value in clean:
            _target, event = _upsert(actor, indicator, unit, period, value)
            if event is None:
                counts["unchanged"] += 1
                continue
            counts["created" if event.action == AuditAction.CREATE else "updated"] += 1
            event.note = "csv"
            events.append(event)
        audit.record_many(events)
    return counts


def _read_csv(file) -> list[tuple[int, dict[str, str]]]:
    """The rows of the uploaded (or opened) file with their spreadsheet line numbers."""
    raw = file.read() if hasattr(file, "read") else file
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text: save it as “CSV UTF-8”.")
                                  ) from None
    else:
        text = raw
    if not text.strip():
        raise ValidationError(_("The file is empty."))
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in TARGET_COLUMNS if c not in header]
    if missing:
        raise ValidationError(_("Row 1: the columns %(missing)s are missing (the columns are: "
                                "%(all)s).") % {"missing": ", ".join(missing),
                                               "all": ", ".join(TARGET_COLUMNS)})
    reader.fieldnames = header
    rows = []
    for row in reader:
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue  # blank line
        rows.append((reader.line_num, {k: (v or "") for k, v in row.items() if k}))
        if len(rows) > MAX_TARGET_ROWS:
            raise ValidationError(_("The file has more than %(n)s rows; split it.")
                                  % {"n": MAX_TARGET_ROWS})
    if not rows:
        raise ValidationError(_("The file has no rows under the header."))
    return rows
