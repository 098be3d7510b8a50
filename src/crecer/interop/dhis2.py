"""Indicator values as DHIS2 data: a dataValueSets JSON document or an ADX XML message.

Values come only from `crecer.indicators.queries.values` (aggregates computed by the engine;
never a personal record). The caller decides which units: pass only units in the user's
territories (`queries.export_unit_ids`). Indicators or territories without a mapping, values
the engine could not compute (an empty denominator) and, for ADX, indicators without a data set
are left out and listed in the `Export`'s report.

dataValueSets (DHIS2 Web API, "sending bulks of data values"): one object per value, each with
its own period and orgUnit, so that one file can hold several territories:

    {"dataValues": [{"dataElement": "f7n9E0hX8qk", "period": "202603",
                     "orgUnit": "DiszpKrYNg8", "categoryOptionCombo": "…",
                     "attributeOptionCombo": "…", "value": "12.5"}]}

ADX (IHE QRPH, as DHIS2 reads it): values grouped by orgUnit, period and dataSet (all three
mandatory), the period as ISO 8601 start/duration, an `exported` timestamp on the root:

    <adx xmlns="urn:ihe:qrph:adx:2015" exported="2026-04-02T10:00:00Z">
      <group orgUnit="DiszpKrYNg8" period="2026-03-01/P1M" dataSet="pBOMPrpg1QX">
        <dataValue dataElement="f7n9E0hX8qk" value="12.5"/>
      </group>
    </adx>

A category option combo goes on the dataValue and an attribute option combo on the group
(DHIS2 then uses them "in the legacy way"). The identifiers are DHIS2 UIDs, while DHIS2 reads
ADX with codes by default: post ADX with `?idScheme=UID` (see README.md).
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from crecer.indicators import periods
from crecer.indicators.models import Indicator
from crecer.territory.models import OrgUnit

from .models import IndicatorMapping, UnitMapping

ADX_NS = "urn:ihe:qrph:adx:2015"
ADX_CONTENT_TYPE = "application/adx+xml"
_DURATION = {periods.MONTH: "P1M", periods.QUARTER: "P3M", periods.SEMESTER: "P6M",
             periods.YEAR: "P1Y"}


@dataclass(frozen=True)
class DataValue:
    indicator: str  # Crecer codes, for the report and the tests
    unit_code: str
    data_element: str
    period: str  # DHIS2 period code: 202603, 2026Q1, 2026S1, 2026
    org_unit: str
    value: str
    category_option_combo: str = ""
    attribute_option_combo: str = ""
    data_set: str = ""


@dataclass(frozen=True)
class Skipped:
    code: str
    name: str


@dataclass
class Export:
    """The values to send and what was left out, and why."""

    period: periods.Period
    values: list[DataValue] = field(default_factory=list)
    unmapped_indicators: list[Skipped] = field(default_factory=list)
    unmapped_units: list[Skipped] = field(default_factory=list)
    without_value: list[tuple[str, str]] = field(default_factory=list)  # (indicator, unit)
    without_data_set: list[Skipped] = field(default_factory=list)  # left out of ADX only

    @property
    def adx_values(self) -> list[DataValue]:
        return [v for v in self.values if v.data_set]


def adx_period(code: str | periods.Period) -> str:
    """A DHIS2 period code in ADX notation: 202603 → 2026-03-01/P1M, 2026Q1 → 2026-01-01/P3M,
    2026S2 → 2026-07-01/P6M, 2026 → 2026-01-01/P1Y."""
    p = periods.parse(code) if isinstance(code, str) else code
    return f"{p.first_day().isoformat()}/{_DURATION[p.type]}"


def format_value(value: float, decimals: int) -> str:
    """A value as DHIS2 wants it (a string), rounded to the indicator's decimals, without
    trailing zeros: 12.50 → "12.5", 3.0 → "3"."""
    text = f"{round(float(value), decimals):.{max(decimals, 0)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def collect(period: str, unit_ids: Iterable[int],
            indicator_codes: Iterable[str] | None = None) -> Export:
    """Every mapped active indicator (or those of `indicator_codes`) for every mapped unit of
    `unit_ids` in `period`. Raises ValueError for a malformed period."""
    from crecer.indicators import queries as indicator_queries

    p = periods.parse(period)
    export = Export(period=p)
    indicators = Indicator.objects.filter(active=True).order_by("code")
    if indicator_codes is not None:
        indicators = indicators.filter(code__in=list(indicator_codes))
    mappings = {m.indicator_id: m for m in IndicatorMapping.objects.filter(
        indicator__in=indicators)}
    mapped: dict[str, tuple[Indicator, IndicatorMapping]] = {}
    for indicator in indicators:
        mapping = mappings.get(indicator.pk)
        if mapping is None:
            export.unmapped_indicators.append(Skipped(indicator.code, indicator.name))
            continue
        mapped[indicator.code] = (indicator, mapping)
        if not mapping.data_set:
            export.without_data_set.append(Skipped(indicator.code, indicator.name))
    units = {u.pk: u for u in OrgUnit.objects.filter(pk__in=list(unit_ids)).order_by("path")}
    org_units = dict(UnitMapping.objects.filter(unit_id__in=list(units))
                     .values_list("unit_id", "org_unit"))
    export.unmapped_units = [Skipped(u.code, u.name) for pk, u in units.items()
                             if pk not in org_units]
    if not mapped or not org_units:
        return export
    rows = indicator_queries.values(indicators=list(mapped), unit_ids=list(org_units),
                                    periods=[p.code], dim="")
    found = {}
    for row in rows:
        if row.period == p.code and not row.dim:
            found[(row.indicator, row.unit_id)] = row
    for unit_id in (pk for pk in units if pk in org_units):
        unit = units[unit_id]
        for code, (indicator, mapping) in mapped.items():
            row = found.get((code, unit_id))
            if row is None or row.value is None:
                export.without_value.append((code, unit.code))
                continue
            export.values.append(DataValue(
                indicator=code, unit_code=unit.code, data_element=mapping.data_element,
                period=p.code, org_unit=org_units[unit_id],
                value=format_value(row.value, indicator.decimals),
                category_option_combo=mapping.category_option_combo,
                attribute_option_combo=mapping.attribute_option_combo,
                data_set=mapping.data_set))
    return export


def to_data_value_set(export: Export) -> dict:
    out = []
    for v in export.values:
        item = {"dataElement": v.data_element, "period": v.period, "orgUnit": v.org_unit}
        if v.category_option_combo:
            item["categoryOptionCombo"] = v.category_option_combo
        if v.attribute_option_combo:
            item["attributeOptionCombo"] = v.attribute_option_combo
        item["value"] = v.value
        out.append(item)
    return {"dataValues": out}


def to_adx(export: Export, exported: dt.datetime | None = None) -> bytes:
    ET.register_namespace("", ADX_NS)
    when = (exported or timezone.now()).astimezone(dt.UTC).replace(microsecond=0)
    root = ET.Element(f"{{{ADX_NS}}}adx", {"exported": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    groups: dict[tuple[str, str, str, str], ET.Element] = {}
    for v in export.adx_values:
        key = (v.org_unit, v.period, v.data_set, v.attribute_option_combo)
        group = groups.get(key)
        if group is None:
            attrs = {"orgUnit": v.org_unit, "period": adx_period(v.period),
                     "dataSet": v.data_set}
            if v.attribute_option_combo:
                attrs["attributeOptionCombo"] = v.attribute_option_combo
            group = groups[key] = ET.SubElement(root, f"{{{ADX_NS}}}group", attrs)
        attrs = {"dataElement": v.data_element}
        if v.category_option_combo:
            attrs["categoryOptionCombo"] = v.category_option_combo
        attrs["value"] = v.value
        ET.SubElement(group, f"{{{ADX_NS}}}dataValue", attrs)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def data_value_set(period: str, unit_ids: Iterable[int],
                   indicator_codes: Iterable[str] | None = None) -> dict:
    return to_data_value_set(collect(period, unit_ids, indicator_codes))


def adx(period: str, unit_ids: Iterable[int], indicator_codes: Iterable[str] | None = None,
        *, exported: dt.datetime | None = None) -> bytes:
    return to_adx(collect(period, unit_ids, indicator_codes), exported)
