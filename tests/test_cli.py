"""The README's demo command: `crecer demo` migrates, loads demo data, serves, answers /healthz."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_demo_command_serves_spanish_pages_and_health(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["CRECER_DEMO_HOUSEHOLDS"] = "120"
    env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "crecer.cli", "demo", "--data-dir", str(tmp_path / "data"),
         "--port", str(port), "--demo-password", "s3cret-demo"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    output = []
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Crecer is running at" in line:
                break
        text = "".join(output)
        assert f"http://127.0.0.1:{port}/" in text, text
        # The accounts are printed after the URL, the administrator last.
        while not output[-1].lstrip().startswith("admin"):
            output.append(proc.stdout.readline())
        text = "".join(output)
        assert re.search(r"municipal\s+municipal officer", text), text
        assert "s3cret-demo" in text
        body = None
        for _ in range(50):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    body = r.read().decode()
                    break
            except OSError:
                time.sleep(0.2)
        assert body and '"ok"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
            page = r.read().decode()
        assert 'lang="es"' in page
        assert (tmp_path / "data" / "crecer.sqlite3").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
