"""The choropleth map as inline SVG, drawn on the server from the units' GeoJSON boundaries.

Inline SVG works offline, prints, needs no JavaScript and can be tested by reading the page.
The projection is equirectangular, fitted to the bounding box of the shapes (longitudes shrunk
by the cosine of the middle latitude, so that shapes keep their proportions near the tropics).
Each shape links to the unit's tablero and says its name and value in a tooltip (<title>).
Units without a boundary but with a point are drawn as circles; with neither, they are left out
(the page lists them in the ranking table anyway).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
MAX_HEIGHT = 560
PAD = 8
# Light to dark: the higher the class, the darker (the legend says which way is better).
PALETTE = ("#e5f5e0", "#a1d99b", "#74c476", "#31a354", "#006d2c")
NO_VALUE = "#d5dbd8"


@dataclass
class Item:
    unit_id: int
    name: str
    href: str
    value: float | None
    label: str  # the value as the page shows it ("45,3 %")
    boundary: dict | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class LegendClass:
    colour: str
    low: float | None
    high: float | None
    label: str


@dataclass
class Map:
    svg: SafeString
    legend: list[LegendClass]
    shapes: int  # units drawn as polygons
    points: int  # units drawn as circles
    missing: list[str]  # names of units with neither a boundary nor a point


def rings(geometry: dict | None) -> list[list[tuple[float, float]]]:
    """The linear rings (lists of (lon, lat)) of a GeoJSON Polygon / MultiPolygon (or a
    Feature / FeatureCollection holding them); anything else gives none."""
    if not isinstance(geometry, dict):
        return []
    kind = geometry.get("type")
    if kind == "Feature":
        return rings(geometry.get("geometry"))
    if kind == "FeatureCollection":
        return [r for f in geometry.get("features") or [] for r in rings(f)]
    if kind == "GeometryCollection":
        return [r for g in geometry.get("geometries") or [] for r in rings(g)]
    coords = geometry.get("coordinates") or []
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    out = []
    for polygon in polygons:
        for ring in polygon or []:
            points = []
            for pt in ring or []:
                try:
                    lon, lat = float(pt[0]), float(pt[1])
                except (TypeError, ValueError, IndexError):
                    continue
                if math.isfinite(lon) and math.isfinite(lat):
                    points.append((lon, lat))
            if len(points) >= 3:
                out.append(points)
    return out


def classes(values: Iterable[float | None], n: int = len(PALETTE)) -> list[LegendClass]:
    """Equal-interval classes between the smallest and the largest value; one class per value
    when there are no more distinct values than colours (small counts)."""
    present = sorted(v for v in values if v is not None and math.isfinite(v))
    if not present:
        return []
    low, high = present[0], present[-1]
    distinct = sorted(set(present))
    if len(distinct) <= n:
        if len(distinct) == 1:
            return [LegendClass(PALETTE[-1], low, high, "")]
        picks = [round(i * (len(PALETTE) - 1) / (len(distinct) - 1)) for i in range(len(distinct))]
        return [LegendClass(PALETTE[k], v, v, "") for k, v in zip(picks, distinct, strict=True)]
    step = (high - low) / n
    return [LegendClass(PALETTE[i], low + i * step, low + (i + 1) * step, "") for i in range(n)]


def colour_of(value: float | None, legend: list[LegendClass]) -> str:
    if value is None or not legend or not math.isfinite(value):
        return NO_VALUE
    for cls in legend:
        if cls.high is not None and value <= cls.high:
            return cls.colour
    return legend[-1].colour


class _Projection:
    def __init__(self, lons: list[float], lats: list[float]):
        self.min_lon, self.max_lon = min(lons), max(lons)
        self.min_lat, self.max_lat = min(lats), max(lats)
        mid = math.radians((self.min_lat + self.max_lat) / 2)
        self.kx = max(math.cos(mid), 0.1)
        span_x = (self.max_lon - self.min_lon) * self.kx
        span_y = self.max_lat - self.min_lat
        inner_w, inner_h = WIDTH - 2 * PAD, MAX_HEIGHT - 2 * PAD
        if span_x <= 0 and span_y <= 0:
            self.scale = 1.0
        else:
            self.scale = min(inner_w / span_x if span_x > 0 else math.inf,
                             inner_h / span_y if span_y > 0 else math.inf)
        self.width = WIDTH
        self.height = round(min(MAX_HEIGHT, span_y * self.scale + 2 * PAD)) if span_y > 0 else 120
        # centre horizontally
        self.offset_x = PAD + (inner_w - span_x * self.scale) / 2
        self.offset_y = PAD if span_y > 0 else self.height / 2

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.offset_x + (lon - self.min_lon) * self.kx * self.scale
        y = self.offset_y + (self.max_lat - lat) * self.scale
        return round(x, 1), round(y, 1)


def _path(polygons: list[list[tuple[float, float]]], project: _Projection) -> str:
    parts = []
    for ring in polygons:
        pts = [project(lon, lat) for lon, lat in ring]
        parts.append("M" + " L".join(f"{x} {y}" for x, y in pts) + " Z")
    return " ".join(parts)


def _centre(polygons: list[list[tuple[float, float]]]) -> tuple[float, float]:
    ring = max(polygons, key=len)
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2


def draw(items: list[Item], *, title: str, format_value=None, labels: bool = True) -> Map:
    """The SVG of the items coloured by value class. `format_value(v)` writes the legend's
    bounds as the page writes values."""
    fmt = format_value or (lambda v: f"{v:g}")
    legend = classes(it.value for it in items)
    for cls in legend:
        cls.label = (fmt(cls.low) if cls.low == cls.high
                     else f"{fmt(cls.low)} – {fmt(cls.high)}")
    shaped = [(it, rings(it.boundary)) for it in items]
    polys = [(it, r) for it, r in shaped if r]
    pointed = [it for it, r in shaped if not r
               and it.latitude is not None and it.longitude is not None]
    missing = [it.name for it, r in shaped if not r and it not in pointed]
    lons = [lon for _it, rs in polys for ring in rs for lon, _lat in ring]
    lats = [lat for _it, rs in polys for ring in rs for _lon, lat in ring]
    lons += [it.longitude for it in pointed]
    lats += [it.latitude for it in pointed]
    if not lons:
        return Map(svg=mark_safe(""), legend=legend, shapes=0, points=0, missing=missing)
    project = _Projection(lons, lats)
    out = [format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="choropleth" viewBox="0 0 {} {}" '
        'role="img" aria-labelledby="map-title"><title id="map-title">{}</title>',
        project.width, project.height, title)]
    for it, rs in polys:
        colour = colour_of(it.value, legend)
        out.append(format_html(
            '<a href="{}" class="map-unit" data-unit="{}"><path d="{}" fill="{}" '
            'fill-rule="evenodd" data-value="{}"><title>{}: {}</title></path></a>',
            it.href, it.unit_id, _path(rs, project), colour,
            "" if it.value is None else f"{it.value:.6g}", it.name, it.label))
    for it in pointed:
        x, y = project(it.longitude, it.latitude)
        out.append(format_html(
            '<a href="{}" class="map-unit map-point" data-unit="{}"><circle cx="{}" cy="{}" '
            'r="9" fill="{}" data-value="{}"><title>{}: {}</title></circle></a>',
            it.href, it.unit_id, x, y, colour_of(it.value, legend),
            "" if it.value is None else f"{it.value:.6g}", it.name, it.label))
    if labels and len(polys) + len(pointed) <= 40:
        for it, rs in polys:
            x, y = project(*_centre(rs))
            out.append(format_html('<text x="{}" y="{}" class="map-label">{}</text>', x, y,
                                   it.name))
        for it in pointed:
            x, y = project(it.longitude, it.latitude)
            out.append(format_html('<text x="{}" y="{}" class="map-label">{}</text>', x,
                                   y - 12, it.name))
    out.append(mark_safe("</svg>"))
    return Map(svg=mark_safe("".join(out)), legend=legend, shapes=len(polys),
               points=len(pointed), missing=missing)
