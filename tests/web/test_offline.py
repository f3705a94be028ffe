"""The server's side of the offline site: the service worker, the manifest, the offline
page, and the offices a page offers to keep ("save for offline")."""

from __future__ import annotations

import json
import re
import shutil
import struct
from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup

from locator import create_app
from locator.config import ROOT
from locator.offline.services import hours_spans, unix_minutes


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def text(element) -> str:
    return " ".join(element.get_text(" ").split())


def sw_settings(body: str) -> dict:
    return json.loads(re.search(r"^const SETTINGS = (.*);$", body, re.M).group(1))


# --- the service worker -------------------------------------------------------------


def test_the_service_worker_lives_at_the_root_and_is_revalidated(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    again = client.get("/sw.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_shell_is_every_file_a_page_needs_under_its_content_version(client):
    settings = sw_settings(client.get("/sw.js").get_data(as_text=True))
    assert settings["root"] == "/"
    shell = settings["shell"]
    names = {re.sub(r"^/static/[0-9a-f]{12}/", "", url) for url in shell}
    assert {"css/site.css", "js/offline.js", "js/site.js", "img/icon-192.png"} <= names
    # The map keeps working offline: Leaflet, our map code and the country outlines.
    assert {
        "vendor/leaflet/leaflet.js",
        "js/map.js",
        "vendor/world-atlas/countries.geojson",
    } <= names
    assert not any(name.endswith(".ttf") for name in names)  # posters' fonts stay out
    for url in shell:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert settings["offline"] == {"uk": "/offline?lang=uk", "en": "/offline?lang=en"}


def test_the_service_worker_never_stores_personal_pages(client):
    settings = sw_settings(client.get("/sw.js").get_data(as_text=True))
    assert {"/admin", "/chat", "/volunteer/confirm/", "/volunteer/withdraw/"} <= set(
        settings["private"]
    )
    assert "/api/" in settings["notStored"]


def test_a_deployment_that_changes_a_file_changes_the_service_worker(tmp_path, app_config):
    """The browser compares /sw.js byte for byte: a changed asset must change it, and
    name a new cache (the old one is deleted when the new worker activates)."""
    static = tmp_path / "static"
    shutil.copytree(ROOT / "static", static)
    before = _sw_of(app_config, static)
    (static / "css" / "site.css").write_text(
        (static / "css" / "site.css").read_text() + "\n.brand { letter-spacing: 1px; }\n"
    )
    after = _sw_of(app_config, static)
    version = re.compile(r'^const VERSION = "([0-9a-f]{12})";$', re.M)
    assert version.search(before).group(1) != version.search(after).group(1)
    old_css = [u for u in sw_settings(before)["shell"] if u.endswith("/css/site.css")]
    new_css = [u for u in sw_settings(after)["shell"] if u.endswith("/css/site.css")]
    assert old_css != new_css


def _sw_of(app_config, static) -> str:
    app = create_app({**app_config, "STATIC_FOLDER": str(static)})
    with app.app_context():
        return app.test_client().get("/sw.js").get_data(as_text=True)


# --- the manifest -------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize(
    ("lang", "name", "short"),
    [
        ("uk", "Пошук правової допомоги", "Правова допомога"),
        ("en", "Legal Help Locator", "Legal help"),
    ],
)
def test_the_manifest_installs_the_site_in_the_visitors_language(client, lang, name, short):
    page = soup_of(client.get(f"/?lang={lang}"))
    href = page.select_one("link[rel=manifest]")["href"]
    assert href == f"/manifest.webmanifest?lang={lang}"
    response = client.get(href)
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert manifest["lang"] == lang
    assert manifest["name"] == name
    assert manifest["short_name"] == short
    assert manifest["start_url"] == "/"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    widths = set()
    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200
        if icon["type"] == "image/png":
            width, height = png_size(response.get_data())
            assert icon["sizes"] == f"{width}x{height}"
            widths.add(width)
    assert widths == {192, 512}
    assert [i["sizes"] for i in manifest["icons"] if i.get("purpose") == "maskable"] == ["512x512"]


def test_every_page_registers_the_worker_from_the_root(client):
    page = soup_of(client.get("/"))
    script = page.select_one("script[data-sw]")
    assert script["data-sw"] == "/sw.js"
    assert script["data-root"] == "/"
    assert re.fullmatch(r"/static/[0-9a-f]{12}/js/offline\.js", script["src"])
    assert page.select_one("meta[name=theme-color]")
    # The saved copy's line is there, hidden: the worker shows it in the copy it keeps.
    note = page.select_one("[data-saved-note]")
    assert note.has_attr("hidden")
    assert "може бути застарілою" in text(note)


# --- save for offline ---------------------------------------------------------------


def records(page) -> list[dict]:
    return json.loads(page.select_one("[data-save-offline]")["data-records"])


def test_results_offer_to_save_their_offices_with_two_weeks_of_hours(client, make_office, clock):
    make_office(
        slug="khreshchatyk",
        name="Приймальня на Хрещатику",
        address="вул. Хрещатик, 22",
        phone="+380 44 555 01 01",
        email="private@example.org",
        opening_hours="Mo-Fr 09:00-18:00",
    )
    make_office(
        slug="hotline",
        name="Гаряча лінія",
        address="",
        lat=None,
        lon=None,
        kind="remote",
        serves="UA",
        opening_hours="24/7",
    )
    page = soup_of(client.get("/offices?near=Київ"))
    box = page.select_one("[data-save-offline]")
    assert box["data-area"] == "Київ, Україна"
    assert (
        text(box.select_one("[data-save-button]"))
        == "Зберегти ці приймальні для перегляду без інтернету"
    )
    saved = {r["slug"]: r for r in records(page)}
    office = saved["khreshchatyk"]
    assert office["name"] == "Приймальня на Хрещатику"
    assert office["address"] == "вул. Хрещатик, 22"
    assert office["phone"] == "+380 44 555 01 01"
    assert office["url"] == "/offices/khreshchatyk"
    assert office["hours"] == ["пн–пт 09:00–18:00"]
    assert office["remote"] is False
    assert "email" not in office and "private@example.org" not in json.dumps(saved)
    # Wednesday 11:00 in Kyiv: open until 18:00 (7 hours), then Thursday 09:00-18:00.
    spans = office["spans"]
    assert spans["from"] == unix_minutes(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    assert spans["until"] - spans["from"] == 14 * 24 * 60
    assert spans["open"][:2] == [[0, 7 * 60], [22 * 60, 31 * 60]]
    # Two weeks of weekdays, the last one (Wednesday in a fortnight) cut at 11:00.
    assert len(spans["open"]) == 11
    assert spans["open"][-1] == [14 * 24 * 60 - 2 * 60, 14 * 24 * 60]
    assert saved["hotline"]["remote"] is True
    assert saved["hotline"]["spans"]["open"] == [[0, 14 * 24 * 60]]


def test_an_office_page_offers_to_save_that_office(client, make_office):
    make_office(slug="podil", name="Приймальня на Подолі")
    page = soup_of(client.get("/offices/podil?lang=en"))
    box = page.select_one("[data-save-offline]")
    assert not box.has_attr("data-area")
    assert text(box.select_one("[data-save-button]")) == "Save this office for offline use"
    assert [r["slug"] for r in records(page)] == ["podil"]
    # Hidden until the script runs: saving needs it.
    assert box.select_one("[data-save-button]").has_attr("hidden")


def test_the_saved_data_is_escaped_inside_its_attribute(client, make_office):
    make_office(slug="x", name="O'Brien <script>alert(1)</script> & Co")
    html = client.get("/offices/x").get_data(as_text=True)
    attribute = re.search(r"data-records='([^']*)'", html).group(1)
    assert "<" not in attribute and "'" not in attribute
    assert json.loads(attribute)[0]["name"] == "O'Brien <script>alert(1)</script> & Co"


def test_hours_spans_handle_unknown_and_invalid_hours(clock):
    now = clock()
    assert hours_spans("", now, tz_name="Europe/Kyiv")["open"] == []
    assert hours_spans("not hours at all", now, tz_name="Europe/Kyiv")["open"] == []
    unknown = hours_spans("Mo-Fr 10:00-12:00 unknown", now, tz_name="Europe/Kyiv")
    assert unknown["open"] == []
    assert unknown["unknown"][:2] == [[0, 60], [23 * 60, 25 * 60]]  # Wed 11:00 is in the first


def test_public_holidays_are_closed_in_the_saved_hours(make_office):
    """Ukraine's 1 January: "PH off" is applied before the hours leave the server."""
    spans = hours_spans(
        "Mo-Su 09:00-18:00; PH off",
        datetime(2026, 12, 31, 12, 0, tzinfo=UTC),
        tz_name="Europe/Kyiv",
        country="UA",
    )
    starts = [start for start, _end in spans["open"]]
    new_year = (24 - 14) * 60 + 9 * 60  # 1 January 09:00 in Kyiv, after 31 Dec 14:00
    assert new_year not in starts
    assert new_year + 24 * 60 in starts


# --- the offline page ---------------------------------------------------------------


@pytest.fixture
def hotlines(app, make_office):
    app.config["HOTLINE"] = "0 800 213 103; +380 44 555 00 00"
    make_office(
        slug="hotline",
        name="Цілодобова гаряча лінія",
        address="",
        phone="+380 800 555 000",
        opening_hours="24/7",
    )
    make_office(slug="room", name="Приймальня", address="вул. Хрещатик, 1")


def test_the_offline_page_gives_the_hotlines_and_the_chat_hours(client, hotlines):
    page = soup_of(client.get("/offline"))
    assert text(page.h1) == "Без з’єднання"
    phone = page.select_one("#offline-phone").parent
    numbers = [a["href"] for a in phone.select("a.hotline-number")]
    assert numbers == ["tel:0800213103", "tel:+380445550000"]
    offices = [text(h) for h in phone.select(".office-name")]
    assert offices == ["Цілодобова гаряча лінія"]  # the office with an address is not a hotline
    assert phone.select_one(".phone a")["href"] == "tel:+380800555000"
    chat = page.select_one("#offline-chat").parent
    assert "10:00–13:00, 14:00–16:00" in text(chat)
    assert json.loads(chat.select_one("[data-hours]")["data-hours"])["open"]
    missing = text(page.select_one("#offline-not").parent)
    assert "пошук місця" in missing and "онлайн-чат" in missing


def test_the_offline_page_in_english(client, hotlines):
    page = soup_of(client.get("/offline?lang=en"))
    assert text(page.h1) == "Without a connection"
    assert "What will not work until the connection is back" in text(page)


def test_the_offline_page_without_hotlines_says_so(client):
    page = soup_of(client.get("/offline?lang=en"))
    assert "No hotline is listed." in text(page)


def test_pages_without_offices_offer_nothing_to_save(client):
    assert soup_of(client.get("/")).select_one("[data-save-offline]") is None
    response = client.get("/offices?near=Nowhere-at-all-zzz")
    assert "data-save-offline" not in response.get_data(as_text=True)
