#!/usr/bin/env python
"""Duplicate detection on the demo data: entry-time search and the Splink batch job.

Loads the demo data set (with planted near-duplicates as ground truth) into a temporary
SQLite database, then measures

- the entry-time search (`matching.find_candidates`, as the national user "nacional") for
  `--queries` planted copies and as many other persons: latency p50/p95/p99, hit rate (the
  original ranked first for a planted copy), false-alarm rate (any candidate for the others);
- the registry-wide Splink batch (`batch.run`, what `crecer find_duplicates` calls): time,
  pairs found, precision, recall and F1 against the planted pairs;
- peak memory (ru_maxrss of the process after each step; with `--tracemalloc`, also the peak of
  Python allocations inside each step, which slows the steps down) and the data sizes.

    .venv/bin/python benchmarks/dedup.py [--households 20000] [--duplicates 2000]
                                         [--queries 300] [--seed 2026] [--tracemalloc]

With DATABASE_URL set, that database is used instead: it must be an EMPTY, THROW-AWAY database
(it is migrated and filled with the demo data, and nothing is removed afterwards).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from contextlib import contextmanager


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--duplicates", type=int, default=2_000, help="planted near-duplicates")
    parser.add_argument("--queries", type=int, default=300,
                        help="entry-time searches for planted copies (and as many for others)")
    parser.add_argument("--seed", type=int, default=2026, help="demo data and sampling seed")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also trace the peak of Python allocations in each step (slower)")
    parser.add_argument("--no-analyze", action="store_true",
                        help="skip ANALYZE after loading (to compare query plans)")
    parser.add_argument("--examples", type=int, default=5,
                        help="print up to this many false alarms / false pairs / misses")
    return parser.parse_args(argv)


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KB on Linux)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


class Steps:
    """Wall time, peak RSS after, and (optionally) the tracemalloc peak of each step."""

    def __init__(self, trace: bool):
        self.trace = trace
        self.rows: list[tuple[str, float, float, float | None]] = []

    @contextmanager
    def step(self, name: str):
        print(f"{name} ...", flush=True)
        if self.trace:
            tracemalloc.start()
        t0 = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - t0
            traced = None
            if self.trace:
                traced = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
            self.rows.append((name, seconds, rss_mb(), traced))
            print(f"{name}: {seconds:.1f} s", flush=True)


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _v in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def describe(person) -> str:
    """One line with the compared fields of a Person or of a values() row."""
    get = (lambda f: person.get(f)) if isinstance(person, dict) else (
        lambda f: getattr(person, f))
    names = " ".join(str(get(f) or "") for f in ("given_names", "first_surname",
                                                  "second_surname")).strip()
    return (f"{names} [{get('sex') or '-'}, born {get('birth_date') or '-'}, "
            f"ID {get('id_number') or '-'}, tel {get('phone') or '-'}]")


def describe_candidate(candidate) -> str:
    return f"{describe(candidate.person)} score {candidate.score:.2f}"


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="crecer-bench-dedup-")
    # DATA_DIR also receives the ground-truth CSV and the secret key: always a temporary one.
    os.environ["CRECER_DATA_DIR"] = tmp
    os.environ.setdefault("CRECER_SECRET_KEY", "benchmark-only-secret")
    os.environ["DJANGO_SETTINGS_MODULE"] = "crecer.config.settings"
    if os.environ.get("DATABASE_URL"):
        print("WARNING: DATABASE_URL is set; that database is migrated and filled with demo "
              "data. It must be an EMPTY, THROW-AWAY database.", file=sys.stderr, flush=True)
    try:
        return run(args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from crecer.accounts.models import User
    from crecer.dedup import batch, matching
    from crecer.demo.generator import DemoDataExists, generate
    from crecer.registry.models import Household, Person

    steps = Steps(args.tracemalloc)
    with steps.step("migrate"):
        call_command("migrate", verbosity=0, interactive=False)
    try:
        with steps.step("generate"):
            report = generate(password="x", households=args.households,
                              duplicates=args.duplicates, seed=args.seed)
    except DemoDataExists as exc:
        print(f"The database is not empty: {exc}", file=sys.stderr)
        return 1
    if not args.no_analyze:
        with steps.step("analyze"), connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    persons = Person.objects.count()
    households = Household.objects.count()
    planted = report.planted_duplicates
    # Ground truth as clusters: an original and all its planted copies are the same person.
    parent: dict = {}

    def root(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for original, copy in planted:
        ra, rb = root(original), root(copy)
        if ra != rb:
            parent[rb] = ra

    # ---- entry-time search ----
    user = User.objects.get(username="nacional")
    rng = random.Random(args.seed)
    copies = rng.sample(planted, min(args.queries, len(planted)))
    in_truth = {pk for pair in planted for pk in pair}
    others_pool = [pk for pk in Person.objects.order_by("pk").values_list("pk", flat=True)
                   if pk not in in_truth]
    others = rng.sample(others_pool, min(len(copies), len(others_pool)))
    fields = ["given_names", "first_surname", "second_surname", "sex", "birth_date",
              "id_type", "id_number", "phone"]
    values = {row["pk"]: row for row in Person.objects.filter(
        pk__in=[c for _o, c in copies] + others).values("pk", *fields)}
    jobs = [("copy", c, o) for o, c in copies] + [("other", pk, None) for pk in others]
    rng.shuffle(jobs)  # mix both kinds so neither gets a colder cache

    def query(pk):
        data = {f: values[pk][f] for f in fields}
        return matching.find_candidates(user, data, exclude_ids=[pk])

    for _kind, pk, _o in jobs[:10]:  # warm-up, not timed
        query(pk)
    latencies: list[float] = []
    hits = found = alarms = 0
    candidates_total = 0
    examples: list[str] = []
    with steps.step("entry search"):
        for kind, pk, original in jobs:
            t0 = time.perf_counter()
            found_now = query(pk)
            latencies.append((time.perf_counter() - t0) * 1000)
            candidates_total += len(found_now)
            if kind == "copy":
                hits += bool(found_now) and found_now[0].person.pk == original
                found += any(c.person.pk == original for c in found_now)
                if not found_now or found_now[0].person.pk != original:
                    examples.append(f"entry miss: {describe(values[pk])} -> "
                                    + "; ".join(describe_candidate(c) for c in found_now))
            else:
                alarms += bool(found_now)
                if found_now:
                    examples.append(f"entry false alarm: {describe(values[pk])} -> "
                                    + "; ".join(describe_candidate(c) for c in found_now))

    # ---- batch job ----
    with steps.step("batch (Splink)"):
        result = batch.run()
    predicted = {(a, b) for a, b, _p in result.pairs}
    true_pos = sum(1 for a, b in predicted if root(a) == root(b))
    truth = {tuple(sorted(pair)) for pair in planted}
    recalled = sum(1 for pair in truth if pair in predicted)
    precision = true_pos / len(predicted) if predicted else float("nan")
    recall = recalled / len(truth) if truth else float("nan")
    f1 = (2 * precision * recall / (precision + recall)) if precision + recall else 0.0
    wrong = sorted((a, b, p) for a, b, p in result.pairs if root(a) != root(b))
    missed = sorted(truth - predicted)
    shown = Person.objects.in_bulk([pk for a, b, *_p in wrong[:args.examples]
                                    + missed[:args.examples] for pk in (a, b)])
    for a, b, p in wrong[:args.examples]:
        examples.append(f"batch false pair (p={p:.3f}): {describe(shown[a])} / "
                        f"{describe(shown[b])}")
    for a, b in missed[:args.examples]:
        examples.append(f"batch miss: {describe(shown[a])} / {describe(shown[b])}")

    # ---- report ----
    n_copies, n_others = len(copies), len(others)
    db = connection.vendor + ("" if connection.vendor != "sqlite" else " (temporary file)")
    lines = [
        ("machine", f"{os.cpu_count()} CPUs, {platform.system()} {platform.machine()}, "
                    f"Python {platform.python_version()}, {db}"),
        ("households / persons", f"{households:,} / {persons:,}"),
        ("planted duplicates", f"{len(planted):,}"),
    ]
    for name, seconds, peak, traced in steps.rows:
        extra = f", Python allocations peak {traced:,.0f} MB" if traced is not None else ""
        lines.append((f"step: {name}", f"{seconds:,.1f} s (peak RSS so far {peak:,.0f} MB"
                                        f"{extra})"))
    lines += [
        ("entry: queries", f"{len(latencies)} ({n_copies} planted copies, {n_others} others)"),
        ("entry: latency p50/p95/p99", f"{percentile(latencies, 50):.1f} / "
                                       f"{percentile(latencies, 95):.1f} / "
                                       f"{percentile(latencies, 99):.1f} ms "
                                       f"(max {max(latencies):.1f})"),
        ("entry: hit rate (original 1st)", f"{hits}/{n_copies} = {hits / n_copies:.3f}"
                                           f" (original anywhere: {found}/{n_copies})"),
        ("entry: false-alarm rate", f"{alarms}/{n_others} = {alarms / n_others:.3f}"),
        ("entry: candidates returned", f"{candidates_total}"),
        ("batch: time", f"{result.seconds:.1f} s ("
                        + ", ".join(f"{k} {v:.1f}" for k, v in result.timings.items()) + ")"),
        ("batch: pairs found", f"{len(predicted):,} (persons read {result.persons:,})"),
        ("batch: precision / recall / F1", f"{precision:.3f} / {recall:.3f} / {f1:.3f}"
                                           f" ({true_pos} true, {len(predicted) - true_pos}"
                                           f" false, {len(truth) - recalled} missed)"),
        ("peak RSS (process)", f"{rss_mb():,.0f} MB"),
    ]
    if examples and args.examples:
        print("\nexamples:")
        for line in examples[:3 * args.examples]:
            print(f"  {line}")
    print()
    print(table(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
