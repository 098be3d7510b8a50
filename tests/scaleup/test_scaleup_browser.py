"""The national committee's gate check in headless Chromium: the national manager opens the
scale-up map from the menu, picks La Ceiba in the table, sees every criterion of the gate to
Expansion with its value, result, period and evidence (numerator and denominator under their
labels, a link to the indicator on the tablero), records the decision to hold with a comment,
and finds it at the top of the history. Leaves a screenshot of the page.

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

from .conftest import LAST_MONTH, THIS_YEAR  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def browser_context():
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      locale="en-US")
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()
            browser.close()
            connections.close_all()


def _criteria(page) -> dict[str, dict]:
    rows = page.eval_on_selector_all("#gate-criteria tr.criterion", """rows => rows.map(r => ({
        indicator: r.dataset.indicator, status: r.dataset.status,
        value: r.querySelector('td.value').dataset.value,
        shown: r.querySelector('td.value').textContent.trim(),
        threshold: r.querySelector('td.threshold').textContent.trim(),
        period: (r.querySelector('.period') || {dataset: {}}).dataset.period,
        labels: Array.from(r.querySelectorAll('.evidence dt')).map(x => x.textContent.trim()),
        numerator: (r.querySelector('.numerator') || {}).textContent,
        denominator: (r.querySelector('.denominator') || {}).textContent,
        link: (r.querySelector('a.tablero-link') || {}).href
    }))""")
    return {r["indicator"]: r for r in rows}


def test_national_manager_checks_a_gate_and_holds(
        browser_context, live_server, clear_audit_on_sqlite, tree, users, gate_world, tmp_path,
        record_property):
    from crecer.indicators.models import Indicator
    from crecer.scaleup.models import PhaseDecision, TerritoryPhase

    base = live_server.url
    page = browser_context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", "nat")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#nav-scaleup")

    # The phases of every municipality of the country; La Ceiba is in Consolidation.
    page.click("#nav-scaleup")
    page.wait_for_selector("#phases")
    phases = dict(page.eval_on_selector_all(
        "#phases tbody tr", "rows => rows.map(r => [r.dataset.unit, r.dataset.phase])"))
    assert phases == {str(tree.muni_a1.pk): "consolidacion",
                      str(tree.muni_a2.pk): "consolidacion", str(tree.muni_b1.pk): "none"}

    # Her gate check: every criterion with its value, result, period and evidence.
    page.click(f"#phases tr[data-unit='{tree.muni_a1.pk}'] a")
    page.wait_for_url(re.compile(rf"/scaleup/{tree.muni_a1.pk}/"))
    page.wait_for_selector("#gate-criteria")
    assert page.get_attribute("#current-phase", "data-phase") == "consolidacion"
    assert page.get_attribute("#gate-status", "data-status") == "not_met"
    shown = _criteria(page)
    assert {k: v["status"] for k, v in shown.items()} == {
        "hn-caregiver-registry": "pass", "hn-cost-per-beneficiary": "fail",
        "hn-government-cost-share": "fail", "hn-municipal-teams-trained": "no_data"}
    registry, cost = shown["hn-caregiver-registry"], shown["hn-cost-per-beneficiary"]
    assert (registry["value"], registry["period"]) == ("80", LAST_MONTH.code)
    assert registry["threshold"].startswith("≥ 80")
    sheet = Indicator.objects.get(code="hn-caregiver-registry")
    assert sheet.numerator_label in registry["labels"]
    assert sheet.denominator_label in registry["labels"]
    assert (registry["numerator"], registry["denominator"]) == ("4", "5")
    assert (cost["value"], cost["period"]) == ("512", THIS_YEAR.code)
    assert cost["shown"].endswith("USD") and cost["threshold"].startswith("≤ 475")
    assert cost["link"] == (f"{base}/tablero/{tree.muni_a1.pk}/indicator/"
                            f"hn-cost-per-beneficiary/?pt=year&period={THIS_YEAR.code}")
    assert shown["hn-municipal-teams-trained"]["value"] == ""
    assert page.is_visible("#gate-warning")

    # The committee holds, saying why.
    page.check("#decision-form input[name=decision][value=hold]")
    page.fill("#id_comment", "Costo por beneficiario de 512 USD sobre el tope de 475 USD; "
                             "participación del gobierno 46 %.")
    page.click("#decide-button")
    page.wait_for_url(re.compile(rf"/scaleup/{tree.muni_a1.pk}/\?model=honduras-pi#history"))
    first = page.locator("#decisions > li").first
    assert first.get_attribute("data-decision") == "hold"
    assert "512 USD sobre el tope" in first.locator("blockquote.comment").inner_text()
    assert first.locator(".gate-status.not_met").count() == 1
    first.locator("summary").click()
    frozen = first.locator("table.frozen tbody tr")
    assert frozen.count() == 4
    assert first.locator("table.frozen tr[data-indicator='hn-cost-per-beneficiary']"
                         ).get_attribute("data-status") == "fail"
    made = PhaseDecision.objects.get()
    assert (made.decision, made.decided_by, made.gate_status) == (
        "hold", users["national_manager"], "not_met")
    assert TerritoryPhase.objects.get(unit=tree.muni_a1).phase.code == "consolidacion"

    folder = Path(os.environ.get("CRECER_TEST_ARTIFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "scaleup-gate-check.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"\nscale-up screenshot: {shot}")
    record_property("screenshot", str(shot))
