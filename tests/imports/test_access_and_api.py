"""Who sees what, the template downloads and the API."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from ninja.testing import TestClient

from crecer.imports.api import router
from crecer.imports.models import ImportStatus
from crecer.registry.models import Person

from .conftest import csv_bytes, good_rows, last_job, upload, xlsx_bytes


@pytest.fixture
def job(officer_client, tree):
    upload(officer_client, "f.xlsx", xlsx_bytes(good_rows()))
    return last_job()


@pytest.mark.parametrize("who,index,detail", [
    ("municipal_officer", 200, 200),  # the uploader
    ("data_officer", 200, 200),  # same scope (the country), sees others' jobs
    ("admin", 200, 200),
    ("municipal_officer_b", 200, 404),  # another municipality
    ("regional_manager", 403, 404),  # may not import
    ("volunteer", 403, 404),
])
def test_who_sees_a_job(client, users, job, who, index, detail):
    client.force_login(users[who])
    assert client.get("/imports/").status_code == index
    assert client.get(f"/imports/{job.pk}/").status_code == detail
    assert client.get(f"/imports/{job.pk}/status/").status_code == detail
    if detail == 404:
        assert client.post(f"/imports/{job.pk}/commit/").status_code == 404
        assert client.post(f"/imports/{job.pk}/run/").status_code == 404
        assert Person.objects.count() == 0


def test_data_officer_of_another_region_does_not_see_it(client, make_user, tree, job):
    other = make_user("data_b", "data_officer", tree.region_b)
    client.force_login(other)
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    assert job.file_name not in client.get("/imports/").content.decode()


def test_list_shows_my_jobs_only(client, users, job):
    client.force_login(users["municipal_officer_b"])
    assert "f.xlsx" not in client.get("/imports/").content.decode()
    client.force_login(users["municipal_officer"])
    html = client.get("/imports/").content.decode()
    assert 'id="jobs"' in html and "f.xlsx" in html


def test_anonymous_goes_to_login(client, job):
    client.logout()
    assert client.get(f"/imports/{job.pk}/").status_code == 302
    response = client.get("/imports/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_page_is_spanish_by_default_and_linked_from_the_menu(client, users):
    client.force_login(users["municipal_officer"])
    html = client.get("/imports/").content.decode()
    assert '<html lang="es">' in html
    assert 'id="nav-imports"' in html and 'href="/imports/template.xlsx"' in html
    assert "nombres" in html  # the Spanish aliases are documented on the page


def test_xlsx_template_has_data_and_instructions(officer_client):
    import openpyxl

    from crecer.imports.columns import COLUMNS

    response = officer_client.get("/imports/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    data, info = wb.worksheets
    assert [c.value for c in data[1]] == [c.name for c in COLUMNS]
    assert data.max_row == 1  # no fake persons to delete before filling it in
    assert info.title == "instructions"
    text = "\n".join(str(c.value) for row in info.iter_rows() for c in row if c.value)
    for column in COLUMNS:
        assert column.name in text
    assert "primer_apellido" in text and "caregiver, child, pregnant, head, other" in text


def test_csv_template(officer_client):
    from crecer.imports.columns import COLUMNS

    response = officer_client.get("/imports/template.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.decode("utf-8-sig").strip() == ",".join(c.name for c in COLUMNS)


def test_filled_in_template_imports(officer_client, tree):
    """The downloaded template, filled in by the user, is accepted as is."""
    import openpyxl

    from crecer.imports.template import example_rows, headers

    wb = openpyxl.load_workbook(io.BytesIO(officer_client.get("/imports/template.xlsx").content))
    sheet = wb.worksheets[0]
    for row in example_rows():
        sheet.append([row.get(h, "") for h in headers()])
    out = io.BytesIO()
    wb.save(out)
    upload(officer_client, "plantilla.xlsx", out.getvalue())
    job = last_job()
    assert job.report["counts"]["errors"] == 0, job.report["problems"]
    assert job.report["counts"]["persons"] == 4


# -- API -------------------------------------------------------------------------------------

def _api_upload(api, user, name, content, **data):
    return api.post("/", data={k: str(v).lower() for k, v in data.items()},
                    FILES={"file": SimpleUploadedFile(name, content)}, user=user)


def test_api_dry_run_then_commit(users, tree):
    api = TestClient(router)
    officer = users["municipal_officer"]
    response = _api_upload(api, officer, "f.csv", csv_bytes(good_rows()))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == ImportStatus.VALIDATED and body["counts"]["persons"] == 8
    assert body["counts"]["errors"] == 0 and Person.objects.count() == 0
    assert api.get(f"/{body['id']}", user=officer).json()["id"] == body["id"]
    assert api.get(f"/{body['id']}", user=users["municipal_officer_b"]).status_code == 404
    response = api.post(f"/{body['id']}/commit", json={}, user=officer)
    assert response.status_code == 200 and response.json()["status"] == ImportStatus.DONE
    assert response.json()["created_persons"] == 8 and Person.objects.count() == 8
    again = api.post(f"/{body['id']}/commit", json={}, user=officer)
    assert again.status_code == 400


def test_api_import_in_one_call_and_errors(users, tree):
    api = TestClient(router)
    officer = users["municipal_officer"]
    body = _api_upload(api, officer, "f.xlsx", xlsx_bytes(good_rows()), dry_run=False).json()
    assert body["status"] == ImportStatus.DONE and Person.objects.count() == 8

    rows = good_rows()
    rows[0]["community"] = "HN-0801-001"
    body = _api_upload(api, officer, "g.xlsx", xlsx_bytes(rows), dry_run=False).json()
    assert body["status"] == ImportStatus.VALIDATED
    # Out of scope, and Ana's ID is registered now (by the call above).
    assert {(p["row"], p["column"]) for p in body["problems"] if p["level"] == "error"} == {
        (2, "community"), (2, "id_number")}
    assert Person.objects.count() == 8
    assert api.post(f"/{body['id']}/commit", json={}, user=officer).status_code == 400


def test_api_refusals(users, tree):
    api = TestClient(router)
    response = _api_upload(api, users["municipal_officer"], "x.xlsx", b"\x89PNG\r\n\x1a\n" * 9)
    assert response.status_code == 400 and "not a spreadsheet" in response.json()["detail"]
    response = _api_upload(api, users["volunteer"], "f.csv", csv_bytes(good_rows()))
    assert response.status_code == 403
