"""`crecer synth`: 10,000 persons written by the bulk writer (executemany on SQLite, COPY on
PostgreSQL), then read back through Django: counts, values, search, ground truth, the workforce
and finance of the synthetic country (and the indicators computed from them), determinism.

The data set is made once for the module inside a transaction that is rolled back at the end;
each test runs in a savepoint of it (so the tests that load again undo their load).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import uuid
from collections import Counter

import pytest
from django.db import connection, transaction
from django.db.models import Count, F, JSONField
from rapidfuzz.distance import Levenshtein

from crecer.accounts.models import Role, User
from crecer.coresponsibility.models import ComplianceCheck
from crecer.deliveries.models import Delivery, StockMovement
from crecer.demo.noise import strip_accents
from crecer.demo.population import age_band
from crecer.fieldwork.models import Contact
from crecer.programmes.models import Enrolment
from crecer.referrals.models import Referral, ReferralEvent, Status
from crecer.registry.identifiers import search_name
from crecer.registry.models import Household, Person, PersonRole, Relationship, RoleKind
from crecer.registry.queries import search_persons
from crecer.synth import SynthRefused, generate
from crecer.synth.world import ROOT_CODE
from crecer.synth.writer import TABLES
from crecer.territory.models import Kind, OrgUnit, PopulationEstimate

PERSONS = 10_000
SEED = 7
REF = dt.date(2026, 3, 15)


@pytest.fixture(scope="module")
def synth(django_db_setup, django_db_blocker, tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth")
    lines: list[str] = []
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            report = generate(persons=PERSONS, seed=SEED, reference_date=REF, data_dir=folder,
                              progress=lines.append, workers=1)
            yield report, lines, folder
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _checksum() -> str:
    h = hashlib.sha256()
    for row in Person.objects.order_by("id").values_list(
            "id", "given_names", "first_surname", "second_surname", "birth_date", "search_name"):
        h.update(repr(row).encode())
    return h.hexdigest()


def _world_checksum() -> str:
    """Over the per-territory tables: workers, sessions, attendance, completions, budgets and
    expenditures (their UUIDs included; territories and users by code and username, as a new
    load gives them new integer ids)."""
    from crecer.finance.models import Budget, Expenditure
    from crecer.workforce.models import Attendance, Completion, TrainingSession, Worker

    h = hashlib.sha256()
    for qs in (Worker.objects.values_list("id", "user__username", "given_names", "surnames",
                                          "kind", "territory__code", "start_date", "leave_date",
                                          "leave_reason", "certification_level", "career_stage"),
               TrainingSession.objects.values_list("id", "trainer_id", "module__code",
                                                   "territory__code", "date", "mode",
                                                   "trainer_is_local_staff"),
               Attendance.objects.values_list("id", "session_id", "worker_id", "attended",
                                              "score"),
               Completion.objects.values_list("id", "worker_id", "curriculum__code",
                                              "completed_on", "certified", "certified_on",
                                              "certified_by__username"),
               Budget.objects.values_list("id", "unit__code", "year", "category", "source__code",
                                          "amount", "in_kind", "is_ecd_line"),
               Expenditure.objects.values_list("id", "unit__code", "date", "category",
                                               "source__code", "amount")):
        for row in qs.order_by("id"):
            h.update(repr(row).encode())
    return h.hexdigest()


def test_counts_per_table_are_the_reported_ones(synth, db):
    report, lines, _folder = synth
    actual = {name: model.objects.count() for name, model in TABLES.items()}
    actual["users"] = User.objects.filter(username__startswith="synth-").count()
    actual["user_territories"] = User.territories.through.objects.filter(
        user__username__startswith="synth-").count()
    assert actual == report.counts
    assert report.counts["persons"] == PERSONS
    assert report.planted_duplicates == round(PERSONS * 0.02)
    assert report.counts["contacts"] > 8 * report.counts["households"]
    assert report.units == {"regions": 25, "provinces": OrgUnit.objects.filter(depth=2).count(),
                            "municipalities": 300,
                            "communities": OrgUnit.objects.filter(depth=4, kind=Kind.AREA).count(),
                            "service_points": 2100}
    assert 5500 <= report.units["communities"] + report.units["service_points"] <= 6500
    # Progress lines per chunk (rows and rate), then the report with time, rate and memory.
    assert any(line.startswith("chunk 1/1: persons 10,000") and "rows/s" in line
               for line in lines)
    assert report.seconds > 0 and report.rows_per_second > 0 and report.peak_memory_mb > 0
    assert not any("not generated" in n for n in report.notes)
    # The workforce and finance are per territory: about the same at every size.
    assert report.counts["workers"] > report.counts["users"]
    assert report.counts["attendances"] > 3 * report.counts["training_sessions"] / 2
    assert report.counts["completions"] > 0
    assert report.counts["budgets"] >= 300 * 3 * 15
    assert report.counts["expenditures"] > 300 * 2 * 12 * 5
    text = "\n".join(report.lines())
    assert "persons" in text and "rows/s" in text and "peak memory" in text


def test_foreign_keys_hold_and_django_reads_every_row_back(synth, db):
    connection.check_constraints(table_names=[m._meta.db_table for m in TABLES.values()])
    root = OrgUnit.objects.get(code=ROOT_CODE)
    persons = Person.objects.filter(territory__path__startswith=root.path)
    assert persons.count() == PERSONS
    p = persons.exclude(birth_date=None).select_related("household__territory").first()
    assert isinstance(p.birth_date, dt.date) and isinstance(p.id, uuid.UUID)
    assert p.household.territory_id == p.territory_id and p.territory.kind == Kind.AREA
    assert p.search_name == search_name(p.given_names, p.first_surname, p.second_surname)
    # Every search_name is the registry's own normalisation of the stored names.
    for q in persons.order_by("pk")[:300]:
        assert q.search_name == search_name(q.given_names, q.first_surname, q.second_surname)
    since = dt.datetime.combine(REF - dt.timedelta(days=3 * 365 + 1), dt.time(),
                                tzinfo=dt.UTC)
    until = dt.datetime.combine(REF, dt.time(), tzinfo=dt.UTC) + dt.timedelta(hours=12)
    contacts = Contact.objects.all()
    assert contacts.filter(occurred_at__lt=since).count() == 0
    assert contacts.filter(occurred_at__gte=until).count() == 0
    assert {c for c, in contacts.values_list("kind").distinct()} >= {
        "home_visit", "call", "text", "group_session"}
    visit = contacts.filter(kind="home_visit").exclude(persons_present=[]).first()
    members = {str(m) for m in Person.objects.filter(household_id=visit.household_id)
               .values_list("id", flat=True)}
    assert visit.persons_present and set(visit.persons_present) <= members
    assert visit.occurred_at.tzinfo is not None and visit.created_at >= visit.occurred_at
    # Every model loads through the ORM (dates, datetimes, JSON, decimals, UUIDs parse).
    for model in (Household, PersonRole, Relationship, Enrolment, StockMovement, Delivery,
                  Referral, ReferralEvent, ComplianceCheck, PopulationEstimate):
        assert len(list(model.objects.all()[:50])) == 50


def _stored(model, fields, pk) -> tuple:
    """The row as stored: SQLite's own literal of each value (so 1 and '1' differ); on
    PostgreSQL, the values psycopg reads."""
    qn = connection.ops.quote_name
    cols = [f"quote({qn(f.column)})" if connection.vendor == "sqlite" else qn(f.column)
            for f in fields]
    with connection.cursor() as cur:
        cur.execute(f"SELECT {', '.join(cols)} FROM {qn(model._meta.db_table)} "
                    f"WHERE {qn(model._meta.pk.column)} = %s",
                    [model._meta.pk.get_db_prep_value(pk, connection)])
        return cur.fetchone()


def _as_django_writes(model, fields, values: list) -> tuple:
    """What Django's prepared values become once stored in columns of the same types: on
    SQLite, inserted into a scratch copy of the table (same column affinities)."""
    if connection.vendor != "sqlite":
        return tuple(getattr(v, "obj", v) for v in values)  # psycopg's Jsonb wrapper
    qn = connection.ops.quote_name
    cols = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE synth_expected AS SELECT {cols} FROM "
                    f"{qn(model._meta.db_table)} WHERE 0")
        cur.execute(f"INSERT INTO synth_expected VALUES ({', '.join(['%s'] * len(fields))})",
                    values)
        cur.execute(f"SELECT {', '.join(f'quote({qn(f.column)})' for f in fields)} "
                    "FROM synth_expected")
        row = cur.fetchone()
        cur.execute("DROP TABLE synth_expected")
    return row


def test_column_values_are_what_django_writes(synth, db):
    """For sampled rows of every table, the stored values equal what Django itself writes for
    the object it reads back (`get_db_prep_save` of every field)."""
    for model in TABLES.values():
        fields = model._meta.concrete_fields
        for obj in model.objects.order_by("pk")[:20]:
            prepared = [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
            stored = _stored(model, fields, obj.pk)
            expected = _as_django_writes(model, fields, prepared)
            for f, got, want in zip(fields, stored, expected, strict=True):
                if connection.vendor != "sqlite" and isinstance(f, JSONField):
                    got = json.loads(got)  # Django reads jsonb as text, then parses it
                assert got == want, (model._meta.db_table, f.column, got, want)


def test_roles_households_volunteers_and_referral_states(synth, db):
    roles = set(PersonRole.objects.values_list("role", flat=True).distinct())
    assert {RoleKind.CAREGIVER, RoleKind.CHILD, RoleKind.PREGNANT} <= roles
    assert not PersonRole.objects.filter(role=RoleKind.PREGNANT,
                                         expected_delivery_date=None).exists()
    assert set(Household.objects.values_list("area", flat=True).distinct()) == {"rural", "urban"}
    assert set(Referral.objects.values_list("status", flat=True).distinct()) == set(Status.values)
    assert not Referral.objects.filter(status=Status.ATTENDED, attended_at=None).exists()
    # One volunteer per ~25 households, each working in the community of her households.
    volunteers = User.objects.filter(role=Role.VOLUNTEER, username__startswith="synth-")
    assert volunteers.count() >= OrgUnit.objects.filter(depth=4, kind=Kind.AREA).count()
    assert not Enrolment.objects.filter(end__lt=F("start")).exists()
    assert Enrolment.objects.filter(status="exited").exclude(exit_reason="").exists()
    for e in Enrolment.objects.select_related("household", "volunteer").order_by("pk")[:50]:
        assert e.volunteer.role == Role.VOLUNTEER
        assert e.volunteer.territories.filter(pk=e.household.territory_id).exists()
    # Compliance checks point at evidence that exists, or say why not.
    for c in ComplianceCheck.objects.filter(source="volunteer").order_by("pk")[:50]:
        if c.compliant:
            assert Contact.objects.filter(pk=c.evidence_ref, household_id=c.household_id).exists()
        else:
            assert c.reason and not c.evidence_ref
    # Deliveries are paid from the municipality's stock, with their movement.
    d = Delivery.objects.select_related("movement", "household__territory").first()
    assert d.movement.quantity == -d.quantity
    assert d.household.territory.parent_id == d.municipality_id


def test_population_estimates_cover_the_registered_persons(synth, db):
    comm = (Person.objects.values("territory_id").order_by().annotate(n=Count("id"))
            .order_by("-n").first())
    unit = comm["territory_id"]
    registered: dict[tuple[str, str], int] = {}
    for sex, birth in Person.objects.filter(territory_id=unit).values_list("sex", "birth_date"):
        key = (sex, age_band(birth, REF))
        registered[key] = registered.get(key, 0) + 1
    estimates = {(e.sex, e.age_band): e.value
                 for e in PopulationEstimate.objects.filter(unit_id=unit, year=REF.year)}
    assert len(estimates) == 20
    assert all(estimates[k] > n for k, n in registered.items())
    assert PopulationEstimate.objects.filter(unit_id=unit).values("year").distinct().count() == 3


def test_search_finds_synthetic_persons_through_the_registry_queries(synth, db):
    manager = User.objects.get(username="synth-nacional")
    person = Person.objects.exclude(id_number="").order_by("id").first()
    text = f"{person.given_names} {person.first_surname}"
    assert person in list(search_persons(manager, text, limit=500))
    assert person in list(search_persons(manager, person.id_number))
    # Accents and case do not matter.
    plain = search_name(person.given_names, person.first_surname, "").upper()
    assert person in list(search_persons(manager, plain, limit=500))
    volunteer = User.objects.filter(role=Role.VOLUNTEER, username__startswith="synth-") \
        .exclude(caseload=None).first()
    seen = search_persons(volunteer, "", limit=1000)
    assert seen and all(p.territory in volunteer.territories.all() for p in seen)


def test_planted_duplicates_csv_lists_real_pairs(synth, db):
    report, _lines, folder = synth
    assert report.ground_truth == folder / "synth-duplicates.csv"
    with report.ground_truth.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == report.planted_duplicates
    ids = {uuid.UUID(r[k]) for r in rows for k in ("original_id", "duplicate_id")}
    found = {p.pk: p for p in Person.objects.filter(pk__in=ids).select_related("territory")}
    assert len(found) == len(ids)
    assert {r["role"] for r in rows} == {"child", "caregiver", "other"}
    for r in rows:
        a, b = found[uuid.UUID(r["original_id"])], found[uuid.UUID(r["duplicate_id"])]
        assert a.pk != b.pk and a.sex == b.sex and r["noise"]
        assert a.territory.parent_id == b.territory.parent_id  # same municipality
        if r["placement"] == "same_household":
            assert a.household_id == b.household_id
        # The copy differs from the original by exactly the noise the truth file names.
        noise = set(r["noise"].split("+"))
        fold = strip_accents if "no_accents" in noise else str
        assert Levenshtein.distance(fold(a.given_names), fold(b.given_names)) \
            <= (1 if "typo" in noise else 0), r
        first, second = fold(a.first_surname), fold(a.second_surname)
        if "swapped_surnames" in noise:
            first, second = second, first
        if "no_second_surname" in noise:
            second = ""
        assert (fold(b.first_surname), fold(b.second_surname)) == (first, second), r
        born = a.birth_date.replace(month=a.birth_date.day, day=a.birth_date.month) \
            if "swapped_day_month" in noise else a.birth_date
        assert b.birth_date == born, r
        if "same_id" in r["noise"]:
            assert a.id_number and a.id_number == b.id_number
        if "no_id" in r["noise"]:
            assert not b.id_number


def test_a_chunk_made_again_alone_gives_the_rows_in_the_database(synth, db):
    """Chunks are independent: chunk 0 made again from the world read back from the database
    (in this process, with twice as many volunteers per community) gives the same persons and
    contacts, id for id."""
    from django.conf import settings

    from crecer.synth.chunks import make_chunk
    from crecer.synth.values import Clock
    from crecer.synth.world import from_database

    world = from_database(SEED, REF)
    for comm in world.communities:
        comm.volunteers = comm.volunteers * 2
    rows: dict[str, list[tuple]] = {}
    make_chunk(world, Clock(settings.TIME_ZONE, ""), 0, PERSONS, chunk_size=50_000,
               duplicate_share=0.02, emit=lambda t, batch: rows.setdefault(t, []).extend(batch))
    made = {(r[0], r[5], r[6], r[7], r[9]) for r in rows["persons"]}
    stored = {(p.hex, g, f, s, b.isoformat() if b else None) for p, g, f, s, b in
              Person.objects.values_list("id", "given_names", "first_surname", "second_surname",
                                         "birth_date")}
    assert made == stored
    assert {(r[0], r[3], r[4]) for r in rows["contacts"]} == {
        (c.hex, h.hex, k) for c, h, k in Contact.objects.values_list("id", "household_id", "kind")}


def test_workforce_accounts_turnover_cascade_and_completions(synth, db):
    from crecer.workforce.actions import derive_completions
    from crecer.workforce.models import (
        CERTIFICATION_ORDER,
        TRAINER_KINDS,
        Attendance,
        Completion,
        TrainingSession,
        Worker,
        WorkerKind,
    )
    from crecer.workforce.queries import turnover

    first = REF - dt.timedelta(days=3 * 365)
    # Every synth volunteer and facilitator is a worker (one row, active through the window),
    # with the account's names.
    accounts = User.objects.filter(username__startswith="synth-",
                                   role__in=[Role.VOLUNTEER, Role.FACILITATOR])
    workers = {w.user_id: w for w in Worker.objects.filter(user__isnull=False)
               .select_related("user")}
    assert set(workers) == set(accounts.values_list("id", flat=True))
    for w in workers.values():
        assert w.kind == w.user.role and w.leave_date is None and w.start_date <= first
        assert (w.given_names, w.surnames) == (w.user.first_name, w.user.last_name)
        assert w.user.territories.filter(pk=w.territory_id).exists()
    munis = OrgUnit.objects.filter(depth=3, path__startswith=OrgUnit.objects.get(
        code=ROOT_CODE).path)
    assert Worker.objects.filter(kind=WorkerKind.MUNICIPAL_STAFF, leave_date=None) \
        .values("territory").distinct().count() == munis.count()
    # About 15 % of the volunteers leave each year, each with a reason, after starting.
    leavers = Worker.objects.exclude(leave_date=None)
    assert not leavers.filter(leave_date__lt=F("start_date")).exists()
    assert not leavers.filter(leave_reason="").exists()
    assert not Worker.objects.filter(leave_date=None).exclude(leave_reason="").exists()
    volunteers = Worker.objects.filter(kind=WorkerKind.VOLUNTEER)
    for year in (2024, 2025):
        rate = turnover(volunteers, dt.date(year, 1, 1), dt.date(year, 12, 31)).turnover
        assert 0.08 < rate < 0.25, (year, rate)
    assert volunteers.filter(start_date__gt=first).count() > 0.1 * len(workers)
    # The cascade: trainers are not volunteers and are working on the day; the attendees are
    # workers of the session's municipality, working on the day, each once per session.
    sessions = TrainingSession.objects.select_related("trainer", "territory", "module")
    assert not sessions.exclude(trainer__kind__in=TRAINER_KINDS).exists()
    assert not sessions.filter(date__lt=F("trainer__start_date")).exists()
    assert not sessions.filter(trainer__leave_date__lte=F("date")).exists()
    assert sessions.filter(trainer_is_local_staff=False).exists()
    assert sessions.filter(trainer__kind=WorkerKind.FACILITATOR, module__for_kind="volunteer")\
        .exists()
    for a in Attendance.objects.select_related("session__territory", "worker__territory")\
            .order_by("pk")[:300]:
        muni_path = "/".join(a.session.territory.path.split("/")[:5]) + "/"
        assert a.worker.territory.path.startswith(muni_path), (a.session.territory, a.worker)
        assert a.worker.start_date <= a.session.date
        assert a.worker.leave_date is None or a.worker.leave_date > a.session.date
        assert a.attended or a.score is None
    assert Attendance.objects.filter(attended=False).exists()
    # Completions are exactly what the workforce app derives from the attendance.
    assert derive_completions() == []
    completions = Completion.objects.select_related("worker", "curriculum")
    assert completions.filter(certified=True).exists() and completions.filter(
        certified=False).exists()
    for c in completions.order_by("pk")[:200]:
        last = Attendance.objects.filter(worker=c.worker, attended=True,
                                         session__module__curriculum=c.curriculum)\
            .order_by("-session__date").values_list("session__date", flat=True).first()
        assert last == c.completed_on
        if c.certified:
            assert c.certified_by_id and c.completed_on <= c.certified_on < REF
            assert CERTIFICATION_ORDER[c.worker.certification_level] \
                >= CERTIFICATION_ORDER[c.curriculum.grants_level]
        else:
            assert c.certified_on is None and c.certified_by_id is None


def test_finance_budgets_expenditures_and_government_share(synth, db):
    from django.db.models import Sum

    from crecer.finance.models import Budget, Expenditure

    root = OrgUnit.objects.get(code=ROOT_CODE)
    munis = set(OrgUnit.objects.filter(depth=3, path__startswith=root.path)
                .values_list("pk", flat=True))
    years = [REF.year - 2, REF.year - 1, REF.year]
    per = Counter(Budget.objects.values_list("unit_id", "year"))
    assert {u for u, _y in per} == munis and {y for _u, y in per} == set(years)
    assert min(per.values()) >= 15
    # Expenditure every month of the three years up to the reference date, none after it.
    months = {(d.year, d.month) for d in Expenditure.objects.dates("date", "month")}
    assert months == {(y, m) for y in years for m in range(1, 13)
                      if dt.date(y, m, 1) <= REF}
    assert not Expenditure.objects.filter(date__gt=REF).exists()
    # In-kind lines carry their valuation; early-childhood lines are municipal money.
    assert not Budget.objects.filter(in_kind=True, valuation_note="").exists()
    lines = Budget.objects.filter(is_ecd_line=True)
    assert lines.exists() and not lines.exclude(source__code="municipalidad").exists()
    share = []
    for year in years[:2]:
        spent = Expenditure.objects.filter(date__year=year)
        gov = spent.filter(source__is_government=True).aggregate(s=Sum("amount"))["s"]
        share.append(float(gov / spent.aggregate(s=Sum("amount"))["s"]))
    assert 0.40 < share[0] < share[1] < 0.75, share


def test_a_full_indicator_refresh_gives_workforce_and_finance_values(synth, db, settings):
    """The engine reads the synthetic workforce and finance: the catalogue's turnover, teams
    trained, government share and cost per beneficiary have values for the country."""
    from crecer.indicators import engine, queries
    from crecer.indicators.catalogue import CATALOGUE_DIR, FIELDS, read_catalogue
    from crecer.indicators.models import Indicator

    today = dt.date.today()  # the engine keeps the months up to today: from January last year
    settings.CRECER_INDICATOR_MONTHS = (today.year - REF.year + 1) * 12 + today.month
    wanted = {"wf-volunteer-turnover", "hn-municipal-teams-trained",
              "hn-government-cost-share", "hn-cost-per-beneficiary"}
    for file in ("workforce.toml", "honduras_gates.toml"):
        for d in read_catalogue(CATALOGUE_DIR / file):
            if d["code"] in wanted:
                Indicator.objects.create(code=d["code"], origin="catalogue",
                                         **{k: d[k] for k in FIELDS if k != "code"})
    assert Indicator.objects.count() == len(wanted)
    engine.refresh(full=True)
    root = OrgUnit.objects.get(code=ROOT_CODE)
    year = str(REF.year - 1)
    got = {v.indicator: v.value for v in queries.values(unit_ids=[root.pk], periods=[year])
           if not v.dim}
    assert set(got) == wanted and all(v is not None for v in got.values()), got
    assert 5 < got["wf-volunteer-turnover"] < 30
    assert 20 < got["hn-municipal-teams-trained"] <= 100
    assert 45 < got["hn-government-cost-share"] < 75
    assert 300 < got["hn-cost-per-beneficiary"] < 900


def test_same_seed_same_data_and_replace(synth, db, tmp_path):
    report, _lines, _folder = synth
    before, world_before = _checksum(), _world_checksum()
    with pytest.raises(SynthRefused):
        generate(persons=PERSONS, seed=SEED, reference_date=REF, data_dir=tmp_path, progress=None)
    # Again, generated in this process instead of a generator process: the very same rows.
    again = generate(persons=PERSONS, seed=SEED, reference_date=REF, data_dir=tmp_path,
                     progress=None, replace=True, workers=0)
    assert again.digest == report.digest and _checksum() == before
    assert _world_checksum() == world_before
    assert again.counts == report.counts
    assert again.deleted["registry_person"] == PERSONS
    # --replace removed the workforce and finance rows too (then wrote them again).
    for table, name in (("workforce_worker", "workers"), ("workforce_attendance", "attendances"),
                        ("workforce_trainingsession", "training_sessions"),
                        ("workforce_completion", "completions"), ("finance_budget", "budgets"),
                        ("finance_expenditure", "expenditures")):
        assert again.deleted[table] == report.counts[name], table
    other = generate(persons=1_000, seed=SEED + 1, reference_date=REF, data_dir=tmp_path,
                     progress=None, replace=True, workers=0)
    assert other.digest != report.digest
    assert Person.objects.count() == 1_000 and OrgUnit.objects.filter(code=ROOT_CODE).count() == 1
    assert User.objects.filter(username__startswith="synth-", is_active=True).count() \
        == other.counts["users"]


def test_refuses_bad_sizes(db):
    with pytest.raises(ValueError):
        generate(persons=10, progress=None)


def test_command_refuses_a_non_empty_registry_with_a_clear_message(family, capsys):
    from django.utils import translation

    from crecer.synth.command import main

    before = Person.objects.count()
    with translation.override("en"):
        assert main(["--persons", "1000"]) == 2
    err = capsys.readouterr().err
    assert "not empty" in err and "--replace" in err
    assert Person.objects.count() == before
