"""A throwaway PostgreSQL server of the test's own, on a free loopback port, that the test
may stop and start again (the machine's PostgreSQL on 5432 serves everyone else).

Built with the server's own initdb and pg_ctl (the postgresql package). PostgreSQL refuses
to run as root: as root the cluster belongs to the `postgres` user and is run through
runuser.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port


def _server_bin() -> Path | None:
    for candidate in [
        shutil.which("pg_ctl"),
        *sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")),
    ]:
        if candidate and Path(candidate).with_name("initdb").exists():
            return Path(candidate).resolve().parent
    return None


@dataclass
class Cluster:
    bin: Path
    data: Path
    port: int
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/locator"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, timeout=60)

    def start(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"),
            "--pgdata",
            str(self.data),
            "--wait",
            "--log",
            str(self.data.parent / "server.log"),
            "-o",
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data.parent}",
            "start",
        )

    def remove(self) -> None:
        """Stop the server if it runs, and delete its files."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.data.parent, ignore_errors=True)

    def stop(self) -> None:
        """As an operator or a crash would: sessions are cut, new ones refused."""
        self._run(
            str(self.bin / "pg_ctl"), "--pgdata", str(self.data), "--wait", "-m", "fast", "stop"
        )


def create_cluster() -> Cluster:
    """initdb + start + `CREATE DATABASE locator`, in a directory of its own under the
    system's temporary directory (pytest's is private to root, closed to `postgres`).
    Raises RuntimeError when PostgreSQL's server programs are not installed."""
    bin_dir = _server_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL's initdb/pg_ctl are not installed (apt install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="locator-test-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
    data = base / "data"
    subprocess.run(
        [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    cluster = Cluster(bin_dir, data, free_port(), as_user)
    cluster.start()
    subprocess.run(
        [
            str(bin_dir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(cluster.port),
            "-U",
            "postgres",
            "-c",
            "CREATE DATABASE locator",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cluster
