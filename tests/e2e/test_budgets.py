"""Light on a slow phone: bytes over the wire, counted by Chromium on a first visit
(Chrome DevTools Protocol's encodedDataLength: headers and compressed bodies), map tiles
left out. The map's code and data load only on pages that show a map; no page loads a font."""

from __future__ import annotations

import json
import re
import time
import urllib.request
from urllib.parse import quote

import pytest

from tests.e2e.browsing import close_context

KB = 1024
BUDGETS = {
    "/": 60 * KB,
    "/offices?near=" + quote("Київ"): 150 * KB,
    "/offices/kyiv-podil-legal-aid": 150 * KB,
}
NO_MAP = ("/", "/ask", "/volunteer", "/statements", "/poster", "/offline")
MAP_FILES = ("leaflet", "map.js", "map.css", "countries.geojson", "markercluster")


def shell_urls(live_url: str) -> list[str]:
    with urllib.request.urlopen(live_url + "/sw.js") as response:
        source = response.read().decode()
    settings = json.loads(re.search(r"^const SETTINGS = (.*);$", source, re.M).group(1))
    return [*settings["shell"], *settings["offline"].values()]


@pytest.fixture(scope="module", autouse=True)
def warm(live_url):
    """A server that has run a while: brotli's best quality is computed once per file, in
    a thread, while the very first requests get quality 5 (locator/assets.py)."""
    deadline = time.monotonic() + 60
    for path in shell_urls(live_url):
        while True:
            request = urllib.request.Request(live_url + path, headers={"Accept-Encoding": "br"})
            with urllib.request.urlopen(request) as response:
                if not response.headers.get("ETag", "").endswith('-br5"'):
                    break
            assert time.monotonic() < deadline, path
            time.sleep(0.1)


def first_visit(browser, url: str) -> list[dict]:
    """Every response a first visit to `url` receives: url, bytes, encoding."""
    context = browser.new_context(locale="uk-UA", service_workers="block")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    seen: dict[str, dict] = {}

    def received(event):
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        seen[event["requestId"]] = {
            "url": event["response"]["url"],
            "encoding": headers.get("content-encoding", ""),
            "type": headers.get("content-type", ""),
        }

    def finished(event):
        seen.setdefault(event["requestId"], {"url": "?"})["bytes"] = event["encodedDataLength"]

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    try:
        page.goto(url, wait_until="networkidle")
        page.wait_for_timeout(300)
    finally:
        close_context(context)
    tiles = re.compile(r"^http://127\.0\.0\.1:9/")
    return [r for r in seen.values() if "bytes" in r and not tiles.match(r.get("url", ""))]


def describe(responses) -> str:
    return "\n".join(f"{r['bytes']:>8} {r.get('encoding', ''):4} {r['url']}" for r in responses)


@pytest.mark.parametrize(("path", "budget"), BUDGETS.items(), ids=list(BUDGETS))
def test_a_first_visit_stays_within_its_budget(browser, live_url, path, budget):
    responses = first_visit(browser, live_url + path)
    total = sum(r["bytes"] for r in responses)
    print(f"\n{path}: {total / KB:.1f} KB in {len(responses)} responses\n{describe(responses)}")
    assert total <= budget, describe(responses)
    # Text travels compressed (brotli: Chromium asks for it even on plain http to loopback).
    text = [
        r
        for r in responses
        if re.match(r"text/|application/(json|javascript|geo\+json)", r["type"])
    ]
    assert text and all(r["encoding"] == "br" for r in text if r["bytes"] > 1200), describe(text)


@pytest.mark.parametrize("path", NO_MAP)
def test_pages_without_a_map_load_no_map_code(browser, live_url, path):
    responses = first_visit(browser, live_url + path)
    assert not [r["url"] for r in responses if any(name in r["url"] for name in MAP_FILES)]


@pytest.mark.parametrize("path", [*BUDGETS, "/map"])
def test_no_page_loads_a_font(browser, live_url, path):
    responses = first_visit(browser, live_url + path)
    assert not [r["url"] for r in responses if re.search(r"\.(ttf|otf|woff2?)$", r["url"])]


def test_the_offline_shell_fetched_once_after_the_first_visit_is_bounded(live_url):
    """The service worker's one-off download on the first visit (CSS, scripts, icons, the
    map's code and country outlines, the offline page in two languages), compressed."""
    total = 0
    for path in shell_urls(live_url):
        request = urllib.request.Request(live_url + path, headers={"Accept-Encoding": "br"})
        with urllib.request.urlopen(request) as response:
            total += len(response.read())
    print(f"\nshell: {total / KB:.1f} KB")
    assert total <= 150 * KB
