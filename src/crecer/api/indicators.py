"""/api/v1/indicators: the catalogue, indicator values and the DHIS2 dataValueSets document.

Values are aggregates from the engine's last refresh (`crecer.indicators.queries.values`), never
personal records. A territory outside the caller's territories (or unknown) is 404; reading
values needs `can_view_tablero` (403 otherwise). Both are checked on every request; the list of
values then comes from the caller's cache (`crecer.tablero.cache`: per user and data version).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from crecer.accounts import policies, scope
from crecer.indicators import periods
from crecer.indicators import queries as indicator_queries
from crecer.indicators.models import Indicator
from crecer.indicators.sources import DIMENSIONS
from crecer.interop import dhis2
from crecer.interop import queries as interop_queries
from crecer.tablero import cache as tablero_cache
from crecer.territory.models import Kind

from .errors import Invalid
from .schemas import TerritoryRef

router = Router(tags=["indicators"])

# At most this many values in one answer (narrow the request down otherwise).
VALUES_MAX = 20000


class IndicatorOut(Schema):
    code: str
    name: str
    short_name: str
    definition: str
    numerator: str = Field(description="Expression of the indicator language")
    numerator_label: str
    denominator: str
    denominator_label: str
    factor: float
    unit: str
    decimals: int
    periodicity: str = Field(description="month, quarter, semester or year")
    disaggregations: list[str]
    results_chain: str = Field(description="structure, process, output, outcome or impact")
    programme_group: str
    data_source: str
    responsible: str
    direction: str = Field(description="higher or lower is better")
    green_at: float = Field(description="% of the target from which the value is green")
    yellow_at: float
    field_level: bool


class ValueOut(Schema):
    indicator: str
    unit: TerritoryRef
    period: str = Field(description="DHIS2 period code: 202603, 2026Q1, 2026S1, 2026")
    dim: str = Field(description="The disaggregation ('' for totals)")
    dim_value: str
    numerator: float | None
    denominator: float | None
    value: float | None = Field(description="None when it cannot be computed (0 denominator)")
    approved: bool = Field(description="From an approved (locked) period")


class ValueFilters(Schema):
    unit: str = Field(..., max_length=64, description="Territory code (within your territories)")
    period: list[str] = Field(..., description="One or more periods: 202603, 2026Q1, 2026")
    indicator: list[str] = Field(default_factory=list,
                                 description="Indicator codes (none: every active indicator)")
    dim: str = Field("", description="Disaggregation: " + ", ".join(DIMENSIONS))
    children: bool = Field(False, description="Also the territory's direct sub-territories")
    sex: list[str] = Field(default_factory=list, description="Only this sub-population")
    age_band: list[str] = Field(default_factory=list)
    area: list[str] = Field(default_factory=list, description="rural, urban")
    ethnicity: list[str] = Field(default_factory=list)
    programme: list[str] = Field(default_factory=list)


class DataValueOut(Schema):
    dataElement: str  # noqa: N815 (DHIS2's names)
    period: str
    orgUnit: str  # noqa: N815
    categoryOptionCombo: str | None = None  # noqa: N815
    attributeOptionCombo: str | None = None  # noqa: N815
    value: str


class DataValueSetOut(Schema):
    dataValues: list[DataValueOut]  # noqa: N815


class DataValueSetParams(Schema):
    unit: str = Field(..., max_length=64, description="Territory code (within your territories)")
    period: str = Field(..., max_length=8, description="202603, 2026Q1, 2026S1 or 2026")
    indicator: list[str] = Field(default_factory=list,
                                 description="Indicator codes (none: every mapped indicator)")
    children: bool = Field(False, description="Also every mapped territory below it")


def _require_viewer(user) -> None:
    if not policies.can_view_tablero(user):
        raise PermissionDenied(_("Your role cannot read indicator values."))


def _periods(codes: list[str]) -> list[str]:
    out = []
    for code in codes:
        for part in code.split(","):
            if not part.strip():
                continue
            try:
                out.append(periods.parse(part).code)
            except ValueError:
                raise Invalid({"period": interop_queries.period_error(part.strip())}) from None
    if not out:
        raise Invalid({"period": _("This field is required.")})
    return out


def _indicator_codes(codes: list[str]) -> list[str] | None:
    wanted = [c.strip() for code in codes for c in code.split(",") if c.strip()]
    if not wanted:
        return None
    known = set(Indicator.objects.filter(code__in=wanted).values_list("code", flat=True))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise Invalid({"indicator": _("Unknown indicator “%(code)s”.") % {"code": unknown[0]}})
    return wanted


@router.get("", response=list[IndicatorOut], summary="The indicator catalogue (active)")
def list_indicators(request):
    return list(Indicator.objects.filter(active=True).order_by("code"))


@router.get("/values", response=list[ValueOut], summary="Indicator values of a territory")
def indicator_values(request, filters: Query[ValueFilters]):
    """Values computed by the last refresh, for a territory of yours (and, with `children`,
    its direct sub-territories), one row per indicator, territory, period (and value of the
    disaggregation `dim`). Sub-population filters (`sex`, `age_band`, …) are computed on
    demand."""
    user = request.auth
    unit = interop_queries.unit_in_scope(user, code=filters.unit)  # 404 outside
    _require_viewer(user)
    # the same question by the same user, on the same data, gets the same list (tablero.cache)
    return tablero_cache.cached(("api-values", *tablero_cache.request_parts(request)), user,
                                lambda: _values(user, unit, filters))


def _values(user, unit, filters: ValueFilters) -> list[dict]:
    period_codes = _periods(filters.period)
    codes = _indicator_codes(filters.indicator)
    if filters.dim and filters.dim not in DIMENSIONS:
        raise Invalid({"dim": _("Choose one of: %(values)s.") % {"values": ", ".join(DIMENSIONS)}})
    units = {unit.pk: unit}
    if filters.children:
        units.update({u.pk: u for u in scope.units_for(user).filter(parent=unit, kind=Kind.AREA)
                      .only("id", "code", "name")})
    refs = {pk: {"id": u.pk, "code": u.code, "name": u.name} for pk, u in units.items()}
    subpopulation = {d: getattr(filters, d) for d in DIMENSIONS if getattr(filters, d)}
    rows = indicator_queries.values(indicators=codes, unit_ids=list(units),
                                    periods=period_codes, dim=filters.dim,
                                    filters=subpopulation or None)
    if len(rows) > VALUES_MAX:
        raise Invalid({"period": _("Too many values (%(n)s): ask for fewer periods, indicators "
                                   "or territories.") % {"n": len(rows)}})
    return [{"indicator": r.indicator, "unit": refs[r.unit_id], "period": r.period,
             "dim": r.dim, "dim_value": r.dim_value, "numerator": r.numerator,
             "denominator": r.denominator, "value": r.value, "approved": r.approved}
            for r in rows if r.unit_id in units]


@router.get("/dhis2/dataValueSets", response=DataValueSetOut, exclude_none=True,
            summary="Indicator values as a DHIS2 dataValueSets document")
def dhis2_data_value_sets(request, params: Query[DataValueSetParams]):
    """The values of the mapped indicators for the territory (and, with `children`, every
    mapped territory below it) in DHIS2's dataValueSets JSON shape, ready for
    `POST /api/dataValueSets` on a DHIS2 server. Indicators and territories without a DHIS2
    mapping, and values that cannot be computed, are left out."""
    user = request.auth
    unit = interop_queries.unit_in_scope(user, code=params.unit)  # 404 outside
    _require_viewer(user)
    period = _periods([params.period])[0]
    codes = _indicator_codes(params.indicator)
    unit_ids = interop_queries.export_unit_ids(user, unit, children=params.children)
    return dhis2.data_value_set(period, unit_ids, codes)
