"""Boundaries and points as a GeoJSON FeatureCollection.

Each feature names its unit in `properties.code`. A Polygon or MultiPolygon geometry becomes the
unit's `boundary`; a Point sets its latitude and longitude. Import validates every feature (JSON
structure, known code, geometry type, coordinates in range, closed rings) and writes nothing when
any is wrong. Export writes one feature per boundary and one per point of a subtree.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ..actions import check_can_manage
from ..models import Level, OrgUnit
from ..queries import subtree_q
from .common import (
    ErrorList,
    ImportResult,
    Source,
    TooManyErrors,
    decode,
    open_output,
    read_bytes,
    unit_ids_for,
)

AREA_TYPES = ("Polygon", "MultiPolygon")


class GeometryError(ValueError):
    pass


def _position(p: Any, where: str) -> None:
    if not isinstance(p, list | tuple) or not 2 <= len(p) <= 3 or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in p):
        raise GeometryError(_("%(where)s is not a [longitude, latitude] pair.") % {"where": where})
    if not -180 <= p[0] <= 180 or not -90 <= p[1] <= 90:
        raise GeometryError(_("%(where)s is out of range (longitude first, then latitude).")
                            % {"where": where})


def _polygon(rings: Any, where: str) -> None:
    if not isinstance(rings, list) or not rings:
        raise GeometryError(_("%(where)s must be a list of rings.") % {"where": where})
    for i, ring in enumerate(rings, start=1):
        ring_where = _("ring %(i)s of %(where)s") % {"i": i, "where": where}
        if not isinstance(ring, list) or len(ring) < 4:
            raise GeometryError(_("%(where)s needs at least 4 positions.") % {"where": ring_where})
        for j, p in enumerate(ring, start=1):
            _position(p, _("position %(j)s of %(where)s") % {"j": j, "where": ring_where})
        if list(ring[0]) != list(ring[-1]):
            raise GeometryError(_("%(where)s is not closed (the last position must repeat the "
                                  "first).") % {"where": ring_where})


def validate_geometry(geometry: Any, allowed: Iterable[str] = ("Polygon", "MultiPolygon", "Point")
                      ) -> dict:
    """Check a GeoJSON geometry and return it reduced to {type, coordinates}.
    Raises GeometryError with a readable message."""
    if not isinstance(geometry, dict):
        raise GeometryError(_("The geometry must be an object."))
    kind = geometry.get("type")
    if kind not in allowed:
        raise GeometryError(_("Unsupported geometry type “%(type)s” (use %(allowed)s).")
                            % {"type": kind, "allowed": ", ".join(allowed)})
    coords = geometry.get("coordinates")
    if kind == "Point":
        _position(coords, _("the point"))
    elif kind == "Polygon":
        _polygon(coords, _("the polygon"))
    else:
        if not isinstance(coords, list) or not coords:
            raise GeometryError(_("A MultiPolygon must be a list of polygons."))
        for k, poly in enumerate(coords, start=1):
            _polygon(poly, _("polygon %(k)s") % {"k": k})
    return {"type": kind, "coordinates": coords}


def import_boundaries(source: Source, *, actor=None, dry_run: bool = False) -> ImportResult:
    check_can_manage(actor)
    errors = ErrorList("feature")
    areas: dict[str, tuple[dict, int]] = {}
    points: dict[str, tuple[tuple[float, float], int]] = {}
    try:
        features = _features(source, errors)
        for i, feature in enumerate(features, start=1):
            _feature(i, feature, areas, points, errors)
        if not areas and not points and not errors:
            errors.add(0, "features", _("The collection has no features."))
        codes = sorted(set(areas) | set(points))
        units = unit_ids_for(codes, actor)
        for code in codes:
            if code not in units:
                n = (areas.get(code) or points[code])[1]
                errors.add(n, "properties.code", _("Unknown unit code “%(code)s”.") % {"code": code})
    except TooManyErrors:
        pass
    if errors:
        return ImportResult.failed(errors)
    counts = {"boundaries": len(areas), "points": len(points)}
    if not dry_run:
        with transaction.atomic():
            OrgUnit.objects.bulk_update(
                [OrgUnit(pk=units[c], boundary=g) for c, (g, _n) in areas.items()],
                ["boundary"], batch_size=200)
            OrgUnit.objects.bulk_update(
                [OrgUnit(pk=units[c], latitude=lat, longitude=lon)
                 for c, ((lat, lon), _n) in points.items()],
                ["latitude", "longitude"], batch_size=500)
    return ImportResult(counts=counts, dry_run=dry_run)


def _features(source: Source, errors: ErrorList) -> list:
    try:
        data = json.loads(decode(read_bytes(source)))
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            errors.add(0, "", _("Not valid JSON (line %(line)s, column %(col)s).")
                       % {"line": exc.lineno, "col": exc.colno})
        else:
            errors.add(0, "", str(exc))
        return []
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        errors.add(0, "type", _("The file must be a GeoJSON FeatureCollection."))
        return []
    features = data.get("features")
    if not isinstance(features, list):
        errors.add(0, "features", _("“features” must be a list."))
        return []
    if len(features) > settings.CRECER_IMPORT_MAX_ROWS:
        errors.add(0, "features", _("Too many features: at most %(n)s are accepted.")
                   % {"n": settings.CRECER_IMPORT_MAX_ROWS})
        return []
    return features


def _feature(i: int, feature: Any, areas: dict, points: dict, errors: ErrorList) -> None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        errors.add(i, "type", _("Each item of “features” must be a Feature."))
        return
    props = feature.get("properties")
    code = props.get("code") if isinstance(props, dict) else None
    if isinstance(code, int | float) and not isinstance(code, bool):
        code = str(code)
    if not isinstance(code, str) or not code.strip():
        errors.add(i, "properties.code", _("The feature has no unit code."))
        return
    code = code.strip()
    try:
        geometry = validate_geometry(feature.get("geometry"))
    except GeometryError as exc:
        errors.add(i, "geometry", str(exc))
        return
    target = points if geometry["type"] == "Point" else areas
    if code in target:
        errors.add(i, "properties.code", _("Unit “%(code)s” already has a %(kind)s in feature "
                                           "%(n)s.") % {"code": code, "n": target[code][1],
                                                        "kind": _("point") if target is points
                                                        else _("boundary")})
        return
    if target is points:
        lon, lat = geometry["coordinates"][:2]
        points[code] = ((float(lat), float(lon)), i)
    else:
        areas[code] = (geometry, i)


def export_boundaries(target: str | IO[str], *, roots: Iterable[OrgUnit] | None = None) -> int:
    """Write the boundaries and points of the tree (or of the subtrees of `roots`) as a
    FeatureCollection; returns the number of features."""
    levels = {lv.depth: lv.code for lv in Level.objects.all()}
    qs = OrgUnit.objects.filter(Q(boundary__isnull=False) | Q(latitude__isnull=False))
    if roots is not None:
        qs = qs.filter(subtree_q([r.path for r in roots]))
    rows = qs.order_by("path").values_list(
        "code", "name", "parent__code", "depth", "kind", "sector", "boundary", "latitude",
        "longitude")
    out, close = open_output(target)
    n = 0
    try:
        out.write('{"type": "FeatureCollection", "features": [')
        for code, name, parent_code, depth, kind, sector, boundary, lat, lon in rows.iterator(500):
            props = {"code": code, "name": name, "parent_code": parent_code or "",
                     "level": levels.get(depth, depth), "kind": kind, "sector": sector}
            geometries = []
            if boundary:
                geometries.append(boundary)
            if lat is not None and lon is not None:
                geometries.append({"type": "Point", "coordinates": [lon, lat]})
            for geometry in geometries:
                out.write(",\n" if n else "\n")
                json.dump({"type": "Feature", "properties": props, "geometry": geometry}, out,
                          ensure_ascii=False)
                n += 1
        out.write("\n]}\n")
    finally:
        if close:
            out.close()
    return n
