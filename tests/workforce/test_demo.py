"""The demo workforce on a small demo: plausible, complete and deterministic."""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import pytest

from crecer.accounts.models import Role, User
from crecer.territory.models import OrgUnit
from crecer.workforce import queries
from crecer.workforce.models import (
    Attendance,
    Completion,
    TrainingSession,
    Worker,
    WorkerKind,
)

PASSWORD = "demo-pass-123"
TODAY = dt.date(2026, 5, 20)


@pytest.fixture
def small_demo(db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    from crecer.demo.fieldwork import seed_fieldwork
    from crecer.demo.generator import generate

    generate(password=PASSWORD, households=200, duplicates=5)
    seed_fieldwork(password=PASSWORD)


def _digest() -> str:
    rows = sorted(Worker.objects.values_list("given_names", "surnames", "kind", "start_date",
                                             "leave_date", "certification_level"))
    rows += sorted(TrainingSession.objects.values_list("module__code", "date", "trainer__surnames",
                                                       "trainer_is_local_staff"))
    rows += sorted(Completion.objects.values_list("worker__surnames", "completed_on", "certified"))
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_demo_workforce(small_demo):
    from crecer.demo.workforce import seed_workforce

    started = time.monotonic()
    made = seed_workforce(today=TODAY)
    assert time.monotonic() - started < 30  # generous for CI
    assert made["workers"] == Worker.objects.count() > 0
    assert made["sessions"] == TrainingSession.objects.count() > 0
    assert made["attendances"] == Attendance.objects.count()
    assert made["completions"] == Completion.objects.count() > 0
    assert 0 < made["certified"] == Completion.objects.filter(certified=True).count()
    # every volunteer and facilitator account has its worker
    accounts = User.objects.filter(role__in=[Role.VOLUNTEER, Role.FACILITATOR])
    assert set(Worker.objects.filter(user__isnull=False).values_list("user_id", flat=True)) \
        == set(accounts.values_list("pk", flat=True))
    admin = User.objects.get(username="admin")
    country = OrgUnit.objects.get(code="HN")
    # turnover of volunteers between 10 and 25 % in each complete year
    rows = queries.turnover_table(admin, country, [2024, 2025], WorkerKind.VOLUNTEER,
                                  today=TODAY)
    for period in rows[-1].periods:
        assert 0.10 <= period.turnover <= 0.25, period
        assert 0.6 <= period.retention <= 0.95, period
    # municipal teams: some trained in the whole curriculum, not all
    teams = queries.municipal_teams(admin, country, on=TODAY)
    assert teams.teams == len(teams.rows) > 0
    assert 0 < teams.teams_trained < teams.teams
    # the Honduras gate: some workshops are still given by the project team
    share = queries.local_staff_share(TrainingSession.objects.all())
    assert 0.6 < share < 1
    # the cascade reaches the families of the demo volunteers
    cascade = queries.cascade(admin)
    assert cascade and sum(r.families for r in cascade) > 0
    assert Worker.objects.exclude(certification_level="none").exists()
    # a second run adds nothing; a run on the same data gives the same rows
    assert seed_workforce(today=TODAY)["workers"] == 0
    first = _digest()
    Completion.objects.all().delete()
    TrainingSession.objects.all().delete()
    Worker.objects.all().delete()
    seed_workforce(today=TODAY)
    assert _digest() == first
