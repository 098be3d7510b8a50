from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from crecer.core.models import AuditEvent
from crecer.coresponsibility.actions import import_health_file
from crecer.coresponsibility.models import ComplianceCheck, Source

from .conftest import PERIOD

HEADER = "id_type,id_number,given_names,surnames,birth_date,condition,date,compliant\r\n"


def _csv(*rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("salud.csv", (HEADER + "".join(r + "\r\n" for r in rows)).encode())


def _import(users, juntos, file, actor="municipal_officer"):
    return import_health_file(actor=users[actor], programme=juntos, period=PERIOD, file=file)


@pytest.fixture
def outsider(users, tree):
    """A person with an ID in municipality B (outside the municipal officer of A)."""
    from crecer.registry import actions

    hh = actions.create_household(actor=users["municipal_officer_b"], territory=tree.comm_b1,
                                  data={"code": "H-B", "area": "rural"})
    return actions.register_person(
        actor=users["municipal_officer_b"], household=hh, roles=["caregiver"],
        data={"given_names": "Berta", "first_surname": "Suazo", "sex": "F",
              "birth_date": "1990-05-05", "id_type": "DNI_HN", "id_number": "0801-1990-55555"})


def test_matches_by_id_and_by_name_and_birth_date(users, family, juntos, enrolled, outsider):
    report = _import(users, juntos, _csv(
        "DNI_HN,0101-1995-00123,María José,Hernández López,1995-03-14,PRENATAL,2026-10-03,yes",
        ",,Luis Angel,Hernandez Lopez,2024-07-02,CRED,2026-10-05,sí",
        ",,Luis Ángel,Hernández López,02/07/2024,IRON-SUP,2026-10-05,no",
        "DNI_HN,0801-1990-55555,Berta,Suazo,1990-05-05,CRED,2026-10-06,yes",
        ",,Pedro,Nadie Nunca,2020-01-01,CRED,2026-10-07,yes",
    ))
    assert [(m.row.number, m.person, m.how) for m in report.matched] == [
        (2, family["mother"], "id"), (3, family["child"], "name and birth date"),
        (4, family["child"], "name and birth date")]
    assert [n for n, _reason in report.unmatched] == [5, 6]
    assert "0801199055555" in report.unmatched[0][1]  # outside the actor's territories
    assert "names and birth date" in report.unmatched[1][1]
    cred = ComplianceCheck.objects.get(condition="CRED", person=family["child"])
    assert cred.compliant and cred.source == Source.HEALTH_SYSTEM
    assert cred.evidence_ref == "salud.csv row 3" and cred.period == PERIOD
    iron = ComplianceCheck.objects.get(condition="IRON-SUP")
    assert not iron.compliant and "Iron supplementation" in iron.reason
    assert ComplianceCheck.objects.get(condition="PRENATAL").person == family["mother"]
    assert not ComplianceCheck.objects.filter(person=outsider).exists()
    assert AuditEvent.objects.filter(entity="coresponsibility.compliancecheck",
                                     person_id=family["child"].pk).count() == 2


def test_not_enrolled_household_is_reported(users, family, juntos):
    report = _import(users, juntos, _csv(
        "DNI_HN,0101199500123,María José,Hernández López,1995-03-14,PRENATAL,2026-10-03,yes"))
    assert not report.matched
    assert report.unmatched[0][0] == 2 and "not enrolled" in report.unmatched[0][1]
    assert not ComplianceCheck.objects.exists()


def test_malformed_rows_refuse_whole_file(users, family, juntos, enrolled):
    with pytest.raises(ValidationError) as exc:
        _import(users, juntos, _csv(
            "DNI_HN,0101199500123,María José,Hernández López,1995-03-14,PRENATAL,2026-10-03,yes",
            ",,Luis Ángel,Hernández López,2024-07-02,CRED,2026-13-05,yes",
            ",,Luis Ángel,Hernández López,2024-07-02,VAC-XYZ,2026-10-05,maybe",
            ",,Luis Ángel,Hernández López,2024-07-02,CRED,2026-11-05,yes",
            ",,,,,CRED,2026-10-05,yes",
        ))
    messages = exc.value.messages
    assert any(m.startswith("Row 3, date:") for m in messages)
    assert any(m.startswith("Row 4, condition:") and "VAC-XYZ" in m for m in messages)
    assert any(m.startswith("Row 4, compliant:") for m in messages)
    assert any(m.startswith("Row 5, date:") and "2026-10" in m for m in messages)
    assert any(m.startswith("Row 6, id_number:") for m in messages)
    assert not ComplianceCheck.objects.exists()


def test_missing_columns_and_non_spreadsheet_refused(users, juntos, enrolled):
    with pytest.raises(ValidationError) as exc:
        _import(users, juntos, SimpleUploadedFile("x.csv", b"id_number,date\r\n1,2026-10-01\r\n"))
    assert "missing columns" in exc.value.messages[0] and "condition" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        _import(users, juntos, SimpleUploadedFile("x.xlsx", b"\x89PNG\r\n\x1a\nxxxx"))


def test_xlsx_file(users, family, juntos, enrolled):
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["ID type", "ID number", "Given names", "First surname",
                        "Second surname", "Birth date", "Condition", "Date", "Compliant"])
    book.active.append(["", "", "Luis Ángel", "Hernández", "López", dt.datetime(2024, 7, 2),
                        "cred", dt.datetime(2026, 10, 9), "Yes"])
    buf = io.BytesIO()
    book.save(buf)
    report = _import(users, juntos, SimpleUploadedFile("salud.xlsx", buf.getvalue()))
    assert [m.person for m in report.matched] == [family["child"]]
    assert ComplianceCheck.objects.get(condition="CRED").compliant
