"""The planning pages: what each role sees, 404 outside scope, forms that refuse bad input
(and save nothing), the chart served locally, the finding served as a download."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from crecer.planning import actions, evaluation, risks
from crecer.planning.models import Cycle, Metric, PlanAction, ScaleScore

from .conftest import TODAY


@pytest.fixture
def world(tree, officer, cycle, caregivers, settings, tmp_path):
    from crecer.indicators.models import Indicator

    settings.MEDIA_ROOT = tmp_path / "media"
    Indicator.objects.create(code="t-caregivers", name="Cuidadores", name_en="Caregivers",
                             definition="x", numerator="count(persons where caregiver)",
                             results_chain="output", periodicity="month", decimals=0)
    actions.save_diagnosis(actor=officer, cycle=cycle, assessed_on=TODAY,
                           scores={"team-exists": "4", "data-use": "1", "data-collection": "2"})
    actions.suggest_opportunities(actor=officer, cycle=cycle)
    objective = actions.add_objective(actor=officer, cycle=cycle, title="Registrar cuidadores")
    actions.add_metric(actor=officer, objective=objective, indicator="t-caregivers", baseline=0,
                       target=10, target_period="2027")
    actions.add_action(actor=officer, objective=objective, title="Censo atrasado", owner="Ana",
                       starts_on=TODAY - dt.timedelta(days=40),
                       ends_on=TODAY - dt.timedelta(days=5))
    actions.add_project(actor=officer, cycle=cycle, title="Círculos de crianza")
    rnd = evaluation.create_round(actor=officer, territory=tree.muni_a1, name="Bianual",
                                  year=TODAY.year, baseline_on=TODAY - dt.timedelta(days=100),
                                  follow_up_on=TODAY - dt.timedelta(days=1))
    mother = caregivers["inside"][0]
    evaluation.record_score(actor=officer, rnd=rnd, person=mother, moment="baseline",
                            score="50", assessed_on=TODAY - dt.timedelta(days=100))
    finding = evaluation.add_finding(actor=officer, rnd=rnd, title="Hallazgo", published_on=TODAY,
                                     file=SimpleUploadedFile("informe.pdf", b"%PDF-1.4 x"))
    risk = risks.add_risk(actor=officer, territory=tree.muni_a1, data={
        "category": "insecurity", "title": "Inseguridad en el barrio", "likelihood": 4,
        "impact": 4, "mitigation": "Visitas en pareja"})
    return {"cycle": cycle, "objective": objective, "round": rnd, "finding": finding,
            "risk": risk, "mother": mother}


def _client(user, language: str = "en") -> Client:
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return c


def test_every_page_renders_for_the_officer(world, officer):
    c = _client(officer)
    cycle, rnd = world["cycle"], world["round"]
    pages = [reverse("planning:index"), reverse("planning:cycle_new"),
             reverse("planning:rounds"), reverse("planning:round_new"),
             reverse("planning:risks"), reverse("planning:risk_new"),
             reverse("planning:risk_edit", args=[world["risk"].pk]),
             reverse("planning:round", args=[rnd.pk])] + [
        reverse(f"planning:{name}", args=[cycle.pk])
        for name in ("cycle", "diagnosis", "results", "opportunities", "plan", "projects")]
    spanish = _client(officer, "es")
    for url in pages:
        assert c.get(url).status_code == 200, url
        assert spanish.get(url).status_code == 200, url  # the default language
    results = c.get(reverse("planning:results", args=[cycle.pk])).content.decode()
    assert 'id="fig-radar"' in results and "scatterpolar" in results
    assert reverse("tablero:plotly") in results  # Plotly served locally, no CDN
    plan = c.get(reverse("planning:plan", args=[cycle.pk])).content.decode()
    assert "Censo atrasado" in plan and 'id="late-actions"' in plan
    index = c.get(reverse("planning:index")).content.decode()
    assert "Censo atrasado" in index and "Inseguridad en el barrio" in index
    assert 'id="nav-planning"' in index
    round_page = c.get(reverse("planning:round", args=[rnd.pk])).content.decode()
    assert world["mother"].given_names in round_page  # the officer sees the scores


def test_metric_shows_the_engine_value(world, officer):
    from crecer.indicators import engine

    engine.refresh(full=True)
    page = _client(officer).get(reverse("planning:plan", args=[world["cycle"].pk]))
    metric = Metric.objects.get()
    cell = page.content.decode().split(f'id="metric-{metric.pk}"')[1].split("</tr>")[0]
    assert "current-value" in cell and ">4 " in cell  # four caregivers in La Ceiba
    assert "40 %" in cell  # of the way from 0 to 10


def test_roles_and_scope(world, users):
    cycle, rnd = world["cycle"], world["round"]
    url = reverse("planning:cycle", args=[cycle.pk])
    assert _client(users["volunteer"]).get(reverse("planning:index")).status_code == 403
    assert 'id="nav-planning"' not in _client(users["volunteer"]).get("/").content.decode()
    for role in ("facilitator", "regional_manager", "national_manager", "data_officer"):
        assert _client(users[role]).get(url).status_code == 200, role
    outsider = _client(users["municipal_officer_b"])
    for path in [url, reverse("planning:plan", args=[cycle.pk]),
                 reverse("planning:round", args=[rnd.pk]),
                 reverse("planning:risk_edit", args=[world["risk"].pk]),
                 reverse("planning:finding_download", args=[world["finding"].pk])]:
        assert outsider.get(path).status_code == 404, path
    assert outsider.post(reverse("planning:action_status", args=[
        PlanAction.objects.get().pk]), {"status": "done"}).status_code == 404
    assert "Inseguridad" not in outsider.get(reverse("planning:risks")).content.decode()
    # a facilitator reads but does not write, and sees the round's aggregates, not the scores
    facilitator = _client(users["facilitator"])
    assert facilitator.post(reverse("planning:diagnosis", args=[cycle.pk]),
                            {"assessed_on": TODAY.isoformat()}).status_code == 403
    assert facilitator.get(reverse("planning:cycle_new")).status_code == 403
    page = facilitator.get(reverse("planning:round", args=[rnd.pk])).content.decode()
    assert world["mother"].given_names not in page and 'id="baseline-mean">50.0' in page


def test_cycle_form_creates_a_cycle(world, officer, tree):
    c = _client(officer)
    response = c.post(reverse("planning:cycle_new"), {
        "territory": tree.muni_a1.pk, "name": "RIL 2027", "starts_on": "2027-05-01"})
    cycle = Cycle.objects.get(name="RIL 2027")
    assert response.status_code == 302 and response.url == reverse("planning:cycle",
                                                                    args=[cycle.pk])
    bad = c.post(reverse("planning:cycle_new"), {
        "territory": tree.muni_b1.pk, "name": "Fuera", "starts_on": "2027-05-01"})
    assert bad.status_code == 200 and not Cycle.objects.filter(name="Fuera").exists()


def test_diagnosis_form_saves_and_refuses(world, officer):
    c = _client(officer)
    url = reverse("planning:diagnosis", args=[world["cycle"].pk])
    response = c.post(url, {"assessed_on": TODAY.isoformat(), "q-team-roles": "3",
                            "q-team-exists": "4"})
    assert response.status_code == 302
    response = c.post(url, {"assessed_on": TODAY.isoformat(), "q-team-roles": "9"})
    assert response.status_code == 200 and 'id="form-errors"' in response.content.decode()


def test_metric_form_names_the_bad_field_and_saves_nothing(world, officer):
    c = _client(officer)
    response = c.post(reverse("planning:metric_new", args=[world["objective"].pk]), {
        "indicator": "t-caregivers", "baseline": "1", "target": "5", "target_period": "20X7"})
    body = response.content.decode()
    assert response.status_code == 200 and "is not a period" in body
    assert Metric.objects.count() == 1


def test_import_page_lists_bad_rows(world, officer):
    c = _client(officer)
    rnd = world["round"]
    upload = SimpleUploadedFile("s.csv", (
        "person_id,moment,score,assessed_on\r\n"
        f"{world['mother'].pk},follow_up,150,{TODAY}\r\n").encode())
    response = c.post(reverse("planning:scores_import", args=[rnd.pk]), {"file": upload})
    body = response.content.decode()
    assert response.status_code == 200 and 'id="import-errors"' in body
    assert "Row 2, score" in body
    assert ScaleScore.objects.count() == 1


def test_finding_download_is_an_attachment(world, users):
    response = _client(users["national_manager"]).get(
        reverse("planning:finding_download", args=[world["finding"].pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
