"""What travels over the wire: versioned static files cached for a year, pages with
validators, compression with brotli and gzip — and what must not be compressed."""

from __future__ import annotations

import gzip
import re
import threading
import time
from pathlib import Path

import brotli
import pytest
from flask import Response, flash, render_template_string, stream_with_context

from locator.config import ROOT

STATIC = ROOT / "static"
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def asset_urls(html: str) -> list[str]:
    return ASSET.findall(html)


def test_pages_link_static_files_by_their_content_version(client):
    html = client.get("/").get_data(as_text=True)
    urls = asset_urls(html)
    assert "/static/" + _version("css/site.css") + "/css/site.css" in urls
    assert all(re.match(r"/static/[0-9a-f]{12}/", url) for url in urls), urls


def _version(name: str) -> str:
    import hashlib

    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def test_a_versioned_static_file_is_cached_for_a_year(client):
    url = f"/static/{_version('js/site.js')}/js/site.js"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.get_data() == (STATIC / "js" / "site.js").read_bytes()
    # The same bytes for every visitor and language: no Vary on cookies or languages.
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Accept-Language" not in response.headers.get("Vary", "")


def test_an_unversioned_or_outdated_url_gets_todays_file_revalidated(client):
    today = (STATIC / "css" / "site.css").read_bytes()
    for url in ("/static/css/site.css", "/static/0123456789ab/css/site.css"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.get_data() == today
        etag = response.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.get_data() == b""


def test_the_map_code_builds_on_the_site_version_prefix(app, client):
    with app.test_request_context():
        from flask import url_for

        prefix = url_for("static", filename="").rstrip("/")
    assert re.fullmatch(r"/static/[0-9a-f]{12}", prefix)
    response = client.get(prefix + "/vendor/leaflet/leaflet.js")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_missing_static_files_are_404_with_or_without_version(client):
    assert client.get("/static/css/nope.css").status_code == 404
    assert client.get(f"/static/{_version('css/site.css')}/css/nope.css").status_code == 404
    assert client.get("/static/../locator/config.py").status_code == 404


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [("br", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)],
)
def test_static_text_files_come_compressed(client, accept, encoding, decode):
    original = (STATIC / "vendor" / "leaflet" / "leaflet.js").read_bytes()
    url = f"/static/{_version('vendor/leaflet/leaflet.js')}/vendor/leaflet/leaflet.js"
    response = client.get(url, headers={"Accept-Encoding": f"{accept}, identity"})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert decode(response.get_data()) == original
    assert len(response.get_data()) < len(original) / 3
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_brotli_at_its_best_is_computed_once_aside_and_kept(app, client):
    """The first request does not wait for brotli's best quality (a second for Leaflet):
    it gets quality 5 while a thread computes it; later requests get the kept result."""
    name = "vendor/world-atlas/countries.geojson"
    original = (STATIC / name).read_bytes()
    url = f"/static/{_version(name)}/{name}"
    first = client.get(url, headers={"Accept-Encoding": "br"})
    assert first.headers["ETag"] == f'"{_version(name)}-br5"'
    assert brotli.decompress(first.get_data()) == original
    kept_folder = Path(app.instance_path) / "static-cache"
    deadline = time.monotonic() + 30
    while not list(kept_folder.glob("*.br")):
        assert time.monotonic() < deadline, "the best compression was never kept"
        time.sleep(0.05)
    [kept] = kept_folder.glob("*.br")
    best = client.get(url, headers={"Accept-Encoding": "br"})
    assert best.headers["ETag"] == f'"{_version(name)}-br"'
    assert best.get_data() == kept.read_bytes()
    assert brotli.decompress(best.get_data()) == original
    assert len(best.get_data()) < len(first.get_data())


def test_images_are_not_compressed_again(client):
    response = client.get(
        "/static/vendor/leaflet/images/layers.png", headers={"Accept-Encoding": "br, gzip"}
    )
    assert "Content-Encoding" not in response.headers
    assert response.get_data()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_accept_encoding_nothing_is_compressed(client):
    page = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in page.headers
    assert "<!doctype html>" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [("gzip, deflate, br, zstd", "br", brotli.decompress), ("gzip", "gzip", gzip.decompress)],
)
def test_pages_come_compressed(client, accept, encoding, decode):
    response = client.get("/", headers={"Accept-Encoding": accept})
    assert response.headers["Content-Encoding"] == encoding
    html = decode(response.get_data()).decode()
    assert "<!doctype html>" in html
    assert int(response.headers["Content-Length"]) == len(response.get_data())
    assert len(response.get_data()) < len(html.encode()) / 2


def test_an_event_stream_is_neither_compressed_nor_buffered(app):
    """The chat's live messages: each event must leave as it is written."""
    release = threading.Event()

    @app.get("/test-events")
    def events():
        def stream():
            yield "event: status\ndata: " + "waiting " * 200 + "\n\n"
            release.wait(5)
            yield "event: message\ndata: {}\n\n"

        return Response(stream_with_context(stream()), mimetype="text/event-stream")

    client = app.test_client()
    response = client.get("/test-events", headers={"Accept-Encoding": "br, gzip"}, buffered=False)
    try:
        assert "Content-Encoding" not in response.headers
        chunks = iter(response.response)
        first = next(chunks)  # arrives while the view still waits: nothing buffered it
        assert first.startswith(b"event: status")
        release.set()
        assert b"event: message" in b"".join(chunks)
    finally:
        release.set()
        response.close()


def test_a_streamed_download_is_left_alone(app):
    @app.get("/test-stream")
    def streamed():
        return Response((f"{n},row\n" for n in range(2000)), mimetype="text/csv")

    response = app.test_client().get("/test-stream", headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in response.headers
    assert response.get_data(as_text=True).startswith("0,row\n1,row\n")


def test_a_page_the_browser_has_gets_304_without_a_new_policy(client, make_office):
    make_office(slug="podil", name="Приймальня на Подолі")
    first = client.get("/offices/podil")
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/offices/podil", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    # The stored policy's nonce is the one in the stored page: a new one would block it.
    assert "Content-Security-Policy" not in again.headers


def test_a_changed_page_is_sent_again(client, make_office, app):
    office = make_office(slug="podil", name="Приймальня на Подолі")
    etag = client.get("/offices/podil").headers["ETag"]
    from locator.extensions import db

    office.phone = "+380 44 555 99 99"
    db.session.commit()
    response = client.get("/offices/podil", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "+380 44 555 99 99" in response.get_data(as_text=True)


def test_the_etag_of_a_map_page_is_stable(client, make_office):
    """The map's element ids and the CSP nonce change on every render; the page does not."""
    make_office(slug="podil")
    etags = {client.get("/offices/podil").headers["ETag"] for _ in range(3)}
    assert len(etags) == 1
    assert len({client.get("/offices?near=Київ").headers["ETag"] for _ in range(2)}) == 1


def test_another_visitor_gets_a_page_of_their_own(app, make_office):
    """A new session means a new CSRF token in the page: no 304 for someone else's copy."""
    make_office(slug="podil")
    etag = app.test_client().get("/offices/podil").headers["ETag"]
    response = app.test_client().get("/offices/podil", headers={"If-None-Match": etag})
    assert response.status_code == 200


def test_personal_pages_are_never_stored(client):
    response = client.get("/admin/login")
    assert "no-store" in response.headers["Cache-Control"]
    assert "ETag" not in response.headers


def test_a_page_showing_a_one_time_message_is_never_stored(app):
    @app.get("/test-flash")
    def flashed():
        flash("Thank you, Olena: we wrote to olena@example.org.")
        return render_template_string("{% extends 'base.html' %}")

    response = app.test_client().get("/test-flash")
    assert "olena@example.org" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers


def test_api_json_is_compressed_too(client, make_office):
    for n in range(5):
        make_office(slug=f"o{n}")
    response = client.get("/api/v1/offices", headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert b'"FeatureCollection"' in brotli.decompress(response.get_data())
