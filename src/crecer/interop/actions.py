"""Writes of the DHIS2 mapping: each checks `policies.can_manage_indicators`, runs in one
transaction and leaves an audit row. A territory outside the actor's scope is 404 (as missing).

The CSV import takes one file with both kinds of rows and saves all of it or nothing:

    kind,code,uid,category_option_combo,attribute_option_combo,data_set
    indicator,cuidadoras_registradas,f7n9E0hX8qk,,,pBOMPrpg1QX
    unit,HN-0101,DiszpKrYNg8,,,

`uid` is the data element (indicator rows) or the organisation unit (unit rows); the last three
columns are optional and only meaningful for indicators.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Upper
from django.http import Http404
from django.utils.translation import gettext as _

from crecer.accounts import policies, scope
from crecer.core.audit import diff, record, snapshot
from crecer.core.models import AuditAction
from crecer.indicators.models import Indicator
from crecer.territory.models import OrgUnit

from .models import UID_RE, IndicatorMapping, UnitMapping

INDICATOR_FIELDS = ("data_element", "category_option_combo", "attribute_option_combo",
                    "data_set")
CSV_COLUMNS = ["kind", "code", "uid", "category_option_combo", "attribute_option_combo",
               "data_set"]
REQUIRED_COLUMNS = ("kind", "code", "uid")
KINDS = ("indicator", "unit")


def require_manager(actor) -> None:
    if not policies.can_manage_indicators(actor):
        raise PermissionDenied(_("Your role cannot change the DHIS2 mapping."))


def _uid_error(value: str) -> str:
    return _("“%(value)s” is not a DHIS2 identifier (11 letters or digits, starting with a "
             "letter).") % {"value": value}


def _clean_uid(value: str | None, *, required: bool) -> tuple[str, str | None]:
    """(cleaned value, error message or None)."""
    value = (value or "").strip()
    if not value:
        return "", (_("This field is required.") if required else None)
    if not UID_RE.match(value):
        return value, _uid_error(value)
    return value, None


def _combo_key(data: dict) -> tuple[str, str, str]:
    return (data["data_element"], data["category_option_combo"], data["attribute_option_combo"])


# --- indicators --------------------------------------------------------------------------------

def clean_indicator_mapping(data: dict) -> dict:
    """The four identifiers stripped and checked; ValidationError naming each bad field."""
    out, errors = {}, {}
    for name in INDICATOR_FIELDS:
        out[name], error = _clean_uid(data.get(name), required=name == "data_element")
        if error:
            errors[name] = error
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def save_indicator_mapping(*, actor, indicator: Indicator, data: dict) -> IndicatorMapping:
    """Map (or re-map) an indicator to a DHIS2 data element."""
    require_manager(actor)
    clean = clean_indicator_mapping(data)
    clash = (IndicatorMapping.objects.filter(
        data_element=clean["data_element"],
        category_option_combo=clean["category_option_combo"],
        attribute_option_combo=clean["attribute_option_combo"])
        .exclude(indicator=indicator).select_related("indicator").first())
    if clash:
        raise ValidationError({"data_element": _(
            "This data element and combination already receive the indicator “%(code)s”.")
            % {"code": clash.indicator.code}})
    mapping = IndicatorMapping.objects.select_for_update().filter(indicator=indicator).first()
    before = snapshot(mapping) if mapping else {}
    if mapping is None:
        mapping = IndicatorMapping(indicator=indicator)
    for name, value in clean.items():
        setattr(mapping, name, value)
    mapping.updated_by = _user(actor)
    mapping.save()
    changes = diff(before, snapshot(mapping, fields=("indicator", *INDICATOR_FIELDS)))
    if changes:
        record(actor=actor, action=AuditAction.UPDATE if before else AuditAction.CREATE,
               obj=mapping, changes=changes, note=f"DHIS2 mapping of {indicator.code}")
    return mapping


@transaction.atomic
def remove_indicator_mapping(*, actor, indicator: Indicator) -> bool:
    require_manager(actor)
    mapping = IndicatorMapping.objects.filter(indicator=indicator).first()
    if mapping is None:
        return False
    record(actor=actor, action=AuditAction.DELETE, obj=mapping,
           changes=diff(snapshot(mapping, fields=("indicator", *INDICATOR_FIELDS)), {}),
           note=f"DHIS2 mapping of {indicator.code}")
    mapping.delete()
    return True


# --- territories -------------------------------------------------------------------------------

def _scoped_unit(actor, unit: OrgUnit) -> OrgUnit:
    if not scope.covers(actor, unit):
        raise Http404
    return unit


@transaction.atomic
def save_unit_mapping(*, actor, unit: OrgUnit, org_unit: str) -> UnitMapping:
    """Map (or re-map) a territory in the actor's scope to a DHIS2 organisation unit."""
    _scoped_unit(actor, unit)
    require_manager(actor)
    uid, error = _clean_uid(org_unit, required=True)
    if error:
        raise ValidationError({"org_unit": error})
    clash = UnitMapping.objects.filter(org_unit=uid).exclude(unit=unit).select_related(
        "unit").first()
    if clash:
        raise ValidationError({"org_unit": _clash_message(actor, clash.unit)})
    mapping = UnitMapping.objects.select_for_update().filter(unit=unit).first()
    before = snapshot(mapping) if mapping else {}
    if mapping is None:
        mapping = UnitMapping(unit=unit)
    mapping.org_unit = uid
    mapping.updated_by = _user(actor)
    mapping.save()
    changes = diff(before, snapshot(mapping, fields=("unit", "org_unit")))
    if changes:
        record(actor=actor, action=AuditAction.UPDATE if before else AuditAction.CREATE,
               obj=mapping, changes=changes, territory_path=unit.path,
               note=f"DHIS2 mapping of {unit.code}")
    return mapping


def _clash_message(actor, other: OrgUnit) -> str:
    if scope.covers(actor, other):
        return _("This organisation unit is already the one of “%(code)s”.") % {
            "code": other.code}
    return _("This organisation unit is already the one of another territory.")


@transaction.atomic
def remove_unit_mapping(*, actor, unit: OrgUnit) -> bool:
    _scoped_unit(actor, unit)
    require_manager(actor)
    mapping = UnitMapping.objects.filter(unit=unit).first()
    if mapping is None:
        return False
    record(actor=actor, action=AuditAction.DELETE, obj=mapping,
           changes=diff(snapshot(mapping, fields=("unit", "org_unit")), {}),
           territory_path=unit.path, note=f"DHIS2 mapping of {unit.code}")
    mapping.delete()
    return True


# --- CSV import --------------------------------------------------------------------------------

@dataclass
class MappingImport:
    """What an import did; with errors, nothing was saved."""

    indicators: int = 0  # rows read
    units: int = 0
    changed: int = 0  # mappings created or changed
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _rows(text: str) -> tuple[list[str], list[tuple[int, dict]]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] = []
    rows: list[tuple[int, dict]] = []
    for n, values in enumerate(reader, start=1):
        if not header:
            header = [v.strip().lstrip("\ufeff").lower() for v in values]
            continue
        if not any(v.strip() for v in values):
            continue
        rows.append((n, {c: (values[i].strip().removeprefix("'") if i < len(values) else "")
                         for i, c in enumerate(header)}))
    return header, rows


def _row_error(n: int, column: str, message: str) -> str:
    return _("row %(n)s, %(column)s: %(message)s") % {"n": n, "column": column,
                                                       "message": message}


def import_mapping(*, actor, data: bytes) -> MappingImport:
    """Check every row of a mapping CSV; save them all (one transaction, audited) only when
    none has an error. Errors name the row (the header is row 1) and the column."""
    require_manager(actor)
    result = MappingImport()
    header, rows = _rows(_decode(data))
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        result.errors = [_("Missing column “%(column)s”.") % {"column": c} for c in missing]
        return result
    if len(rows) > settings.CRECER_IMPORT_MAX_ROWS:
        result.errors = [_("Too many rows: at most %(n)s are accepted.")
                         % {"n": settings.CRECER_IMPORT_MAX_ROWS}]
        return result
    if not rows:
        result.errors = [_("The file has no rows.")]
        return result

    indicators = {i.code.lower(): i for i in Indicator.objects.all()}
    codes = {r.get("code", "").upper() for _n, r in rows if r.get("kind", "").lower() == "unit"}
    units = {u.code.lower(): u for u in OrgUnit.objects.annotate(upper_code=Upper("code"))
             .filter(upper_code__in=codes)} if codes else {}

    errors: list[str] = []
    ind_rows: dict[int, tuple[int, dict]] = {}  # indicator id -> (row, clean data)
    unit_rows: dict[int, tuple[int, str]] = {}  # unit id -> (row, uid)
    for n, row in rows:
        kind = row.get("kind", "").lower()
        code = row.get("code", "")
        if kind not in KINDS:
            errors.append(_row_error(n, "kind", _("Use “indicator” or “unit”.")))
        elif not code:
            errors.append(_row_error(n, "code", _("This field is required.")))
        elif kind == "indicator":
            errors += _read_indicator_row(n, row, indicators.get(code.lower()), ind_rows)
        else:
            errors += _read_unit_row(actor, n, row, units.get(code.lower()), unit_rows)

    errors += _clashes(ind_rows, unit_rows)
    if errors:
        result.errors = errors
        return result
    with transaction.atomic():
        result.changed = _apply_indicators(actor, ind_rows)
        result.changed += _apply_units(actor, unit_rows)
    result.indicators, result.units = len(ind_rows), len(unit_rows)
    return result


def _read_indicator_row(n: int, row: dict, indicator: Indicator | None,
                        seen: dict[int, tuple[int, dict]]) -> list[str]:
    code = row["code"]
    if indicator is None:
        return [_row_error(n, "code", _("No indicator “%(code)s”.") % {"code": code})]
    try:
        clean = clean_indicator_mapping({**row, "data_element": row.get("uid")})
    except ValidationError as exc:
        return [_row_error(n, "uid" if name == "data_element" else name, m)
                for name, messages in exc.message_dict.items() for m in messages]
    if indicator.pk in seen:
        return [_row_error(n, "code", _("Indicator “%(code)s” is also on row %(other)s.")
                           % {"code": code, "other": seen[indicator.pk][0]})]
    seen[indicator.pk] = (n, clean)
    return []


def _read_unit_row(actor, n: int, row: dict, unit: OrgUnit | None,
                   seen: dict[int, tuple[int, str]]) -> list[str]:
    code = row["code"]
    if unit is None or not scope.covers(actor, unit):
        return [_row_error(n, "code", _("No territory “%(code)s” among your territories.")
                           % {"code": code})]
    uid, error = _clean_uid(row.get("uid"), required=True)
    if error:
        return [_row_error(n, "uid", error)]
    extra = [c for c in INDICATOR_FIELDS[1:] if row.get(c)]
    if extra:
        return [_row_error(n, extra[0], _("Only indicator rows take this column."))]
    if unit.pk in seen:
        return [_row_error(n, "code", _("Territory “%(code)s” is also on row %(other)s.")
                           % {"code": code, "other": seen[unit.pk][0]})]
    seen[unit.pk] = (n, uid)
    return []


def _apply_indicators(actor, rows: dict[int, tuple[int, dict]]) -> int:
    """Save checked indicator rows. Changed mappings are replaced (deleted, then created) so
    that two rows may swap data elements without tripping the uniqueness constraint."""
    existing = {m.indicator_id: m for m in
                IndicatorMapping.objects.select_for_update().filter(indicator_id__in=list(rows))}
    fields = ("indicator", *INDICATOR_FIELDS)
    changing = {pk: m for pk, m in existing.items()
                if any(getattr(m, f) != rows[pk][1][f] for f in INDICATOR_FIELDS)}
    before = {pk: snapshot(m, fields=fields) for pk, m in changing.items()}
    IndicatorMapping.objects.filter(pk__in=[m.pk for m in changing.values()]).delete()
    codes = dict(Indicator.objects.filter(pk__in=list(rows)).values_list("pk", "code"))
    changed = 0
    for pk, (_n, clean) in rows.items():
        if pk in existing and pk not in changing:
            continue
        mapping = IndicatorMapping.objects.create(indicator_id=pk, updated_by=_user(actor),
                                                  **clean)
        record(actor=actor, action=AuditAction.UPDATE if pk in before else AuditAction.CREATE,
               obj=mapping, changes=diff(before.get(pk, {}), snapshot(mapping, fields=fields)),
               note=f"DHIS2 mapping of {codes[pk]} (CSV import)")
        changed += 1
    return changed


def _apply_units(actor, rows: dict[int, tuple[int, str]]) -> int:
    existing = {m.unit_id: m for m in
                UnitMapping.objects.select_for_update().filter(unit_id__in=list(rows))}
    fields = ("unit", "org_unit")
    changing = {pk: m for pk, m in existing.items() if m.org_unit != rows[pk][1]}
    before = {pk: snapshot(m, fields=fields) for pk, m in changing.items()}
    UnitMapping.objects.filter(pk__in=[m.pk for m in changing.values()]).delete()
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=list(rows))}
    changed = 0
    for pk, (_n, uid) in rows.items():
        if pk in existing and pk not in changing:
            continue
        mapping = UnitMapping.objects.create(unit_id=pk, org_unit=uid, updated_by=_user(actor))
        record(actor=actor, action=AuditAction.UPDATE if pk in before else AuditAction.CREATE,
               obj=mapping, changes=diff(before.get(pk, {}), snapshot(mapping, fields=fields)),
               territory_path=units[pk].path,
               note=f"DHIS2 mapping of {units[pk].code} (CSV import)")
        changed += 1
    return changed


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _clashes(ind_rows: dict[int, tuple[int, dict]],
             unit_rows: dict[int, tuple[int, str]]) -> list[str]:
    """Identifiers that would be used twice once the file is saved (within the file, or with a
    mapping the file leaves as it is)."""
    errors: list[str] = []
    final_ind = {m.indicator_id: (0, {f: getattr(m, f) for f in INDICATOR_FIELDS})
                 for m in IndicatorMapping.objects.all()}
    final_ind.update(ind_rows)
    seen = Counter(_combo_key(d) for _n, d in final_ind.values())
    for _pk, (n, d) in sorted(ind_rows.items(), key=lambda kv: kv[1][0]):
        if seen[_combo_key(d)] > 1:
            errors.append(_row_error(n, "uid", _(
                "This data element and combination receive another indicator too.")))
    final_units = {m.unit_id: (0, m.org_unit) for m in UnitMapping.objects.all()}
    final_units.update(unit_rows)
    used = Counter(uid for _n, uid in final_units.values())
    for _pk, (n, uid) in sorted(unit_rows.items(), key=lambda kv: kv[1][0]):
        if used[uid] > 1:
            errors.append(_row_error(n, "uid", _(
                "This organisation unit is the one of another territory too.")))
    return errors
