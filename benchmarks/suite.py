#!/usr/bin/env python
"""The benchmark suite: every figure of issue 6, for several sizes and both databases.

    ./bin/bench                                  # 100k and 1M persons, SQLite and PostgreSQL
    ./bin/bench --sizes 100000 --smoke           # what CI runs: quick, not timed
    ./bin/bench --large                          # also 10M persons (hours, ~60 GB of disk)
    ./bin/bench --backends sqlite --json out.json --chart docs/performance-growth.svg

For each backend and size, in a fresh database (SQLite in a temporary data folder; PostgreSQL
in a throw-away cluster, `benchmarks/pg.py`), each step in its own process so that its peak
memory is its own: load (`crecer synth`), full indicator refresh, the same indicators computed
straight in SQL (reference), incremental refresh after 10,000 new contacts, tablero pages and
indicator API reads with 10 and 50 concurrent clients, sync ingest through the API, duplicate
search at entry, the batch duplicate job and Splink run directly (reference), with precision,
recall and F1 against the planted duplicates. Prints a Markdown table (the one in
docs/performance.md), the targets met or missed, and writes JSON and a growth chart.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import load  # noqa: E402
import report  # noqa: E402
from steps import NATIONAL, PASSWORD  # noqa: E402

CRECER = [sys.executable, "-m", "crecer.cli"]
STEPS = [sys.executable, str(HERE / "steps.py")]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="persons, comma-separated")
    parser.add_argument("--large", action="store_true", help="also 10,000,000 persons")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--smoke", action="store_true",
                        help="few requests and queries: checks that every step works (CI)")
    parser.add_argument("--new-contacts", type=int, default=10_000)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1,
                        help="web server processes (default: one per core)")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--chart", help="write the growth chart (SVG) here")
    parser.add_argument("--markdown", help="write the results table (Markdown) here")
    parser.add_argument("--report", nargs="+", metavar="JSON",
                        help="measure nothing: table and chart of earlier runs' --json files")
    return parser.parse_args(argv)


class Run:
    """One backend and size: a data folder, an environment, the figures measured."""

    def __init__(self, backend: str, persons: int, env: dict, smoke: bool):
        self.backend, self.persons, self.env, self.smoke = backend, persons, env, smoke
        self.figures: dict = {"backend": backend, "persons": persons}

    def step(self, name: str, args: list[str], *, crecer: bool = True) -> tuple[float, float, str]:
        """Run a child process: (seconds, its peak RSS in MB, its output). Stops on failure."""
        print(f"  {self.backend} {self.persons:,}: {name} ...", flush=True)
        t0 = time.perf_counter()
        with tempfile.TemporaryFile("w+") as out:
            proc = subprocess.Popen((CRECER if crecer else STEPS) + args, env=self.env,
                                    stdout=out, stderr=subprocess.STDOUT, text=True)
            _pid, status, usage = os.wait4(proc.pid, 0)
            seconds = time.perf_counter() - t0
            out.seek(0)
            output = out.read()
        if os.waitstatus_to_exitcode(status):
            print(output[-4000:], file=sys.stderr)
            raise SystemExit(f"step '{name}' failed ({self.backend}, {self.persons:,} persons)")
        peak = usage.ru_maxrss / 1024
        print(f"    {seconds:.1f} s, peak {peak:,.0f} MB", flush=True)
        return seconds, peak, output

    def measured(self, key: str, name: str, args: list[str], *, crecer: bool = True) -> dict:
        seconds, peak, output = self.step(name, args, crecer=crecer)
        data = json.loads(output.strip().splitlines()[-1]) if not crecer else {}
        self.figures[key] = {"seconds": seconds, "peak_mb": peak, **data}
        return data


def run_one(run: Run, args) -> dict:
    data_dir = Path(run.env["CRECER_DATA_DIR"])
    run.step("migrate", ["migrate", "--verbosity", "0"])
    run.measured("load", "load (crecer synth)", ["synth", "--persons", str(run.persons)])
    run.step("catalogue", ["indicators", "load-catalogue"])
    info = run.measured("prepare", "prepare", ["prepare"], crecer=False)
    run.measured("full_refresh", "full refresh", ["indicators", "refresh", "--full"])
    run.figures["analytics_mb"] = sum(
        p.stat().st_size for p in (data_dir / "analytics").glob("*.duckdb")) / 1e6
    run.measured("reference", "indicators by plain SQL (reference)", ["reference"], crecer=False)
    run.measured("add_contacts", f"{args.new_contacts:,} new contacts",
                 ["add-contacts", str(args.new_contacts)], crecer=False)
    run.measured("incremental_refresh", "incremental refresh", ["indicators", "refresh"])
    serve(run, info, args)
    queries = 50 if run.smoke else 300
    run.measured("entry_search", "duplicate search at entry", ["entry-search", str(queries)],
                 crecer=False)
    run.measured("batch_dedup", "batch duplicate job", ["batch-dedup"], crecer=False)
    run.measured("splink_reference", "Splink directly (reference)", ["splink-reference"],
                 crecer=False)
    return run.figures


def serve(run: Run, info: dict, args) -> None:
    """Web servers; tablero and API reads under 10 and 50 clients; sync ingest."""
    token = lambda user: subprocess.run(  # noqa: E731
        CRECER + ["token", "create", "--user", user], env=run.env, capture_output=True,
        text=True, check=True).stdout.strip().splitlines()[-1]
    national = token(NATIONAL)
    year = str(dt.date.today().year - 1)
    pages = ["tablero/"] + [f"tablero/{pk}/" for pk in info["units"]]
    codes = ["cm-families-accompanied", "cm-kits-delivered", "juntos-vaccine-compliance",
             "mb-referrals-made"]
    api = ["api/v1/indicators/values?" + urllib.parse.urlencode(
        {"indicator": c, "period": year, "unit": u, "children": "true"})
        for c in codes for u in info["codes"]]
    requests = 60 if run.smoke else 600
    peaks: list[float] = []
    # First with the page cache off (every request computes its page), then as deployed (a
    # page seen since the last change of data comes from the per-user cache).
    for mode in ("off", "on"):
        env = {**run.env, "CRECER_CACHE": mode}
        with load.servers(CRECER, env, args.processes, peaks=peaks) as bases:
            # One session per server, logged in before the clock starts (password hashing is
            # deliberately slow); every page and API read once, so caches start warm.
            sessions = {base: load.login(base, NATIONAL, PASSWORD) for base in bases}
            for base in bases:
                for path in pages:
                    sessions[base].open(base + path).read()
                for path in api:
                    load.bearer(national).open(base + path).read()
            for clients in (10, 50):
                tab = run.figures[f"tablero_{clients}_{mode}"] = load.load(
                    pages, bases, clients, requests, sessions.get)
                out = run.figures[f"api_{clients}_{mode}"] = load.load(
                    api, bases, clients, requests, lambda b: load.bearer(national))
                print(f"    cache {mode}, {clients} clients: tablero p95 {tab['p95']:.0f} ms, "
                      f"API p95 {out['p95']:.0f} ms", flush=True)
            if mode == "on":
                run.figures["sync"] = sync_ingest(bases, info["volunteers"], token,
                                                  rounds=1 if run.smoke else 4)
    run.figures["server_peak_mb"] = max(peaks) if peaks else None


def sync_ingest(bases: list[str], volunteers: list[dict], token, rounds: int) -> dict:
    """Each volunteer's phone sends batches of 500 new contacts, all phones at once."""
    now = dt.datetime.now(dt.UTC)
    created, errors, latencies, reasons = 0, 0, [], {}
    lock = threading.Lock()

    tokens = [token(vol["username"]) for vol in volunteers]  # before the clock starts

    def phone(n: int, vol: dict) -> None:
        nonlocal created, errors
        opener, base = load.bearer(tokens[n]), bases[n % len(bases)]
        for r in range(rounds):
            items = [{"id": str(uuid.uuid4()), "kind": "home_visit",
                      "household_id": vol["households"][i % len(vol["households"])],
                      "occurred_at": (now - dt.timedelta(minutes=r * 500 + i + 1)).isoformat()}
                     for i in range(500)]
            t0 = time.perf_counter()
            try:
                body = load.post_json(opener, base + "api/v1/sync/contacts", {"contacts": items})
                ok = body.get("created", 0)
                for item in body.get("results", []):
                    for field, message in (item.get("errors") or {}).items():
                        reasons[f"{field}: {message}"] = reasons.get(f"{field}: {message}", 0) + 1
            except Exception as exc:  # noqa: BLE001 - counted and reported
                ok = 0
                reasons[repr(exc)[:200]] = reasons.get(repr(exc)[:200], 0) + 500
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)
                created += ok
                errors += 500 - ok

    threads = [threading.Thread(target=phone, args=(n, v)) for n, v in enumerate(volunteers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if reasons:
        print("    sync refusals:", sorted(reasons.items(), key=lambda kv: -kv[1])[:3])
    return {"phones": len(volunteers), "created": created, "refused": errors,
            "per_second": created / wall if wall else 0.0, **load.percentiles(latencies)}


def environment(data_dir: str, database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({"CRECER_DATA_DIR": data_dir, "CRECER_INDICATORS_AUTO_REFRESH": "0",
                "CRECER_SECRET_KEY": os.environ.get("CRECER_SECRET_KEY", "benchmark-only-key"),
                "PYTHONPATH": str(ROOT / "src")})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb
    return (f"{os.cpu_count()} cores, {mem:.0f} GB RAM, {platform.system()} "
            f"{platform.machine()}, Python {platform.python_version()}, DuckDB {duckdb.__version__}")


def write(args, results: list[dict]) -> None:
    results = sorted(results, key=lambda r: (r["backend"] != "sqlite", r["persons"]))
    table, targets = report.markdown(results), report.targets(results)
    print("\n" + table + "\n\n" + targets)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n\n" + targets + "\n")
    if args.chart:
        report.chart(results, args.chart)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.report:
        write(args, [r for f in args.report for r in json.loads(Path(f).read_text())["results"]])
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s] + ([10_000_000] if args.large else [])
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    results, started = [], time.perf_counter()
    print(f"Benchmark suite: {machine()}", flush=True)
    for backend in backends:
        cluster = None
        if backend == "postgresql":
            import pg
            cluster = pg.Cluster().__enter__()
        try:
            for persons in sizes:
                data_dir = tempfile.mkdtemp(prefix=f"crecer-bench-{backend}-{persons}-")
                url = cluster.create_database(f"bench{persons}") if cluster else None
                try:
                    run = Run(backend, persons, environment(data_dir, url), args.smoke)
                    results.append(run_one(run, args))
                finally:
                    shutil.rmtree(data_dir, ignore_errors=True)
                    if cluster:
                        cluster.drop_database(f"bench{persons}")
        finally:
            if cluster:
                cluster.__exit__(None, None, None)
    doc = {"machine": machine(), "date": dt.date.today().isoformat(), "smoke": args.smoke,
           "seconds": time.perf_counter() - started, "results": results}
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=1, default=str))
    write(args, results)
    print(f"\nsuite took {doc['seconds'] / 60:.1f} min")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
