#!/usr/bin/env python
"""Steps of the benchmark suite that run inside Django, each in its own process so that its
peak memory is its own: `python benchmarks/steps.py STEP [N]`. Each prints one JSON line last.

    prepare            a password for the national user, ANALYZE; units, volunteers to sync as
    reference          the same indicators computed straight in SQL (one grouped query per
                       figure) against the engine's values for every municipality
    add-contacts N     N new contacts (bulk insert) for the incremental refresh
    entry-search N     entry-time duplicate search for N planted copies and N other persons
    batch-dedup        the registry-wide Splink job (what `crecer find_duplicates` runs)
    splink-reference   Splink run directly with its standard comparison library
Precision, recall and F1 are measured against the ground truth `crecer synth` wrote
(DATA_DIR/synth-duplicates.csv).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import os
import random
import sys
import time
import uuid
from pathlib import Path

PASSWORD = "crecer-bench"
NATIONAL = "synth-nacional"
SEED = 2026


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crecer.config.settings")
    import django

    django.setup()


def prepare() -> dict:
    from django.db import connection
    from django.db.models import Count

    from crecer.accounts.models import User
    from crecer.programmes.models import Enrolment
    from crecer.territory.models import OrgUnit

    user = User.objects.get(username=NATIONAL)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    root = OrgUnit.objects.get(parent=None, code="XS")
    munis = list(OrgUnit.objects.filter(path__startswith=root.path, depth=3)
                 .order_by("code").values_list("pk", "code")[:5])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            db_bytes = cursor.fetchone()[0]
    else:
        db_bytes = os.path.getsize(connection.settings_dict["NAME"])
    # The four volunteers with the largest caseloads sync contacts with their households.
    active = Enrolment.objects.filter(status="active", volunteer__isnull=False).order_by()
    top = (active.values("volunteer__username").annotate(n=Count("id")).order_by("-n")[:4])
    volunteers = []
    for row in top:
        name = row["volunteer__username"]
        hh = active.filter(volunteer__username=name).values_list("household_id", flat=True)
        volunteers.append({"username": name, "households": [str(h) for h in hh[:200]]})
    return {"units": [root.pk] + [pk for pk, _c in munis],
            "codes": [root.code] + [c for _pk, c in munis], "volunteers": volunteers,
            "db_bytes": db_bytes}


def _year() -> int:
    """The last complete year: every figure of it is final."""
    return dt.date.today().year - 1


REFERENCE = {
    # indicator code: (numerator SQL, denominator SQL), grouped by municipality (`t.muni`).
    "cm-families-accompanied": (
        """SELECT t.muni, COUNT(DISTINCT c.household_id) FROM fieldwork_contact c
           JOIN registry_household h ON h.id = c.household_id
           JOIN ({munis}) t ON t.id = h.territory_id
           WHERE c.occurred_at >= %s AND c.occurred_at < %s
             AND (c.kind = 'home_visit' OR (c.kind IN ('call', 'text')
                                             AND c.remote_outcome = 'reached'))
           GROUP BY 1""",
        """SELECT t.muni, COUNT(DISTINCT e.household_id) FROM programmes_enrolment e
           JOIN registry_household h ON h.id = e.household_id
           JOIN ({munis}) t ON t.id = h.territory_id
           WHERE e.start <= %s AND (e."end" IS NULL OR e."end" >= %s)
           GROUP BY 1"""),
    "juntos-vaccine-compliance": (
        """SELECT t.muni, SUM(CASE WHEN k.compliant THEN 1 ELSE 0 END)
           FROM coresponsibility_compliancecheck k
           JOIN registry_household h ON h.id = k.household_id
           JOIN ({munis}) t ON t.id = h.territory_id
           WHERE k.period >= %s AND k.period < %s
             AND k.condition IN ('VAC-PCV', 'VAC-ROTA') GROUP BY 1""",
        """SELECT t.muni, COUNT(*) FROM coresponsibility_compliancecheck k
           JOIN registry_household h ON h.id = k.household_id
           JOIN ({munis}) t ON t.id = h.territory_id
           WHERE k.period >= %s AND k.period < %s
             AND k.condition IN ('VAC-PCV', 'VAC-ROTA') GROUP BY 1"""),
}


def reference() -> dict:
    """Every municipality's value of each REFERENCE indicator for the last complete year, by
    plain SQL on the operational database, timed, and compared with the engine's values."""
    from django.db import connection
    from django.utils import timezone

    from crecer.indicators import queries
    from crecer.territory.models import OrgUnit

    year = _year()
    first, after = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    last = after - dt.timedelta(days=1)
    months = [f"{year}-01", f"{year + 1}-01"]  # compliance periods are "YYYY-MM"
    # Contacts fall in the local day they happened on (the engine's `occurred_on`).
    since, until = (timezone.make_aware(dt.datetime(d.year, d.month, d.day))
                    for d in (first, after))
    munis = list(OrgUnit.objects.filter(depth=3).values_list("pk", flat=True))
    # Each territory's municipality, by the materialized path.
    prefix = ("SELECT u.id, m.id AS muni FROM territory_orgunit u JOIN territory_orgunit m "
              "ON m.depth = 3 AND u.path LIKE m.path || '%%'")
    expected: dict[tuple[str, int], float | None] = {}
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for code, (num_sql, den_sql) in REFERENCE.items():
            cursor.execute(num_sql.format(munis=prefix),
                           [since, until] if "occurred_at" in num_sql else months)
            num = dict(cursor.fetchall())
            if "e.start" in den_sql:
                cursor.execute(den_sql.format(munis=prefix), [last, first.replace(month=12)])
            else:
                cursor.execute(den_sql.format(munis=prefix), months)
            den = dict(cursor.fetchall())
            for pk in munis:
                n, d = num.get(pk) or 0, den.get(pk) or 0
                expected[(code, pk)] = 100.0 * float(n) / float(d) if d else None
    ref_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    got = {(v.indicator, v.unit_id): v.value
           for v in queries.values(indicators=list(REFERENCE), unit_ids=munis,
                                   periods=[str(year)])}
    engine_seconds = time.perf_counter() - t0
    diffs = [abs((got.get(k) or 0) - (v or 0)) for k, v in expected.items()]
    mismatched = sum(1 for d in diffs if d > 1e-6)
    return {"values": len(expected), "reference_s": ref_seconds, "engine_s": engine_seconds,
            "max_diff": max(diffs) if diffs else 0.0, "mismatched": mismatched,
            "year": year}


def add_contacts(n: int) -> dict:
    from django.utils import timezone

    from crecer.fieldwork.models import Contact
    from crecer.programmes.models import Enrolment

    pairs = list(Enrolment.objects.filter(volunteer__isnull=False)
                 .values_list("household_id", "volunteer_id")[:5000])
    rng = random.Random(7)
    now = timezone.now()
    t0 = time.perf_counter()
    Contact.objects.bulk_create(
        [Contact(household_id=h, volunteer_id=v, kind="home_visit",
                 occurred_at=now - dt.timedelta(days=rng.randrange(60)))
         for h, v in (rng.choice(pairs) for _ in range(n))], batch_size=5000)
    return {"contacts": n, "seconds": time.perf_counter() - t0}


def _truth() -> list[tuple[uuid.UUID, uuid.UUID]]:
    from django.conf import settings

    path = Path(settings.DATA_DIR) / "synth-duplicates.csv"
    with open(path, newline="") as f:
        return [(uuid.UUID(r["original_id"]), uuid.UUID(r["duplicate_id"]))
                for r in csv.DictReader(f)]


def entry_search(n: int) -> dict:
    from load import percentiles  # noqa: I001 - benchmarks/ is on sys.path

    from crecer.accounts.models import User
    from crecer.dedup import matching
    from crecer.registry.models import Person

    rng = random.Random(SEED)
    truth = _truth()
    copies = rng.sample(truth, min(n, len(truth)))
    planted = {pk for pair in truth for pk in pair}
    sample = list(Person.objects.order_by("?").values_list("pk", flat=True)[:n * 3])
    others = [pk for pk in sample if pk not in planted][:len(copies)]
    fields = ["given_names", "first_surname", "second_surname", "sex", "birth_date",
              "id_type", "id_number", "phone"]
    values = {r["pk"]: r for r in Person.objects.filter(
        pk__in=[c for _o, c in copies] + others).values("pk", *fields)}
    user = User.objects.get(username=NATIONAL)
    jobs = [(c, o) for o, c in copies] + [(pk, None) for pk in others]
    rng.shuffle(jobs)
    for pk, _o in jobs[:10]:  # warm-up
        matching.find_candidates(user, {f: values[pk][f] for f in fields}, exclude_ids=[pk])
    latencies, hits, alarms = [], 0, 0
    for pk, original in jobs:
        t0 = time.perf_counter()
        found = matching.find_candidates(user, {f: values[pk][f] for f in fields},
                                         exclude_ids=[pk])
        latencies.append((time.perf_counter() - t0) * 1000)
        if original is not None:
            hits += bool(found) and found[0].person.pk == original
        else:
            alarms += bool(found)
    return {"queries": len(jobs), "copies": len(copies), "hit_rate": hits / max(len(copies), 1),
            "false_alarm_rate": alarms / max(len(others), 1), **percentiles(latencies)}


def _scores(pairs: set[tuple[uuid.UUID, uuid.UUID]]) -> dict:
    """Precision, recall and F1 of predicted pairs against the planted ones (an original and
    its copies form a cluster: two copies of one original are a true pair too)."""
    truth = _truth()
    parent: dict = {}

    def root(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for a, b in truth:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[rb] = ra
    true_pos = sum(1 for a, b in pairs if root(a) == root(b))
    wanted = {tuple(sorted(p)) for p in truth}
    found = sum(1 for p in wanted if p in pairs)
    precision = true_pos / len(pairs) if pairs else 0.0
    recall = found / len(wanted) if wanted else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": len(pairs), "planted": len(wanted), "precision": precision,
            "recall": recall, "f1": f1}


def batch_dedup() -> dict:
    from crecer.dedup import batch

    result = batch.run()
    pairs = {(a, b) for a, b, _p in result.pairs}
    return {"seconds": result.seconds, "persons": result.persons, **_scores(pairs),
            "timings": result.timings}


def splink_reference() -> dict:
    """Splink with its standard comparison library and simple blocking, on the same records:
    what an off-the-shelf Splink run gives, without the registry's tuned model."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    from crecer.dedup import batch

    t0 = time.perf_counter()
    con = duckdb.connect(":memory:")
    n, _raw = batch._load(con, None)
    db_api = DuckDBAPI(connection=con)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[cl.NameComparison("given"), cl.NameComparison("first"),
                     cl.NameComparison("second"),
                     cl.DateOfBirthComparison("birth_date", input_is_string=False),
                     cl.ExactMatch("sex"), cl.ExactMatch("id_number"), cl.ExactMatch("phone")],
        blocking_rules_to_generate_predictions=[
            block_on("id_number"), block_on("birth_date"), block_on("first", "given")])
    linker = Linker(db_api.register("persons"), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("id_number")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=min(5e6, max(1e5, n * 50.0)),
                                                     seed=SEED)
    em = {"max_pairs": 5e6, "record_sample_proportion": 0.05} if n > 200_000 else {}
    for rule in (block_on("birth_date"), block_on("first", "given")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True, **em)
    predictions = linker.inference.predict(threshold_match_probability=batch.THRESHOLD)
    rows = con.execute(f"SELECT unique_id_l, unique_id_r FROM {predictions.physical_name}")
    pairs = set()
    for a, b in rows.fetchall():
        ua, ub = sorted((uuid.UUID(a), uuid.UUID(b)))
        pairs.add((ua, ub))
    con.close()
    return {"seconds": time.perf_counter() - t0, "persons": n, **_scores(pairs)}


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    _setup()
    logging.disable(logging.WARNING)
    step, arg = argv[0], int(argv[1]) if len(argv) > 1 else 0
    out = {"prepare": prepare, "reference": reference, "batch-dedup": batch_dedup,
           "splink-reference": splink_reference,
           "add-contacts": lambda: add_contacts(arg),
           "entry-search": lambda: entry_search(arg)}[step]()
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
