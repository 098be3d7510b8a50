"""HTTP load on loopback: web server processes, concurrent clients, latency percentiles.

Servers are `crecer serve` processes (waitress, 8 threads each), one per core, on their own
ports; each client thread sticks to one of them, as a proxy in front of a deployment's worker
processes would spread users.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import socket
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(base: str, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(base + "healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server {base} did not start")


@contextlib.contextmanager
def servers(command: list[str], env: dict, processes: int, threads: int = 8,
            peaks: list[float] | None = None):
    """Start `processes` web servers; yield their base URLs. Their peak memory (MB) is appended
    to `peaks` when they stop."""
    procs, bases = [], []
    try:
        for _ in range(processes):
            port = free_port()
            procs.append(subprocess.Popen(
                command + ["serve", "--port", str(port), "--threads", str(threads)], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            bases.append(f"http://127.0.0.1:{port}/")
        for base in bases:
            wait_up(base)
        yield bases
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            deadline = time.time() + 15
            while p.returncode is None and time.time() < deadline:
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)  # not poll(): keeps rusage
                if pid:
                    p.returncode = os.waitstatus_to_exitcode(status)
                    if peaks is not None:
                        peaks.append(usage.ru_maxrss / 1024)
                    break
                time.sleep(0.1)
            if p.returncode is None:
                p.kill()
                p.wait()


def login(base: str, username: str, password: str) -> urllib.request.OpenerDirector:
    """A cookie session of `username` on `base` (through the login form, with its CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrfmiddlewaretoken": token}).encode()
    opener.open(urllib.request.Request(base + "login/", data=data,
                                       headers={"Referer": base})).read()
    return opener


def bearer(token: str) -> urllib.request.OpenerDirector:
    opener = urllib.request.build_opener()
    opener.addheaders = [("Authorization", f"Bearer {token}")]
    return opener


def percentiles(values: list[float]) -> dict:
    if len(values) < 2:
        v = values[0] if values else float("nan")
        return {"p50": v, "p95": v, "p99": v}
    q = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": q[49], "p95": q[94], "p99": q[98]}


def load(paths: list[str], bases: list[str], clients: int, total: int, make_opener) -> dict:
    """`clients` threads share `total` GETs of `paths`; client n uses server n % len(bases) and
    its own opener (`make_opener(base)`). Latency percentiles in ms, throughput, errors."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    per_client = max(total // clients, 1)

    def work(n: int) -> None:
        nonlocal errors
        base = bases[n % len(bases)]
        opener = make_opener(base)
        for i in range(per_client):
            url = base + paths[(n + i) % len(paths)]
            t0 = time.perf_counter()
            try:
                with opener.open(url, timeout=120) as response:
                    response.read()
                    ok = response.status == 200
            except Exception:  # noqa: BLE001 - counted and reported
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
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / wall,
            **percentiles(latencies)}


def post_json(opener, url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with opener.open(request, timeout=300) as response:
        return json.loads(response.read())
