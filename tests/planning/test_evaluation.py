"""Evaluation rounds: scores entered and imported (bad rows named, nothing partial saved), the
round's aggregates (mean, n, change), findings with their report, publishing to aggregates."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from crecer.core.models import AuditEvent
from crecer.planning import evaluation
from crecer.planning.models import Finding, ScaleScore

from .conftest import TODAY

BASE = TODAY - dt.timedelta(days=200)
FOLLOW = TODAY - dt.timedelta(days=10)


@pytest.fixture
def rnd(tree, officer):
    return evaluation.create_round(actor=officer, territory=tree.muni_a1,
                                   name="Evaluación bianual", year=TODAY.year,
                                   baseline_on=BASE, follow_up_on=FOLLOW)


def _csv(*rows: str, header: str = "person_id,id_number,moment,score,assessed_on"):
    return SimpleUploadedFile("scores.csv", ("\r\n".join([header, *rows]) + "\r\n").encode())


def test_round_rules(tree, officer, rnd):
    with pytest.raises(ValidationError) as exc:
        evaluation.create_round(actor=officer, territory=tree.muni_a1, name="Evaluación bianual",
                                year=2026, baseline_on=BASE, follow_up_on=FOLLOW)
    assert "already has a round" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        evaluation.create_round(actor=officer, territory=tree.muni_a1, name="Otra", year=2026,
                                baseline_on=FOLLOW, follow_up_on=BASE)
    assert "follow_up_on" in exc.value.error_dict
    with pytest.raises(PermissionDenied):
        evaluation.create_round(actor=officer, territory=tree.muni_b1, name="X", year=2026,
                                baseline_on=BASE, follow_up_on=FOLLOW)


def test_round_aggregates_mean_change_and_n(officer, rnd, caregivers, django_assert_num_queries):
    a, b, c, d = caregivers["inside"]
    for person, base, follow in [(a, "40", "60"), (b, "50", "70"), (c, "60", None),
                                 (d, None, "90")]:
        if base:
            evaluation.record_score(actor=officer, rnd=rnd, person=person, moment="baseline",
                                    score=base, assessed_on=BASE)
        if follow:
            evaluation.record_score(actor=officer, rnd=rnd, person=person, moment="follow_up",
                                    score=follow, assessed_on=FOLLOW)
    with django_assert_num_queries(1):
        result = evaluation.results([rnd])[rnd.pk]
    assert (result.baseline_mean, result.baseline_n) == (50.0, 3)
    assert (result.follow_up_mean, result.follow_up_n) == (pytest.approx(73.3), 3)
    assert result.change == pytest.approx(23.3)
    # a and b were assessed twice: 45 → 65
    assert (result.paired_n, result.paired_change) == (2, 20.0)
    empty = evaluation.create_round(actor=officer, territory=rnd.territory, name="Vacía",
                                    year=2028, baseline_on=BASE, follow_up_on=FOLLOW)
    assert evaluation.results([empty])[empty.pk].change is None


def test_record_score_checks_and_audits(officer, rnd, caregivers, family):
    mother = caregivers["inside"][0]
    row = evaluation.record_score(actor=officer, rnd=rnd, person=mother, moment="baseline",
                                  score="47,5", assessed_on=BASE)
    assert row.score == Decimal("47.5")
    event = AuditEvent.objects.filter(entity="planning.scalescore").get()
    assert event.person_id == mother.pk and event.action == "create"
    evaluation.record_score(actor=officer, rnd=rnd, person=mother, moment="baseline",
                            score="52", assessed_on=BASE)
    assert ScaleScore.objects.get().score == Decimal("52.0")
    assert AuditEvent.objects.filter(entity="planning.scalescore", action="update").count() == 1
    with pytest.raises(ValidationError) as exc:
        evaluation.record_score(actor=officer, rnd=rnd, person=family["child"],
                                moment="middle", score="101",
                                assessed_on=TODAY + dt.timedelta(days=1))
    assert set(exc.value.error_dict) == {"person", "moment", "score", "assessed_on"}
    assert "not registered as a caregiver" in str(exc.value)
    assert ScaleScore.objects.count() == 1


def test_scores_of_another_territory_are_not_found(officer, rnd, caregivers):
    from django.http import Http404

    with pytest.raises(Http404):  # outside the officer's scope: she learns nothing
        evaluation.record_score(actor=officer, rnd=rnd, person=caregivers["outside"],
                                moment="baseline", score="50", assessed_on=BASE)


def test_import_names_every_bad_row_and_saves_nothing(officer, rnd, caregivers):
    a, b, c, _d = caregivers["inside"]
    child = caregivers["child"]
    outside = caregivers["outside"]
    upload = _csv(
        f"{a.pk},,baseline,55,{BASE}",                      # 2 good
        f"{b.pk},,línea de base,abc,{BASE}",                 # 3 score
        f"{child.pk},,baseline,50,{BASE}",                   # 4 not a caregiver
        f"{outside.pk},,baseline,50,{BASE}",                 # 5 outside scope and territory
        f"not-a-uuid,,baseline,50,{BASE}",                   # 6 bad id
        f"{c.pk},,mid-term,50,{BASE}",                       # 7 moment
        f"{c.pk},,follow_up,50,{TODAY + dt.timedelta(days=5)}",  # 8 future date
        f"{a.pk},,baseline,60,{BASE}",                       # 9 twice
        ",0101-1990-00009,baseline,50,2026-01-01",           # 10 unknown national ID
        ",,baseline,50,2026-01-01",                          # 11 nobody named
    )
    with pytest.raises(ValidationError) as exc:
        evaluation.import_scores(actor=officer, rnd=rnd, file=upload)
    messages = exc.value.messages
    expected = ["Row 3, score", "Row 4, person_id", "Row 5, person_id", "Row 6, person_id",
                "Row 7, moment", "Row 8, assessed_on", "Row 9, moment", "Row 10, id_number",
                "Row 11, person_id"]
    for prefix in expected:
        assert any(m.startswith(prefix) for m in messages), (prefix, messages)
    assert not any(m.startswith("Row 2") for m in messages)
    assert "already has a baseline score in row 2" in " ".join(messages)
    assert not ScaleScore.objects.exists()
    assert not AuditEvent.objects.filter(entity="planning.scalescore").exists()


def test_import_creates_then_corrects(officer, rnd, caregivers):
    a, b, c, _d = caregivers["inside"]
    report = evaluation.import_scores(actor=officer, rnd=rnd, file=_csv(
        f"{a.pk},,baseline,40,{BASE}",
        f",{b.id_number},linea_base,50.25,{BASE:%d/%m/%Y}",  # by national ID, Spanish moment
        f"{a.pk},,seguimiento,61,{FOLLOW}"))
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert ScaleScore.objects.get(person=b).score == Decimal("50.3")
    events = AuditEvent.objects.filter(entity="planning.scalescore")
    assert events.count() == 3 and set(events.values_list("person_id", flat=True)) == {a.pk, b.pk}
    report = evaluation.import_scores(actor=officer, rnd=rnd, file=_csv(
        f"{a.pk},,baseline,42,{BASE}", f"{a.pk},,follow_up,61,{FOLLOW}",
        f"{c.pk},,baseline,70,{BASE}"))
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert ScaleScore.objects.get(person=a, moment="baseline").score == Decimal("42.0")


def test_import_reads_xlsx(officer, rnd, caregivers):
    import openpyxl

    a, b, *_ = caregivers["inside"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Person ID", "Momento", "Puntaje", "Fecha"])
    ws.append([str(a.pk), "baseline", 45.5, dt.datetime.combine(BASE, dt.time())])
    ws.append([str(b.pk), "follow_up", 80, FOLLOW])
    buf = io.BytesIO()
    wb.save(buf)
    report = evaluation.import_scores(actor=officer, rnd=rnd, file=SimpleUploadedFile(
        "scores.xlsx", buf.getvalue()))
    assert report.created == 2
    assert ScaleScore.objects.get(person=a).assessed_on == BASE


def test_import_refuses_what_is_not_a_spreadsheet(officer, rnd):
    with pytest.raises(ValidationError, match="not a spreadsheet"):
        evaluation.import_scores(actor=officer, rnd=rnd, file=SimpleUploadedFile(
            "scores.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary"))
    with pytest.raises(ValidationError, match="missing columns"):
        evaluation.import_scores(actor=officer, rnd=rnd, file=_csv(
            "x,y", header="person_id,grade"))


def test_finding_with_report_is_served_as_a_download(officer, rnd, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    finding = evaluation.add_finding(actor=officer, rnd=rnd, title="Mejora de 14 puntos",
                                     summary="Resumen", published_on=TODAY,
                                     file=SimpleUploadedFile("informe.pdf", b"%PDF-1.4 test"))
    assert finding.has_file and finding.original_name == "informe.pdf"
    with pytest.raises(ValidationError) as exc:
        evaluation.add_finding(actor=officer, rnd=rnd, title="Hostil", published_on=TODAY,
                               file=SimpleUploadedFile("informe.html", b"<html><script>"))
    assert "file" in exc.value.error_dict and "informe.html" in str(exc.value)
    with pytest.raises(ValidationError):
        evaluation.add_finding(actor=officer, rnd=rnd, title="Disfrazado", published_on=TODAY,
                               file=SimpleUploadedFile("informe.pdf", b"<html><body>x"))
    assert Finding.objects.count() == 1
    assert len(list((tmp_path / "media").rglob("*.pdf"))) == 1


def test_publish_round_enters_the_aggregate_means(officer, rnd, caregivers):
    from crecer.aggregates.catalogue import load_elements
    from crecer.aggregates.models import AggregateValue

    load_elements()
    with pytest.raises(ValidationError, match="baseline and follow-up"):
        evaluation.publish_round(actor=officer, rnd=rnd)
    a, b, *_ = caregivers["inside"]
    for person, base, follow in [(a, "40", "60"), (b, "50", "66")]:
        evaluation.record_score(actor=officer, rnd=rnd, person=person, moment="baseline",
                                score=base, assessed_on=BASE)
        evaluation.record_score(actor=officer, rnd=rnd, person=person, moment="follow_up",
                                score=follow, assessed_on=FOLLOW)
    evaluation.publish_round(actor=officer, rnd=rnd)
    values = {v.element.code: v.value for v in AggregateValue.objects.select_related("element")
              .filter(unit=rnd.territory, period=str(TODAY.year))}
    assert values == {"parenting_scale_baseline": Decimal("45.0"),
                      "parenting_scale_followup": Decimal("63.0")}
