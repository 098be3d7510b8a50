#!/usr/bin/env python
"""Subtree queries on a national-size territory tree.

Builds a 50,000-unit tree (bulk insert, paths set with one UPDATE per level) and 200,000
households in a temporary database, then times the queries every page and scope check relies on
and prints their result sizes, p50/p95 times and the peak memory:

    .venv/bin/python benchmarks/territory_subtree.py [--units 50000] [--households 200000]
                                                   [--repeat 30] [--explain]

It runs on a temporary SQLite database, then also on PostgreSQL when DATABASE_URL is set (in a
throw-away database `test_<name>` created beside the one named, and dropped afterwards). Each
backend runs in its own process so that its peak memory is its own.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=50_000)
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed runs of each query")
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"],
                        help="run one backend in this process (default: each in a subprocess)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.backend:
        return run(args)
    backends = ["sqlite"] + (["postgresql"] if os.environ.get("DATABASE_URL") else [])
    passthrough = [a for a in (argv if argv is not None else sys.argv[1:])]
    for backend in backends:
        done = subprocess.run([sys.executable, __file__, *passthrough, "--backend", backend])
        if done.returncode:
            return done.returncode
    return 0


def run(args) -> int:
    tmp = tempfile.mkdtemp(prefix="crecer-bench-")
    os.environ["CRECER_DATA_DIR"] = tmp
    os.environ.setdefault("CRECER_SECRET_KEY", "benchmark-only-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crecer.config.settings")
    if args.backend == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    old_name = None
    try:
        if args.backend == "postgresql":
            old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True,
                                                          serialize=False)
        else:
            call_command("migrate", verbosity=0)
        measure(args, connection)
    finally:
        if old_name is not None:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def timed(fn, repeat: int) -> tuple[object, list[float]]:
    result = fn()  # warm-up (and the result whose size is printed)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return result, times


def pct(times: list[float], q: int) -> float:
    if len(times) < 2:
        return times[0]
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1]


def measure(args, connection) -> None:
    from django.db import transaction

    from crecer.accounts.models import User
    from crecer.accounts.scope import within
    from crecer.registry.models import Household
    from crecer.territory import actions, queries
    from crecer.territory.models import Kind, OrgUnit
    from crecer.territory.synthetic import build_tree

    version = connection.cursor().connection.__class__.__module__
    print(f"\n== {connection.vendor} ({connection.settings_dict['NAME']}, driver {version})")

    t0 = time.perf_counter()
    tree = build_tree(args.units)
    build_s = time.perf_counter() - t0
    print(f"tree: {OrgUnit.objects.count():,} units built in {build_s:.2f} s "
          f"(bulk insert + {OrgUnit.objects.values('depth').distinct().count()} path UPDATEs)")

    communities = list(OrgUnit.objects.filter(depth=4, kind=Kind.AREA)
                       .order_by("path").values_list("pk", flat=True))
    t0 = time.perf_counter()
    with transaction.atomic():
        batch = []
        for i in range(args.households):
            batch.append(Household(territory_id=communities[(i * 7919) % len(communities)],
                                   code=f"H{i:07d}"))
            if len(batch) == 5000:
                Household.objects.bulk_create(batch)
                batch = []
        Household.objects.bulk_create(batch)
    print(f"households: {Household.objects.count():,} inserted in "
          f"{time.perf_counter() - t0:.2f} s")
    with connection.cursor() as cursor:  # fresh statistics, as autovacuum would give
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    region = OrgUnit.objects.get(pk=tree.regions[len(tree.regions) // 2])
    muni = OrgUnit.objects.get(pk=tree.municipalities[len(tree.municipalities) // 3])
    roots = [OrgUnit.objects.get(pk=tree.provinces[i])
             for i in (0, len(tree.provinces) // 2, len(tree.provinces) - 1)]
    user = User.objects.create(username="bench-three-roots", role="regional_manager")
    user.territories.set(roots)
    national = User.objects.create(username="bench-national", role="national_manager")
    national.territories.set([OrgUnit.objects.get(pk=tree.country)])
    scoped = Household.objects.filter(within(user))
    everything = Household.objects.filter(within(national))

    other = OrgUnit.objects.get(pk=tree.municipalities[-1])
    state = {"n": 0}

    def move_back_and_forth():
        unit = OrgUnit.objects.get(pk=muni.pk)
        target = OrgUnit.objects.get(pk=other.parent_id if state["n"] % 2 == 0
                                     else tree.provinces[len(tree.provinces) // 3])
        actions.move_unit(unit=unit, new_parent=target)
        state["n"] += 1
        return queries.subtree(unit).count()

    cases = [
        ("region subtree: count", lambda: queries.subtree(region).count(),
         lambda r: r),
        ("municipality's communities (path)",
         lambda: list(queries.subtree(muni).filter(depth=muni.depth + 1, kind=Kind.AREA)
                      .values_list("pk", "code", "name")), len),
        ("municipality's communities (parent index)",
         lambda: list(queries.area_children(muni).values_list("pk", "code", "name")), len),
        ("scope, 3 roots: households count", lambda: scoped.count(), lambda r: r),
        ("scope, 3 roots: first page of 50",
         lambda: list(scoped.order_by("-created_at")[:50]), len),
        ("households per child of a region (1 query)",
         lambda: queries.counts_by_child(region, everything), len),
        ("households per region of the country",
         lambda: queries.counts_by_child(OrgUnit.objects.get(pk=tree.country), everything), len),
        ("move a municipality (set-based UPDATE)", move_back_and_forth, lambda r: r),
    ]
    print(f"\n{'query':<46} {'rows':>8} {'p50 ms':>9} {'p95 ms':>9} {'py peak KiB':>12}")
    for name, fn, size in cases:
        repeat = max(3, args.repeat // 5) if name.startswith("move") else args.repeat
        result, times = timed(fn, repeat)
        tracemalloc.start()
        fn()
        _cur, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{name:<46} {size(result):>8,} {pct(times, 50):>9.2f} {pct(times, 95):>9.2f} "
              f"{peak / 1024:>12,.0f}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory of this process: {rss:,.0f} MiB")

    if args.explain:
        for label, qs in (("region subtree", queries.subtree(region)),
                          ("scope, 3 roots", scoped.order_by("-created_at")[:50])):
            print(f"\nplan: {label}\n{qs.explain()}")


if __name__ == "__main__":
    raise SystemExit(main())
