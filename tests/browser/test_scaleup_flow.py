"""Issue 5's browser test, end to end in headless Chromium: the scale-up of one municipality.

1. The national manager opens La Ceiba's gate check (/scaleup/<id>/), sees every criterion of
   the gate to Expansion with its result, records the decision to hold with a comment and finds
   it at the top of the history.
2. The municipal officer opens La Ceiba's MAS-BIENESTAR checklist (started five months ago, so
   the planning-start steps are late), ticks step 1.1 as done with a PDF as evidence, gets the
   evidence back as a download, and sees the progress of the territory and of the component
   change (one more step done, one fewer late).
3. The facilitator (Secretaría de Salud: local staff) records a training session for 14
   volunteers on a phone-sized screen (`record_training_session` of the training flow).
4. The indicators are refreshed as the worker would (the `refresh_indicators` task, run inline
   by the test settings' ImmediateBackend), and La Ceiba's tablero shows the new figures: the
   month's training sessions go from 1 to 2 and the share of workshops given by local staff
   from 0 % to 50 % (the session already there was given by the project's trainer); the
   indicator page says the same.

Screenshots of the gate check, the step and the tablero are left in CRECER_TEST_ARTIFACTS (or
the test's tmp_path); their paths are printed and recorded as test properties. Chromium comes
from the system (CRECER_CHROMIUM, default /usr/bin/chromium); skipped without it, unless
CRECER_REQUIRE_ALL=1 (or CRECER_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import datetime as dt
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

from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from tests.browser.test_training_flow import record_training_session  # noqa: E402
from tests.conftest import PASSWORD  # noqa: E402
from tests.scaleup.conftest import gate_world, honduras, phase_models  # noqa: E402, F401
from tests.workforce.conftest import make_worker  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
WF_CODES = ["wf-training-sessions"]  # the hn- gate indicators come with gate_world
CONSOLIDATION_GATE = {"hn-caregiver-registry": "pass", "hn-cost-per-beneficiary": "fail",
                      "hn-government-cost-share": "fail", "hn-municipal-teams-trained": "no_data"}


@pytest.fixture
def browser():
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            # ORM calls made while Playwright runs get their own connection; close it, or
            # PostgreSQL cannot drop the test database.
            connections.close_all()


def open_as(browser, base: str, username: str, *, phone: bool = False):
    """A new browser context (its own cookies) logged in as `username`; returns its page."""
    size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone,
                                  locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#nav-territory")
    return page


@pytest.fixture
def flow_world(gate_world, tree, users, settings, tmp_path):  # noqa: F811
    """Scale-up world (tests/scaleup/conftest.py: La Ceiba in Consolidation, gate not met) plus:
    the training-sessions indicator; La Ceiba's workforce (the `fac` user's worker from the
    Secretaría de Salud, a facilitator of the project, 14 volunteers); a session given this
    month by the project's facilitator; La Ceiba's checklist started 150 days ago. The engine is
    refreshed over it, as the worker would have done after those changes."""
    from crecer.implementation.actions import instantiate
    from crecer.indicators import engine
    from crecer.indicators.catalogue import FIELDS, read_catalogue
    from crecer.indicators.models import Indicator
    from crecer.workforce.actions import record_session
    from crecer.workforce.catalogue import load_catalogue
    from crecer.workforce.models import Institution, Module

    settings.MEDIA_ROOT = tmp_path / "media"
    for d in read_catalogue():
        if d["code"] in WF_CODES:
            Indicator.objects.create(code=d["code"], origin="catalogue",
                                     **{k: d[k] for k in FIELDS if k != "code"})
    load_catalogue()
    fac = make_worker(tree.muni_a1, "facilitator", "Fabiola", "Facilitadora",
                      user=users["facilitator"], institution=Institution.objects.get(code="salud"))
    project = make_worker(tree.muni_a1, "facilitator", "Pedro", "Proyecto",
                          institution=Institution.objects.get(code="proyecto"))
    volunteers = [make_worker(tree.comm_a1 if n % 2 else tree.comm_a1b, given=f"Vol{n:02d}",
                              surnames="Voluntaria") for n in range(1, 15)]
    module = Module.objects.get(curriculum__code="pi-initial", code="vol-home-visits")
    today = timezone.localdate()
    earlier = record_session(actor=users["municipal_officer"], territory=tree.muni_a1,
                             module=module, trainer=project, date=today,
                             attendees=volunteers[:2])
    assert not earlier.trainer_is_local_staff
    checklist = instantiate("mas-bienestar", tree.muni_a1,
                            start_date=today - dt.timedelta(days=150))
    engine.refresh()
    return {"fac": fac, "volunteers": volunteers, "module": module, "checklist": checklist,
            "today": today}


def _criteria(page) -> dict[str, str]:
    return dict(page.eval_on_selector_all(
        "#gate-criteria tr.criterion", "rows => rows.map(r => [r.dataset.indicator, "
                                       "r.dataset.status])"))


def _progress(page, selector: str) -> tuple[int, int, int]:
    """(done, total, late) of the first progress line under `selector`: "3 of 110 steps done
    (2 %) · 1 in progress · 5 late", in whichever language the page speaks."""
    line = page.locator(f"{selector} small.muted").first
    done, total = (int(n) for n in re.findall(r"\d+", line.inner_text())[:2])
    late = line.locator(".badge.late")
    return done, total, int(re.search(r"\d+", late.inner_text()).group(0)) if late.count() else 0


def _figures(page) -> dict[str, str]:
    """The card values (data-value, the number unformatted) of the two training indicators."""
    page.wait_for_selector("[data-indicator='wf-training-sessions'] .value")
    return {code: page.get_attribute(f"[data-indicator='{code}'] .value", "data-value")
            for code in ("wf-training-sessions", "hn-workshops-local-staff")}


def test_gate_decision_step_training_and_tablero(
        browser, live_server, clear_audit_on_sqlite, tree, users, flow_world, tmp_path,  # noqa: F811
        record_property):
    from crecer.implementation.models import Step
    from crecer.indicators import periods
    from crecer.indicators.tasks import refresh_indicators
    from crecer.scaleup.models import PhaseDecision, TerritoryPhase
    from crecer.workforce.models import TrainingSession

    base = live_server.url
    ceiba = tree.muni_a1
    folder = Path(os.environ.get("CRECER_TEST_ARTIFACTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    shots: dict[str, Path] = {}
    month = periods.current("month", flow_world["today"])
    tablero_url = f"{base}{reverse('tablero:unit', args=[ceiba.pk])}?pt=month&period={month.code}"

    # The committee's view of La Ceiba's training figures before anything happens.
    national = open_as(browser, base, "nat")
    national.goto(tablero_url)
    before = _figures(national)
    assert before == {"wf-training-sessions": "1", "hn-workshops-local-staff": "0"}

    # 1. The gate check: every criterion with its result; the committee holds, saying why.
    national.click("#nav-scaleup")
    national.wait_for_selector("#phases")
    national.click(f"#phases tr[data-unit='{ceiba.pk}'] a")
    national.wait_for_url(re.compile(rf"/scaleup/{ceiba.pk}/"))
    national.wait_for_selector("#gate-criteria")
    assert national.get_attribute("#current-phase", "data-phase") == "consolidacion"
    assert national.get_attribute("#gate-status", "data-status") == "not_met"
    assert _criteria(national) == CONSOLIDATION_GATE
    assert national.locator("#gate-criteria tr.criterion[data-status='fail'] a.tablero-link"
                            ).count() == 2
    national.check("#decision-form input[name=decision][value=hold]")
    national.fill("#id_comment", "Costo por beneficiario de 512 USD sobre el tope de 475 USD; "
                                 "se revisa en el próximo semestre.")
    national.click("#decide-button")
    national.wait_for_url(re.compile(rf"/scaleup/{ceiba.pk}/\?model=honduras-pi#history"))
    first = national.locator("#decisions > li").first
    first.wait_for()
    assert first.get_attribute("data-decision") == "hold"
    assert "512 USD sobre el tope" in first.locator("blockquote.comment").inner_text()
    decision = PhaseDecision.objects.get()
    assert (decision.decision, decision.decided_by, decision.gate_status) == (
        "hold", users["national_manager"], "not_met")
    assert TerritoryPhase.objects.get(unit=ceiba, until=None).phase.code == "consolidacion"
    shots["gate"] = folder / "scaleup-flow-gate.png"
    national.screenshot(path=str(shots["gate"]), full_page=True)

    # 2. The municipal officer ticks step 1.1 of La Ceiba's checklist as done, with evidence.
    officer = open_as(browser, base, "muni")
    officer.click("#nav-implementation")
    officer.wait_for_selector("#roots")
    unit_path = reverse("implementation:unit", args=[ceiba.pk])
    officer.click(f"#checklists a[href='{unit_path}']")
    officer.wait_for_selector("#checklist")
    done0, total, late0 = _progress(officer, "#subtree")
    comp0 = _progress(officer, "#component-coordination")
    assert (done0, total) == (0, Step.objects.filter(checklist=flow_world["checklist"]).count())
    assert late0 > 0 and comp0[0] == 0 and comp0[2] > 0  # planning-start: due at month 3
    officer.eval_on_selector("#component-coordination", "d => { d.open = true; }")
    officer.click("[id='step-1.1'] .title a")
    officer.wait_for_selector("#step-form")
    step = Step.objects.get(checklist=flow_world["checklist"], code="1.1")
    assert officer.url.endswith(reverse("implementation:step", args=[step.pk]))
    evidence = tmp_path / "acta-integracion-ccim.pdf"
    evidence.write_bytes(PDF)
    officer.select_option("#id_status", "done")
    officer.fill("#id_comment", "CCIM integrado; acta firmada.")
    officer.set_input_files("#id_evidence", str(evidence))
    officer.click("#save-step")
    officer.wait_for_selector("#step-status.st-done")
    link = officer.locator("#evidence a", has_text=evidence.name)
    link.wait_for()
    download = officer.request.get(base + link.get_attribute("href"))
    assert download.ok and download.body() == PDF
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    step.refresh_from_db()
    assert step.status == "done" and step.completed_on is not None
    assert step.evidence.count() == 1
    shots["step"] = folder / "scaleup-flow-step.png"
    officer.screenshot(path=str(shots["step"]), full_page=True)
    officer.click(f"a[href='{unit_path}']")
    officer.wait_for_selector("#checklist")
    assert _progress(officer, "#subtree") == (done0 + 1, total, late0 - 1)
    assert _progress(officer, "#component-coordination") == (comp0[0] + 1, comp0[1], comp0[2] - 1)

    # 3. The facilitator records a session for the 14 volunteers, on her phone.
    facilitator = open_as(browser, base, "fac", phone=True)
    url = record_training_session(facilitator, base, flow_world["module"].pk,
                                  flow_world["volunteers"])
    session = TrainingSession.objects.get(trainer=flow_world["fac"])
    assert url.endswith(reverse("workforce:session", args=[session.pk]))
    assert session.trainer_is_local_staff and session.territory == ceiba
    assert session.attendances.filter(attended=True).count() == 14
    assert facilitator.locator("#attendance tbody tr").count() == 14

    # 4. The worker refreshes the indicators; the tablero shows the new figures.
    result = refresh_indicators.enqueue()
    assert result.status == "SUCCESSFUL", result
    national.goto(tablero_url)
    after = _figures(national)
    assert after == {"wf-training-sessions": "2", "hn-workshops-local-staff": "50"}
    assert after != before
    shots["tablero"] = folder / "scaleup-flow-tablero.png"
    national.screenshot(path=str(shots["tablero"]), full_page=True)
    national.click("[data-indicator='hn-workshops-local-staff'] h3 a")
    national.wait_for_url(re.compile(r"/indicator/hn-workshops-local-staff/"))
    assert national.get_attribute("[data-indicator='hn-workshops-local-staff'] .value",
                                  "data-value") == "50"

    for name, shot in shots.items():
        assert shot.stat().st_size > 10_000
        print(f"\nscale-up flow screenshot ({name}): {shot}")
        record_property(f"screenshot_{name}", str(shot))
