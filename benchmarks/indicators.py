#!/usr/bin/env python
"""Indicators and the tablero: refresh times, peak memory, and read latency under load.

For one data folder (the demo data, or a generated dataset with --persons), prints:

- full refresh: seconds and peak memory (RSS of the refreshing process);
- incremental refresh after N new contacts (default 10,000): seconds and peak memory;
- p50/p95/p99 latency and throughput of tablero pages and of indicator API reads with 10 and
  50 concurrent clients on loopback (a real waitress server in its own process).

    .venv/bin/python benchmarks/indicators.py                      # demo data (3,000 households)
    .venv/bin/python benchmarks/indicators.py --persons 1000000    # `crecer synth` first
    .venv/bin/python benchmarks/indicators.py --data-dir DIR       # keep / reuse a data folder

Every step runs in its own process (`crecer …`), so peak memory is that step's own.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CRECER = [sys.executable, "-m", "crecer.cli"]
PASSWORD = "crecer-demo"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="data folder (default: a temporary one, removed)")
    parser.add_argument("--persons", type=int, default=0,
                        help="generate this many persons with `crecer synth` instead of the demo")
    parser.add_argument("--new-contacts", type=int, default=10_000)
    parser.add_argument("--clients", default="10,50")
    parser.add_argument("--requests", type=int, default=400, help="requests per client level")
    return parser.parse_args(argv)


def step(name: str, args: list[str], env: dict) -> tuple[float, float, str]:
    """Run `crecer args` in a child process: (seconds, that process's peak RSS in MB, output)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(CRECER + args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        out.seek(0)
        output = out.read()
    if os.waitstatus_to_exitcode(status):
        print(output[-3000:], file=sys.stderr)
        raise SystemExit(f"{name} failed")
    return seconds, usage.ru_maxrss / 1024, output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url: str, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server did not start")


def login(base: str, username: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                   "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(base + "login/", data=data, headers={"Referer": base})
    opener.open(request).read()
    return opener


def load(urls: list[str], clients: int, total: int, make_opener) -> dict:
    """`clients` threads share `total` GETs over `urls`; latency percentiles in ms."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = max(total // clients, 1)

    def work(n: int) -> None:
        nonlocal errors
        opener = make_opener()
        for i in range(per_client):
            url = urls[(n + i) % len(urls)]
            t0 = time.perf_counter()
            try:
                response = opener.open(url, timeout=60)
                response.read()
                ok = response.status == 200
            except Exception:  # noqa: BLE001 - counted, reported
                ok = False
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": errors, "p50": q[49], "p95": q[94],
            "p99": q[98], "rps": len(latencies) / wall}


def main(argv=None) -> int:
    args = parse_args(argv)
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="crecer-bench-ind-")
    env = {**os.environ, "CRECER_DATA_DIR": data_dir, "CRECER_DEMO_PASSWORD": PASSWORD,
           "CRECER_SECRET_KEY": os.environ.get("CRECER_SECRET_KEY", "benchmark-only-secret"),
           "CRECER_INDICATORS_AUTO_REFRESH": "0", "PYTHONPATH": str(ROOT / "src")}
    rows: list[tuple[str, str]] = []
    try:
        fresh = not (Path(data_dir) / "crecer.sqlite3").exists() or os.environ.get("DATABASE_URL")
        if fresh:
            if args.persons:
                secs, mem, _ = step("migrate", ["migrate", "--verbosity", "0"], env)
                secs, mem, out = step("synth", ["synth", "--persons", str(args.persons)], env)
                rows.append((f"load ({args.persons:,} persons, crecer synth)",
                             f"{secs:.1f} s, peak {mem:,.0f} MB"))
                step("catalogue", ["indicators", "load-catalogue"], env)
                step("national user", ["shell", "-c", NATIONAL_USER % PASSWORD], env)
            else:
                secs, mem, _ = step("demo", ["demo", "--no-serve"], env)
                rows.append(("load (demo data, crecer demo --no-serve)",
                             f"{secs:.1f} s, peak {mem:,.0f} MB"))
        secs, mem, out = step("full", ["indicators", "refresh", "--full"], env)
        rows.append(("full refresh", f"{secs:.2f} s, peak {mem:,.0f} MB"))
        size = sum(p.stat().st_size for p in (Path(data_dir) / "analytics").glob("*.duckdb"))
        rows.append(("analytics files", f"{size / 1e6:,.1f} MB"))
        secs, mem, _ = step("no-change", ["indicators", "refresh"], env)
        rows.append(("incremental refresh, nothing changed", f"{secs:.2f} s"))
        step("contacts", ["shell", "-c", ADD_CONTACTS % args.new_contacts], env)
        secs, mem, out = step("incremental", ["indicators", "refresh"], env)
        rows.append((f"incremental refresh after {args.new_contacts:,} new contacts",
                     f"{secs:.2f} s, peak {mem:,.0f} MB"))
        rows.extend(serve_and_load(env, args))
    finally:
        if not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    width = max(len(k) for k, _ in rows)
    print(f"\nIndicators benchmark ({os.cpu_count()} cores, "
          f"{'PostgreSQL' if os.environ.get('DATABASE_URL') else 'SQLite'})")
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    return 0


NATIONAL_USER = """
from crecer.accounts.models import User
from crecer.territory.models import OrgUnit
u, _ = User.objects.get_or_create(username='nacional', defaults={'role': 'national_manager'})
u.set_password('%s'); u.save(); u.territories.set([OrgUnit.objects.get(parent=None)])
"""

UNIT_CODES = """
import json
from crecer.territory.models import OrgUnit
root = OrgUnit.objects.filter(parent=None).order_by('id').first()
munis = list(OrgUnit.objects.filter(depth=3, kind='area').order_by('code')
             .values_list('code', flat=True)[:5])
print(json.dumps([root.code, *munis]))
"""

ADD_CONTACTS = """
import datetime as dt, random
from django.utils import timezone
from crecer.fieldwork.models import Contact
from crecer.programmes.models import Enrolment
pairs = list(Enrolment.objects.filter(volunteer__isnull=False)
             .values_list('household_id', 'volunteer_id')[:5000])
rng = random.Random(7)
now = timezone.now()
Contact.objects.bulk_create([Contact(household_id=h, volunteer_id=v, kind='home_visit',
    occurred_at=now - dt.timedelta(days=rng.randrange(60)))
    for h, v in (rng.choice(pairs) for _ in range(%d))], batch_size=5000)
"""


def serve_and_load(env: dict, args) -> list[tuple[str, str]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen(CRECER + ["serve", "--port", str(port), "--threads", "8"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows = []
    try:
        wait_up(base)
        token = subprocess.run(CRECER + ["token", "create", "--user", "nacional"], env=env,
                               capture_output=True, text=True, check=True).stdout.strip()
        session = login(base, "nacional")
        html = session.open(base + "tablero/").read().decode()
        unit_links = sorted(set(re.findall(r'href="(/tablero/\d+/)"', html)))[:8]
        pages = [base + "tablero/"] + [base + u.lstrip("/") for u in unit_links]
        codes_out = subprocess.run(CRECER + ["shell", "-c", UNIT_CODES], env=env,
                                   capture_output=True, text=True, check=True).stdout
        units = json.loads(codes_out.strip().splitlines()[-1])
        catalogue = json.loads(urllib.request.urlopen(urllib.request.Request(
            base + "api/v1/indicators", headers={"Authorization": f"Bearer {token}"})).read())
        codes = [i["code"] for i in catalogue][:6]
        year = time.strftime("%Y")
        api = [base + "api/v1/indicators/values?" + urllib.parse.urlencode(
            {"indicator": c, "period": year, "unit": u, "children": "true"})
            for c in codes for u in units]

        def api_opener():
            opener = urllib.request.build_opener()
            opener.addheaders = [("Authorization", f"Bearer {token}")]
            return opener

        cookies = session

        for clients in [int(c) for c in args.clients.split(",")]:
            r = load(pages, clients, args.requests, lambda: cookies)
            rows.append((f"tablero pages, {clients} clients",
                         f"p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, p99 {r['p99']:.0f} ms, "
                         f"{r['rps']:.0f} req/s, {r['errors']} errors"))
            r = load(api, clients, args.requests, api_opener)
            rows.append((f"indicator API reads, {clients} clients",
                         f"p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, p99 {r['p99']:.0f} ms, "
                         f"{r['rps']:.0f} req/s, {r['errors']} errors"))
    finally:
        server.terminate()
        server.wait(10)
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
