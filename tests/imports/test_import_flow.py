"""Good files import exactly their rows, audited, all at once after a dry run."""

from __future__ import annotations

import pytest
from django.utils import translation

from crecer.core.models import AuditEvent
from crecer.imports.models import ImportJob, ImportStatus
from crecer.registry.models import Household, Person, PersonRole, Relationship

from .conftest import csv_bytes, good_rows, last_job, upload, xlsx_bytes


def _counts():
    return (Household.objects.count(), Person.objects.count(), PersonRole.objects.count(),
            Relationship.objects.count(), AuditEvent.objects.count())


def test_good_xlsx_dry_run_then_commit(officer_client, officer, tree):
    response = upload(officer_client, "familias.xlsx", xlsx_bytes(good_rows()))
    job = last_job()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert job.status == ImportStatus.VALIDATED and job.file_format == "xlsx"
    assert job.report["counts"] == {
        "rows": 8, "households": 3, "persons": 8, "errors": 0, "warnings": 0,
        "error_rows": 0, "likely_duplicates": 0}
    assert job.progress_done == job.progress_total == 16
    assert _counts() == (0, 0, 0, 0, 0)  # the dry run saved nothing

    page = officer_client.get(f"/imports/{job.pk}/").content.decode()
    assert 'id="commit-form"' in page and "Import now" in page

    response = officer_client.post(f"/imports/{job.pk}/commit/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.created_households, job.created_persons) == (3, 8)
    assert not job.file_path
    assert Household.objects.count() == 3 and Person.objects.count() == 8

    f1 = Household.objects.get(code="F-001")
    assert f1.territory == tree.comm_a1 and f1.area == "rural" and f1.poverty_level == "poor"
    assert f1.address == "Calle 3"
    f2 = Household.objects.get(code="F-002")
    assert f2.territory == tree.comm_a1b and f2.area == "urban"
    ana = Person.objects.get(given_names="Ana Lucía")
    assert ana.household == f1 and ana.territory == tree.comm_a1
    assert ana.id_number == "0101199400456" and ana.id_country == "HN"
    assert ana.phone == "+50499112233"  # completed with Honduras' calling code
    assert ana.search_name == "ana lucia perez gomez"
    assert set(ana.roles.values_list("role", flat=True)) == {"caregiver", "pregnant"}
    assert ana.roles.get(role="pregnant").expected_delivery_date is not None
    carlos = Person.objects.get(given_names="Carlos")
    assert carlos.relations_in.get().from_person == ana
    assert carlos.relations_in.get().kind == "mother"
    ivan = Person.objects.get(given_names="Iván")
    assert ivan.relations_in.get().kind == "grandparent"
    rosa = Person.objects.get(given_names="Rosa")
    assert not rosa.relations_in.exists()  # "other" without caregiver_is: no relationship
    assert Relationship.objects.count() == 4  # Carlos, Elena, Marta (father), Iván

    events = AuditEvent.objects.filter(action="import")
    assert events.count() == 3 + 8
    assert all(e.actor_id == officer.pk and e.actor_username == "muni" for e in events)
    person_events = events.filter(entity="registry.person")
    assert person_events.count() == 8
    event = person_events.get(person_id=ana.pk)
    assert event.changes["given_names"] == [None, "Ana Lucía"]
    assert event.changes["roles"] == [None, ["caregiver", "pregnant"]]
    assert event.territory_path == tree.comm_a1.path
    assert event.note.startswith(f"import {job.pk}, row 2")

    page = officer_client.get(f"/imports/{job.pk}/").content.decode()
    assert "3 households imported" in page and 'id="commit-form"' not in page

    # A second commit of the same job is refused and saves nothing more.
    response = officer_client.post(f"/imports/{job.pk}/commit/")
    assert response.status_code == 400
    assert Person.objects.count() == 8


def test_good_csv_imports_the_same(officer_client, tree):
    upload(officer_client, "familias.csv", csv_bytes(good_rows()))
    job = last_job()
    assert job.file_format == "csv" and job.report["counts"]["errors"] == 0
    officer_client.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_persons == 8
    assert sorted(Person.objects.values_list("given_names", flat=True)) == sorted(
        r["given_names"] for r in good_rows())


SPANISH_HEADERS = {
    "household_ref": "Hogar", "community": "Comunidad", "address": "Dirección",
    "area": "Zona", "poverty_level": "Pobreza", "given_names": "Nombres",
    "first_surname": "Primer apellido", "second_surname": "Segundo apellido", "sex": "Sexo",
    "birth_date": "Fecha de nacimiento", "id_type": "Tipo documento",
    "id_number": "Número documento", "phone": "Teléfono", "role": "Rol",
    "expected_delivery_date": "FPP", "caregiver_is": "Parentesco",
}
SPANISH_VALUES = {"F": "mujer", "M": "hombre", "caregiver": "cuidadora", "child": "niño",
                  "caregiver;pregnant": "cuidadora; gestante", "caregiver;head": "cuidador, jefe",
                  "rural": "rural", "urban": "urbana", "poor": "pobre", "grandparent": "abuela",
                  "other": "otro"}


def _spanish(rows):
    out = []
    for row in rows:
        new = {}
        for key, value in row.items():
            value = SPANISH_VALUES.get(value, value)
            if key in ("birth_date", "expected_delivery_date") and value:
                y, m, d = value.split("-")
                value = f"{d}/{m}/{y}"
            new[SPANISH_HEADERS[key]] = value
        out.append(new)
    return out


@pytest.mark.parametrize("encoding", ["latin-1", "utf-8-sig"])
def test_spanish_headers_and_values_semicolon_csv(officer_client, tree, encoding):
    content = csv_bytes(_spanish(good_rows()), list(SPANISH_HEADERS.values()), delimiter=";",
                        encoding=encoding)
    upload(officer_client, "padrón.csv", content)
    job = last_job()
    assert job.report["counts"]["errors"] == 0, job.report["problems"]
    assert "Fecha de nacimiento" in job.report["columns"]
    officer_client.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_persons == 8
    ana = Person.objects.get(given_names="Ana Lucía", first_surname="Pérez")
    assert ana.sex == "F" and str(ana.birth_date) == "1994-05-02"
    assert set(ana.roles.values_list("role", flat=True)) == {"caregiver", "pregnant"}
    assert Person.objects.get(given_names="José").sex == "M"
    assert Household.objects.get(code="F-002").area == "urban"


def test_xlsx_with_title_rows_dates_and_numbers_as_excel_cells(officer_client, tree):
    """Officers' sheets: a title above the header, real date cells, IDs typed as numbers
    (Excel drops the leading zero of a Honduran DNI), phones as numbers."""
    import datetime as dt

    headers = ["Nombres", "Primer apellido", "Sexo", "Fecha de nacimiento", "Rol", "Hogar",
               "Comunidad", "Tipo documento", "DNI", "Teléfono", "Notas"]
    rows = [
        ["Juana", "Ortiz", "F", dt.datetime(1990, 4, 3), "cuidadora", 1, "HN-0101-001",
         "DNI", 101199000789, 99887711, "vive cerca del río"],
        ["Pedro", "Ortiz", "M", dt.date(2022, 1, 9), "niño", 1, None, None, None, None, None],
    ]
    content = xlsx_bytes(rows, headers, title_rows=[["Padrón municipal La Ceiba 2025"], []])
    upload(officer_client, "padron.xlsx", content)
    job = last_job()
    assert job.report["header_row"] == 3
    warnings = [p for p in job.report["problems"] if p["level"] == "warning"]
    assert [(w["row"], w["column"]) for w in warnings] == [(3, "Notas")]
    assert job.report["counts"]["errors"] == 0, job.report["problems"]
    officer_client.post(f"/imports/{job.pk}/commit/")
    juana = Person.objects.get(given_names="Juana")
    assert juana.id_type == "DNI_HN" and juana.id_number == "0101199000789"
    assert juana.phone == "+50499887711" and str(juana.birth_date) == "1990-04-03"
    assert juana.household.code == "1"


def test_skip_likely_duplicates_with_the_real_matcher(officer_client, family, tree):
    """The family fixture's child typed again with a typo and swapped surnames is a warning
    naming the registered person; the user may import it anyway or skip it."""
    rows = [
        {"household_ref": "N-1", "community": "HN-0101-001", "given_names": "Gloria",
         "first_surname": "López", "sex": "F", "birth_date": "1990-02-02", "role": "caregiver"},
        {"household_ref": "N-1", "given_names": "Luis Anjel", "first_surname": "López",
         "second_surname": "Hernández", "sex": "M", "birth_date": "2024-07-02",
         "role": "child"},
    ]
    upload(officer_client, "n.xlsx", xlsx_bytes(rows))
    job = last_job()
    assert job.report["counts"]["errors"] == 0
    assert job.report["counts"]["likely_duplicates"] == 1
    [warning] = [p for p in job.report["problems"] if p["level"] == "warning"]
    assert warning["row"] == 3 and "Luis Ángel Hernández López" in warning["message"]
    page = officer_client.get(f"/imports/{job.pk}/").content.decode()
    assert 'name="skip_duplicates"' in page and "Luis Ángel Hernández López" in page
    before = Person.objects.count()
    officer_client.post(f"/imports/{job.pk}/commit/", {"skip_duplicates": "on"})
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.created_households, job.created_persons, job.skipped_persons) == (1, 1, 1)
    assert Person.objects.count() == before + 1
    assert not Person.objects.filter(given_names="Luis Anjel").exists()


def test_likely_duplicates_are_imported_when_not_skipped(officer_client, family, tree):
    rows = [{"household_ref": "N-2", "community": "HN-0101-002", "given_names": "María José",
             "first_surname": "Hernández", "second_surname": "López", "sex": "F",
             "birth_date": "1995-03-14", "role": "caregiver"}]
    upload(officer_client, "n.csv", csv_bytes(rows))
    job = last_job()
    assert job.report["counts"]["likely_duplicates"] == 1
    officer_client.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.created_persons == 1
    assert Person.objects.filter(given_names="María José").count() == 2


def test_template_example_imports(officer_client, tree):
    """The example family documented in the template is itself a valid file."""
    from crecer.imports.template import example_rows, headers

    upload(officer_client, "ejemplo.xlsx", xlsx_bytes(example_rows(), headers()))
    job = last_job()
    assert job.report["counts"]["errors"] == 0, job.report["problems"]
    officer_client.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    assert (job.created_households, job.created_persons) == (2, 4)


def test_worker_path_and_progress(officer_client, tree, settings):
    """Above the inline limit the steps are enqueued as tasks (run inline by the test
    backend); progress ends at total."""
    settings.CRECER_IMPORT_INLINE_ROWS = 0
    upload(officer_client, "familias.xlsx", xlsx_bytes(good_rows()))
    job = last_job()
    assert job.status == ImportStatus.VALIDATED and job.percent == 100
    officer_client.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.created_persons == 8


def test_without_a_worker_the_page_offers_to_run_the_step(officer_client, tree, settings,
                                                         monkeypatch):
    import datetime as dt
    from types import SimpleNamespace

    from crecer.imports import tasks

    settings.CRECER_IMPORT_INLINE_ROWS = 0
    # A database queue with no worker: the task is stored and nothing runs it.
    monkeypatch.setattr(tasks, "validate_import", SimpleNamespace(enqueue=lambda *a: None))
    upload(officer_client, "familias.xlsx", xlsx_bytes(good_rows()))
    job = last_job()
    assert job.status == ImportStatus.UPLOADED
    page = officer_client.get(f"/imports/{job.pk}/status/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'id="no-worker"' not in page
    ImportJob.objects.filter(pk=job.pk).update(
        updated_at=job.updated_at - dt.timedelta(minutes=1))
    page = officer_client.get(f"/imports/{job.pk}/status/").content.decode()
    assert 'id="no-worker"' in page
    response = officer_client.post(f"/imports/{job.pk}/run/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED and job.report["counts"]["persons"] == 8


def test_progress_fragment_polls_while_running(officer_client, officer, tree):
    job = ImportJob.objects.create(uploaded_by=officer, territory=tree.muni_a1, file_name="x.csv",
                                   file_format="csv", status=ImportStatus.VALIDATING,
                                   progress_done=50, progress_total=200)
    html = officer_client.get(f"/imports/{job.pk}/status/").content.decode()
    assert f'hx-get="/imports/{job.pk}/status/"' in html and 'hx-trigger="every 1s"' in html
    assert '<div class="progress"' in html and 'style="width: 25%"' in html
    assert "50 of 200" in html
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATED,
                                               report={"counts": {"errors": 0, "persons": 1}})
    html = officer_client.get(f"/imports/{job.pk}/status/").content.decode()
    assert "hx-trigger" not in html and 'id="commit-form"' in html


def test_progress_callback_counts_every_row(officer, tree):
    from crecer.imports.reader import Sheet
    from crecer.imports.validate import check_rows

    rows = [(1, list(HEADERS_ROW))] + [
        (n, [f"H{n}", "HN-0101-001", f"Nombre{n}", "Prueba", "F", "caregiver"])
        for n in range(2, 252)]
    seen = []
    with translation.override("en"):
        plan = check_rows(Sheet("csv", rows), user=officer,
                          progress=lambda done, total: seen.append((done, total)))
    assert plan.ok and plan.rows == 250
    assert seen[0] == (0, 500) and seen[-1] == (500, 500)
    assert [d for d, _t in seen] == sorted(d for d, _t in seen)
    assert len(seen) < 20  # written every 100 rows, not every row


HEADERS_ROW = ["household_ref", "community", "given_names", "first_surname", "sex", "role",
               "birth_date"]
