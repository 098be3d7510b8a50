"""A file with errors: every bad row and field reported, in the user's language; nothing saved."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from crecer.core.models import AuditEvent
from crecer.imports.models import ImportStatus
from crecer.registry.models import Household, Person

from .conftest import (
    HEADERS,
    csv_bytes,
    edd,
    last_job,
    messages_at,
    problems,
    upload,
    xlsx_bytes,
)

TOMORROW_MONTH = (timezone.localdate() + dt.timedelta(days=30)).isoformat()


def bad_rows() -> list[dict]:
    ok = {"sex": "F", "birth_date": "1990-01-01", "role": "caregiver", "first_surname": "Vega"}
    return [
        {**ok, "household_ref": "F-1", "community": "HN-9999-999", "given_names": "Ana"},  # 2
        {**ok, "household_ref": "F-2", "community": "HN-0801-001", "given_names": "Bea"},  # 3
        {**ok, "household_ref": "F-3", "community": "HN-0101-001", "given_names": "Cora",
         "birth_date": "2023-02-30"},  # 4 impossible date
        {**ok, "household_ref": "F-3", "given_names": "Dani", "role": "child",
         "birth_date": TOMORROW_MONTH},  # 5 future birth
        {**ok, "household_ref": "F-3", "given_names": "Eva", "id_type": "DNI_HN",
         "id_number": "0101-1990"},  # 6 invalid DNI
        {**ok, "household_ref": "F-3", "given_names": "Flor", "id_type": "CURP",
         "id_number": "ABCD123"},  # 7 invalid CURP
        {**ok, "household_ref": "F-3", "given_names": ""},  # 8 missing value
        {**ok, "household_ref": "", "given_names": "Gina"},  # 9 no household
        {**ok, "household_ref": "F-4", "community": "HN-0101-002", "area": "rural",
         "given_names": "Hilda", "id_type": "DNI_HN", "id_number": "0101199000111"},  # 10
        {**ok, "household_ref": "F-4", "given_names": "Inés", "role": "other",
         "id_type": "DNI_HN", "id_number": "0101-1990-00111"},  # 11 same ID as row 10
        {**ok, "household_ref": "F-4", "given_names": "Nora", "role": "child",
         "birth_date": "2022-01-01"},  # 12
        {**ok, "household_ref": "F-4", "given_names": "nora ", "first_surname": "VEGA",
         "role": "child", "birth_date": "01/01/2022"},  # 13 same person as row 12
        {**ok, "household_ref": "F-4", "given_names": "Olga", "id_type": "DNI_HN",
         "id_number": "0101-1995-00123", "role": "other"},  # 14 ID of a registered person
        {**ok, "household_ref": "F-4", "given_names": "Paula", "role": "pregnant"},  # 15
        {**ok, "household_ref": "F-4", "given_names": "Quina", "role": "astronaut"},  # 16
        {**ok, "household_ref": "F-5", "community": "HN-0101", "given_names": "Rita"},  # 17
        {**ok, "household_ref": "F-4", "area": "urban", "given_names": "Sara",
         "role": "other"},  # 18 household disagrees
    ]


EXPECTED = {
    (2, "community"): "Unknown community code “HN-9999-999”.",
    (3, "community"): "The community “HN-0801-001” is outside your territories.",
    (4, "birth_date"): "“2023-02-30” is not a date",
    (5, "birth_date"): "The birth date is in the future.",
    (6, "id_number"): "A Honduran DNI has 13 digits",
    (7, "id_number"): "A CURP has 18 characters; this one has 7.",
    (8, "given_names"): "This field is required.",
    (9, "household_ref"): "This field is required.",
    (11, "id_number"): "Same ID number as row 10.",
    (13, "given_names"): "Same name and birth date as row 12.",
    (14, "id_number"): "A person with this ID is already registered: María José Hernández López",
    (15, "expected_delivery_date"): "A pregnant woman needs an expected delivery date.",
    (16, "role"): "Unknown role “astronaut”",
    (17, "community"): "“HN-0101” (La Ceiba) is not a community",
    (18, "area"): "Differs from row 10 of the same household (“rural”).",
}


def _snapshot():
    return Household.objects.count(), Person.objects.count(), AuditEvent.objects.count()


def test_every_bad_row_and_field_is_reported_and_nothing_is_saved(officer_client, family):
    before = _snapshot()
    upload(officer_client, "errores.xlsx", xlsx_bytes(bad_rows(), HEADERS))
    job = last_job()
    assert job.status == ImportStatus.VALIDATED
    assert problems(job) == set(EXPECTED)
    for (row, column), text in EXPECTED.items():
        assert any(text in m for m in messages_at(job, row, column)), (row, column,
                                                                       messages_at(job, row, column))
    counts = job.report["counts"]
    assert counts["errors"] == len(EXPECTED) and counts["error_rows"] == len(EXPECTED)
    assert counts["rows"] == 17 and counts["persons"] == 17
    assert not job.can_commit

    page = officer_client.get(f"/imports/{job.pk}/").content.decode()
    assert 'id="problems"' in page and 'id="commit-form"' not in page
    assert "15 rows have errors" in page
    assert "Unknown community code “HN-9999-999”." in page
    assert "<td>14</td><td>id_number</td>" in page

    # Forcing the commit is refused: nothing is saved.
    response = officer_client.post(f"/imports/{job.pk}/commit/")
    assert response.status_code == 400 and 'id="refusal"' in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED
    assert _snapshot() == before


def test_one_bad_row_among_good_ones_blocks_everything(officer_client, tree):
    from .conftest import good_rows

    rows = good_rows()
    rows[5]["birth_date"] = "31/02/1961"
    upload(officer_client, "casi.csv", csv_bytes(rows))
    job = last_job()
    assert problems(job) == {(7, "birth_date")}
    assert officer_client.post(f"/imports/{job.pk}/commit/").status_code == 400
    assert Person.objects.count() == 0 and Household.objects.count() == 0


def test_registry_changed_between_check_and_commit(officer_client, officer, tree):
    """The commit checks again: an ID registered meanwhile stops the whole import."""
    from crecer.registry import actions

    from .conftest import good_rows

    upload(officer_client, "f.xlsx", xlsx_bytes(good_rows()))
    job = last_job()
    assert job.can_commit
    hh = actions.create_household(actor=officer, territory=tree.comm_a1, data={})
    actions.register_person(actor=officer, household=hh, roles=["caregiver"], data={
        "given_names": "Otra", "first_surname": "Persona", "sex": "F",
        "id_type": "DNI_HN", "id_number": "0101199400456"})
    before = _snapshot()
    officer_client.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED and "nothing was saved" in job.message
    assert problems(job) == {(2, "id_number")}
    assert _snapshot() == before


def test_failure_while_saving_rolls_everything_back(officer_client, tree, monkeypatch):
    from crecer.core import audit

    from .conftest import good_rows

    upload(officer_client, "f.xlsx", xlsx_bytes(good_rows()))
    job = last_job()

    def broken(events):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record_many", broken)
    officer_client.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and "nothing was saved" in job.message
    assert _snapshot() == (0, 0, 0)


def test_messages_follow_the_users_language(client, users, family):
    """Messages are made with gettext in the uploader's language: Spanish by default (Django's
    own catalogue already translates “This field is required.”), English when chosen."""
    rows = [{"household_ref": "A", "community": "HN-0101-001", "given_names": "",
             "first_surname": "Ruiz", "sex": "F", "birth_date": "1990-01-01",
             "role": "caregiver"}]
    client.force_login(users["municipal_officer"])
    upload(client, "es.csv", csv_bytes(rows))
    job = last_job()
    assert job.language == "es"
    assert messages_at(job, 2, "given_names") == ["Este campo es obligatorio."]

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    upload(client, "en.csv", csv_bytes(rows))
    job = last_job()
    assert job.language == "en"
    assert messages_at(job, 2, "given_names") == ["This field is required."]


def test_messages_use_gettext(officer, tree, monkeypatch):
    """Every message goes through gettext (the Spanish catalogue is compiled later)."""
    from django.utils import translation

    from crecer.imports import validate
    from crecer.imports.reader import Sheet

    monkeypatch.setattr(validate, "_", lambda text: f"«{text}»")
    rows = [(1, ["household_ref", "community", "given_names", "first_surname", "sex", "role",
                 "birth_date"]),
            (2, ["A", "XX-1", "Ana", "Ruiz", "F", "caregiver", ""])]
    with translation.override("en"):
        plan = validate.check_rows(Sheet("csv", rows), user=officer)
    assert [p.message for p in plan.errors] == ["«Unknown community code “%(code)s”.»"
                                                .replace("%(code)s", "XX-1")]


def test_more_rules_and_warnings(officer_client, family):
    rows = [
        {"household_ref": "H-0001", "community": "HN-0101-001", "given_names": "Tomás",
         "first_surname": "Ruiz", "sex": "M", "birth_date": "1980-01-01",
         "role": "other; pregnant", "expected_delivery_date": "2020-01-01"},  # 2
        {"household_ref": "H-0001", "given_names": "Ulises", "first_surname": "R" * 81,
         "sex": "M", "birth_date": "2001-01-01", "role": "other",
         "caregiver_is": "vecino"},  # 3
        {"household_ref": "H-0001", "given_names": "Vera", "first_surname": "Ruiz",
         "sex": "X", "birth_date": "", "role": "child"},  # 4
        {"household_ref": "H-0001", "given_names": "Wanda", "first_surname": "Ruiz",
         "sex": "F", "birth_date": "", "role": "child", "expected_delivery_date": edd()},  # 5
    ]
    upload(officer_client, "mas.csv", csv_bytes(rows))
    job = last_job()
    assert problems(job) == {(2, "role"), (2, "expected_delivery_date"), (3, "first_surname"),
                             (3, "caregiver_is"), (4, "sex")}
    assert messages_at(job, 2, "role") == ["A man cannot be registered as pregnant.",
                                           "This household has no caregiver."]
    assert messages_at(job, 3, "first_surname") == ["At most 80 characters."]
    assert "Unknown relationship “vecino”" in messages_at(job, 3, "caregiver_is")[0]
    assert messages_at(job, 4, "sex") == ["Sex must be F or M."]
    warnings = {(p["row"], p["column"]) for p in job.report["problems"]
                if p["level"] == "warning"}
    assert warnings == {
        (2, "household_ref"),  # H-0001 is already registered in Sambo Creek (the fixture)
        (2, "role"),  # no caregiver in the household
        (5, "birth_date"),  # a child without a birth date
        (5, "expected_delivery_date"),  # ignored: not pregnant
    }
    assert "already registered in Sambo Creek" in messages_at(job, 2, "household_ref")[0]
