"""Nearest-10 search: in-process at 1k/20k/100k offices, and through the API under gunicorn.

Baselines measured in the same run: a brute-force geodesic over every office (what the
index saves), and /healthz on the same server (what a request costs anyway)."""

from __future__ import annotations

import http.client
import itertools
import os
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import select

from bench.common import fill_offices, fmt, gunicorn, median_time, origins, temp_dir
from locator import create_app
from locator.extensions import db
from locator.geo.nearest import Filters, nearest, nearest_bruteforce
from locator.models import Office

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")


def _in_process(url: str, sizes: list[int], label: str) -> None:
    now = datetime.now(UTC)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(temp_dir())}
    )
    with app.app_context():
        db.session.remove()  # end any read transaction, or PostgreSQL's DROP waits on it
        db.drop_all()
        db.create_all()
        loaded = 0
        print(f"{label}: offices | nearest-10 (index) | brute-force geodesic | ratio | same answer")
        for size in sizes:
            fill_offices(db.session, size, have=loaded)
            loaded = size
            points = itertools.cycle(origins(50))
            conn = db.session.connection()

            def indexed(points=points, conn=conn):
                lat, lon = next(points)
                return nearest(conn, lat, lon, now=now, limit=10, filters=Filters())

            t_index = median_time(indexed, repeat=200)
            rows = [
                {"id": i, "lat": la, "lon": lo}
                for i, la, lo in db.session.execute(select(Office.id, Office.lat, Office.lon))
            ]
            lat, lon = origins(1, seed=3)[0]
            repeat = max(1, min(5, 20_000 // size))
            t_brute = median_time(
                lambda rows=rows, lat=lat, lon=lon: nearest_bruteforce(rows, lat, lon, 10),
                repeat=repeat,
            )
            same = [h.row["id"] for h in nearest(conn, lat, lon, now=now, limit=10)] == [
                i for _, i in nearest_bruteforce(rows, lat, lon, 10)
            ]
            print(
                f"  {size:>7,} | {fmt(t_index):>10} | {fmt(t_brute):>10} | {t_brute / t_index:>8.0f}× faster | {same}"
            )
        db.session.remove()  # end any read transaction, or PostgreSQL's DROP waits on it
        db.drop_all()


def _http(sizes_db: str) -> None:
    """Median latency of nearest-10 vs /healthz, interleaved, on one gunicorn server."""
    with gunicorn({"DATABASE_URL": sizes_db, "RATELIMIT_ENABLED": "false"}) as base:
        host = base.removeprefix("http://")
        points = origins(400, seed=5)
        samples = {"healthz": [], "nearest": []}

        def get(path: str) -> float:
            conn = http.client.HTTPConnection(host, timeout=10)
            started = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            conn.close()
            assert response.status == 200, (path, response.status)
            return elapsed

        for _ in range(20):  # warm-up: both workers build their caches
            get("/healthz")
            get("/api/v1/offices/nearest?lat=50.45&lon=30.52&limit=10")
        for lat, lon in points:
            samples["healthz"].append(get("/healthz"))
            samples["nearest"].append(
                get(f"/api/v1/offices/nearest?lat={lat:.5f}&lon={lon:.5f}&limit=10")
            )
        h = statistics.median(samples["healthz"])
        n = statistics.median(samples["nearest"])
        print(
            f"  /healthz median {fmt(h)} | nearest-10 median {fmt(n)} | ratio {n / h:.2f}× (target ≤ 3×)"
        )


def run() -> None:
    folder = temp_dir()
    sqlite_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    _in_process(sqlite_url, [1_000, 20_000, 100_000], "SQLite")
    try:
        import psycopg

        name = "locator_bench"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        pg_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        _in_process(pg_url, [1_000, 20_000, 100_000], "PostgreSQL")
    except Exception as exc:  # the bench still reports SQLite without a server
        print(f"PostgreSQL skipped: {type(exc).__name__}: {exc}")

    print("HTTP, gunicorn with 2 workers, 20,000 offices on SQLite:")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": sqlite_url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(folder)}
    )
    with app.app_context():
        db.create_all()
        fill_offices(db.session, 20_000)
    _http(f"sqlite:///{folder / 'bench.sqlite3'}")
