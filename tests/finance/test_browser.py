"""In headless Chromium: the finance overview and the projection draw their charts with the
locally served Plotly, and a projection with impossible parameters shows its messages.

Skipped without Chromium (see tests/browser/test_registry_flow.py), unless
CRECER_REQUIRE_ALL=1 (or CRECER_REQUIRE_BROWSER=1)."""

from __future__ import annotations

import pytest
from django.conf import settings
from tests.browser.test_registry_flow import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    clear_audit_on_sqlite,
    log_in,
    page,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_overview_and_projection_charts(page, live_server, clear_audit_on_sqlite,  # noqa: F811
                                        world, users):
    base = live_server.url
    page.set_viewport_size({"width": 1200, "height": 900})
    # English, so that the messages checked below stay the same once the Spanish catalogue
    # has them
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en",
                               "url": base}])
    log_in(page, base, "reg")
    page.click("#nav-finance")
    page.wait_for_selector("#finance-kpis")
    page.select_option("#id_year", "2025")
    page.click("#finance-filters button[type=submit]")
    page.wait_for_selector('#chart-years[data-drawn="1"]')
    page.wait_for_selector('#chart-sources[data-drawn="1"]')
    assert "42.9 %" in page.inner_text("#kpi-government-share")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "finance-overview.png"), full_page=True)

    page.click("#projection-link")
    page.wait_for_selector("#projection-form")
    page.fill("#id_existing_municipalities", "10")
    page.fill("#id_new_1", "10")
    page.fill("#id_new_2", "15")
    page.fill("#id_new_3", "15")
    page.click("#compute")
    page.wait_for_selector('#chart-cost[data-drawn="1"]')
    page.wait_for_selector('#chart-coverage[data-drawn="1"]')
    assert "50" in page.inner_text("#kpi-coverage")  # 10 + 40 municipalities in year 3
    page.screenshot(path=str(ARTIFACTS / "finance-projection.png"), full_page=True)

    page.fill("#id_yearly_reduction", "120")
    page.fill("#id_mix_central_government", "90")
    page.check("input[name=mode][value=mix]")
    page.click("#compute")
    page.wait_for_selector("#form-errors")
    errors = page.inner_text("#form-errors")
    assert "must be below 100 %" in errors and "not 100 %" in errors
    assert page.locator("#result").count() == 0
