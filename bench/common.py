"""Helpers shared by the benchmarks: synthetic offices, timing, a served app."""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import insert

from locator.models import CATEGORIES, OFFICE_VOCABULARY, ROOM, Office

ROOT = Path(__file__).resolve().parent.parent
# Roughly Ukraine, Moldova and the Caucasus: dense like a real network, not uniform on the globe.
BOX = (44.0, 53.0, 22.0, 46.0)  # south, north, west, east


def office_rows(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    hours = [
        "Mo-Fr 09:00-13:00,14:00-18:00; PH off",
        "Tu-Sa 10:00-17:00",
        "24/7",
        "Mo,We,Fr 10:00-16:00",
    ]
    # Every public field of the office vocabulary, so a field added to the model is filled.
    blank = {field.name: field.blank for field in OFFICE_VOCABULARY}
    rows = []
    for i in range(n):
        rows.append(
            {
                **blank,
                "slug": f"bench-{i}",
                "name": f"Bench office {i}",
                "organization": "Bench NGO",
                "address": f"Street {i}",
                "city": "Bench",
                "country": "UA",
                "lat": rng.uniform(BOX[0], BOX[1]),
                "lon": rng.uniform(BOX[2], BOX[3]),
                "phone": "+380 44 555 00 00",
                "opening_hours": rng.choice(hours),
                "languages": rng.choice(["uk;ru", "uk;en", "uk"]),
                "categories": ";".join(rng.sample(CATEGORIES, 3)),
                "demo": True,
                "kind": ROOM,
                "timezone": "Europe/Kyiv",
                "active": True,
                "pinned": False,
                "updated_by": "",
            }
        )
    return rows


def fill_offices(session, n: int, have: int = 0) -> None:
    """Bring the office table from `have` to `n` synthetic offices."""
    rows = office_rows(n)[have:]
    for start in range(0, len(rows), 5000):
        session.execute(insert(Office), rows[start : start + 5000])
    session.commit()


def origins(n: int, seed: int = 11) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    return [(rng.uniform(BOX[0], BOX[1]), rng.uniform(BOX[2], BOX[3])) for _ in range(n)]


def median_time(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of `repeat` calls (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def fmt(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict, workers: int = 2, app: str = "wsgi:app"):
    """Serve `app` with gunicorn on a free loopback port; yields the base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",  # gunicorn.conf.py's access log would print every request here
            app,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def temp_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="locator-bench-"))
