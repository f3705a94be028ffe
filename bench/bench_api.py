"""API throughput under gunicorn (issue 15): nearest-10, the map's data, /offices?near=, before/after.

For 20,000 and 100,000 offices on SQLite, gunicorn with the project's gunicorn.conf.py (gthread)
and 2 workers, wrk with 2 threads, 16 connections, 8 s per endpoint: req/s and p50/p99 of
/healthz, nearest-10 (random origins over Ukraine), the map's data at zoom 6 (the country) and
zoom 13 (a city), /offices?near= (the HTML results page) against / (the home page), and the
resident memory of each worker. "before" is the same server with LOCATOR_SNAPSHOT=0 (every
search asks the database, as before the snapshot), "after" with the snapshot on, in one run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from bench.common import ROOT, fill_offices, free_port, origins, temp_dir
from locator import create_app
from locator.extensions import db

SIZES = (20_000, 100_000)
CONNECTIONS = 16
SECONDS = 8
CITIES = ["Київ", "Львів", "Одеса", "Харків", "Дніпро", "Вінниця", "Полтава", "Чернігів"]


@contextmanager
def _server(env: dict):
    """gunicorn with gunicorn.conf.py (read from the repository's root), 2 workers."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "--access-logfile", "/dev/null", "wsgi:app"],
        cwd=ROOT,
        env={**os.environ, **env},
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield url, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _workers_rss_mb(master: int) -> list[float]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    sizes = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
    return sizes


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def _wrk(base: str, paths: list[str], folder: Path) -> tuple[float, float, float]:
    """req/s, p50 ms, p99 ms."""
    listing = folder / "wrk.paths"
    listing.write_text("".join(p + "\n" for p in paths))
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency",
         "-s", str(ROOT / "bench" / "wrk_paths.lua"), base],
        env={**os.environ, "WRK_PATHS": str(listing)},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} failed responses:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1))
    return rate, p50, p99


def _endpoints() -> dict[str, list[str]]:
    points = origins(1000, seed=9)
    return {
        "healthz": ["/healthz"],
        "nearest-10": [
            f"/api/v1/offices/nearest?lat={lat:.5f}&lon={lon:.5f}&limit=10" for lat, lon in points
        ],
        "map zoom 6": ["/api/v1/offices?bbox=22.0,44.0,41.0,53.0&zoom=6"],
        "map zoom 13": [
            f"/api/v1/offices?bbox={lon - 0.03:.4f},{lat - 0.02:.4f},{lon + 0.03:.4f},"
            f"{lat + 0.02:.4f}&zoom=13"
            for lat, lon in points[:300]
        ],
        "/offices?near=": [f"/offices?near={urllib.request.quote(c)}" for c in CITIES],
        "/ (home)": ["/"],
    }


def _measure(db_url: str, snapshot: str, folder: Path) -> dict[str, tuple[float, float, float]]:
    env = {"DATABASE_URL": db_url, "RATELIMIT_ENABLED": "false", "LOCATOR_SNAPSHOT": snapshot}
    results: dict[str, tuple[float, float, float]] = {}
    with _server(env) as (base, master):
        for paths in _endpoints().values():  # warm both workers (snapshot, gazetteer)
            for path in paths[:3] * 4:
                urllib.request.urlopen(base + path, timeout=60).read()
        for name, paths in _endpoints().items():
            results[name] = _wrk(base, paths, folder)
        rss = _workers_rss_mb(master)
        results["rss"] = (max(rss), min(rss), 0.0)
    return results


def run() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench_api needs wrk (Debian: apt-get install wrk; `make bench` does)")
    folder = temp_dir()
    db_url = f"sqlite:///{folder / 'api.sqlite3'}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder)}
    )
    have = 0
    for n in SIZES:
        with app.app_context():
            if not have:
                db.create_all()
            fill_offices(db.session, n, have)
            db.session.remove()
        have = n
        before = _measure(db_url, "0", folder)
        after = _measure(db_url, "1", folder)
        print(
            f"{n:,} offices, SQLite, gunicorn 2 workers (gunicorn.conf.py), "
            f"wrk {CONNECTIONS} connections {SECONDS} s:",
            flush=True,
        )
        print(f"  {'endpoint':<16} {'before req/s':>12} {'p50/p99 ms':>14}"
              f" {'after req/s':>12} {'p50/p99 ms':>14}", flush=True)  # fmt: skip
        for name in _endpoints():
            b, a = before[name], after[name]
            print(
                f"  {name:<16} {b[0]:>12,.0f} {b[1]:>6.2f}/{b[2]:<7.2f}"
                f" {a[0]:>12,.0f} {a[1]:>6.2f}/{a[2]:<7.2f}",
                flush=True,
            )
        for label, res in (("before", before), ("after", after)):
            h = res["healthz"][0]
            print(
                f"  {label}: nearest-10 {res['nearest-10'][0] / h:.0%} of /healthz; "
                f"map zoom 6 {res['map zoom 6'][0] / h:.0%}, zoom 13 {res['map zoom 13'][0] / h:.0%}; "
                f"/offices?near= {res['/offices?near='][0] / res['/ (home)'][0]:.0%} of /; "
                f"nearest p99/p50 {res['nearest-10'][2] / res['nearest-10'][1]:.1f}×",
                flush=True,
            )
        print(
            f"  RSS per worker: before {before['rss'][1]:.0f}–{before['rss'][0]:.0f} MB, "
            f"after {after['rss'][1]:.0f}–{after['rss'][0]:.0f} MB "
            f"(+{after['rss'][0] - before['rss'][0]:.0f} MB)",
            flush=True,
        )


if __name__ == "__main__":
    run()
