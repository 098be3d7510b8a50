"""Reads for the interop pages and API, each limited to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from crecer.accounts import scope
from crecer.indicators.models import Indicator
from crecer.territory.models import Kind, OrgUnit

from .models import IndicatorMapping, UnitMapping

# The export page offers at most this many units in its list (then type a code).
UNIT_CHOICES_MAX = 1000


def period_error(code: str) -> str:
    return _("“%(value)s” is not a period: use 202603 (month), 2026Q1 (quarter), 2026S1 "
             "(half-year) or 2026 (year).") % {"value": code}


def unit_in_scope(user, *, pk: int | str | None = None, code: str | None = None) -> OrgUnit:
    """A unit of the user's territories by id or code (case-insensitive), or 404."""
    units = scope.units_for(user).defer("boundary")  # loaded only if used (it can be large)
    try:
        if pk not in (None, ""):
            unit = units.filter(pk=int(pk)).first()
        elif code:
            unit = units.filter(code__iexact=code.strip()).first()
        else:
            unit = None
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        raise Http404
    return unit


def export_unit_ids(user, unit: OrgUnit, *, children: bool = False) -> list[int]:
    """The unit (which must be in the user's territories) and, with `children`, every mapped
    unit of its subtree, in tree order."""
    if not scope.covers(user, unit):
        raise Http404
    ids = [unit.pk]
    if children:
        ids += list(UnitMapping.objects.filter(unit__path__startswith=unit.path)
                    .exclude(unit=unit).order_by("unit__path").values_list("unit_id", flat=True))
    return ids


def export_unit_choices(user) -> list[OrgUnit]:
    """Units offered on the export page: the user's own top units and every mapped unit below
    them (a unit without a DHIS2 identifier cannot be sent), in tree order."""
    roots = list(OrgUnit.objects.filter(path__in=scope.root_paths(user)))
    mapped = (scope.units_for(user).filter(dhis2_mapping__isnull=False)
              .order_by("path")[:UNIT_CHOICES_MAX])
    seen = {u.pk for u in roots}
    return sorted(roots + [u for u in mapped if u.pk not in seen], key=lambda u: u.path)


def indicators_with_mapping() -> QuerySet[Indicator]:
    """Every active indicator, with its mapping (`dhis2_mapping`) when it has one."""
    return Indicator.objects.filter(active=True).select_related("dhis2_mapping").order_by("code")


def unit_mappings_for(user) -> QuerySet[UnitMapping]:
    return (UnitMapping.objects.filter(scope.within(user, "unit"))
            .select_related("unit").order_by("unit__path"))


def unmapped_area_count(user) -> int:
    return scope.units_for(user).filter(kind=Kind.AREA, dhis2_mapping__isnull=True).count()


def mapping_table(user) -> tuple[list[str], list[list[str]]]:
    """The mapping as the CSV import reads it (indicators, then the user's territories)."""
    from .actions import CSV_COLUMNS

    rows: list[list[str]] = []
    for m in IndicatorMapping.objects.select_related("indicator").order_by("indicator__code"):
        rows.append(["indicator", m.indicator.code, m.data_element, m.category_option_combo,
                     m.attribute_option_combo, m.data_set])
    for m in unit_mappings_for(user):
        rows.append(["unit", m.unit.code, m.org_unit, "", "", ""])
    return list(CSV_COLUMNS), rows


def mapping_title() -> str:
    return _("DHIS2 mapping")
