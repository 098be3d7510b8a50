"""Generated boundaries: valid polygons, children tiling their parent, deterministic."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import defaultdict

import pytest

from crecer.demo.boundaries import OCTAVES, Warp, boundaries_for_tree, make_boundaries
from crecer.territory.models import OrgUnit


def _area(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def _inside(point, ring) -> bool:
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _segment_distance(p, a, b) -> float:
    ax, ay = b[0] - a[0], b[1] - a[1]
    length2 = ax * ax + ay * ay
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * ax + (p[1] - a[1]) * ay)
                                              / length2))
    return math.hypot(p[0] - a[0] - t * ax, p[1] - a[1] - t * ay)


def _near_edge(p, ring, eps) -> bool:
    return any(_segment_distance(p, a, b) < eps for a, b in itertools.pairwise(ring))


def _crosses(a, b, c, d) -> bool:
    def orient(p, q, r):
        v = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
        return (v > 0) - (v < 0)

    return (orient(a, b, c) * orient(a, b, d) < 0) and (orient(c, d, a) * orient(c, d, b) < 0)


def _simple(ring) -> bool:
    """No two non-adjacent edges cross (edges bucketed on a coarse grid to stay fast)."""
    edges = list(itertools.pairwise(ring))
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    cell = max(max(xs) - min(xs), max(ys) - min(ys)) / 40 or 1.0
    buckets: dict = defaultdict(list)
    for i, (a, b) in enumerate(edges):
        for gx in range(math.floor(min(a[0], b[0]) / cell), math.floor(max(a[0], b[0]) / cell) + 1):
            for gy in range(math.floor(min(a[1], b[1]) / cell),
                            math.floor(max(a[1], b[1]) / cell) + 1):
                buckets[(gx, gy)].append(i)
    n = len(edges)
    for members in buckets.values():
        for i, j in itertools.combinations(members, 2):
            if abs(i - j) in (0, 1, n - 1):
                continue
            if _crosses(*edges[i], *edges[j]):
                return False
    return True


def _check_polygon(shape) -> list:
    assert shape["type"] == "Polygon" and len(shape["coordinates"]) == 1
    ring = [tuple(p) for p in shape["coordinates"][0]]
    assert len(ring) >= 4 and ring[0] == ring[-1]
    assert all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in ring)
    assert _area(ring) > 0  # counter-clockwise exterior ring (RFC 7946)
    assert _simple(ring)
    return ring


def _check_tiling(parent, kids) -> None:
    """The children lie in the parent's bounding box, their areas add up to the parent's, and
    every sample point of the parent (away from edges) is in exactly one child."""
    xs, ys = [p[0] for p in parent], [p[1] for p in parent]
    box = (min(xs), min(ys), max(xs), max(ys))
    for kid in kids:
        assert all(box[0] - 1e-6 <= x <= box[2] + 1e-6 and box[1] - 1e-6 <= y <= box[3] + 1e-6
                   for x, y in kid)
    assert sum(_area(k) for k in kids) == pytest.approx(_area(parent), rel=1e-4)
    eps = 1e-4 * max(box[2] - box[0], box[3] - box[1])
    for i, j in itertools.product(range(1, 12), repeat=2):
        p = (box[0] + (box[2] - box[0]) * i / 12, box[1] + (box[3] - box[1]) * j / 12)
        if not _inside(p, parent) or _near_edge(p, parent, eps) or \
                any(_near_edge(p, k, eps) for k in kids):
            continue
        assert sum(_inside(p, k) for k in kids) == 1, p


def test_every_area_unit_gets_a_polygon_and_children_tile_their_parent(tree):
    areas = list(OrgUnit.objects.filter(kind="area"))
    assert make_boundaries() == len(areas) == 12
    units = {u.pk: u for u in OrgUnit.objects.all()}
    rings = {pk: _check_polygon(u.boundary) for pk, u in units.items() if u.kind == "area"}
    assert units[tree.health_a1.pk].boundary is None  # service points get none
    kids = defaultdict(list)
    for u in units.values():
        if u.parent_id and u.kind == "area":
            kids[u.parent_id].append(rings[u.pk])
    assert len(kids) == 8
    for parent_id, children in kids.items():
        _check_tiling(rings[parent_id], children)
    # one child (the province of a region): the same shape
    assert units[tree.region_a.pk].boundary == units[tree.muni_a1.parent_id].boundary


def test_deterministic_and_limited_to_the_root(tree):
    make_boundaries()
    first = dict(OrgUnit.objects.values_list("pk", "boundary"))
    OrgUnit.objects.update(boundary=None)
    assert make_boundaries(root=tree.muni_a1) == 3  # the municipality and its 2 communities
    partial = dict(OrgUnit.objects.values_list("pk", "boundary"))
    assert {pk for pk, b in partial.items() if b} == {tree.muni_a1.pk, tree.comm_a1.pk,
                                                       tree.comm_a1b.pk}
    OrgUnit.objects.update(boundary=None)
    make_boundaries()
    assert dict(OrgUnit.objects.values_list("pk", "boundary")) == first


def test_units_with_points_keep_their_geography(tree):
    """Regions with real centres: each region's polygon contains its own point, the west one
    lies west, and the whole tree still tiles."""
    OrgUnit.objects.filter(pk=tree.region_a.pk).update(latitude=15.6, longitude=-86.9)
    OrgUnit.objects.filter(pk=tree.region_b.pk).update(latitude=14.1, longitude=-87.3)
    OrgUnit.objects.filter(pk=tree.muni_a1.pk).update(latitude=15.76, longitude=-86.78)
    OrgUnit.objects.filter(pk=tree.muni_a2.pk).update(latitude=15.70, longitude=-86.40)
    make_boundaries()
    units = {u.pk: u for u in OrgUnit.objects.filter(kind="area")}
    rings = {pk: _check_polygon(u.boundary) for pk, u in units.items()}
    for pk in (tree.region_a.pk, tree.region_b.pk, tree.muni_a1.pk, tree.muni_a2.pk):
        assert _inside((units[pk].longitude, units[pk].latitude), rings[pk])
    for parent in units.values():
        children = [rings[u.pk] for u in units.values() if u.parent_id == parent.pk]
        if children:
            _check_tiling(rings[parent.pk], children)


def _demo_rows():
    from crecer.demo.plan import build_plan

    plan = build_plan(seed=2026, households=30, duplicates=3, reference_date=dt.date(2026, 3, 1),
                      progress=lambda _m: None)
    areas = sorted((u for u in plan.units if u.kind == "area"), key=lambda u: (u.depth, u.code))
    ids = {u.code: n for n, u in enumerate(areas, start=1)}
    rows = {u.code: {"id": ids[u.code], "code": u.code, "latitude": u.latitude,
                     "longitude": u.longitude} for u in areas}
    children = defaultdict(list)
    parent_of = {}
    for u in areas:
        if u.parent is not None:
            children[ids[u.parent.code]].append(rows[u.code])
            parent_of[ids[u.code]] = ids[u.parent.code]
    return rows["HN"], children, parent_of, {ids[u.code]: u for u in areas}


def test_demo_territory_tiles_and_keeps_the_regions_around_their_centres():
    top, children, parent_of, units = _demo_rows()
    shapes = boundaries_for_tree(top, children)
    assert set(shapes) == set(units)  # country, 5 regions, 5 zones, 13 municipalities, ...
    rings = {pk: [tuple(p) for p in s["coordinates"][0]] for pk, s in shapes.items()}
    for pk in shapes:
        assert rings[pk][0] == rings[pk][-1] and _area(rings[pk]) > 0
    for parent_id, kids in children.items():
        _check_tiling(rings[parent_id], [rings[k["id"]] for k in kids])
    for pk, unit in units.items():
        if unit.depth == 1:  # regions contain their real centre
            assert _inside((unit.longitude, unit.latitude), rings[pk]), unit.code
        if unit.depth == 3:  # and the centres of their municipalities
            region = parent_of[parent_of[pk]]
            assert _inside((unit.longitude, unit.latitude), rings[region]), unit.code
    hn = rings[top["id"]]
    xs = [p[0] for p in hn]
    assert -90 < min(xs) < max(xs) < -83  # roughly where Honduras is
    assert boundaries_for_tree(top, children) == shapes  # deterministic


def test_the_displacement_never_folds_the_plane():
    """Every affine piece of the warp keeps its orientation (positive determinant)."""
    assert sum(3 * amp / period if period > 1 else 2 * amp for period, amp in OCTAVES) < 0.45
    warp = Warp(0.04)
    for i, j in itertools.product(range(-40, 120), range(300, 420)):
        p00, p10 = warp.node(i, j), warp.node(i + 1, j)
        p01, p11 = warp.node(i, j + 1), warp.node(i + 1, j + 1)
        for a, b, c in (((0, 0, p00), (1, 0, p10), (1, 1, p11)),
                        ((0, 0, p00), (1, 1, p11), (0, 1, p01))):
            (ax, ay), (bx, by), (cx, cy) = (
                (a[0] * 0.04 + a[2][0], a[1] * 0.04 + a[2][1]),
                (b[0] * 0.04 + b[2][0], b[1] * 0.04 + b[2][1]),
                (c[0] * 0.04 + c[2][0], c[1] * 0.04 + c[2][1]))
            assert (bx - ax) * (cy - ay) - (by - ay) * (cx - ax) > 0
