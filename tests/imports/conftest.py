"""Helpers for the import tests: spreadsheets built in memory, uploads through the page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

HEADERS = ["household_ref", "community", "address", "area", "poverty_level", "given_names",
           "first_surname", "second_surname", "sex", "birth_date", "id_type", "id_number",
           "phone", "role", "expected_delivery_date", "caregiver_is"]


def edd(days: int = 120) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def good_rows() -> list[dict]:
    """Three families, eight persons, in two communities of La Ceiba (HN-0101)."""
    return [
        {"household_ref": "F-001", "community": "HN-0101-001", "address": "Calle 3",
         "area": "rural", "poverty_level": "poor", "given_names": "Ana Lucía",
         "first_surname": "Pérez", "second_surname": "Gómez", "sex": "F",
         "birth_date": "1994-05-02", "id_type": "DNI_HN", "id_number": "0101-1994-00456",
         "phone": "99112233", "role": "caregiver;pregnant", "expected_delivery_date": edd()},
        {"household_ref": "F-001", "given_names": "Carlos", "first_surname": "Ramos",
         "second_surname": "Pérez", "sex": "M", "birth_date": "2021-08-15", "role": "child"},
        {"household_ref": "F-001", "given_names": "Elena", "first_surname": "Ramos",
         "second_surname": "Pérez", "sex": "F", "birth_date": "2023-11-30", "role": "child"},
        {"household_ref": "F-002", "community": "HN-0101-002", "area": "urban",
         "given_names": "José", "first_surname": "Castillo", "sex": "M",
         "birth_date": "1988-01-20", "role": "caregiver;head", "phone": "+50433445566"},
        {"household_ref": "F-002", "given_names": "Marta", "first_surname": "Castillo",
         "second_surname": "Ruiz", "sex": "F", "birth_date": "2020-02-29", "role": "child"},
        {"household_ref": "F-003", "community": "HN-0101-001", "given_names": "Dolores",
         "first_surname": "Núñez", "sex": "F", "birth_date": "1961-06-01",
         "role": "caregiver"},
        {"household_ref": "F-003", "given_names": "Iván", "first_surname": "Mejía",
         "second_surname": "Núñez", "sex": "M", "birth_date": "2022-03-05", "role": "child",
         "caregiver_is": "grandparent"},
        {"household_ref": "F-003", "given_names": "Rosa", "first_surname": "Mejía",
         "second_surname": "Núñez", "sex": "F", "birth_date": "2003-09-09", "role": "other"},
    ]


def xlsx_bytes(rows: list[dict], headers: list[str] | None = None, *, title_rows=()) -> bytes:
    from openpyxl import Workbook

    headers = headers or HEADERS
    wb = Workbook()
    ws = wb.active
    for line in title_rows:
        ws.append(line)
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h, "") for h in headers] if isinstance(row, dict) else row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[dict], headers: list[str] | None = None, *, delimiter=",",
              encoding="utf-8") -> bytes:
    headers = headers or HEADERS
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headers])
    return out.getvalue().encode(encoding)


def upload(client, name: str, content: bytes, **extra):
    return client.post("/imports/", {"file": SimpleUploadedFile(name, content), **extra})


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def officer(users):
    return users["municipal_officer"]


@pytest.fixture
def officer_client(client, officer):
    """The municipal officer of La Ceiba, with the English interface."""
    client.force_login(officer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def last_job():
    from crecer.imports.models import ImportJob

    return ImportJob.objects.order_by("-created_at").first()


def problems(job) -> set[tuple[int, str]]:
    return {(p["row"], p["column"]) for p in job.report["problems"] if p["level"] == "error"}


def messages_at(job, row: int, column: str) -> list[str]:
    return [p["message"] for p in job.report["problems"]
            if p["row"] == row and p["column"] == column]
