"""A mirror: the site under a path prefix (/help/) and another host name, behind a small
reverse proxy, served by gunicorn as in production. Every link of every page stays
under the prefix, no page points at the canonical host (SITE_URL) except where it must
(share links, JSON-LD), redirects stay under the prefix, and the offline site works
there too (the service worker's scope is the prefix).

Two ways a proxy serves a prefix: it passes the path as it is and gunicorn strips
SCRIPT_NAME, or it strips the prefix itself and says so in X-Forwarded-Prefix
(TRUSTED_PROXIES, werkzeug's ProxyFix)."""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urljoin, urlsplit

import pytest
from bs4 import BeautifulSoup

from locator import create_app
from locator.cli import seed
from locator.config import ROOT
from locator.extensions import db
from tests.e2e.browsing import close_context
from tests.e2e.offline_helpers import controlled, until
from tests.servers import stop_process

PREFIX = "/help"
CANONICAL = "help.example.org"
URL_ATTRIBUTES = (
    "href",
    "src",
    "action",
    "srcset",
    "data-api",
    "data-target",
    "data-sw",
    "data-root",
)
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}
WSGI = """
from locator import create_app
app = create_app({"INSTANCE_PATH": %r})
"""


def free_socket() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def proxy(upstream: int, strip: bool) -> ThreadingHTTPServer:
    """Forwards /help/… to the app: as it is, or without /help and with X-Forwarded-Prefix."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def forward(self):
            if not self.path.startswith(PREFIX + "/") and self.path != PREFIX:
                self.send_error(404, "not under the mirror's prefix")
                return
            path = (self.path[len(PREFIX) :] or "/") if strip else self.path
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["X-Forwarded-For"] = self.client_address[0]
            headers["X-Forwarded-Proto"] = "http"
            headers["X-Forwarded-Host"] = self.headers.get("Host", "")
            if strip:
                headers["X-Forwarded-Prefix"] = PREFIX
            connection = http.client.HTTPConnection("127.0.0.1", upstream, timeout=30)
            try:
                connection.request(self.command, path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
            finally:
                connection.close()
            self.send_response(answer.status, answer.reason)
            for key, value in answer.getheaders():
                if key.lower() not in HOP_BY_HOP | {"content-length"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_HEAD = forward

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module", params=["gunicorn-script-name", "proxy-strips-prefix"])
def mirror(request, tmp_path_factory, gazetteer):
    folder = tmp_path_factory.mktemp("mirror")
    database = f"sqlite:///{folder / 'mirror.sqlite3'}"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "INSTANCE_PATH": str(folder / "seed"),
            "GAZETTEER": gazetteer,
        }
    )
    with app.app_context():
        db.create_all()
        app.test_cli_runner().invoke(seed)
        db.engine.dispose()
    (folder / "mirror_wsgi.py").write_text(WSGI % str(folder / "instance"))
    strip = request.param == "proxy-strips-prefix"
    sock = free_socket()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": "mirror-secret",
        "SITE_URL": f"https://{CANONICAL}",
        "RATELIMIT_ENABLED": "false",
        "TILE_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
        "GUNICORN_BIND": f"fd://{sock.fileno()}",
        "GUNICORN_WORKERS": "2",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{folder}",
    }
    if strip:
        env["TRUSTED_PROXIES"] = "1"
    else:
        env["SCRIPT_NAME"] = PREFIX
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "mirror_wsgi:app"],
        cwd=folder,
        env=env,
        pass_fds=(sock.fileno(),),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    upstream = sock.getsockname()[1]
    sock.close()
    front = proxy(upstream, strip)
    base = f"http://127.0.0.1:{front.server_port}"
    try:
        wait_until_up(base + PREFIX + "/healthz", gunicorn)
        yield base
    finally:
        front.shutdown()
        front.server_close()
        stop_process(gunicorn, timeout=30)
        gunicorn.stderr.close()


def wait_until_up(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url, timeout=10).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.terminate()
                process.wait(timeout=30)
                pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
            time.sleep(0.3)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(url, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        return response.status, response.headers, response.read()


def page_urls(html: str) -> tuple[list[tuple[str, str]], str]:
    """(where, URL) for every URL in an attribute, and the page's text and markup, both
    without the share block, the JSON-LD and the poster's QR target, which carry SITE_URL
    on purpose."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.select('[data-share], script[type="application/ld+json"], .qr-target'):
        tag.decompose()
    found = []
    for tag in soup.find_all(True):
        for attribute in URL_ATTRIBUTES:
            value = tag.get(attribute)
            if not value:
                continue
            urls = [p.split()[0] for p in value.split(",")] if attribute == "srcset" else [value]
            found.extend((f"<{tag.name} {attribute}>", url) for url in urls)
    for tag in soup.select("[data-records]"):
        found.extend(("saved office", r["url"]) for r in json.loads(tag["data-records"]))
    return found, str(soup)


def shape(path: str) -> str:
    """/help/offices/<slug> and the like: a few of each are enough."""
    parts = urlsplit(path).path.split("/")
    return "/".join(parts[:3]) + ("/*" if len(parts) > 3 else "")


SKIP = re.compile(r"\.(pdf|png|svg|js|css|geojson|json|atom|webmanifest)$|/admin|/api/")


def test_every_link_of_every_page_stays_under_the_prefix(mirror):
    host = urlsplit(mirror).netloc
    start = [f"{PREFIX}/", f"{PREFIX}/?lang=en", f"{PREFIX}/offices?near=" + quote("Київ")]
    queue, seen, shapes, problems = list(start), set(start), {}, []
    checked = 0
    while queue and checked < 80:
        path = queue.pop(0)
        status, headers, body = get(mirror + path)
        assert status < 500, path
        location = headers.get("Location")
        if location:
            target = urlsplit(urljoin(mirror + path, location))
            if target.netloc != host or not target.path.startswith(PREFIX + "/"):
                problems.append(f"{path}: redirects to {location}")
            continue
        if "text/html" not in headers.get("Content-Type", ""):
            continue
        checked += 1
        urls, rest = page_urls(body.decode())
        if CANONICAL in rest:
            problems.append(f"{path}: names {CANONICAL} outside share links and JSON-LD")
        for where, url in urls:
            parts = urlsplit(url)
            if parts.scheme in ("mailto", "tel", "geo", "data") or url.startswith("#"):
                continue
            if parts.netloc and parts.netloc != host:
                continue  # another site: OpenStreetMap's directions, an office's website
            absolute = urlsplit(urljoin(mirror + path, url))
            if not absolute.path.startswith(PREFIX + "/"):
                problems.append(f"{path}: {where} {url}")
                continue
            target = absolute.path + (f"?{absolute.query}" if absolute.query else "")
            if SKIP.search(absolute.path) or target in seen:
                continue
            seen.add(target)
            shapes[shape(target)] = shapes.get(shape(target), 0) + 1
            if shapes[shape(target)] <= 4:
                queue.append(target)
    assert problems == [], "\n".join(problems)
    assert checked >= 25  # the crawl reached the site's pages, not only the first


def test_redirects_and_the_offline_site_stay_under_the_prefix(mirror):
    status, headers, _ = get(mirror + PREFIX + "/admin/offices")
    assert status in (301, 302, 303)
    assert urlsplit(urljoin(mirror, headers["Location"])).path == PREFIX + "/admin/login"
    _, _, body = get(mirror + PREFIX + "/sw.js")
    settings = json.loads(re.search(r"^const SETTINGS = (.*);$", body.decode(), re.M).group(1))
    assert settings["root"] == PREFIX + "/"
    assert settings["static"] == PREFIX + "/static/"
    assert all(url.startswith(PREFIX + "/static/") for url in settings["shell"])
    assert settings["private"][0].startswith(PREFIX + "/")
    _, _, body = get(mirror + PREFIX + "/manifest.webmanifest?lang=uk")
    manifest = json.loads(body)
    assert manifest["start_url"] == manifest["scope"] == PREFIX + "/"
    assert all(icon["src"].startswith(PREFIX + "/static/") for icon in manifest["icons"])
    # SITE_URL links name the canonical address, without the mirror's prefix.
    _, _, body = get(mirror + PREFIX + "/offices/kyiv-podil-legal-aid")
    json_ld = re.search(
        r'<script type="application/ld\+json"[^>]*>(.*?)</script>', body.decode(), re.S
    )
    assert (
        json.loads(json_ld.group(1))["url"] == f"https://{CANONICAL}/offices/kyiv-podil-legal-aid"
    )
    _, _, body = get(mirror + PREFIX + "/statements/feed.atom")
    assert f"https://{CANONICAL}/statements" in body.decode()
    assert f"{CANONICAL}{PREFIX}/" not in body.decode()


def test_the_offline_site_works_under_the_prefix(browser, mirror):
    context = browser.new_context(locale="uk-UA")
    try:
        page = context.new_page()
        results = mirror + PREFIX + "/offices?near=" + quote("Київ")
        page.goto(results)
        controlled(page)
        scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
        assert scope == mirror + PREFIX + "/"
        until(page, "async (url) => !!(await caches.match(url))", results)
        context.set_offline(True)
        page.reload()
        assert page.locator("[data-saved-note]").is_visible()
        page.goto(mirror + PREFIX + "/statements")
        assert page.locator("h1").inner_text() == "Без з’єднання"
    finally:
        close_context(context)
