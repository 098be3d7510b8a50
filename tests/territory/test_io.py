"""Tree, population and boundary files: round trips, validation, upserts and moves."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from crecer.territory import actions, queries
from crecer.territory.io import (
    export_boundaries,
    export_population,
    export_tree,
    import_boundaries,
    import_population,
    import_tree,
)
from crecer.territory.models import Level, OrgUnit, PopulationEstimate

HEADER = "code,name,parent_code,level,kind,sector,latitude,longitude\n"


def assert_paths_consistent():
    """Every unit's path is its parent's path plus its id, and its depth matches."""
    units = {u.pk: u for u in OrgUnit.objects.all()}
    for u in units.values():
        expected = (units[u.parent_id].path if u.parent_id else "/") + f"{u.pk}/"
        assert u.path == expected, (u.code, u.path, expected)
        assert u.depth == expected.count("/") - 2, (u.code, u.depth)


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def export_text(fn, **kw) -> str:
    buf = io.StringIO()
    fn(buf, **kw)
    return buf.getvalue()


@pytest.fixture
def levels(db):
    for depth, code in enumerate(["country", "region", "province", "municipality", "community"]):
        Level.objects.get_or_create(depth=depth, defaults={"code": code, "name": code.title()})


# Children before parents, level given by code or by depth, a service point with a point.
TREE = HEADER + """\
GT-01-01-001,Aldea Uno,GT-01-01,community,area,,14.61,-90.52
GT-01-01,Municipio Uno,GT-01-P,3,area,,,
GT,Guatemala,,country,area,,,
GT-01,Región Uno,GT,region,,,,
GT-01-P,Provincia Uno,GT-01,province,area,,,
GT-01-01-CS,"Centro de Salud, Uno",GT-01-01,community,service_point,health,14.6,-90.5
GT-01-01-ES,=Escuela Uno,GT-01-01,4,service_point,education,,
"""


def test_tree_csv_round_trip(levels):
    result = import_tree(TREE)
    assert result.ok, result.errors
    assert result.counts == {"created": 7, "updated": 0, "moved": 0, "unchanged": 0}
    assert_paths_consistent()
    school = OrgUnit.objects.get(code="GT-01-01-ES")
    assert school.name == "=Escuela Uno" and school.sector == "education" and school.depth == 4

    exported = export_text(export_tree)
    assert "'=Escuela Uno" in exported  # formula injection guard, removed again on import
    original = sorted(rows_of(TREE), key=lambda r: r["code"])
    back = sorted(rows_of(exported), key=lambda r: r["code"])
    for row in original:  # depths in the input are exported as level codes
        row["level"] = {"3": "municipality", "4": "community"}.get(row["level"], row["level"])
        row["kind"] = row["kind"] or "area"
    for row in back:
        row["name"] = row["name"].removeprefix("'")
    assert back == original
    # Parents come before children in the export.
    seen = set()
    for row in rows_of(exported):
        assert not row["parent_code"] or row["parent_code"] in seen
        seen.add(row["code"])

    again = import_tree(exported)
    assert again.counts == {"created": 0, "updated": 0, "moved": 0, "unchanged": 7}
    assert OrgUnit.objects.get(code="GT-01-01-ES").name == "=Escuela Uno"
    assert OrgUnit.objects.get(code="GT-01-01-001").latitude == 14.61


def test_tree_import_errors_name_row_and_field_and_save_nothing(levels):
    bad = HEADER + """\
GT,Guatemala,,country,,,,
GT-01,Región,GT,region,,,,
GT-02,Región,XX,region,,,,
GT-01,Otra,GT,region,,,,
A,A,B,,,,,
B,B,A,,,,,
GT-01-P,Provincia,GT-01,municipality,,,,
GT-01-Q,Provincia,GT-01,planet,,,,
P1,Punto,GT-01,region,service_point,food,,
P2,Punto,GT-01,,service_point,,,
C1,Comunidad,GT-01,,,,95,-90
C2,Comunidad,GT-01,,,,14.5,
C3,Comunidad,GT-01,,,,abc,-90
,Sin código,GT,,,,,
N,,GT,,,,,
"""
    result = import_tree(bad)
    assert not result.ok
    found = {(e.row, e.field) for e in result.errors}
    assert (4, "parent_code") in found  # unknown parent XX
    assert (5, "code") in found  # duplicate code GT-01
    assert (6, "parent_code") in found and (7, "parent_code") in found  # cycle A → B → A
    assert (8, "level") in found  # municipality is depth 3, not 2
    assert (9, "level") in found  # unknown level
    assert (10, "sector") in found and (10, "level") in found  # bad sector; region ≠ depth 2
    assert (11, "sector") in found  # a service point needs a sector
    assert (12, "latitude") in found  # out of range
    assert (13, "longitude") in found  # only one of the pair
    assert (14, "latitude") in found  # not a number
    assert (15, "code") in found and (16, "name") in found
    messages = {(e.row, e.field): e.message for e in result.errors}
    assert "XX" in messages[(4, "parent_code")]
    assert "A → B → A" in messages[(6, "parent_code")]
    assert "row 3" in messages[(5, "code")]
    assert str(result.errors[0]).startswith("row ")
    assert not OrgUnit.objects.exists()


def test_missing_columns_and_empty_file(levels):
    result = import_tree("code,name\nX,Y\n")
    assert [(e.row, e.field) for e in result.errors] == [(1, "parent_code")]
    assert not import_tree("").ok
    assert not import_tree(HEADER).ok


def test_semicolon_and_decimal_comma_from_spreadsheets(levels):
    text = "code;name;parent_code;level;kind;sector;latitude;longitude\n" \
           "GT;Guatemala;;0;;;14,6;-90,5\n"
    result = import_tree(text.encode("cp1252"))
    assert result.ok, result.errors
    assert OrgUnit.objects.get(code="GT").longitude == -90.5


def test_import_updates_and_moves_keep_subtree_paths(tree, levels):
    # La Ceiba (with its communities and health centre) moves to region B's province, renamed.
    text = HEADER + "HN-0101,La Ceiba (nueva),HN-08-P,municipality,area,,,\n"
    result = import_tree(text)
    assert result.counts == {"created": 0, "updated": 1, "moved": 1, "unchanged": 0}
    ceiba = OrgUnit.objects.get(code="HN-0101")
    province_b = OrgUnit.objects.get(code="HN-08-P")
    assert ceiba.name == "La Ceiba (nueva)" and ceiba.parent_id == province_b.pk
    moved = set(queries.subtree(ceiba).values_list("code", flat=True))
    assert moved == {"HN-0101", "HN-0101-001", "HN-0101-002", "HN-0101-CS1"}
    assert set(queries.subtree(province_b).values_list("code", flat=True)) >= moved
    assert not queries.subtree(tree.region_a).filter(code__in=moved).exists()
    assert_paths_consistent()


def test_import_creates_a_new_parent_for_existing_units_in_any_order(tree, levels):
    # The existing municipality El Porvenir moves under a province that the same file creates,
    # listed after it; a new community is added under El Porvenir too.
    text = HEADER + (
        "HN-0102-009,Nueva,HN-0102,community,,,,\n"
        "HN-0102,El Porvenir,HN-01-Q,municipality,,,,\n"
        "HN-01-Q,Provincia Q,HN-01,province,,,,\n"
    )
    result = import_tree(text)
    assert result.ok, result.errors
    assert result.counts == {"created": 2, "updated": 0, "moved": 1, "unchanged": 0}
    q = OrgUnit.objects.get(code="HN-01-Q")
    assert OrgUnit.objects.get(code="HN-0102").parent_id == q.pk
    assert set(queries.subtree(q).values_list("code", flat=True)) == {
        "HN-01-Q", "HN-0102", "HN-0102-001", "HN-0102-009"}
    assert_paths_consistent()


def test_moving_a_unit_under_its_own_subtree_is_a_cycle(tree, levels):
    text = HEADER + "HN-01,Atlántida,HN-0101-001,,,,,\n"
    result = import_tree(text)
    assert [(e.row, e.field) for e in result.errors] == [(2, "parent_code")]
    assert "HN-01 → HN-0101-001 … HN-01" in result.errors[0].message
    assert OrgUnit.objects.get(code="HN-01").parent_id == tree.country.pk


def test_move_unit_keeps_subtree_paths(tree):
    actions.move_unit(unit=tree.muni_a1, new_parent=tree.muni_b1)
    ceiba = OrgUnit.objects.get(pk=tree.muni_a1.pk)
    assert ceiba.depth == 4
    assert OrgUnit.objects.get(pk=tree.comm_a1.pk).path == f"{tree.muni_b1.path}{ceiba.pk}/" \
        f"{tree.comm_a1.pk}/"
    assert_paths_consistent()
    with pytest.raises(ValueError):
        actions.move_unit(unit=tree.region_b, new_parent=OrgUnit.objects.get(pk=tree.comm_a1.pk))


def test_import_checks_policy_and_scope(tree, levels, users, make_user):
    text = HEADER + "HN-0801,Distrito Central (nuevo),HN-08-P,,,,,\n"
    with pytest.raises(PermissionDenied):
        import_tree(text, actor=users["municipal_officer"])
    regional_officer = make_user("data_a", "data_officer", tree.region_a)
    result = import_tree(text, actor=regional_officer)  # both unit and parent are in region B
    assert [(e.row, e.field) for e in result.errors] == [(2, "code"), (2, "parent_code")]
    assert import_tree(text, actor=users["data_officer"]).counts["updated"] == 1
    # Only a superuser (or the system command) may add top-level units.
    result = import_tree(HEADER + "GT,Guatemala,,,,,,\n", actor=users["data_officer"])
    assert [(e.row, e.field) for e in result.errors] == [(2, "parent_code")]


def test_dry_run_saves_nothing(levels):
    result = import_tree(TREE, dry_run=True)
    assert result.ok and result.dry_run and result.counts["created"] == 7
    assert not OrgUnit.objects.exists()


POPULATION = """code,year,sex,age_band,value
HN-0101,2025,F,0-11m,120
HN-0101,2025,M,0-11m,131
HN-0101,2025,F,12-23m,110
HN-0101-001,2025,F,0-11m,40
"""


def test_population_import_export_and_upsert(tree):
    result = import_population(POPULATION)
    assert result.counts == {"created": 4, "updated": 0, "unchanged": 0}
    exported = export_text(export_population, roots=[tree.muni_a1])
    assert sorted(map(tuple, csv.reader(io.StringIO(exported)))) == \
        sorted(map(tuple, csv.reader(io.StringIO(POPULATION))))
    assert rows_of(export_text(export_population, roots=[tree.muni_b1])) == []

    changed = POPULATION.replace("HN-0101,2025,M,0-11m,131", "HN-0101,2025,M,0-11m,135")
    assert import_population(changed).counts == {"created": 0, "updated": 1, "unchanged": 3}
    assert PopulationEstimate.objects.get(unit=tree.muni_a1, sex="M").value == 135

    table = queries.population_table(tree.muni_a1)
    assert table.year == 2025 and table.total_f == 230 and table.total_m == 135
    assert table.rows[0] == {"age_band": "0-11m", "F": 120, "M": 135, "total": 255}


def test_population_errors_name_row_and_field(tree):
    bad = """code,year,sex,age_band,value
HN-0101,2025,F,0-11m,120
NOPE,2025,F,0-11m,1
HN-0101,1800,F,0-11m,1
HN-0101,2025,X,0-11m,1
HN-0101,2025,M,0-5y,1
HN-0101,2025,M,12-23m,-4
HN-0101,2025,F,0-11m,99
"""
    result = import_population(bad)
    assert {(e.row, e.field) for e in result.errors} == {
        (3, "code"), (4, "year"), (5, "sex"), (6, "age_band"), (7, "value"), (8, "age_band")}
    assert not PopulationEstimate.objects.exists()


GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"code": "HN-0101"},
         "geometry": {"type": "Polygon", "coordinates": [
             [[-86.9, 15.7], [-86.7, 15.7], [-86.7, 15.8], [-86.9, 15.8], [-86.9, 15.7]]]}},
        {"type": "Feature", "properties": {"code": "HN-0101-CS1", "name": "ignored"},
         "geometry": {"type": "Point", "coordinates": [-86.75, 15.76]}},
        {"type": "Feature", "properties": {"code": "HN-0102"},
         "geometry": {"type": "MultiPolygon", "coordinates": [
             [[[-86.6, 15.7], [-86.5, 15.7], [-86.5, 15.8], [-86.6, 15.7]]]]}},
    ],
}


def test_geojson_import_export(tree):
    result = import_boundaries(json.dumps(GEOJSON))
    assert result.ok, result.errors
    assert result.counts == {"boundaries": 2, "points": 1}
    ceiba = OrgUnit.objects.get(code="HN-0101")
    assert ceiba.boundary["type"] == "Polygon"
    health = OrgUnit.objects.get(code="HN-0101-CS1")
    assert (health.latitude, health.longitude) == (15.76, -86.75)

    exported = json.loads(export_text(export_boundaries, roots=[tree.muni_a1]))
    assert exported["type"] == "FeatureCollection"
    kinds = {(f["properties"]["code"], f["geometry"]["type"]) for f in exported["features"]}
    assert kinds == {("HN-0101", "Polygon"), ("HN-0101-CS1", "Point")}
    assert exported["features"][0]["properties"]["level"] == "municipality"

    OrgUnit.objects.update(boundary=None, latitude=None, longitude=None)
    assert import_boundaries(json.dumps(exported)).counts == {"boundaries": 1, "points": 1}
    assert OrgUnit.objects.get(code="HN-0101").boundary == GEOJSON["features"][0]["geometry"]


def test_geojson_errors_name_feature_and_field(tree):
    bad = {"type": "FeatureCollection", "features": [
        GEOJSON["features"][0],
        {"type": "Feature", "properties": {"code": "NOPE"},
         "geometry": {"type": "Point", "coordinates": [0, 0]}},
        {"type": "Feature", "properties": {"code": "HN-0102"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 2]]]}},
        {"type": "Feature", "properties": {"code": "HN-0801"},
         "geometry": {"type": "Point", "coordinates": [15.0, 200.0]}},
        {"type": "Feature", "properties": {"code": "HN-08"},
         "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
        {"type": "Feature", "properties": {}, "geometry": None},
    ]}
    result = import_boundaries(json.dumps(bad))
    assert {(e.row, e.field) for e in result.errors} == {
        (2, "properties.code"), (3, "geometry"), (4, "geometry"), (5, "geometry"),
        (6, "properties.code")}
    assert "not closed" in next(e.message for e in result.errors if e.row == 3)
    assert str(next(e for e in result.errors if e.row == 2)).startswith("feature 2")
    assert not OrgUnit.objects.exclude(boundary=None).exists()
    assert not import_boundaries("{not json").ok
    assert not import_boundaries(json.dumps({"type": "Feature"})).ok


def test_commands_print_counts_and_fail_on_errors(tree, levels, tmp_path, capsys):
    tree_file, pop_file, geo_file = tmp_path / "t.csv", tmp_path / "p.csv", tmp_path / "b.geojson"
    call_command("territory_export", str(tree_file), "--root", "HN-01")
    assert "8 written" in capsys.readouterr().out
    call_command("territory_import", str(tree_file))
    assert "0 created, 0 updated, 0 moved, 8 unchanged" in capsys.readouterr().out

    pop_file.write_text(POPULATION)
    call_command("population_import", str(pop_file))
    assert "4 created" in capsys.readouterr().out
    call_command("population_export", str(pop_file), "--year", "2025")
    assert "4 written" in capsys.readouterr().out

    geo_file.write_text(json.dumps(GEOJSON))
    call_command("boundaries_import", str(geo_file))
    assert "2 boundaries, 1 points" in capsys.readouterr().out
    call_command("boundaries_export", str(geo_file))
    assert "3 written" in capsys.readouterr().out

    tree_file.write_text(HEADER + "X,X,NOPE,,,,,\n")
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("territory_import", str(tree_file))
    assert "row 2, parent_code" in capsys.readouterr().err
