"""A throw-away PostgreSQL cluster for the benchmark suite (as `bin/test` makes for the tests).

Debian's server binaries (`/usr/lib/postgresql/<v>/bin`), a cluster in a temporary folder on a
free port, run as the `postgres` user when we are root. Unlike the test cluster it keeps
`fsync` on: write figures must be those of a real server. Settings a deployment on this machine
would use: 1 GB shared buffers, 64 MB work memory, 4 GB of WAL between checkpoints.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import socket
import subprocess
import tempfile

SETTINGS = ("-c shared_buffers=1GB -c work_mem=64MB -c maintenance_work_mem=512MB "
            "-c max_wal_size=4GB -c effective_cache_size=8GB")


def bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4].split(".")[0]))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """`with Cluster() as pg: url = pg.create_database("name")`."""

    def __init__(self) -> None:
        self.bin = bindir()
        if self.bin is None:
            raise RuntimeError("PostgreSQL server binaries not found (Debian package postgresql)")
        self.dir = tempfile.mkdtemp(prefix="crecer-bench-pg-")
        self.port = _free_port()
        self.root = os.geteuid() == 0

    def _run(self, command: str) -> None:
        if self.root:
            subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", command], check=True,
                           stdout=subprocess.DEVNULL)
        else:
            subprocess.run(["sh", "-c", command], check=True, stdout=subprocess.DEVNULL)

    def __enter__(self) -> Cluster:
        if self.root:
            shutil.chown(self.dir, "postgres")
        data = f"{self.dir}/data"
        self._run(f"{self.bin}/initdb -D {data} -U crecer --auth=trust -E UTF8 --locale=C.UTF-8")
        options = shlex.quote(f"-p {self.port} -k {self.dir} {SETTINGS}")
        self._run(f"{self.bin}/pg_ctl -D {data} -o {options} -l {self.dir}/log -w start")
        return self

    def create_database(self, name: str) -> str:
        self._run(f"{self.bin}/createdb -h {self.dir} -p {self.port} -U crecer {name}")
        return f"postgres://crecer@127.0.0.1:{self.port}/{name}"

    def drop_database(self, name: str) -> None:
        self._run(f"{self.bin}/dropdb -h {self.dir} -p {self.port} -U crecer {name}")

    def __exit__(self, *exc) -> None:
        try:
            self._run(f"{self.bin}/pg_ctl -D {self.dir}/data -m fast stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
