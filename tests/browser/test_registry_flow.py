"""The municipal officer's registry flow, driven in headless Chromium on a phone-sized screen.

Log in (Spanish interface), register a household whose child is a planted near-duplicate of a
registered child, get the duplicate warning, link instead of duplicating, find the family by
search; then an officer of another municipality gets 404 on that household.

Chromium comes from the system (CRECER_CHROMIUM, default /usr/bin/chromium); Playwright's own
browser download is never used. Without Chromium the module is skipped, unless
CRECER_REQUIRE_ALL=1 (or CRECER_REQUIRE_BROWSER=1) makes that a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import connections

# Playwright's sync API runs an event loop in this thread; the ORM calls made here by the
# fixtures and assertions are still plain synchronous calls.
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

from tests.browser_support import ARTIFACTS  # noqa: E402

SPANISH_PO = Path(__file__).resolve().parents[2] / "src/crecer/locale/es/LC_MESSAGES/django.po"


@pytest.fixture
def page():
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True, locale="en-US")
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # ORM calls made while Playwright runs get their own connection (Django keeps
            # connections per context); close it, or PostgreSQL cannot drop the test database.
            connections.close_all()


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#nav-households")


def fill_member(page, index: int, **fields) -> None:
    prefix = f"#id_members-{index}-"
    for name, value in fields.items():
        if name in ("role", "sex", "id_type"):
            page.select_option(prefix + name, value)
        else:
            page.fill(prefix + name, value)


def test_officer_registers_links_a_duplicate_and_finds_the_family(
        page, live_server, clear_audit_on_sqlite, family, users, tree):
    from crecer.registry.models import Household, Person

    base = live_server.url
    planted = family["child"]  # Luis Ángel Hernández López, born 2024-07-02, in Sambo Creek

    # A browser that says "English" still gets Spanish: the default for Crecer's users.
    log_in(page, base, "muni")
    assert page.get_attribute("html", "lang") == "es"
    if SPANISH_PO.exists():
        from crecer.core.i18n import ensure_compiled

        ensure_compiled()
        page.reload()
        assert "Hogares" in page.inner_text("nav")

    page.click("#nav-register")
    page.wait_for_selector("#household-form")
    options = page.locator("#id_territory option").all_inner_texts()
    assert any("Corozal" in o for o in options) and not any("Villa Nueva" in o for o in options)
    page.select_option("#id_territory", str(tree.comm_a1b.pk))
    page.fill("#id_code", "H-0777")
    page.fill("#id_address", "Calle del Río 4")

    fill_member(page, 0, role="caregiver", given_names="Rosa Elena", first_surname="Martínez",
                second_surname="Cruz", sex="F", birth_date="1992-05-10", phone="+50431234567")
    # The relationship field shows only for children, the due date only for pregnant women.
    assert page.is_hidden("#id_members-0-caregiver_is")
    assert page.is_hidden("#id_members-0-expected_delivery_date")
    fill_member(page, 1, role="child", given_names="Luis Anjel", first_surname="López",
                second_surname="Hernández", sex="M", birth_date="2024-07-02")
    assert page.is_visible("#id_members-1-caregiver_is")
    # A third row, added in the page without a round trip.
    page.click("#add-member")
    page.wait_for_selector("#id_members-2-given_names")
    assert page.input_value("#id_members-TOTAL_FORMS") == "3"
    fill_member(page, 2, role="child", given_names="Mateo", first_surname="Reyes",
                second_surname="Martínez", sex="M", birth_date="2025-03-01")

    page.click("#save")
    page.wait_for_selector("#duplicates-warning")
    warning = page.inner_text("#members-1 [data-duplicates]")
    assert "Luis Ángel Hernández López" in warning and "02/07/2024" in warning
    assert page.locator("#members-0 [data-duplicates]").count() == 0
    assert not Household.objects.filter(code="H-0777").exists()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#members-1").screenshot(path=str(ARTIFACTS / "registry-duplicate-warning.png"))
    persons_before = Person.objects.count()

    page.check(f"input[name='members-1-match'][value='{planted.pk}']")
    page.click("#save")
    page.wait_for_url(re.compile(r"/households/[0-9a-f-]{36}/$"))
    household = Household.objects.get(code="H-0777")
    assert page.url == f"{base}/households/{household.pk}/"
    assert Person.objects.count() == persons_before + 2  # caregiver and Mateo; Luis is linked
    planted.refresh_from_db()
    assert planted.household_id == household.pk
    members = page.inner_text("#members")
    assert "Luis Ángel Hernández López" in members and "Mateo Reyes Martínez" in members

    # Find the family again by a name typed without accents.
    page.click("#nav-search")
    page.fill("#q", "luis angel hernandez")
    page.press("#q", "Enter")
    page.wait_for_selector("#results")
    page.click(f"#results a[href='/households/{household.pk}/']")
    page.wait_for_selector("#household-title")
    page.screenshot(path=str(ARTIFACTS / "registry-flow.png"), full_page=True)

    # An officer of another municipality learns nothing: 404.
    page.click(".who button[type=submit]")
    page.wait_for_selector("#id_username")
    log_in(page, base, "muni_b")
    response = page.goto(f"{base}/households/{household.pk}/")
    assert response is not None and response.status == 404
    assert "Rosa Elena" not in page.content()

