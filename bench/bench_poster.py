"""Poster PDF: generation time cold vs answered from the cache (target < 150 ms, a few ms cached).

Baselines in the same run: a bare reportlab page with one line of text in the same embedded
font (the floor for any PDF from this library), and `/healthz` through the same Flask test
client (the floor for any request). Requests go through the app in-process, with the 64
seed offices in SQLite; "cold" requests use a new place each time, so nothing is cached.
"""

from __future__ import annotations

import io
import statistics
import time

from bench.common import fmt, median_time, temp_dir

REPEAT = 15


def _bare_reportlab() -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    from locator.posters.render import FONT, _fonts

    _fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(595.28, 841.89), invariant=1, initialFontName=FONT)
    c.setFont(FONT, 48)
    c.drawString(50, 700, "Безкоштовна консультація")
    c.showPage()
    c.save()
    return buf.getvalue()


def _samples(fn, repeat: int) -> list[float]:
    fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _line(label: str, samples: list[float], base: float | None = None) -> None:
    median = statistics.median(samples)
    p90 = sorted(samples)[int(len(samples) * 0.9) - 1]
    ratio = f"  {median / base:6.1f}× baseline" if base else ""
    print(f"  {label:46s} median {fmt(median):>9s}   p90 {fmt(p90):>9s}{ratio}")


def run() -> None:
    from locator import create_app
    from locator.cli import seed
    from locator.extensions import db

    tmp = temp_dir()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(tmp / "instance"),
            "SITE_URL": "https://help.example.org",
            "HOTLINE": "0 800 213 103",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        app.test_cli_runner().invoke(seed)
    client = app.test_client()
    client.get("/poster.pdf?near=Київ")  # builds the gazetteer and loads the fonts once

    print("Library floor and PDF generation (in-process, no Flask):")
    bare = _samples(_bare_reportlab, REPEAT)
    _line("baseline: bare reportlab page, one line", bare)
    base = statistics.median(bare)

    with app.test_request_context("/"):
        from locator import clock, geo
        from locator.posters.services import PosterRequest, build_content
        from locator.templating import site_name

        def content(req):
            return build_content(
                db.session,
                geo.current(),
                req,
                config=app.config,
                now=clock.now(),
                network=site_name,
            )

        for label, req in (
            ("render_poster A4 uk, general", PosterRequest(lang="uk", size="A4")),
            ("render_poster A4 uk, 3 nearest offices", PosterRequest(lang="uk", near="Київ")),
            (
                "render_poster A3 en, 3 nearest offices",
                PosterRequest(lang="en", size="A3", near="Львів"),
            ),
        ):
            poster = content(req)
            _line(label, _samples(poster.render, REPEAT), base)
        key_time = median_time(lambda: content(PosterRequest(lang="uk", near="Київ")).key, REPEAT)
        print(f"  {'content + cache key (geocode, nearest, texts)':46s} median {fmt(key_time):>9s}")
        from locator.posters.services import count_download

        count_time = median_time(
            lambda: count_download(db.session, lang="uk", size="A4", personalised=True), REPEAT
        )
        print(f"  {'count_download (UPDATE … n = n + 1, commit)':46s} median {fmt(count_time):>9s}")

    print("Whole requests through Flask (test client, SQLite, download counted):")
    health = _samples(lambda: client.get("/healthz"), REPEAT * 2)
    _line("baseline: GET /healthz", health)
    hbase = statistics.median(health)
    places = iter(range(10_000))

    def cold():
        n = next(places)
        response = client.get(f"/poster.pdf?lat={49 + n * 0.001:.4f}&lon={30 + n * 0.001:.4f}")
        assert response.status_code == 200

    url = "/poster.pdf?lang=uk&size=A4&near=Київ"
    etag = client.get(url).headers["ETag"]
    _line("GET /poster.pdf, cold (new place each time)", _samples(cold, REPEAT), hbase)
    _line(
        "GET /poster.pdf, from the cache (200)",
        _samples(lambda: client.get(url), REPEAT * 2),
        hbase,
    )
    _line(
        "GET /poster.pdf, If-None-Match (304)",
        _samples(lambda: client.get(url, headers={"If-None-Match": etag}), REPEAT * 2),
        hbase,
    )
    preview = "/poster/preview.png?language=uk&size=A4&near=Київ"
    client.get(preview)
    _line(
        "GET /poster/preview.png, cached (not counted)",
        _samples(lambda: client.get(preview), REPEAT * 2),
        hbase,
    )
    app.config["RATELIMIT_ENABLED"] = True
    with app.app_context():
        db.engine.dispose()
