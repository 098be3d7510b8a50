#!/usr/bin/env python
"""Offline sync: ingest throughput of /api/v1/sync/contacts and the bootstrap download size.

Builds a 500-household caseload for one volunteer (bulk-created synthetic data) in a temporary
SQLite data directory, then measures through the HTTP layer (Django test client, bearer token):

- the size of GET /api/v1/sync/bootstrap (raw JSON and gzipped) and its time;
- POST /api/v1/sync/contacts: contacts/s for batches of 20 and of 500 (new contacts: the mean
  over the rounds, with the mean, median and CPU time of one batch), and for the same batches
  sent again (all duplicates: what a retry after a cut connection costs). The last line is
  the figure of issue 6: new contacts per second in batches of 500 (target: over 5,000/s).
  Only the server's work is timed (the client's JSON encoding and decoding are not).

    .venv/bin/python benchmarks/sync.py [--households 500] [--rounds 5] [--profile 40]

With DATABASE_URL set, that database is used instead: it must be an EMPTY, THROW-AWAY database
(it is migrated and filled, and nothing is removed afterwards).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5,
                        help="batches of each size sent (new contacts each time)")
    parser.add_argument("--profile", type=int, metavar="N", default=0,
                        help="then profile one more batch of 500 new contacts (cProfile) and "
                             "print its N most expensive functions")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="crecer-bench-sync-")
    os.environ["CRECER_DATA_DIR"] = tmp
    os.environ.setdefault("CRECER_SECRET_KEY", "benchmark-only-secret")
    os.environ["DJANGO_SETTINGS_MODULE"] = "crecer.config.settings"
    if os.environ.get("DATABASE_URL"):
        print("WARNING: DATABASE_URL is set; that database is migrated and filled. It must be "
              "an EMPTY, THROW-AWAY database.", file=sys.stderr, flush=True)
    sys.path.insert(0, str(ROOT))
    try:
        return run(args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone
    from tests.sync.caseload import build_caseload

    from crecer.accounts.models import ApiToken, User
    from crecer.programmes.presets import load_presets
    from crecer.territory.actions import create_unit
    from crecer.territory.models import Level

    setup_test_environment()
    call_command("migrate", verbosity=0, interactive=False)
    for depth, code in enumerate(["country", "region", "province", "municipality", "community"]):
        Level.objects.get_or_create(depth=depth, defaults={"code": code, "name": code})
    unit = None
    for code in ["BX", "BX-01", "BX-01-P", "BX-0101", "BX-0101-001"]:
        unit = create_unit(code=code, name=f"Bench {code}", parent=unit)
    volunteer = User.objects.create_user(username="bench_vol", password="x", role="volunteer")
    volunteer.territories.set([unit])
    model = next(p for p in load_presets() if p.code == "honduras-pi-volunteers")
    t0 = time.perf_counter()
    households = build_caseload(volunteer=volunteer, territory=unit, programme=model,
                                n=args.households, prefix="B")
    print(f"caseload: {len(households)} households built in {time.perf_counter() - t0:.1f} s")

    _token, raw = ApiToken.issue(volunteer, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="es")

    t0 = time.perf_counter()
    r = client.get("/api/v1/sync/bootstrap")
    elapsed = time.perf_counter() - t0
    assert r.status_code == 200, r.content[:500]
    n = len(r.json()["households"])
    print(f"bootstrap: {n} households, {len(r.content) / 1024:.1f} KiB JSON, "
          f"{len(gzip.compress(r.content)) / 1024:.1f} KiB gzipped, {elapsed * 1000:.0f} ms")

    ids = [str(h.pk) for h in households]
    counter = iter(range(10**9))

    def batch(size):
        now = timezone.now()
        return [{"id": str(uuid.uuid4()), "household_id": ids[next(counter) % len(ids)],
                 "kind": "home_visit",
                 "occurred_at": (now - dt.timedelta(minutes=size - i)).isoformat(),
                 "messages_given": ["BF-EXCL", "STIM-TALK"],
                 "items_delivered": [{"item_code": "KIT-DIT", "quantity": 1}],
                 "observations": {"danger_signs": ["fever"], "weight_kg": 8.5}}
                for i in range(size)]

    def send(items):
        body = json.dumps({"contacts": items})
        t, cpu = time.perf_counter(), time.process_time()
        resp = client.post("/api/v1/sync/contacts", body, content_type="application/json")
        took, cpu = time.perf_counter() - t, time.process_time() - cpu
        assert resp.status_code == 200, resp.content[:500]
        return resp.json(), took, cpu

    send(batch(1))  # warm up (first request builds the API's schemas)
    summary = {}
    for size in (20, 500):
        new_times, new_cpu, dup_times = [], [], []
        for _round in range(args.rounds):
            items = batch(size)
            body, took, cpu = send(items)
            assert body["created"] == size, body["results"][:3]
            new_times.append(took)
            new_cpu.append(cpu)
            body, took, _cpu = send(items)
            assert body["duplicate"] == size
            dup_times.append(took)
        total = size * args.rounds
        summary[size] = total / sum(new_times)
        print(f"ingest, batches of {size:>3}: {summary[size]:7.0f} contacts/s new "
              f"({sum(new_times) / args.rounds * 1000:.0f} ms per batch, median "
              f"{statistics.median(new_times) * 1000:.0f} ms, CPU "
              f"{statistics.median(new_cpu) * 1000:.0f} ms), "
              f"{total / sum(dup_times):7.0f} contacts/s resent (duplicates)")
    # CPU-bound: on a shared machine, read the figure with the load average beside it.
    print(f"=> new contacts in batches of 500: {summary[500]:.0f} contacts/s (target: over "
          f"5000/s; load average {os.getloadavg()[0]:.2f})")
    if args.profile:
        import cProfile
        import pstats

        items = batch(500)
        with cProfile.Profile() as prof:
            body, _took, _cpu = send(items)
        assert body["created"] == 500
        stats = pstats.Stats(prof)
        stats.sort_stats("tottime").print_stats(args.profile)
        stats.sort_stats("cumulative").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
