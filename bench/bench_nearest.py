"""Nearest-10 search: in-process at 1k to 1M offices, and whole requests under gunicorn.

Baselines measured in the same run: scipy's cKDTree on unit-sphere vectors, in memory (the
fastest exact answer there is; PERFORMANCE.md's target is "within 3x" of it); /healthz on
the same server (latency); a bare Flask JSON app under the same gunicorn (throughput, wrk
with 32 connections)."""

from __future__ import annotations

import http.client
import itertools
import os
import re
import shutil
import statistics
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import text

from bench.common import ROOT, fill_offices, fmt, gunicorn, median_time, origins, temp_dir
from locator import create_app
from locator.extensions import db
from locator.geo.distance import geodesic_km
from locator.geo.nearest import _density, nearest
from locator.offices.importer import refresh_statistics

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
SIZES = [1_000, 20_000, 100_000, 1_000_000]
WRK_SECONDS = 8


def _unit(lat, lon):
    lat, lon = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))


class Tree:
    """Every office in memory, in a k-d tree over unit vectors (chord order = sphere order)."""

    def __init__(self, conn) -> None:
        rows = conn.execute(text("SELECT id, lat, lon FROM office WHERE active")).all()
        self.ids = np.array([r[0] for r in rows])
        self.lat = np.array([r[1] for r in rows])
        self.lon = np.array([r[2] for r in rows])
        self.tree = cKDTree(_unit(self.lat, self.lon))

    def query(self, lat: float, lon: float, k: int = 10):
        return self.tree.query(_unit(np.array([lat]), np.array([lon]))[0], k=k)

    def reference(self, lat: float, lon: float, k: int = 10) -> list[int]:
        """The k nearest by the geodesic: the sphere's 3k nearest, re-ranked."""
        _, index = self.query(lat, lon, 3 * k)
        measured = sorted(
            (geodesic_km(lat, lon, self.lat[i], self.lon[i]), int(self.ids[i])) for i in index
        )
        return [office_id for _, office_id in measured[:k]]


def _in_process(url: str, label: str) -> None:
    now = datetime.now(UTC)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(temp_dir())}
    )
    with app.app_context():
        db.session.remove()  # end any read transaction, or PostgreSQL's DROP waits on it
        db.drop_all()
        db.create_all()
        loaded = 0
        print(
            f"{label}: offices | nearest-10 (ours) | cKDTree in memory | ours / cKDTree | same answer"
        )
        for size in SIZES:
            started = time.perf_counter()
            fill_offices(db.session, size, have=loaded)
            refresh_statistics(db.session)  # as `flask offices import` does after a load
            filled = time.perf_counter() - started
            loaded = size
            # Steady state: the density hint as a server reads it within DENSITY_TTL of an
            # import (a hint from before it costs one capped query more; see the tests).
            _density.clear()
            conn = db.session.connection()
            points = itertools.cycle(origins(50))

            def ours(points=points, conn=conn):
                lat, lon = next(points)
                return nearest(conn, lat, lon, now=now, limit=10)

            t_ours = median_time(ours, repeat=500)
            tree = Tree(conn)
            t_tree = median_time(lambda tree=tree, points=points: tree.query(*next(points)), 500)
            checks = origins(20, seed=3)
            same = sum(
                [h.row["id"] for h in nearest(conn, lat, lon, now=now, limit=10)]
                == tree.reference(lat, lon)
                for lat, lon in checks
            )
            print(
                f"  {size:>9,} | {fmt(t_ours):>9} | {fmt(t_tree):>8} | "
                f"{t_ours / t_tree:>5.1f}× | {same}/{len(checks)} origins"
                f"  (loaded in {filled:.0f} s)",
                flush=True,
            )
        db.session.remove()
        db.drop_all()


def _get(host: str, path: str) -> float:
    conn = http.client.HTTPConnection(host, timeout=10)
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    assert response.status == 200, (path, response.status)
    return elapsed


def _latency(base: str) -> None:
    """Median latency of nearest-10 vs /healthz, interleaved, on one server."""
    host = base.removeprefix("http://")
    samples = {"healthz": [], "nearest": []}
    for _ in range(20):  # warm-up: both workers build their caches
        _get(host, "/healthz")
        _get(host, "/api/v1/offices/nearest?lat=50.45&lon=30.52&limit=10")
    for lat, lon in origins(400, seed=5):
        samples["healthz"].append(_get(host, "/healthz"))
        samples["nearest"].append(
            _get(host, f"/api/v1/offices/nearest?lat={lat:.5f}&lon={lon:.5f}&limit=10")
        )
    h = statistics.median(samples["healthz"])
    n = statistics.median(samples["nearest"])
    print(
        f"  latency: /healthz median {fmt(h)} | nearest-10 median {fmt(n)} | "
        f"{n / h:.2f}× (target ≤ 3×, aim 1.5×)",
        flush=True,
    )


def _wrk(base: str, paths: Path) -> float:
    """Requests per second, wrk with 2 threads and 32 connections."""
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            "-c32",
            f"-d{WRK_SECONDS}s",
            "-s",
            str(ROOT / "bench" / "wrk_paths.lua"),
            base,
        ],
        env={**os.environ, "WRK_PATHS": str(paths)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise RuntimeError(f"wrk saw {errors.group(1)} failed responses:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def _throughput(db_url: str, folder: Path) -> None:
    nearest_paths = folder / "nearest.paths"
    nearest_paths.write_text(
        "".join(
            f"/api/v1/offices/nearest?lat={lat:.5f}&lon={lon:.5f}&limit=10\n"
            for lat, lon in origins(1000, seed=9)
        )
    )
    bare_paths = folder / "bare.paths"
    bare_paths.write_text("/\n")
    rates: dict[str, list[float]] = {"nearest": [], "bare": []}
    env = {"DATABASE_URL": db_url, "RATELIMIT_ENABLED": "false"}
    for _ in range(2):  # interleaved: the machine's noise falls on both
        with gunicorn(env) as base:
            _get(base.removeprefix("http://"), "/api/v1/offices/nearest?lat=50.45&lon=30.52")
            rates["nearest"].append(_wrk(base, nearest_paths))
        with gunicorn({}, app="bench.bare_app:app") as base:
            rates["bare"].append(_wrk(base, bare_paths))
    ours, bare = statistics.mean(rates["nearest"]), statistics.mean(rates["bare"])
    print(
        f"  throughput: nearest-10 {ours:,.0f} req/s | bare Flask JSON {bare:,.0f} req/s | "
        f"{ours / bare:.0%} (target ≥ 65%)",
        flush=True,
    )


def run() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("bench_nearest needs wrk (Debian: apt-get install wrk; `make bench` does)")
    folder = temp_dir()
    sqlite_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    _in_process(sqlite_url, "SQLite")
    import psycopg

    name = "locator_bench"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    _in_process(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", "PostgreSQL")

    print("Whole requests, gunicorn with 2 workers, 20,000 offices on SQLite:", flush=True)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": sqlite_url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder)}
    )
    with app.app_context():
        db.create_all()
        fill_offices(db.session, 20_000)
    with gunicorn({"DATABASE_URL": sqlite_url, "RATELIMIT_ENABLED": "false"}) as base:
        _latency(base)
    _throughput(sqlite_url, folder)
