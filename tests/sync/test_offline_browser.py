"""The volunteer's offline day, in headless Chromium: load the worklist with signal (the service
worker, the bootstrap data and the pages are kept), open a visit form, lose signal, record three
visits (kept in the phone's outbox), one of them referring the child to the health centre through
the form's "Refer a child or person" section, get signal back: exactly three contacts and one
referral reach the server; logging out clears the phone's IndexedDB and page cache. Then the
nurse of the health centre records the counter-referral from her inbox, and the municipal
officer sees the referral closed (attended).

Chromium comes from the system (CRECER_CHROMIUM, default /usr/bin/chromium); skipped without
it, unless CRECER_REQUIRE_ALL=1 (or CRECER_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

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
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                      has_touch=True, locale="en-US")
        context.set_default_timeout(15_000)
        try:
            yield context
        finally:
            context.close()
            browser.close()
            connections.close_all()


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#nav-households")


def _status_label(page, status) -> str:
    """A referral status as the page shows it, in the page's language."""
    from django.utils import translation
    from django.utils.text import capfirst

    with translation.override(page.evaluate("document.documentElement.lang") or "es"):
        return capfirst(str(status.label))


def test_offline_visits_sync_exactly_once(browser_context, live_server, clear_audit_on_sqlite,
                                          users, family, enrolled, tree, make_user):
    from crecer.fieldwork.models import Contact
    from crecer.referrals.models import Referral, Status

    base = live_server.url
    household = family["household"]
    visit_path = f"/households/{household.pk}/visit/"
    page = browser_context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", "vol")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#nav-households")

    # With signal: the worklist installs the service worker, keeps the bootstrap and the
    # visit form of her family on the phone.
    page.goto(f"{base}/worklist/")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller")
    page.wait_for_function(
        """async (path) => {
             const c = await caches.open('crecer-pages');
             const hit = await c.match(path, {ignoreVary: true})
                         && await c.match('/worklist/', {ignoreVary: true});
             const db = await new Promise(r => { const q = indexedDB.open('crecer');
                                                 q.onsuccess = () => r(q.result); });
             const boot = await new Promise(r => {
               const q = db.transaction('data').objectStore('data').get('bootstrap');
               q.onsuccess = () => r(q.result); });
             db.close();
             return !!hit && !!boot && boot.households.length === 1;
           }""", arg=visit_path, polling=200)

    page.goto(f"{base}{visit_path}")
    page.wait_for_selector("#visit-form")

    # No signal: three visits, each kept in the outbox with its own client-made UUID.
    browser_context.set_offline(True)
    for n in range(3):
        page.check(f"input[name=present][value='{family['child'].pk}']")
        page.fill("#note", f"visita sin señal {n + 1}")
        if n == 1:  # the second visit refers the child to the health centre
            if not page.is_visible("#ref_person"):
                page.click("#referral summary")
            page.select_option("#ref_person", str(family["child"].pk))
            page.select_option("#ref_service", str(tree.health_a1.pk))
            page.select_option("#ref_reason_code", "fever")
            page.fill("#ref_reason", "fiebre de tres días")
        page.click("#visit-form button[type=submit]")
        page.wait_for_function(f"document.getElementById('offline-status').dataset.pending "
                               f"=== '{n + 1}'")
        assert page.input_value("#note") == ""  # ready for the next one
    assert Contact.objects.count() == 0
    assert Referral.objects.count() == 0

    browser_context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function("document.getElementById('offline-status').dataset.pending === '0'")
    contacts = list(Contact.objects.filter(household=household))
    assert len(contacts) == 3
    assert sorted(c.observations["note"] for c in contacts) == [
        "visita sin señal 1", "visita sin señal 2", "visita sin señal 3"]
    assert all(c.persons_present == [str(family["child"].pk)] for c in contacts)
    referral = Referral.objects.get()
    referring = next(c for c in contacts if c.observations["note"] == "visita sin señal 2")
    assert referral.source_contact_id == referring.pk
    assert referral.person_id == family["child"].pk
    assert referral.to_service_id == tree.health_a1.pk
    assert (referral.reason_code, referral.reason) == ("fever", "fiebre de tres días")
    assert referral.status == "sent"
    # Sending again (a reload flushes an empty outbox) adds nothing.
    page.reload()
    page.wait_for_selector("#visit-form")
    page.wait_for_function("document.getElementById('offline-status').dataset.pending === '0'")
    assert Contact.objects.count() == 3
    assert Referral.objects.count() == 1

    # Logging out clears the personal data kept on the phone.
    page.click(".who button[type=submit]")
    page.wait_for_selector("#id_username")
    left = page.evaluate("""async () => ({
        dbs: (await indexedDB.databases()).map(d => d.name),
        caches: await caches.keys()})""")
    assert "crecer" not in left["dbs"]
    assert "crecer-pages" not in left["caches"]

    # The nurse of the health centre (her territory is the service point) answers it from
    # her inbox: she receives it and records the counter-referral.
    make_user("nurse", "facilitator", tree.health_a1)
    _login(page, base, "nurse")
    page.goto(f"{base}/referrals/inbox/")
    page.click(f"#referrals a[href='/referrals/{referral.pk}/']")
    page.wait_for_selector("#receive-referral")
    assert page.inner_text("#referral-status") == _status_label(page, Status.SENT)
    page.click("#receive-referral")
    page.wait_for_selector("#counter-referral-form")
    page.fill("#counter-referral-form [name=what_was_done]", "Consulta y paracetamol")
    page.click("#record-counter-referral")
    page.wait_for_selector("#what-was-done")
    assert page.inner_text("#referral-status") == _status_label(page, Status.ATTENDED)
    referral.refresh_from_db()
    assert referral.status == "attended"
    assert referral.what_was_done == "Consulta y paracetamol"
    page.click(".who button[type=submit]")
    page.wait_for_selector("#id_username")

    # The municipal officer sees it closed, in her list and on the referral's page.
    _login(page, base, "muni")
    page.goto(f"{base}/referrals/?status=attended")
    row = page.locator("#referrals tr.referral")
    assert row.count() == 1
    assert row.locator("td").last.inner_text() == _status_label(page, Status.ATTENDED)
    row.locator(f"a[href='/referrals/{referral.pk}/']").click()
    page.wait_for_selector("#what-was-done")
    assert page.inner_text("#referral-status") == _status_label(page, Status.ATTENDED)
    assert page.inner_text("#what-was-done") == "Consulta y paracetamol"
    assert page.locator("#counter-referral-form").count() == 0
    assert Referral.objects.get().status == "attended"
