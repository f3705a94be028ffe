"""The maps in a real browser: no tile server, no host but 127.0.0.1."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask_babel import gettext
from playwright.sync_api import expect
from sqlalchemy import delete, select

from locator.extensions import db
from locator.models import Office
from tests.e2e.browsing import close_context

EVIL = "<img src=x onerror=alert(1)>"
KYIV_SLUG = "kyiv-podil-legal-aid"


TILES = "http://127.0.0.1:9/"  # the live app's TILE_URL: nothing listens there


def js_errors(page) -> list[str]:
    """JavaScript errors and failed loads, except the tiles (there is no tile server)."""
    return list(page.map_errors)


@pytest.fixture
def watched(page, live_url):
    """The page, recording script errors and failed requests other than the tiles."""
    page.map_errors = []
    page.failed = []

    def console(message):
        if message.type == "error" and not message.location.get("url", "").startswith(TILES):
            page.map_errors.append(f"{message.text} ({message.location.get('url')})")

    def failed(request):
        if not request.url.startswith(TILES):
            page.failed.append(request.url)

    def finished(response):
        if response.url.startswith(live_url) and response.status >= 400:
            page.failed.append(f"{response.status} {response.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: page.map_errors.append(str(error)))
    page.on("requestfailed", failed)
    page.on("response", finished)
    return page


def assert_clean(page, context):
    assert js_errors(page) == []
    assert page.failed == []
    assert context.foreign_requests == []


def test_results_map_draws_the_origin_and_numbered_offices_without_tiles(
    watched, context, live_url
):
    page = watched
    page.goto(live_url + "/offices?near=Київ&lang=en")
    items = page.locator("[data-office-list] > [data-number]")
    pins = page.locator(".locator-pin--numbered")
    pins.first.wait_for()
    # The list holds rooms one can walk into, each with its pin numbered as in the list;
    # remote help (phone and online receptions) is listed apart and has no pin.
    numbers = [items.nth(i).get_attribute("data-number") for i in range(items.count())]
    assert numbers
    assert [pins.nth(i).inner_text() for i in range(pins.count())] == numbers
    assert page.locator("[data-remote-help] .remote-item").count() >= 1
    assert page.locator("path.locator-origin").count() == 1
    page.wait_for_selector(".locator-map[data-basemap=ready]")
    # Country outlines are drawn under the (missing) tiles.
    assert page.locator(".leaflet-locatorBasemap-pane path").count() > 100
    assert_clean(page, context)


def test_list_and_markers_focus_each_other(watched, context, live_url):
    page = watched
    page.goto(live_url + "/offices?near=Київ&lang=en")
    pins = page.locator(".locator-pin--numbered")
    pins.first.wait_for()
    one, two = pins.nth(0).inner_text(), pins.nth(1).inner_text()  # the first two pinned
    second = page.locator(f"[data-office-list] > [data-number='{two}']")
    name = second.locator(".office-name").inner_text()

    second.get_by_role("button", name="Show on map").click()
    popup = page.locator(".leaflet-popup .locator-popup")
    popup.wait_for()
    assert popup.locator(".locator-popup__name").inner_text() == f"{two}. {name}"
    assert "is-focused" in page.locator(".locator-pin--numbered", has_text=two).get_attribute(
        "class"
    )
    assert "is-focused" in second.get_attribute("class")

    page.locator(".leaflet-popup-close-button").click()
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    # Markers are keyboard buttons (two offices may overlap, so no mouse here).
    page.locator(".locator-pin--numbered", has_text=one).focus()
    page.keyboard.press("Enter")
    first = page.locator(f"[data-office-list] > [data-number='{one}']")
    assert "is-focused" in first.get_attribute("class")
    assert first.get_attribute("aria-current") == "true"
    assert "is-focused" not in second.get_attribute("class")
    expect(page.locator(".leaflet-popup .locator-popup__name")).to_have_count(1)
    assert page.locator(".leaflet-popup .locator-popup__name").inner_text().startswith(f"{one}. ")
    assert_clean(page, context)


def test_results_list_works_without_javascript(browser, live_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_url + "/offices?near=Львів&lang=en")
    assert page.locator("[data-office-list] > [data-number]").count() > 0
    assert page.locator(".locator-show-on-map").count() == 0
    assert "Lviv" in page.locator("h1").inner_text()
    close_context(context)


def test_office_page_shows_the_office_and_its_neighbours(watched, context, live_url):
    page = watched
    page.goto(f"{live_url}/offices/{KYIV_SLUG}?lang=en")
    main = page.locator(".leaflet-marker-icon.locator-main")
    main.wait_for()
    assert re.search(
        r"/static/[0-9a-f]{12}/vendor/leaflet/images/marker-icon\.png$", main.get_attribute("src")
    )
    assert (
        page.locator(".locator-pin--neighbour").count()
        == page.locator(".neighbours .office-item").count()
    )
    main.click()
    assert "Подолі" in page.locator(".locator-popup__name").inner_text()
    assert_clean(page, context)


@pytest.fixture
def evil_office(live_app):
    with live_app.app_context():
        db.session.add(
            Office(
                slug="evil-office",
                name=EVIL,
                address='"><script>alert(2)</script>',
                city="Київ",
                country="UA",
                lat=50.4,
                lon=30.6,
                phone="+380 44 000 00 00",
                opening_hours="Mo-Su 00:00-24:00",
            )
        )
        db.session.commit()
    yield "evil-office"
    with live_app.app_context():
        db.session.execute(delete(Office).where(Office.slug == "evil-office"))
        db.session.commit()


def test_popups_show_markup_in_names_as_text(watched, context, live_url, evil_office):
    page = watched
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_url}/offices/{evil_office}?lang=en")
    page.locator(".locator-main").click()
    popup = page.locator(".locator-popup")
    assert popup.locator(".locator-popup__name").inner_text() == EVIL
    assert '"><script>alert(2)</script>' in popup.inner_text()
    assert "Open now" in popup.inner_text()
    assert popup.locator("img, script").count() == 0
    assert dialogs == []
    assert_clean(page, context)


def test_overview_map_clusters_every_office_and_filters_update_it(
    watched, context, live_app, live_url
):
    page = watched
    with page.expect_response(re.compile(r"/api/v1/offices\?.*zoom=6")) as first:
        page.goto(live_url + "/map?lang=en")
    in_view = len(first.value.json()["features"])
    status = page.locator(".locator-map-status")
    page.wait_for_function(
        "document.querySelector('.locator-map-status').textContent.includes(':')"
    )
    assert status.inner_text() == f"Consulting rooms in view: {in_view}"
    clusters = page.locator(".marker-cluster")
    clusters.first.wait_for()
    drawn = sum(int(clusters.nth(i).inner_text()) for i in range(clusters.count()))
    singles = page.locator(".leaflet-marker-icon:not(.marker-cluster)").count()
    assert drawn + singles == in_view

    with page.expect_response(re.compile(r"/api/v1/offices\?.*category=criminal_defence")) as resp:
        page.select_option("#map-category", "criminal_defence")
    filtered = resp.value.json()["features"]
    assert 0 < len(filtered) < in_view
    with live_app.app_context():
        defence = set(
            db.session.scalars(
                select(Office.slug).where(Office.categories.contains("criminal_defence"))
            )
        )
    assert {f["properties"]["slug"] for f in filtered} <= defence
    page.wait_for_function(
        f"document.querySelector('.locator-map-status').textContent.endsWith(': {len(filtered)}')"
    )
    assert "category=criminal_defence" in page.url
    assert_clean(page, context)


def test_overview_search_box_centres_the_map_on_the_place(watched, context, live_url):
    page = watched
    page.goto(live_url + "/map?lang=en")
    page.fill("#map-near", "Odesa")
    with page.expect_response(re.compile(r"/api/v1/offices\?.*zoom=11")) as resp:
        page.locator("#map-filters button[type=submit]").click()
    assert "near=Odesa" in page.url
    names = [f["properties"]["city"] for f in resp.value.json()["features"]]
    assert names and set(names) == {"Одеса"}
    assert page.locator("path.locator-origin").count() == 1
    assert_clean(page, context)


def test_clusters_split_when_zooming_in(watched, context, live_url):
    page = watched
    page.goto(live_url + "/map?lang=en&near=Київ")
    cluster = page.locator(".marker-cluster").first
    cluster.wait_for()
    zoom = "() => window.LocatorMap.maps[0].map.getZoom()"
    before, count = page.evaluate(zoom), int(cluster.inner_text())
    with page.expect_response(re.compile(r"/api/v1/offices\?")):
        cluster.click()
    page.wait_for_function(f"({zoom})() > {before}")
    page.wait_for_timeout(800)  # markercluster's zoom animation
    clusters = page.locator(".marker-cluster")
    shown = sum(int(clusters.nth(i).inner_text()) for i in range(clusters.count()))
    singles = page.locator(".leaflet-marker-icon:not(.marker-cluster)").count()
    assert shown + singles >= count
    assert clusters.count() + singles > 1
    assert_clean(page, context)


@pytest.fixture
def partner_site(live_url):
    """A partner's page on another origin (its own loopback port) framing our maps."""
    html = (
        "<!doctype html><html lang=en><head><title>Partner</title></head><body>"
        f'<iframe id=embed title=map width=600 height=400 src="{live_url}/embed/map?near=Львів&category=family&lang=en"></iframe>'
        f'<iframe id=site title=site width=600 height=400 src="{live_url}/map"></iframe>'
        "</body></html>"
    ).encode()

    class Partner(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Partner)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_embed_map_works_inside_a_partner_iframe(watched, context, partner_site):
    page = watched
    page.goto(partner_site)
    embed = page.frame_locator("#embed")
    embed.locator(".leaflet-marker-icon").first.wait_for()
    assert embed.locator(".site-header").count() == 0
    assert embed.locator("h1").inner_text().startswith("Map of consulting rooms")
    frame = page.frame(url=re.compile(r"/embed/map"))
    assert "category=family" in frame.url
    # Only the embed page may be framed: the site's own /map is refused.
    site = page.frame(url=re.compile(r"/map$"))
    assert site is None or site.locator(".leaflet-container").count() == 0
    page.wait_for_timeout(300)
    refused = [e for e in js_errors(page) if "frame-ancestors" in e]
    assert len(refused) == 1
    assert [e for e in js_errors(page) if e not in refused] == []
    assert context.foreign_requests == []


def test_embed_map_headers_allow_framing(live_app):
    client = live_app.test_client()
    embed = client.get("/embed/map")
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    page = client.get("/map")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_popups_use_the_page_language(watched, context, live_url):
    page = watched
    page.goto(f"{live_url}/offices/{KYIV_SLUG}?lang=uk")
    page.locator(".locator-main").click()
    popup = page.locator(".locator-popup")
    assert popup.locator(".locator-popup__more").inner_text() == "Докладніше"
    status = popup.locator(".locator-popup__status").inner_text()
    assert page.locator(".office > .open-state").inner_text().startswith(status)
    assert_clean(page, context)


def test_use_my_location_from_the_results_page(watched, context, live_url):
    page = watched
    context.grant_permissions(["geolocation"], origin=live_url)
    context.set_geolocation({"latitude": 49.8397, "longitude": 24.0297})
    page.goto(live_url + "/offices?near=Київ&category=family&lang=en")
    page.locator("[data-locate-button]").click()
    page.wait_for_url(re.compile(r"/offices\?.*lat=49\.8397"))
    assert "category=family" in page.url
    assert "Львів" in page.locator("[data-office-list] > [data-number='1']").inner_text()
    page.locator(".locator-pin--numbered").first.wait_for()
    assert_clean(page, context)


def test_refused_location_says_so_in_the_page_language(watched, context, live_app, live_url):
    page = watched
    context.clear_permissions()
    page.goto(live_url + "/offices?near=Київ&lang=uk")
    page.locator("[data-locate-button]").click()
    message = page.locator("[data-locate-message]")
    message.wait_for(state="visible")
    with live_app.test_request_context("/?lang=uk"):
        expected = gettext("You did not allow access to your location. Type your city instead.")
    assert message.inner_text() == expected
    assert "lat=" not in page.url
    assert_clean(page, context)
