"""/map with 20,000 offices: HTML size, data size, time to a drawn map in Chromium.

Baseline in the same run: folium's FastMarkerCluster over the same 20,000 offices
(the fastest "all markers in the page" approach, with local assets), and the API's
full GeoJSON (no `zoom`) for the data the browser would otherwise fetch.
"""

from __future__ import annotations

import gzip
import logging
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

import folium
from folium.plugins import FastMarkerCluster
from playwright.sync_api import sync_playwright
from sqlalchemy import insert
from werkzeug.serving import make_server

from locator import create_app
from locator.extensions import db
from locator.models import Office

N = 20_000
RUNS = 3
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# (lat, lon, weight): where offices cluster, roughly by population.
CITIES = [
    (50.45, 30.52, 12), (49.84, 24.03, 5), (46.48, 30.72, 5), (49.99, 36.23, 6),
    (48.46, 35.05, 5), (47.84, 35.14, 4), (49.23, 28.47, 2), (48.92, 24.71, 2),
    (51.50, 31.29, 2), (50.91, 34.80, 2), (49.59, 34.55, 2), (46.96, 31.99, 2),
    (48.51, 32.26, 2), (50.25, 28.66, 2), (50.62, 26.25, 2), (49.42, 26.99, 2),
    (48.29, 25.94, 2), (46.64, 32.61, 2), (49.44, 32.06, 2), (50.74, 25.33, 1),
    (48.62, 22.29, 1), (49.55, 25.59, 1), (47.01, 28.86, 2), (41.72, 44.79, 2),
    (43.24, 76.89, 2), (51.17, 71.45, 1), (42.87, 74.59, 1), (41.31, 69.28, 1),
    (52.23, 21.01, 2), (40.18, 44.51, 1),
]  # fmt: skip
VIEW_UKRAINE = "22.0,44.0,40.5,52.5"


def make_offices(n: int, seed: int = 20_000) -> list[dict]:
    rng = random.Random(seed)
    weights = [c[2] for c in CITIES]
    rows = []
    for i in range(n):
        lat, lon, _ = rng.choices(CITIES, weights)[0]
        spread = 0.08 if rng.random() < 0.8 else 0.8
        rows.append(
            {
                "slug": f"bench-{i}",
                "name": f"Приймальня № {i}",
                "organization": "Bench NGO",
                "address": f"вул. Тестова, {i % 300 + 1}",
                "city": "Місто",
                "country": "UA",
                "lat": round(lat + rng.gauss(0, spread), 6),
                "lon": round(lon + rng.gauss(0, spread * 1.4), 6),
                "phone": "+380 44 000 00 00",
                "opening_hours": "Mo-Fr 09:00-18:00",
                "languages": "uk;en",
                "categories": "family;housing",
                "active": True,
            }
        )
    return rows


def fast_marker_cluster_page(rows: list[dict]) -> str:
    """The baseline: every office in the page, folium's FastMarkerCluster, local assets."""
    fmap = folium.Map(location=[48.5, 31.2], zoom_start=6, tiles=None)
    fmap.options["maxZoom"] = 18  # markercluster needs it; folium gives it to tile layers only
    fmap.default_js = [("leaflet", "/static/vendor/leaflet/leaflet.js")]
    fmap.default_css = [("leaflet_css", "/static/vendor/leaflet/leaflet.css")]
    # The default callback needs Leaflet.awesome-markers; plain Leaflet markers here.
    layer = FastMarkerCluster(
        [[r["lat"], r["lon"]] for r in rows],
        callback="function (row) { return L.marker(new L.LatLng(row[0], row[1])); }",
    )
    layer.default_js = [
        ("markercluster", "/static/vendor/leaflet.markercluster/leaflet.markercluster.js")
    ]
    layer.default_css = [
        ("mc", "/static/vendor/leaflet.markercluster/MarkerCluster.css"),
        ("mcd", "/static/vendor/leaflet.markercluster/MarkerCluster.Default.css"),
    ]
    layer.add_to(fmap)
    return fmap.get_root().render()


def time_to_drawn(browser, url: str, ready_js: str) -> float:
    """Milliseconds from navigation start until `ready_js` holds (checked every frame)."""
    # bypass_csp: the frame-by-frame probe is evaluated JavaScript, which our CSP forbids.
    context = browser.new_context(bypass_csp=True)
    context.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("http://127.0.0.1") and ":9/" not in route.request.url
            else route.abort()
        ),
    )
    page = context.new_page()
    page.goto(url, wait_until="commit")
    page.wait_for_function(ready_js, polling="raf", timeout=60_000)
    elapsed = page.evaluate("performance.now()")
    context.close()
    return elapsed


def kb(n: int) -> str:
    return f"{n / 1024:,.0f} KB"


def run() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="bench-map-"))
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "INSTANCE_PATH": str(folder / "instance"),
            "RATELIMIT_ENABLED": False,
            "TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
        }
    )
    rows = make_offices(N)
    with app.app_context():
        db.create_all()
        db.session.execute(insert(Office), rows)
        db.session.commit()
    baseline_html = fast_marker_cluster_page(rows)
    app.add_url_rule("/bench/fastmarkercluster", "bench_fmc", lambda: baseline_html)

    client = app.test_client()
    page_html = client.get("/map").data
    print(f"offices: {N:,}")
    print(
        f"/map HTML: {kb(len(page_html))} ({kb(len(gzip.compress(page_html)))} gzipped)"
        f"   baseline FastMarkerCluster page: {kb(len(baseline_html.encode()))}"
        f" ({kb(len(gzip.compress(baseline_html.encode())))} gzipped)"
        f"   ratio {len(baseline_html.encode()) / len(page_html):,.0f}x smaller"
    )

    def api(url: str) -> tuple[float, int]:
        times, size = [], 0
        for _ in range(5 if "zoom" in url else 1):
            started = time.perf_counter()
            size = len(client.get(url).data)
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times), size

    zoomed_ms, zoomed_size = api(f"/api/v1/offices?bbox={VIEW_UKRAINE}&zoom=6")
    full_ms, full_size = api(f"/api/v1/offices?bbox={VIEW_UKRAINE}")
    print(
        f"data for the first view (Ukraine, zoom 6): {kb(zoomed_size)} in {zoomed_ms:,.0f} ms"
        f"   baseline every office as GeoJSON: {kb(full_size)} in {full_ms:,.0f} ms"
    )

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    ours_ready = (
        "document.querySelectorAll('.marker-cluster').length > 0 && "
        "(document.querySelector('.locator-map-status') || {}).textContent.includes(':')"
    )
    baseline_ready = "document.querySelectorAll('.marker-cluster').length > 0"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            time_to_drawn(browser, base + "/map", ours_ready)  # warm caches
            ours = [time_to_drawn(browser, base + "/map", ours_ready) for _ in range(RUNS)]
            theirs = [
                time_to_drawn(browser, base + "/bench/fastmarkercluster", baseline_ready)
                for _ in range(RUNS)
            ]
            browser.close()
    finally:
        server.shutdown()
    ours_ms, theirs_ms = statistics.median(ours), statistics.median(theirs)
    print(
        f"time to a drawn map in Chromium (median of {RUNS}): /map {ours_ms:,.0f} ms"
        f"   baseline FastMarkerCluster {theirs_ms:,.0f} ms"
        f"   ratio {theirs_ms / ours_ms:,.1f}x"
    )
    print("targets: /map HTML < 500 KB (aim 100 KB); drawn within 1 s")
