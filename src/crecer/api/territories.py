"""/api/v1/territories: the org units within the caller's territories."""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router

from crecer.accounts import scope
from crecer.territory.models import Kind, Level, OrgUnit
from crecer.territory.queries import ancestors

from .errors import Invalid
from .pagination import PageParams, page_of, paginate
from .schemas import TerritoryDetailOut, TerritoryOut

router = Router(tags=["territories"])


class TerritoryFilters(PageParams):
    level: str = Field("", description="Level code (`municipality`) or depth (`3`)")
    parent: int | None = Field(None, description="Only the direct children of this unit")
    code: str = Field("", description="Exact code (case-insensitive)")
    kind: str = Field("", description="area or service_point")
    q: str = Field("", max_length=100, description="Part of the name")


def with_level(units: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    """Annotate `level_code` in the same query (no lookup per row)."""
    level = Level.objects.filter(depth=OuterRef("depth")).values("code")[:1]
    return units.annotate(level_code=Subquery(level))


@router.get("", response=page_of(TerritoryOut), summary="Units within my territories")
def list_territories(request, filters: Query[TerritoryFilters]):
    units = scope.units_for(request.auth)
    f = filters
    if f.level:
        if f.level.isdigit():
            units = units.filter(depth=int(f.level))
        else:
            depth = Level.objects.filter(code=f.level).values_list("depth", flat=True).first()
            if depth is None:
                raise Invalid({"level": _("Unknown level “%(value)s”.") % {"value": f.level}})
            units = units.filter(depth=depth)
    if f.parent is not None:
        units = units.filter(parent_id=f.parent)
    if f.code:
        units = units.filter(code__iexact=f.code.strip())
    if f.kind:
        if f.kind not in Kind.values:
            raise Invalid({"kind": _("Kind must be area or service_point.")})
        units = units.filter(kind=f.kind)
    if f.q.strip():
        units = units.filter(name__icontains=f.q.strip())
    return paginate(with_level(units).order_by("path", "pk"), f)


@router.get("/{int:unit_id}", response=TerritoryDetailOut, summary="One unit")
def get_territory(request, unit_id: int):
    user = request.auth
    unit = get_object_or_404(with_level(scope.units_for(user)), pk=unit_id)
    unit.visible_ancestors = [a for a in ancestors(unit)
                              if a.pk != unit.pk and scope.covers(user, a)]
    return unit


def visible_unit(user, unit_id: int | None, field: str) -> OrgUnit | None:
    """The unit `unit_id` if the user covers it; a 422 naming `field` otherwise (the same
    message whether the unit does not exist or lies elsewhere)."""
    if unit_id is None:
        return None
    unit = scope.units_for(user).filter(Q(pk=unit_id)).first()
    if unit is None:
        raise Invalid({field: _("No territory %(id)s among your territories.") % {"id": unit_id}})
    return unit


def unit_or_404(user, unit_id: int) -> OrgUnit:
    unit = scope.units_for(user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404
    return unit
