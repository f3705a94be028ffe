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


def _interleaved(variants: dict, repeat: int = REPEAT) -> dict[str, list[float]]:
    """Each variant once per round, in turn: a busy machine slows them all alike."""
    out: dict[str, list[float]] = {name: [] for name in variants}
    for fn in variants.values():
        fn()
    for _ in range(repeat):
        for name, fn in variants.items():
            started = time.perf_counter()
            fn()
            out[name].append(time.perf_counter() - started)
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
        etag = plain.headers["ETag"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
        sizes = {"identity": len(plain.get_data())}
        for encoding in ("gzip", "br"):
            sizes[encoding] = len(
                client.get(path, headers={"Accept-Encoding": encoding}).get_data()
            )
        samples = _interleaved(
            {
                "identity": lambda p=path: client.get(p, headers={"Accept-Encoding": "identity"}),
                "gzip": lambda p=path: client.get(p, headers={"Accept-Encoding": "gzip"}),
                "br": lambda p=path: client.get(p, headers={"Accept-Encoding": "br"}),
                "304": lambda p=path, t=etag: client.get(p, headers={"If-None-Match": t}),
            }
        )
        base = statistics.median(samples["identity"])
        _line("baseline: no compression", samples["identity"], size=sizes["identity"])
        _line("gzip", samples["gzip"], base, sizes["gzip"])
        _line("br", samples["br"], base, sizes["br"])
        _line("revalidated: 304 Not Modified", samples["304"], base)

    print("Static file (vendor/leaflet/leaflet.js):")
    folder = app.static_folder
    with app.test_request_context("/"):
        from flask import url_for

        url = url_for("static", filename="vendor/leaflet/leaflet.js")

    bare_app = Flask("bare", static_folder=folder)  # Flask's own static view
    bare_client = bare_app.test_client()
    bare_size = len(bare_client.get("/static/vendor/leaflet/leaflet.js").get_data())
    started = time.perf_counter()
    client.get(url, headers={"Accept-Encoding": "br"})  # brotli 5 now, 11 in a thread
    first = time.perf_counter() - started
    while client.get(url, headers={"Accept-Encoding": "br"}).headers["ETag"].endswith('br5"'):
        time.sleep(0.05)
    best = time.perf_counter() - started
    client.get(url, headers={"Accept-Encoding": "gzip"})
    samples = _interleaved(
        {
            "bare": lambda: bare_client.get("/static/vendor/leaflet/leaflet.js").close(),
            "gzip": lambda: client.get(url, headers={"Accept-Encoding": "gzip"}),
            "br": lambda: client.get(url, headers={"Accept-Encoding": "br"}),
        }
    )
    base = statistics.median(samples["bare"])
    _line("baseline: a bare Flask app, no compression", samples["bare"], size=bare_size)
    print(f"  {'the first request (brotli 5; 11 starts aside)':44s} {fmt(first):>16s}")
    print(f"  {'brotli 11 kept, once a file version, after':44s} {fmt(best):>16s}")
    for encoding in ("gzip", "br"):
        size = len(client.get(url, headers={"Accept-Encoding": encoding}).get_data())
        _line(f"{encoding} (kept in memory)", samples[encoding], base, size)
