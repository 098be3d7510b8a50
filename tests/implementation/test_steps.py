"""Updating a step: status, owner, due date, comment and evidence files; bad files or bad
fields save nothing (no row, no file, no audit event); permissions and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from crecer.core.models import AuditEvent
from crecer.implementation import actions
from crecer.implementation.models import StepComment, StepEvidence, StepStatus

from .conftest import PDF, files_on_disk, html_as_pdf, pdf

TODAY = dt.date(2025, 5, 2)


@pytest.fixture
def step(checklists):
    return checklists["muni_a1"].steps.select_related("checklist", "territory").get(code="1.6")


def snapshot(step):
    step.refresh_from_db()
    return (step.status, step.owner_id, step.owner_text, step.due_date, step.completed_on,
            StepComment.objects.count(), StepEvidence.objects.count(), AuditEvent.objects.count())


def test_update_with_evidence(users, step, media):
    officer = users["municipal_officer"]
    actions.update_step(actor=officer, step=step, status="done", owner=officer,
                        owner_text="Coordinación estatal", comment="CEIM instalado",
                        files=[pdf("acta CEIM.pdf"), SimpleUploadedFile("lista.csv", b"a,b\n")],
                        today=TODAY)
    step.refresh_from_db()
    assert step.status == StepStatus.DONE and step.completed_on == TODAY
    assert step.owner == officer and step.owner_label == "muni · Coordinación estatal"
    comment = step.comments.get()
    assert comment.text == "CEIM instalado" and comment.status_change == "pending → done"
    names = sorted(step.evidence.values_list("original_name", flat=True))
    assert names == ["acta CEIM.pdf", "lista.csv"]
    on_disk = files_on_disk(media)
    assert len(on_disk) == 2 and all(p.parent.parent.name == "evidence" for p in on_disk)
    assert not any("CEIM" in p.name for p in on_disk)  # the user's name is not on disk
    events = AuditEvent.objects.filter(territory_path=step.territory.path)
    assert {e.entity for e in events} >= {"implementation.step", "implementation.stepevidence"}
    change = events.get(entity="implementation.step", action="update")
    assert change.changes["status"] == ["pending", "done"] and change.actor == officer
    # leaving "done" clears the completion date
    actions.update_step(actor=officer, step=step, status="in_progress", today=TODAY)
    step.refresh_from_db()
    assert step.completed_on is None


@pytest.mark.parametrize("files,reason", [
    ([html_as_pdf()], "informe.pdf"),
    ([pdf("bueno.pdf"), html_as_pdf()], "web page"),  # one good file and one bad: nothing saved
    ([SimpleUploadedFile("mapa.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")], ".svg"),
    ([SimpleUploadedFile("virus.exe", b"MZ\x90\x00")], "never accepted"),
])
def test_bad_evidence_saves_nothing(users, step, media, files, reason):
    before = snapshot(step)
    with pytest.raises(actions.Rejected) as info:
        actions.update_step(actor=users["municipal_officer"], step=step, status="done",
                            comment="con evidencia", files=files)
    assert reason in str(info.value)
    assert info.value.errors[0].field == "evidence"
    assert snapshot(step) == before
    assert files_on_disk(media) == []


def test_oversized_evidence_saves_nothing(users, step, media, settings):
    settings.CRECER_MAX_EVIDENCE_BYTES = 100
    before = snapshot(step)
    with pytest.raises(actions.Rejected) as info:
        actions.update_step(actor=users["municipal_officer"], step=step, status="done",
                            files=[SimpleUploadedFile("grande.pdf", PDF + b"0" * 200)])
    assert "grande.pdf" in str(info.value) and "larger than" in str(info.value)
    assert snapshot(step) == before and files_on_disk(media) == []


def test_field_rules(users, tree, step, make_user):
    officer = users["municipal_officer"]
    outsider = users["municipal_officer_b"]
    before = snapshot(step)
    with pytest.raises(actions.Rejected) as info:
        actions.update_step(actor=officer, step=step, status="blocked", owner=outsider,
                            due_date=dt.date(2024, 1, 1), files=[pdf()])
    fields = {e.field: str(e) for e in info.value.errors}
    assert set(fields) == {"comment", "owner", "due_date"}
    assert "blocked" in fields["comment"]
    assert "muni_b does not work in La Ceiba" in fields["owner"]
    assert "before the territory's start date" in fields["due_date"]
    assert snapshot(step) == before
    with pytest.raises(actions.Rejected):
        actions.update_step(actor=officer, step=step, status="finished")
    # a user assigned above (the regional manager) may own the step
    actions.update_step(actor=officer, step=step, owner=users["regional_manager"],
                        status="blocked", comment="Sin presupuesto")
    step.refresh_from_db()
    assert step.status == "blocked" and step.owner == users["regional_manager"]


def test_permissions(users, step, checklists):
    for role in ("volunteer", "facilitator"):
        with pytest.raises(PermissionDenied):
            actions.update_step(actor=users[role], step=step, status="done")
    with pytest.raises(PermissionDenied):  # in scope of another municipality
        actions.update_step(actor=users["municipal_officer_b"], step=step, status="done")
    for role in ("regional_manager", "national_manager", "data_officer", "admin"):
        actions.update_step(actor=users[role], step=step, comment=f"visto por {role}")
    assert step.comments.count() == 4
    with pytest.raises(PermissionDenied):
        actions.instantiate("mas-bienestar", checklists["muni_b1"].territory.parent,
                            actor=users["municipal_officer"])


# --- pages ---------------------------------------------------------------------------------------

def client_for(user, lang: str = "en") -> Client:
    c = Client()
    c.force_login(user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return c


def test_step_page_update_and_download(users, step, media):
    c = client_for(users["municipal_officer"])
    url = reverse("implementation:step", args=[step.pk])
    page = c.get(url)
    assert page.status_code == 200 and "Integración de CEIM" not in page.content.decode()
    assert "Set up the state implementation committee (CEIM)" in page.content.decode()
    spanish = client_for(users["municipal_officer"], "es").get(url).content.decode()
    assert "Integración de CEIM" in spanish  # the template's Spanish text
    response = c.post(url, {"status": "done", "due_date": step.due_date.isoformat(),
                            "comment": "Instalado", "evidence": [pdf("acta.pdf")]})
    assert response.status_code == 302
    evidence = step.evidence.get()
    page = c.get(url).content.decode()
    assert "acta.pdf" in page and "Instalado" in page
    download = c.get(reverse("implementation:evidence", args=[evidence.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="acta.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    # outside her territories: 404, for the step and for its evidence
    other = client_for(users["municipal_officer_b"])
    assert other.get(url).status_code == 404
    assert other.get(reverse("implementation:evidence", args=[evidence.pk])).status_code == 404
    # in scope but without the rule: can see, cannot change
    fac = client_for(users["facilitator"])
    assert fac.get(url).status_code == 200
    assert fac.post(url, {"status": "pending", "due_date": "2025-04-15"}).status_code == 403
    # the volunteer works in a community below: the municipality's step is outside her scope
    assert client_for(users["volunteer"]).get(url).status_code == 404


def test_step_page_refuses_a_bad_file_and_keeps_the_input(users, step, media):
    c = client_for(users["municipal_officer"])
    url = reverse("implementation:step", args=[step.pk])
    before = snapshot(step)
    response = c.post(url, {"status": "done", "due_date": step.due_date.isoformat(),
                            "comment": "Con acta", "evidence": [html_as_pdf("acta.pdf")]})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing was saved" in body and "acta.pdf" in body and "web page" in body
    assert "Con acta" in body  # the comment typed is still in the form
    assert snapshot(step) == before and files_on_disk(media) == []


def test_unit_page_and_start(tree, users, checklists):
    c = client_for(users["municipal_officer"])
    page = c.get(reverse("implementation:unit", args=[tree.muni_a1.pk])).content.decode()
    assert "Normative coordination and leadership (CCIM/CEIM)" in page
    assert "Key factors" in page and "Progression indicators" in page
    # a community without a checklist: the start form, then the checklist
    url = reverse("implementation:unit", args=[tree.comm_a1.pk])
    assert 'id="start-form"' in c.get(url).content.decode()
    response = c.post(reverse("implementation:instantiate", args=[tree.comm_a1.pk]),
                      {"start_date": "2025-02-01"})
    assert response.status_code == 302
    assert tree.comm_a1.implementation_checklists.get().start_date == dt.date(2025, 2, 1)
    assert 'id="start-form"' not in c.get(url).content.decode()
    assert client_for(users["facilitator"]).post(
        reverse("implementation:instantiate", args=[tree.comm_a1b.pk])).status_code == 403
    assert c.get(reverse("implementation:unit", args=[tree.muni_b1.pk])).status_code == 404


def test_overview_pages_cost_the_same_with_more_checklists(tree, users, checklists, django_assert_max_num_queries):
    c = client_for(users["national_manager"])
    with django_assert_max_num_queries(30) as few:
        assert c.get(reverse("implementation:index")).status_code == 200
    for unit in (tree.comm_a1, tree.comm_a1b, tree.comm_a2, tree.comm_b1):
        actions.instantiate("mas-bienestar", unit, start_date=dt.date(2024, 1, 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = c.get(reverse("implementation:index"))
    assert "Villa Nueva" in page.content.decode()
    with django_assert_max_num_queries(30):
        assert c.get(reverse("implementation:unit", args=[tree.country.pk])).status_code == 200
    late = c.get(reverse("implementation:late")).content.decode()
    assert "Sambo Creek" in late and "Distrito Central" in late
