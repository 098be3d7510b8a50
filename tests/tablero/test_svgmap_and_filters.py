"""The pieces of the tablero that need no database: the SVG map and the query-string parser."""

from __future__ import annotations

import re
from datetime import date

from crecer.indicators import periods
from crecer.tablero import filters, svgmap
from crecer.tablero.charts import sparkline


def _square(lon, lat, half=1.0):
    return [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]


def test_rings_of_every_geojson_shape():
    poly = {"type": "Polygon", "coordinates": [_square(0, 0, 2), _square(0, 0, 1)]}  # a hole
    multi = {"type": "MultiPolygon", "coordinates": [[_square(0, 0)], [_square(5, 5)]]}
    feature = {"type": "Feature", "geometry": multi, "properties": {}}
    assert len(svgmap.rings(poly)) == 2
    assert len(svgmap.rings(multi)) == 2
    assert len(svgmap.rings(feature)) == 2
    assert len(svgmap.rings({"type": "FeatureCollection", "features": [feature, feature]})) == 4
    for junk in (None, {}, "x", {"type": "Point", "coordinates": [1, 2]},
                 {"type": "Polygon", "coordinates": [[["a", "b"], [1]]]},
                 {"type": "Polygon", "coordinates": [[[0, 0], [float("nan"), 1]]]}):
        assert svgmap.rings(junk) == []


def test_map_fits_the_shapes_escapes_names_and_colours_by_class():
    items = [
        svgmap.Item(1, "<script>alert(1)</script>", "/tablero/1/?a=1&b=2", 10.0, "10 %",
                    boundary={"type": "Polygon", "coordinates": [_square(-87, 15)]}),
        svgmap.Item(2, "Dos", "/tablero/2/", 50.0, "50 %",
                    boundary={"type": "MultiPolygon", "coordinates": [[_square(-85, 14)]]}),
        svgmap.Item(3, "Tres", "/tablero/3/", None, "–", latitude=13.5, longitude=-86.0),
        svgmap.Item(4, "Cuatro", "/tablero/4/", 30.0, "30 %"),
    ]
    m = svgmap.draw(items, title="Cobertura & más")
    svg = str(m.svg)
    assert (m.shapes, m.points, m.missing) == (2, 1, ["Cuatro"])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'href="/tablero/1/?a=1&amp;b=2"' in svg
    assert "Cobertura &amp; más" in svg
    width, height = map(float, re.search(r'viewBox="0 0 (\S+) (\S+)"', svg).groups())
    xy = [float(v) for v in re.findall(r"-?\d+\.?\d*", " ".join(re.findall(r'd="([^"]+)"', svg)))]
    assert all(0 <= x <= width for x in xy[0::2]) and all(0 <= y <= height for y in xy[1::2])
    fills = dict(re.findall(r'data-unit="(\d)"><(?:path d="[^"]+"|circle [^>]*?) fill="([^"]+)"',
                            svg))
    assert fills["1"] == svgmap.PALETTE[0] and fills["2"] == svgmap.PALETTE[-1]
    assert fills["3"] == svgmap.NO_VALUE
    # one class per value (few values), the undrawn unit's value included
    assert [(c.colour, c.label) for c in m.legend] == [
        (svgmap.PALETTE[0], "10"), (svgmap.PALETTE[2], "30"), (svgmap.PALETTE[-1], "50")]


def test_legend_classes():
    many = svgmap.classes([0, 10, 20, 30, 40, 50, 100, None])
    assert [c.colour for c in many] == list(svgmap.PALETTE)
    assert (many[0].low, many[-1].high) == (0, 100)
    assert svgmap.colour_of(100, many) == svgmap.PALETTE[-1]
    assert svgmap.colour_of(19.9, many) == svgmap.PALETTE[0]
    assert svgmap.colour_of(20.1, many) == svgmap.PALETTE[1]
    few = svgmap.classes([1, 2, 2, 3])
    assert [(c.colour, c.low) for c in few] == [(svgmap.PALETTE[0], 1), (svgmap.PALETTE[2], 2),
                                                (svgmap.PALETTE[4], 3)]
    assert [c.colour for c in svgmap.classes([7, 7])] == [svgmap.PALETTE[-1]]
    assert svgmap.classes([None]) == []


def test_map_without_any_place_is_empty():
    m = svgmap.draw([svgmap.Item(1, "Uno", "/", 1.0, "1")], title="t")
    assert str(m.svg) == "" and m.missing == ["Uno"]


def test_sparkline_breaks_where_a_value_is_missing():
    svg = str(sparkline([1, 2, None, 3, 4]))
    assert svg.count("<polyline") == 2
    assert str(sparkline([None, 5])) == ""


def test_selection_from_the_query_string():
    today = date(2026, 3, 15)
    sel = filters.parse({}, latest_month=periods.month_index(today))
    assert (sel.period_type, sel.period.code, sel.filters()) == ("month", "202603", None)
    sel = filters.parse({"pt": "quarter", "period": "202605", "dim": "sex", "sex": "F",
                         "age": "u2", "area": "rural", "programme": "juntos"},
                        programmes={"juntos"})
    assert sel.period.code == "2026Q2"  # the quarter holding the month of the old type
    assert sel.filters() == {"sex": ["F"], "age_band": ["0-11m", "12-23m"], "area": ["rural"],
                             "programme": ["juntos"]}
    assert sel.query() == ("pt=quarter&period=2026Q2&dim=sex&sex=F&age=u2&area=rural"
                           "&programme=juntos")
    assert sel.query(dim="") == ("pt=quarter&period=2026Q2&sex=F&age=u2&area=rural"
                                 "&programme=juntos")
    assert [p.code for p in sel.trend()][-2:] == ["2026Q1", "2026Q2"]
    assert len(sel.trend()) == filters.TREND_LENGTH["quarter"]
    bad = filters.parse({"pt": "x", "period": "20xx", "dim": "shoe", "programme": "other"},
                        programmes={"juntos"}, latest_month=periods.month_index(today))
    assert (bad.period_type, bad.period.code, bad.dim, bad.programme) == ("month", "202603",
                                                                          "", "")
