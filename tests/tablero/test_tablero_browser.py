"""The national manager's tablero in headless Chromium: she opens it from the menu, drills down
country → region → municipality → community by clicking (the map, then the ranking tables),
comes back to the municipality by the breadcrumbs, switches to quarterly values disaggregated
by sex, downloads the table as a spreadsheet (which holds the values the page shows), opens an
indicator's page (its Plotly chart drawn from the locally served plotly.js) and prints nothing
but leaves a screenshot of the tablero, whose path the test prints and records as a property.

Chromium comes from the system (CRECER_CHROMIUM, default /usr/bin/chromium); skipped without
it, unless CRECER_REQUIRE_ALL=1 (or CRECER_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.db import connections
from tests.browser_support import (  # noqa: E402, F401  (fixture)
    ARGS,
    CHROMIUM,
    clear_audit_on_sqlite,
    require_chromium,
)

require_chromium()

sync_api = pytest.importorskip("playwright.sync_api")

from tests.conftest import PASSWORD  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def browser_context():
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      locale="en-US", accept_downloads=True)
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()
            browser.close()
            connections.close_all()


def _number(text: str) -> float | None:
    """A value as the (Spanish) page writes it: "1.234,5 %" → 1234.5; "–" → None."""
    found = re.search(r"-?[\d.]+(?:,\d+)?", text.replace("\xa0", " "))
    if not found:
        return None
    return float(found.group(0).replace(".", "").replace(",", "."))


def _ranking(page) -> list[dict]:
    return page.eval_on_selector_all("#ranking tbody tr", """rows => rows.map(r => ({
        unit: r.dataset.unit, name: r.querySelector('a.drill').textContent.trim(),
        value: r.querySelector('td.value').dataset.value,
        parts: Array.from(r.querySelectorAll('td.dim-col')).map(td => td.textContent.trim())
    }))""")


def _on_unit(page, unit) -> None:
    page.wait_for_url(re.compile(rf"/tablero/{unit.pk}/(\?.*)?$"))
    page.wait_for_selector("#tablero-title")


def test_national_manager_drills_down_filters_and_downloads(
        browser_context, live_server, clear_audit_on_sqlite, tree, users, dashboard, tmp_path,
        record_property):
    from openpyxl import load_workbook

    base = live_server.url
    page = browser_context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", "nat")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#nav-tablero")

    # The country: the regions on the map coloured by caregiver-registry coverage.
    page.click("#nav-tablero")
    _on_unit(page, tree.country)
    assert page.get_attribute("[data-indicator='caregiver-registry'] .value",
                              "data-value") == "12.8205"
    assert page.locator("#map a.map-unit").count() == 2
    assert page.locator("#gaps tbody tr").count() == 2

    # Country → region, by clicking the region on the map.
    page.click(f"#map a.map-unit[data-unit='{tree.region_a.pk}'] path")
    _on_unit(page, tree.region_a)
    assert page.get_attribute("[data-indicator='caregiver-registry'] .value",
                              "data-value") == "21.0526"
    # Region → municipality → community, by the ranking tables.
    page.click(f"#ranking tr[data-unit='{tree.muni_a1.pk}'] a.drill")
    _on_unit(page, tree.muni_a1)
    page.click(f"#ranking tr[data-unit='{tree.comm_a1.pk}'] a.drill")
    _on_unit(page, tree.comm_a1)
    assert page.is_visible("#no-children")
    crumbs = page.inner_text("#crumbs")
    for unit in (tree.country, tree.region_a, tree.muni_a1, tree.comm_a1):
        assert unit.name in crumbs

    # Back to the municipality; quarterly values by sex, for the children registered.
    page.click(f"#crumbs a[data-unit='{tree.muni_a1.pk}']")
    _on_unit(page, tree.muni_a1)
    with page.expect_navigation():
        page.select_option("#f-pt", "quarter")
    assert "pt=quarter" in page.url
    with page.expect_navigation():
        page.select_option("#f-dim", "sex")
    with page.expect_navigation():
        page.select_option("#f-ind", "children-registered")
    assert all(p in page.url for p in ("pt=quarter", "dim=sex", "ind=children-registered"))
    from crecer.indicators import periods

    assert page.input_value("#f-period") == periods.current("quarter").code
    shown = _ranking(page)
    assert [r["unit"] for r in shown] == [str(tree.comm_a1b.pk), str(tree.comm_a1.pk)]
    assert page.locator("#ranking th.dim-col").count() == 2

    # The spreadsheet holds the values on the page.
    with page.expect_download() as download:
        page.click("#download-xlsx")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.suffix == ".xlsx"
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert len(header) == 8 + 2  # the ranking's columns, then one per sex
    assert [r[1] for r in body] == [r["name"] for r in shown]
    for row, seen in zip(body, shown, strict=True):
        assert row[5] == pytest.approx(float(seen["value"]))
        assert list(row[8:]) == [_number(text) for text in seen["parts"]]
    assert sum(row[5] for row in body) == 3  # the municipality's three children

    # A screenshot of the tablero, for the test report.
    folder = Path(os.environ.get("CRECER_TEST_ARTIFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "tablero-municipality.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"\ntablero screenshot: {shot}")
    record_property("screenshot", str(shot))

    # An indicator's page: its time series drawn by the locally served Plotly.js.
    page.click("[data-indicator='children-registered'] h3 a")
    page.wait_for_selector("#chart-series[data-drawn='1'] .main-svg")
    assert page.locator("#chart-bars[data-drawn='1']").count() == 1
    scripts = page.eval_on_selector_all("script[src]", "s => s.map(x => x.src)")
    assert any("/tablero/static/plotly.min.js" in s for s in scripts)
    assert all(s.startswith(base) for s in scripts)  # nothing from a CDN
    shot = folder / "tablero-indicator.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"indicator screenshot: {shot}")
    record_property("indicator_screenshot", str(shot))
