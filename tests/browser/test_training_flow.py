"""A facilitator records a training session for 14 volunteers, in headless Chromium on a
phone-sized screen (the training part of issue 5's browser test).

Log in, open the workforce pages from the menu, open the session form (her municipality's
workers listed, herself as the trainer), pick the module, tick 14 volunteers, give one a score,
save; the session page lists the 14, and the cascade shows her with 14 volunteers trained. A
session dated tomorrow is refused with a message and nothing is saved. Skipped without
Chromium, like the registry flow (same fixtures).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from tests.browser.test_registry_flow import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    clear_audit_on_sqlite,
    log_in,
    page,
)
from tests.workforce.conftest import make_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def record_training_session(page, base: str, module_pk, volunteers,  # noqa: F811
                            score: str = "90") -> str:
    """Fill and send the session form for `volunteers` (workers listed in it); returns the
    URL of the recorded session. Usable by a longer flow (the tablero check)."""
    page.click("#nav-workforce")
    page.wait_for_selector("#workers")
    page.click("#record-session")
    page.wait_for_selector("#session-form")
    page.select_option("#id_module", str(module_pk))
    page.screenshot(path=str(ARTIFACTS / "workforce-session-form.png"), full_page=True)
    for worker in volunteers:
        page.check(f"#att-{worker.pk}")
    page.fill(f"input[name='score-{volunteers[0].pk}']", score)
    page.click("#save-session")
    page.wait_for_url(re.compile(r"/workforce/sessions/[0-9a-f-]{36}/$"))
    return page.url


def test_facilitator_records_a_session(page, live_server, clear_audit_on_sqlite, users, tree):  # noqa: F811
    from crecer.workforce.catalogue import load_catalogue
    from crecer.workforce.models import Institution, Module, TrainingSession

    load_catalogue()
    salud = Institution.objects.get(code="salud")
    fac = make_worker(tree.muni_a1, "facilitator", "Fabiola", "Facilitadora",
                      user=users["facilitator"], institution=salud)
    volunteers = [make_worker(tree.comm_a1 if n % 2 else tree.comm_a1b, given=f"Vol{n:02d}",
                              surnames="Voluntaria") for n in range(1, 15)]
    make_worker(tree.comm_b1, given="Berta", surnames="Fuera")
    module = Module.objects.get(curriculum__code="pi-initial", code="vol-home-visits")
    base = live_server.url

    log_in(page, base, "fac")
    started = dt.datetime.now()
    url = record_training_session(page, base, module.pk, volunteers)
    assert (dt.datetime.now() - started).total_seconds() < 60
    session = TrainingSession.objects.get()
    assert url.endswith(f"/workforce/sessions/{session.pk}/")
    assert session.trainer == fac and session.module == module and session.trainer_is_local_staff
    assert session.attendances.count() == 14
    assert page.locator("#attendance tbody tr").count() == 14
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "workforce-session.png"), full_page=True)

    page.goto(f"{base}/workforce/cascade/")
    row = page.inner_text("#cascade tbody tr")
    assert "Fabiola Facilitadora" in row and "\t14\t14\t" in row

    # A session dated tomorrow: refused, with the reason, and nothing saved.
    page.goto(f"{base}/workforce/sessions/new/")
    assert "Berta" not in page.inner_text("#attendance")
    page.select_option("#id_module", str(module.pk))
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.fill("#id_date", tomorrow.isoformat())
    page.check(f"#att-{volunteers[0].pk}")
    page.click("#save-session")
    page.wait_for_selector("#form-errors")
    assert tomorrow.isoformat() in page.inner_text("#form-errors")
    assert page.is_checked(f"#att-{volunteers[0].pk}")
    assert TrainingSession.objects.count() == 1
