"""The user story: an officer imports her Excel list of 800 families (3000 rows)."""

from __future__ import annotations

import datetime as dt
import io
import time

from crecer.core.models import AuditEvent
from crecer.imports.models import ImportStatus
from crecer.registry.models import Household, Person, PersonRole, Relationship

from .conftest import edd, last_job, upload

GIVEN_F = ["María", "Ana", "Rosa", "Carmen", "Lucía", "Elena", "Sofía", "Julia", "Marta",
           "Paula", "Andrea", "Laura", "Sara", "Irene", "Clara", "Alba", "Noelia", "Gloria",
           "Teresa", "Olga"]
GIVEN_CHILD = ["Mateo", "Valentina", "Santiago", "Camila", "Diego"]
SURNAMES = ["García", "Martínez", "López", "Hernández", "González", "Pérez", "Rodríguez",
            "Sánchez", "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vásquez", "Reyes",
            "Jiménez", "Torres", "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz",
            "Castillo", "Romero", "Herrera", "Medina", "Castro", "Vargas", "Chávez", "Ramos",
            "Guerrero", "Rojas", "Molina", "Álvarez", "Núñez", "Mejía", "Zelaya", "Banegas",
            "Paz"]
HEADERS = ["Hogar", "Comunidad", "Dirección", "Zona", "Nombres", "Primer apellido",
           "Segundo apellido", "Sexo", "Fecha de nacimiento", "Tipo documento",
           "Número documento", "Teléfono", "Rol", "FPP"]


def families(n: int = 800) -> list[list]:
    """`n` households of 3, 4 or 5 persons (3.75 on average): a caregiver (every fifth one
    pregnant), her partner or mother, and children. Deterministic."""
    rows = []
    due = edd(100)
    for i in range(n):
        ref = f"LC-{i:04d}"
        community = "HN-0101-001" if i % 2 else "HN-0101-002"
        first, second = SURNAMES[i % 40], SURNAMES[(i // 40) % 40]
        born = dt.date(1975, 1, 1) + dt.timedelta(days=i * 11)
        rows.append([ref, community, f"Barrio {i % 17}, casa {i}", "rural" if i % 3 else "urbana",
                     GIVEN_F[i % 20], first, second, "F", born, "DNI",
                     f"0101{born.year}{i:05d}", f"9{i:07d}",
                     "cuidadora; gestante" if i % 5 == 0 else "cuidadora",
                     due if i % 5 == 0 else None])
        rows.append([ref, None, None, None, "Abuela", second, first, "F",
                     dt.date(1950, 1, 1) + dt.timedelta(days=i * 7), None, None, None, "otro",
                     None])
        for j in range(1 + (i % 4 == 0) * 2 + (i % 4 == 1)):
            rows.append([ref, None, None, None, GIVEN_CHILD[j], SURNAMES[(i + 7) % 40], first,
                         "M" if j % 2 == 0 else "F",
                         dt.date(2019, 1, 1) + dt.timedelta(days=i * 3 + j),
                         None, None, None, "niño", None])
    return rows


def workbook(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _counts():
    return (Household.objects.count(), Person.objects.count(), PersonRole.objects.count(),
            Relationship.objects.count(), AuditEvent.objects.count())


def test_800_families_all_or_nothing(officer_client, family, tree, settings):
    settings.CRECER_IMPORT_INLINE_ROWS = 0  # through the task queue, as in production
    rows = families()
    assert len(rows) == 3000
    before = _counts()

    # One impossible date on the last row: the whole file is refused.
    bad = [list(r) for r in rows]
    bad[-1][8] = "30/02/2020"
    upload(officer_client, "padron_malo.xlsx", workbook(bad))
    job = last_job()
    assert job.status == ImportStatus.VALIDATED
    assert [(p["row"], p["column"]) for p in job.report["problems"]
            if p["level"] == "error"] == [(3001, "Fecha de nacimiento")]
    assert officer_client.post(f"/imports/{job.pk}/commit/").status_code == 400
    assert _counts() == before

    started = time.perf_counter()
    upload(officer_client, "padron.xlsx", workbook(rows))
    job = last_job()
    checked = time.perf_counter()
    assert job.status == ImportStatus.VALIDATED, job.message
    assert job.report["counts"]["errors"] == 0, job.report["problems"][:5]
    assert job.report["counts"]["households"] == 800
    assert job.progress_done == job.progress_total == 6000
    officer_client.post(f"/imports/{job.pk}/commit/")
    job.refresh_from_db()
    finished = time.perf_counter()
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created_households, job.created_persons) == (800, 3000)
    h, p, r, rel, a = (x - y for x, y in zip(_counts(), before, strict=True))
    assert (h, p) == (800, 3000)
    assert r == 3000 + 160  # one role each, plus the pregnant caregivers
    assert rel == 3000 - 1600  # every child is related to her caregiver
    assert a == 3800
    print(f"\n800 families: check {checked - started:.1f} s, "
          f"import {finished - checked:.1f} s")
    assert finished - started < 60  # a few seconds on a laptop; generous for slow CI
