from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from crecer.coresponsibility.actions import verify_period
from crecer.coresponsibility.models import ComplianceCheck

from .conftest import PERIOD


def _client(user):
    c = Client()
    c.cookies["django_language"] = "en"
    c.force_login(user)
    return c


@pytest.fixture
def checked(users, tree, family, juntos, enrolled, visit):
    """October verified in municipality A1: CRED seen by the volunteer, IRON-SUP missing."""
    visit("2026-10-12", ["CRED"])
    verify_period(actor=users["municipal_officer"], programme=juntos, period=PERIOD,
                  municipality=tree.muni_a1)


def _query(juntos, tree, **extra):
    return {"programme": juntos.pk, "period": PERIOD, **extra}


def test_list_shows_households_with_reasons(users, tree, juntos, checked):
    r = _client(users["municipal_officer"]).get(reverse("coresponsibility:list"),
                                                _query(juntos, None))
    page = r.content.decode()
    assert r.status_code == 200
    assert "H-0001" in page and "Sambo Creek" in page and "María José" in page
    assert "No evidence of “Iron supplementation” (IRON-SUP) for Luis Ángel" in page
    r = _client(users["municipal_officer"]).get(
        reverse("coresponsibility:list"), _query(juntos, None, municipality=tree.muni_a1.pk))
    assert 'id="verify"' in r.content.decode() and "csrfmiddlewaretoken" in r.content.decode()


def test_list_forbidden_and_outside(users, tree, juntos, checked):
    url = reverse("coresponsibility:list")
    assert _client(users["volunteer"]).get(url).status_code == 403
    assert _client(users["facilitator"]).get(url).status_code == 403
    r = _client(users["municipal_officer_b"]).get(url, _query(juntos, tree))
    assert r.status_code == 200 and "H-0001" not in r.content.decode()
    assert _client(users["municipal_officer_b"]).get(
        url, {"municipality": tree.muni_a1.pk}).status_code == 404
    assert _client(users["data_officer"]).get(url, _query(juntos, tree)).status_code == 200


def test_verify_page_runs_the_verification(users, tree, juntos, enrolled):
    r = _client(users["municipal_officer"]).post(
        reverse("coresponsibility:verify"), _query(juntos, tree, municipality=tree.muni_a1.pk))
    assert r.status_code == 302
    assert ComplianceCheck.objects.filter(period=PERIOD, compliant=False).count() == 2
    assert _client(users["municipal_officer_b"]).post(
        reverse("coresponsibility:verify"),
        _query(juntos, tree, municipality=tree.muni_a1.pk)).status_code == 404
    assert _client(users["facilitator"]).post(
        reverse("coresponsibility:verify"),
        _query(juntos, tree, municipality=tree.muni_a1.pk)).status_code == 403


def test_roster_csv_content_and_scope(users, tree, family, juntos, checked):
    r = _client(users["municipal_officer"]).get(reverse("coresponsibility:roster_csv"),
                                                _query(juntos, tree))
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode())))
    assert rows[0][:3] == ["household code", "programme", "period"]
    assert rows[1][:7] == ["H-0001", "juntos-cct", PERIOD, "María José Hernández López",
                           "0101199500123", "Sambo Creek", "no"]
    assert "IRON-SUP" in rows[1][7] and "CRED" not in rows[1][7]
    other = _client(users["municipal_officer_b"]).get(reverse("coresponsibility:roster_csv"),
                                                      _query(juntos, tree))
    assert len(list(csv.reader(io.StringIO(other.content.decode())))) == 1  # header only
    assert _client(users["volunteer"]).get(
        reverse("coresponsibility:roster_csv")).status_code == 403


def test_roster_xlsx_content(users, tree, juntos, checked, visit):
    import openpyxl

    visit("2026-10-20", ["IRON-SUP"])
    verify_period(actor=users["admin"], programme=juntos, period=PERIOD,
                  municipality=tree.muni_a1)
    r = _client(users["admin"]).get(reverse("coresponsibility:roster_xlsx"),
                                    _query(juntos, tree, municipality=tree.muni_a1.pk))
    assert r.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == "H-0001" and rows[1][6] == "yes" and not rows[1][7]


def test_upload_page_reports_and_refuses(users, family, juntos, enrolled):
    url = reverse("coresponsibility:upload")
    c = _client(users["municipal_officer"])
    assert c.get(url).status_code == 200
    header = "id_type,id_number,given_names,surnames,birth_date,condition,date,compliant\r\n"
    good = header + (",,Luis Ángel,Hernández López,2024-07-02,CRED,2026-10-05,yes\r\n"
                     ",,Nadie,Nunca Jamás,2000-01-01,CRED,2026-10-05,yes\r\n")
    r = c.post(url, {"programme": juntos.pk, "period": PERIOD, "source": "health_system",
                     "file": SimpleUploadedFile("s.csv", good.encode())})
    page = r.content.decode()
    assert r.status_code == 200 and "1 row matched" in page and "1 row not matched" in page
    assert ComplianceCheck.objects.filter(condition="CRED", compliant=True).count() == 1
    bad = header + ",,Luis Ángel,Hernández López,2024-07-02,CRED,ayer,yes\r\n"
    r = c.post(url, {"programme": juntos.pk, "period": PERIOD, "source": "health_system",
                     "file": SimpleUploadedFile("b.csv", bad.encode())})
    assert r.status_code == 400 and "Row 2, date:" in r.content.decode()
    assert _client(users["facilitator"]).get(url).status_code == 403
