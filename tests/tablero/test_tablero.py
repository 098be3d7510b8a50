"""The tablero de control over the engine's results: pages per role and territory, scope,
filters, disaggregation, the SVG map, downloads, the volunteer table, and query counts.

Values of the `dashboard` fixture (tests/tablero/conftest.py), this month:

    caregiver coverage   Sambo Creek 1/10, Corozal 1/4, Río Cangrejal 2/5, Villa Nueva 1/20
                         La Ceiba 2/14 = 14,3 %, El Porvenir 40 %, Distrito Central 5 %
                         Atlántida 4/19 = 21,1 %, Francisco Morazán 5 %, Honduras 5/39 = 12,8 %
    children             Honduras 5 (3 girls, 2 boys; rural 3, urban 2)
"""

from __future__ import annotations

import io
import re

import pytest
from django.urls import reverse
from django.utils import translation

from crecer.indicators import periods

from .conftest import THIS_MONTH


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def unit_url(unit, **params) -> str:
    return reverse("tablero:unit", args=[unit.pk])


def card_value(html: str, code: str) -> str | None:
    """The raw value (data-value) of an indicator's card."""
    m = re.search(rf'data-indicator="{re.escape(code)}">.*?<span class="value" '
                  rf'data-value="([^"]*)">', html, re.S)
    return m.group(1) if m else None


def card_text(html: str, code: str) -> str | None:
    m = re.search(rf'data-indicator="{re.escape(code)}">.*?<span class="value" '
                  rf'data-value="[^"]*">([^<]*)</span>', html, re.S)
    return m.group(1) if m else None


def ranking_rows(html: str) -> list[tuple[str, str]]:
    """(unit id, raw value) of the ranking table's rows, in order."""
    table = html[html.index('id="ranking"'):]
    table = table[:table.index("</table>")]
    return re.findall(r'<tr data-unit="(\d+)">.*?class="num value" data-value="([^"]*)"',
                      table, re.S)


# --- entry and pages per role ------------------------------------------------------------------

@pytest.mark.parametrize("role, top", [("national_manager", "country"),
                                       ("regional_manager", "region_a"),
                                       ("municipal_officer", "muni_a1"),
                                       ("facilitator", "muni_a1")])
def test_index_redirects_to_the_users_top_unit(client, tree, users, role, top):
    response = _get(client, users[role], "/tablero/", pt="quarter")
    assert response.status_code == 302
    assert response.url == f"/tablero/{getattr(tree, top).pk}/?pt=quarter"


def test_roles_without_the_tablero_get_403_and_no_menu_link(client, tree, users):
    assert _get(client, users["volunteer"], "/tablero/").status_code == 403
    assert _get(client, users["volunteer"], unit_url(tree.comm_a1)).status_code == 403
    assert 'id="nav-tablero"' not in client.get("/").content.decode()
    client.force_login(users["national_manager"])
    assert 'id="nav-tablero"' in client.get("/").content.decode()


@pytest.mark.parametrize("role, unit, value, text, children", [
    ("national_manager", "country", "12.8205", "12,8 %", ["region_a", "region_b"]),
    ("regional_manager", "region_a", "21.0526", "21,1 %", ["muni_a2", "muni_a1"]),
    ("municipal_officer", "muni_a1", "14.2857", "14,3 %", ["comm_a1b", "comm_a1"]),
])
def test_tablero_of_each_level_shows_the_engine_values(client, tree, users, dashboard, role,
                                                       unit, value, text, children):
    response = _get(client, users[role], unit_url(getattr(tree, unit)))
    assert response.status_code == 200
    html = response.content.decode()
    assert card_value(html, "caregiver-registry") == value
    assert card_text(html, "caregiver-registry") == text  # Spanish decimals, with the unit
    # every indicator has a card; the map's indicator is the caregiver-registry coverage
    for code in dashboard["indicators"]:
        assert f'data-indicator="{code}"' in html
    assert 'id="f-ind"' in html and '<option value="caregiver-registry" selected>' in html
    # the ranking of the units below, best first, each linking to its own tablero
    ids = [str(getattr(tree, c).pk) for c in children]
    assert [uid for uid, _v in ranking_rows(html)] == ids
    for uid in ids:
        assert f'href="/tablero/{uid}/?' in html


def test_region_passes_through_its_single_province(client, tree, users, dashboard):
    """The region's only province is skipped: the map compares its municipalities."""
    html = _get(client, users["regional_manager"], unit_url(tree.region_a)).content.decode()
    assert f'data-unit="{tree.muni_a1.pk}"' in html
    assert f'data-unit="{tree.muni_a2.pk}"' in html
    assert f'<tr data-unit="{tree.region_a.pk}' not in html


def test_cards_carry_target_traffic_light_gap_and_trend(client, tree, users, dashboard):
    html = _get(client, users["national_manager"], unit_url(tree.country)).content.decode()
    card = html[html.index('data-indicator="caregiver-registry"'):]
    card = card[:card.index("</article>")]
    assert "30,0 %" in card  # the target
    assert 'class="light red"' in card  # 12,8 % of 30 % is below the yellow threshold (80 %)
    assert "17,2 %" in card  # the gap
    assert "5 / 39" in card  # numerator / denominator
    assert '<svg class="spark"' in card and "<polyline" in card


def test_breadcrumbs_never_go_above_the_users_scope(client, tree, users, dashboard):
    html = _get(client, users["regional_manager"], unit_url(tree.comm_a1)).content.decode()
    crumbs = html[html.index('id="crumbs"'):]
    crumbs = crumbs[:crumbs.index("</nav>")]
    for unit in (tree.region_a, tree.muni_a1):
        assert f'href="/tablero/{unit.pk}/?' in crumbs
    assert "Honduras" not in crumbs
    assert f'href="/tablero/{tree.country.pk}/' not in crumbs
    national = _get(client, users["national_manager"], unit_url(tree.comm_a1)).content.decode()
    assert f'href="/tablero/{tree.country.pk}/?' in national


@pytest.mark.parametrize("role, unit", [("regional_manager", "region_b"),
                                        ("regional_manager", "comm_b1"),
                                        ("municipal_officer", "muni_a2"),
                                        ("municipal_officer", "region_a"),
                                        ("volunteer", "comm_b1"),
                                        ("national_manager", "health_a1")])
def test_units_outside_the_users_scope_are_404(client, tree, users, dashboard, role, unit):
    u = getattr(tree, unit)
    client.force_login(users[role])
    for url in (unit_url(u), reverse("tablero:indicator", args=[u.pk, "caregiver-registry"]),
                reverse("tablero:chain", args=[u.pk, "output"])):
        assert client.get(url).status_code == 404, url
        assert client.get(url, {"format": "xlsx"}).status_code == 404, url


def test_unknown_indicator_or_column_is_404(client, tree, users, dashboard):
    client.force_login(users["national_manager"])
    assert client.get(reverse("tablero:indicator",
                              args=[tree.country.pk, "nope"])).status_code == 404
    assert client.get(reverse("tablero:chain", args=[tree.country.pk, "nope"])).status_code == 404


# --- filters -----------------------------------------------------------------------------------

def test_filters_change_the_values(client, tree, users, dashboard):
    user = users["national_manager"]
    url = unit_url(tree.country)
    base = _get(client, user, url).content.decode()
    assert card_value(base, "children-registered") == "5"
    girls = _get(client, user, url, sex="F").content.decode()
    assert card_value(girls, "children-registered") == "3"
    assert card_value(girls, "caregiver-registry") == "10.2564"  # 4 women / 39
    rural = _get(client, user, url, area="rural").content.decode()
    assert card_value(rural, "children-registered") == "3"
    under2 = _get(client, user, url, age="u2").content.decode()
    assert card_value(under2, "children-registered") == str(_children_under_two())
    rural_girls = _get(client, user, url, sex="F", area="rural").content.decode()
    assert card_value(rural_girls, "children-registered") == "1"
    # the programme: the households enrolled in it (the family of Sambo Creek: one boy)
    code = dashboard["programme"].code
    enrolled = _get(client, user, url, programme=code).content.decode()
    assert card_value(enrolled, "children-registered") == "1"
    assert f'<option value="{code}" selected>' in enrolled
    # the filters are kept in the links (drill-down, cards) and said above the cards
    assert f'href="/tablero/{tree.region_a.pk}/?pt=month&amp;period={THIS_MONTH.code}&amp;'\
           'sex=F&amp;area=rural"' in rural_girls
    summary = rural_girls[rural_girls.index('id="selection-summary"'):]
    assert "Rural" in summary[:400]


def _children_under_two() -> int:
    """Children under 24 months at the end of this month (the age bands 0-11m and 12-23m)."""
    from calendar import monthrange

    from crecer.registry.models import Person

    first = periods.month_start(THIS_MONTH.end)
    end = first.replace(day=monthrange(first.year, first.month)[1])

    def months(b):
        return (end.year - b.year) * 12 + end.month - b.month - (1 if end.day < b.day else 0)

    return sum(months(p.birth_date) < 24
               for p in Person.objects.filter(roles__role="child", birth_date__isnull=False))


def test_quarterly_period_and_sex_disaggregation(client, tree, users, dashboard):
    user = users["national_manager"]
    html = _get(client, user, unit_url(tree.country), pt="quarter", dim="sex").content.decode()
    quarter = periods.current("quarter")
    assert f'<option value="{quarter.code}" selected>' in html
    assert card_value(html, "children-registered") == "5"  # a stock: the quarter's last month
    card = html[html.index('data-indicator="children-registered"'):]
    card = card[:card.index("</article>")]
    assert re.search(r"<span>[^<]+</span> <strong>3 personas</strong>", card)  # girls
    assert re.search(r"<span>[^<]+</span> <strong>2 personas</strong>", card)  # boys
    # a month code with the quarterly type: the quarter that holds the month
    html = _get(client, user, unit_url(tree.country), pt="quarter",
                period=THIS_MONTH.code).content.decode()
    assert f'<option value="{quarter.code}" selected>' in html


def test_malformed_filters_fall_back_to_defaults(client, tree, users, dashboard):
    html = _get(client, users["national_manager"], unit_url(tree.country), pt="decade",
                period="2026Q9", dim="shoe", sex="X", age="old", area="moon",
                programme="nope", ind="<script>").content.decode()
    assert card_value(html, "children-registered") == "5"
    assert f'<option value="{THIS_MONTH.code}" selected>' in html
    assert "<script>" not in html.split('id="tablero-filters"')[1].split("</form>")[0]


def test_indicator_group_filters_the_cards(client, tree, users, dashboard):
    html = _get(client, users["national_manager"], unit_url(tree.country),
                group="Campo").content.decode()
    assert 'data-indicator="home-visits"' in html
    assert 'data-indicator="caregiver-registry"' not in html
    # the map falls back to an indicator of the group
    assert '<option value="home-visits" selected>' in html


# --- the map -----------------------------------------------------------------------------------

def test_svg_map_has_one_shape_per_child_with_a_boundary(client, tree, users, dashboard):
    from crecer.territory.models import OrgUnit

    user = users["national_manager"]
    html = _get(client, user, unit_url(tree.muni_a1)).content.decode()
    svg = html[html.index("<svg xmlns"):html.index("</svg>", html.index("<svg xmlns"))]
    shapes = re.findall(r'<a href="([^"]+)" class="map-unit" data-unit="(\d+)"><path ', svg)
    assert sorted(int(uid) for _h, uid in shapes) == sorted([tree.comm_a1.pk, tree.comm_a1b.pk])
    assert all(h.startswith(f"/tablero/{uid}/?") for h, uid in shapes)
    assert "<title>Corozal: 25,0 %</title>" in svg
    # the better value is darker
    fills = dict(re.findall(r'data-unit="(\d+)"><path d="[^"]+" fill="(#[0-9a-f]+)"', svg))
    assert fills[str(tree.comm_a1b.pk)] == "#006d2c" and fills[str(tree.comm_a1.pk)] == "#e5f5e0"

    # without a boundary, a unit with a point is a circle; with neither it is named below
    OrgUnit.objects.filter(pk=tree.comm_a1b.pk).update(boundary=None)
    html = _get(client, user, unit_url(tree.muni_a1)).content.decode()
    assert html.count('class="map-unit" data-unit') == 1
    assert f'class="map-unit map-point" data-unit="{tree.comm_a1b.pk}"><circle' in html
    OrgUnit.objects.filter(pk=tree.comm_a1b.pk).update(latitude=None, longitude=None)
    html = _get(client, user, unit_url(tree.muni_a1)).content.decode()
    assert "map-point" not in html and "Corozal" in html.split("<figcaption>")[1][:1500]
    OrgUnit.objects.filter(pk=tree.comm_a1.pk).update(boundary=None, latitude=None,
                                                      longitude=None)
    html = _get(client, user, unit_url(tree.muni_a1)).content.decode()
    assert "<svg xmlns" not in html and 'id="map-note"' in html


def test_community_level_has_no_map_but_the_volunteer_table(client, tree, users, dashboard):
    html = _get(client, users["municipal_officer"], unit_url(tree.comm_a1)).content.decode()
    assert 'id="no-children"' in html and "<svg xmlns" not in html
    table = html[html.index('id="volunteers"'):html.index("</table>", html.index(
        'id="volunteers"'))]
    row = re.search(r'<tr data-volunteer="(\d+)"><td>([^<]+)</td>(.*?)</tr>', table, re.S)
    assert row.group(1) == str(dashboard["volunteer"].pk)
    assert row.group(2) == "Rosa Mejía"
    numbers = re.findall(r'<td class="num">([^<]*)</td>', row.group(3))
    # one family assigned, two home visits to it this month: all her families contacted
    assert numbers == ["1", "2", "2", "0", "1", "100,0 %"]
    # on the indicator page of a field indicator too
    html = _get(client, users["municipal_officer"],
                reverse("tablero:indicator", args=[tree.comm_a1.pk, "home-visits"])
                ).content.decode()
    assert "Rosa Mejía" in html
    # without field indicators among the cards (another group), no volunteer table
    html = _get(client, users["municipal_officer"], unit_url(tree.comm_a1),
                group="Pruebas").content.decode()
    assert 'id="volunteers"' not in html
    html = _get(client, users["municipal_officer"],
                reverse("tablero:indicator", args=[tree.comm_a1.pk, "girls-share"])
                ).content.decode()
    assert 'id="volunteers"' not in html


# --- downloads ---------------------------------------------------------------------------------

def test_download_holds_the_ranking_shown(client, tree, users, dashboard):
    from openpyxl import load_workbook

    user = users["national_manager"]
    page = _get(client, user, unit_url(tree.region_a), dim="sex",
                ind="children-registered").content.decode()
    shown = ranking_rows(page)
    response = client.get(unit_url(tree.region_a), {"dim": "sex", "ind": "children-registered",
                                                    "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert [r[2] for r in body] == [tree.muni_a1.code, tree.muni_a2.code]  # 3 children, 1
    assert [float(r[5]) for r in body] == [float(v) for _u, v in shown]
    # one column per sex
    assert len(header) == 10 and all(":" in str(h) for h in header[8:])
    la_ceiba = next(r for r in body if r[2] == tree.muni_a1.code)
    assert sorted(la_ceiba[8:]) == [1, 2]  # Luis (boy) in Sambo Creek, two girls in Corozal
    csv = client.get(unit_url(tree.region_a), {"format": "csv"})
    assert csv.status_code == 200 and tree.muni_a1.code in csv.content.decode("utf-8-sig")
    assert client.get(unit_url(tree.region_a), {"format": "pdf"}).status_code == 404


# --- indicator and results-chain pages ---------------------------------------------------------

def test_indicator_page_has_series_bars_and_children(client, tree, users, dashboard):
    import json

    user = users["national_manager"]
    url = reverse("tablero:indicator", args=[tree.country.pk, "children-registered"])
    html = _get(client, user, url, dim="sex").content.decode()
    series = json.loads(re.search(r'<script type="application/json" id="fig-series">(.*?)'
                                  r"</script>", html, re.S).group(1))
    assert series["data"][0]["y"][-1] == 5
    assert len(series["data"][0]["x"]) == 12
    bars = json.loads(re.search(r'<script type="application/json" id="fig-bars">(.*?)</script>',
                                html, re.S).group(1))
    assert sorted(bars["data"][0]["y"]) == [2, 3]
    assert f'href="/tablero/{tree.region_a.pk}/indicator/children-registered/?' in html
    assert reverse("tablero:plotly") in html and "cdn" not in html.lower()
    # the target line of the coverage
    url = reverse("tablero:indicator", args=[tree.country.pk, "caregiver-registry"])
    html = _get(client, user, url).content.decode()
    series = json.loads(re.search(r'id="fig-series">(.*?)</script>', html, re.S).group(1))
    assert series["data"][1]["y"][-1] == 30


def test_english_names_come_from_the_catalogue(client, tree, users, dashboard):
    client.force_login(users["national_manager"])
    client.cookies["django_language"] = "en"
    html = client.get(unit_url(tree.country)).content.decode()
    assert "Caregiver registry coverage" in html
    assert "12.8 %" in html
    client.cookies["django_language"] = "es"
    html = client.get(unit_url(tree.country)).content.decode()
    assert "Cobertura del registro de cuidadores" in html


def test_chain_page_lists_the_column_indicators(client, tree, users, dashboard):
    html = _get(client, users["regional_manager"],
                reverse("tablero:chain", args=[tree.region_a.pk, "output"])).content.decode()
    assert 'data-indicator="caregiver-registry"' in html
    assert 'data-indicator="home-visits"' in html
    assert 'data-indicator="girls-share"' not in html
    assert card_value(html, "caregiver-registry") == "21.0526"


def test_print_layout(client, tree, users, dashboard):
    from django.contrib.staticfiles import finders

    html = _get(client, users["national_manager"], unit_url(tree.country)).content.decode()
    assert 'id="print-link"' in html and "tablero/tablero.css" in html
    css = open(finders.find("tablero/tablero.css"), encoding="utf-8").read()
    assert "@media print" in css and ".no-print" in css


# --- speed: precomputed values only, a fixed number of database queries -----------------------

def test_tablero_page_reads_a_fixed_number_of_queries(client, tree, users, dashboard,
                                                      django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from crecer.indicators.models import Indicator
    from crecer.territory.actions import create_unit

    client.force_login(users["national_manager"])
    client.get(unit_url(tree.country))  # warm up (the session)

    def count(url, params=None) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params or {}).status_code == 200
        return len(captured)

    # all indicators monthly: the territories, the catalogue, the programmes, the targets
    with django_assert_max_num_queries(15):
        assert client.get(unit_url(tree.country), {"dim": "sex"}).status_code == 200
    # a sub-population filter is computed on demand by the engine (it reads the definitions)
    with django_assert_max_num_queries(19):
        assert client.get(unit_url(tree.country), {"sex": "F", "dim": "sex"}).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("tablero:indicator",
                                  args=[tree.country.pk, "caregiver-registry"])).status_code == 200
    # indicators of every periodicity: a few more queries per periodicity, never per unit
    Indicator.objects.filter(code="girls-share").update(periodicity="quarter")
    Indicator.objects.filter(code="home-visits").update(periodicity="year")
    before = count(unit_url(tree.country), {"dim": "sex"})
    assert before <= 25
    for n in range(15):
        create_unit(code=f"HN-9{n:02d}", name=f"Región {n}", parent=tree.country)
    assert count(unit_url(tree.country), {"dim": "sex"}) == before


def test_pages_work_before_the_first_refresh(client, tree, users):
    from .conftest import make_indicators

    make_indicators()
    with translation.override("en"):
        html = _get(client, users["national_manager"], unit_url(tree.country)).content.decode()
    assert 'data-indicator="caregiver-registry"' in html
    assert card_value(html, "caregiver-registry") == ""


# --- Plotly.js, served from the installed package ---------------------------------------------

def test_plotly_is_served_locally_with_long_cache(client):
    url = reverse("tablero:plotly")
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response["Cache-Control"]
    plain = client.get(url)
    assert b"plotly" in plain.content[:2000].lower() and len(plain.content) > 1_000_000
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


# --- gaps --------------------------------------------------------------------------------------

def test_largest_gaps_rank_the_units_below(client, tree, users, dashboard):
    html = _get(client, users["national_manager"], unit_url(tree.country)).content.decode()
    table = html[html.index('id="gaps"'):]
    table = table[:table.index("</table>")]
    # Francisco Morazán 5 % of 50 % (90 % short) before Atlántida 21,1 % of 25 % (16 % short)
    assert re.findall(r'href="/tablero/(\d+)/\?', table) == [str(tree.region_b.pk),
                                                             str(tree.region_a.pk)]
    assert "45,0 %" in table and "3,9 %" in table
    # La Ceiba: Sambo Creek is short of its own 20 %; Corozal (25 %) is beyond the inherited 20 %
    html = _get(client, users["municipal_officer"], unit_url(tree.muni_a1)).content.decode()
    table = html[html.index('id="gaps"'):]
    table = table[:table.index("</table>")]
    assert "Sambo Creek" in table and "Corozal" not in table


def test_target_series_follows_the_targets_module(tree, users, dashboard):
    """The indicator page reads a series of targets in one query; it must agree with
    `targets.targets_for` period by period (own and inherited, exact and longer periods)."""
    from crecer.indicators import targets
    from crecer.indicators.models import Target
    from crecer.tablero import engine_reads
    from crecer.tablero.filters import parse

    cov = dashboard["indicators"]["caregiver-registry"]
    kids = dashboard["indicators"]["children-registered"]
    year = str(THIS_MONTH.year)
    Target.objects.create(indicator=cov, unit=tree.region_a, period=year, value=70)
    Target.objects.create(indicator=kids, unit=tree.muni_a1, period=year, value=9)
    Target.objects.create(indicator=kids, unit=tree.muni_a1, period=THIS_MONTH.code, value=4)
    for pt in ("month", "quarter", "year"):
        trend = parse({"pt": pt}).trend()
        for ind in (cov, kids):
            for unit in (tree.comm_a1, tree.comm_a1b, tree.muni_a1, tree.country):
                got = engine_reads.target_series(ind, unit, trend)
                for p in trend:
                    want = targets.targets_for([ind], [unit.pk], p.code).get((ind.code, unit.pk))
                    assert got.get(p.code) == want, (ind.code, unit.name, p.code)
    # Corozal inherits La Ceiba's month target of the coverage, and Atlántida's yearly one
    # for the other months
    got = engine_reads.target_series(cov, tree.comm_a1b, parse({}).trend())
    assert got[THIS_MONTH.code].value == 20 and got[THIS_MONTH.code].inherited
    assert {t.value for code, t in got.items() if code != THIS_MONTH.code
            and code.startswith(year)} == {70}


def test_a_yearly_indicator_shows_its_year_in_the_monthly_view(client, tree, users, dashboard):
    from crecer.indicators import engine
    from crecer.indicators.models import Indicator

    Indicator.objects.filter(code="children-registered").update(periodicity="year")
    engine.refresh(full=True)
    user = users["national_manager"]
    html = _get(client, user, unit_url(tree.country), ind="children-registered").content.decode()
    year = periods.current("year")
    card = html[html.index('data-indicator="children-registered"'):]
    card = card[:card.index("</article>")]
    assert card_value(html, "children-registered") == "5"  # the year's (a stock: its last month)
    assert 'class="muted small-text own-period"' in card and year.code in card
    assert 'class="muted own-period"' in html  # above the ranking
    assert '<option value="' + THIS_MONTH.code + '" selected>' in html  # still the month view
    page = _get(client, user, reverse("tablero:indicator",
                                      args=[tree.country.pk, "children-registered"]))
    assert page.context["own_period"] == periods.label(year)
    assert page.context["series_rows"][-1][0] == periods.label(year)
