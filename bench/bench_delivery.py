"""Delivery: what compression, ETags and versioned static files cost a request.

Pages through the Flask test client (64 seed offices, SQLite): the same page asked without
compression (the baseline: rendering, the CSP, the ETag's hash), with gzip and with brotli,
and revalidated (`If-None-Match`, answered 304); and the bytes each sends. Static files:
Leaflet (147 KB) compressed once and then served from memory, against a bare Flask app's
own static view sending the same file uncompressed.
"""

from __future__ import annotations

import statistics
import time

from bench.common import fmt, temp_dir

REPEAT = 30


def _samples(fn, repeat: int = REPEAT) -> list[float]:
    fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _line(label: str, samples: list[float], base: float | None = None, size: int = 0) -> None:
    median = statistics.median(samples)
    ratio = f"  {median / base:5.2f}× baseline" if base else ""
    weight = f"  {size / 1024:6.1f} KB" if size else ""
    print(f"  {label:44s} median {fmt(median):>9s}{ratio}{weight}")


def run() -> None:
    from flask import Flask

    from locator import create_app
    from locator.cli import seed

    tmp = temp_dir()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(tmp / "instance"),
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        app.test_cli_runner().invoke(seed)
    client = app.test_client()

    for path in ("/", "/offices?near=Київ", "/offices/kyiv-podil-legal-aid"):
        print(f"{path}:")
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        base_samples = _samples(
            lambda p=path: client.get(p, headers={"Accept-Encoding": "identity"})
        )
        base = statistics.median(base_samples)
        _line("baseline: no compression", base_samples, size=len(plain.get_data()))
        for encoding in ("gzip", "br"):
            sent = client.get(path, headers={"Accept-Encoding": encoding})
            _line(
                f"{encoding}",
                _samples(lambda p=path, e=encoding: client.get(p, headers={"Accept-Encoding": e})),
                base,
                len(sent.get_data()),
            )
        etag = plain.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": etag, "Accept-Encoding": "br"})
        assert again.status_code == 304, again.status_code
        _line(
            "revalidated: 304 Not Modified",
            _samples(lambda p=path, t=etag: client.get(p, headers={"If-None-Match": t})),
            base,
        )

    print("Static file (vendor/leaflet/leaflet.js):")
    folder = app.static_folder
    with app.test_request_context("/"):
        from flask import url_for

        url = url_for("static", filename="vendor/leaflet/leaflet.js")

    bare_app = Flask("bare", static_folder=folder)  # Flask's own static view
    bare_client = bare_app.test_client()
    bare_size = len(bare_client.get("/static/vendor/leaflet/leaflet.js").get_data())
    bare_samples = _samples(lambda: bare_client.get("/static/vendor/leaflet/leaflet.js").close())
    _line("baseline: a bare Flask app, no compression", bare_samples, size=bare_size)
    base = statistics.median(bare_samples)
    started = time.perf_counter()
    client.get(url, headers={"Accept-Encoding": "br"})
    print(
        f"  {'(first brotli-11 compression, once per file)':44s} {fmt(time.perf_counter() - started):>16s}"
    )
    for encoding in ("gzip", "br"):
        sent = client.get(url, headers={"Accept-Encoding": encoding})
        _line(
            f"{encoding} (kept in memory)",
            _samples(lambda e=encoding: client.get(url, headers={"Accept-Encoding": e})),
            base,
            len(sent.get_data()),
        )
