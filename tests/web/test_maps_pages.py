"""The map pages and the overview map's data, through Flask's test client."""

from __future__ import annotations

import json
import re

import pytest
from flask_babel import refresh

EVIL = "<img src=x onerror=alert(1)>"


def hosts(html: str) -> set[str]:
    """Hosts the page loads from: script/link/img sources (links to other sites are fine)."""
    sources = re.findall(r'<(?:script|link|img|iframe)\b[^>]*?(?:src|href)="([^"]+)"', html)
    return {m.group(1) for s in sources if (m := re.match(r"https?://([^/]+)", s))}


def map_config(html: str) -> dict:
    """The map's data as map.js reads it: the JSON block named by LocatorMap.attach."""
    data_id = re.search(r'LocatorMap\.attach\(\w+, "(\w+)"\);', html).group(1)
    block = re.search(rf'<script type="application/json" id="{data_id}">(.*?)</script>', html)
    return json.loads(block.group(1))


def test_map_page_loads_only_local_assets_and_no_office_data(client, make_office):
    make_office(name="Офіс на мапі")
    response = client.get("/map")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert hosts(html) == set()
    # Under the static files' content version (locator/assets.py).
    assert re.search(r"/static/[0-9a-f]{12}/vendor/leaflet/leaflet\.js", html)
    assert re.search(
        r"/static/[0-9a-f]{12}/vendor/leaflet\.markercluster/leaflet\.markercluster\.js", html
    )
    assert "Офіс на мапі" not in html
    assert map_config(html)["dataUrl"] == "/api/v1/offices"


def test_map_script_carries_the_pages_csp_nonce(client):
    response = client.get("/map")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    assert f'<script nonce="{nonce}">\nvar map_' in html


def test_map_page_is_in_the_page_language(client):
    uk = client.get("/map?lang=uk").get_data(as_text=True)
    refresh()  # the test's app context outlives the request: forget the cached locale
    en = client.get("/map?lang=en").get_data(as_text=True)
    assert "<h1>Мапа приймалень</h1>" in uk
    assert "<h1>Map of consulting rooms</h1>" in en
    assert map_config(uk)["labels"]["show"] == "Показати на мапі"
    assert map_config(en)["labels"]["show"] == "Show on map"


def test_map_filters_and_search_set_up_the_map(client, make_office):
    html = client.get("/map?near=Львів&category=family&language=en&open_now=1").get_data(
        as_text=True
    )
    config = map_config(html)
    assert config["filters"] == {"category": "family", "language": "en", "open_now": "1"}
    assert config["origin"]["lat"] == pytest.approx(49.84, abs=0.05)
    assert re.search(r"center: \[49\.8\d*, 24\.0\d*\]", html)
    assert '<option value="family" selected>' in html
    assert 'name="open_now" value="1" checked' in html


def test_map_with_bad_filters_or_unknown_place_explains_in_the_page(client):
    bad = client.get("/map?category=nonsense&lang=en")
    assert bad.status_code == 400
    assert "Unknown category." in bad.get_data(as_text=True)
    missing = client.get("/map?near=Qwzxqwzx&lang=en")
    assert missing.status_code == 200
    assert "We could not find “Qwzxqwzx”" in missing.get_data(as_text=True)
    long = client.get("/map?near=" + "x" * 5000)
    assert long.status_code == 400


def test_embed_page_has_no_site_chrome_and_may_be_framed(client, app):
    app.config["EMBED_FRAME_ANCESTORS"] = "https://partner.example.org"
    response = client.get("/embed/map?near=Одеса&category=housing&lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="site-header"' not in html
    assert "X-Frame-Options" not in response.headers
    assert (
        "frame-ancestors https://partner.example.org" in response.headers["Content-Security-Policy"]
    )
    config = map_config(html)
    assert config["embed"] is True and config["filters"] == {"category": "housing"}
    assert config["origin"]["label"]


def test_other_pages_may_not_be_framed(client):
    for path in ("/map", "/", "/offices?near=Київ"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_results_page_numbers_the_markers_like_the_list(client, make_office):
    for n in range(3):
        make_office(name=f"Приймальня {n}", lat=50.45 + n / 100, lon=30.52)
    html = client.get("/offices?near=Київ").get_data(as_text=True)
    numbers = re.findall(r'data-number="(\d+)"', html)
    config = map_config(html)
    assert [str(m["n"]) for m in config["markers"]] == numbers == ["1", "2", "3"]
    assert config["origin"]["label"]
    assert hosts(html) == set()


def test_results_map_has_no_pin_for_a_hotline(client, make_office):
    """Phone and online receptions are listed, not pinned (their coordinates are a city's)."""
    make_office(name="Приймальня", lat=50.45, lon=30.52)
    make_office(name="Гаряча лінія", address="", lat=50.4501, lon=30.5201)
    make_office(name="Онлайн-приймальня", address="", lat=50.4501, lon=30.5201)
    make_office(name="Друга приймальня", lat=50.47, lon=30.52)
    html = client.get("/offices?near=Київ").get_data(as_text=True)
    numbers = re.findall(r'data-number="(\d+)"', html)
    assert len(numbers) == 4
    pinned = {m["n"]: m["name"] for m in map_config(html)["markers"]}
    assert sorted(pinned.values()) == ["Друга приймальня", "Приймальня"]
    # The pins keep the numbers of the list.
    for n, name in pinned.items():
        assert re.search(rf'data-number="{n}"[^>]*>.*?{name}<', html, re.S)


def test_office_names_are_escaped_in_the_maps(client, make_office):
    office = make_office(slug="evil", name=EVIL)
    make_office(name="Сусід", lat=50.46)
    for path in (f"/offices/{office.slug}", "/offices?near=Київ"):
        html = client.get(path).get_data(as_text=True)
        assert EVIL not in html
        assert any(m["name"] == EVIL for m in map_config(html)["markers"])


def test_office_page_map_shows_the_office_and_its_neighbours(client, make_office):
    office = make_office(slug="here", lat=50.45, lon=30.52)
    make_office(slug="near-1", lat=50.46, lon=30.52)
    make_office(slug="near-2", lat=50.47, lon=30.52)
    make_office(slug="no-coordinates", lat=None, lon=None)
    config = map_config(client.get(f"/offices/{office.slug}").get_data(as_text=True))
    assert [(m["slug"], m.get("main", False)) for m in config["markers"]] == [
        ("here", True),
        ("near-1", False),
        ("near-2", False),
    ]


def test_office_without_coordinates_has_no_map(client, make_office):
    office = make_office(lat=None, lon=None)
    html = client.get(f"/offices/{office.slug}").get_data(as_text=True)
    assert "LocatorMap.attach" not in html


# --- /api/v1/offices?zoom= (the overview map's data) ---------------------------


def test_api_without_zoom_is_unchanged(client, make_office):
    for n in range(5):
        make_office(lat=50.45, lon=30.52 + n / 1000)
    features = client.get("/api/v1/offices").get_json()["features"]
    assert len(features) == 5
    assert all("cluster" not in f["properties"] for f in features)


def test_api_clusters_crowded_areas_at_low_zoom(client, app, make_office, monkeypatch):
    monkeypatch.setattr("locator.geo.clusters.MAX_POINTS", 3)
    for n in range(6):
        make_office(slug=f"kyiv-{n}", lat=50.45 + n / 1000, lon=30.52)
    make_office(slug="lviv", lat=49.84, lon=24.03, categories="labour")
    body = client.get("/api/v1/offices?bbox=20,40,40,60&zoom=6").get_json()
    clusters = [f for f in body["features"] if f["properties"].get("cluster")]
    points = [f for f in body["features"] if not f["properties"].get("cluster")]
    assert [c["properties"]["count"] for c in clusters] == [6]
    assert clusters[0]["properties"]["bbox"] == [30.52, 50.45, 30.52, 50.455]
    assert [p["properties"]["slug"] for p in points] == ["lviv"]
    assert points[0]["properties"]["url"].endswith("/offices/lviv")

    zoomed = client.get("/api/v1/offices?bbox=20,40,40,60&zoom=16").get_json()["features"]
    assert len(zoomed) == 7
    family = client.get("/api/v1/offices?bbox=20,40,40,60&zoom=6&category=labour").get_json()
    assert [f["properties"]["slug"] for f in family["features"]] == ["lviv"]


def test_api_open_now_filter_applies_before_clustering(client, make_office, clock):
    clock.set(2026, 11, 25, 20, 0)  # Wednesday evening in Kyiv
    make_office(slug="day", opening_hours="Mo-Fr 09:00-18:00")
    make_office(slug="night", opening_hours="Mo-Su 00:00-24:00", lat=50.451)
    body = client.get("/api/v1/offices?zoom=3&open_now=1").get_json()
    assert [f["properties"]["slug"] for f in body["features"]] == ["night"]


@pytest.mark.parametrize("zoom", ["-1", "23", "x", "1.5", "９"])
def test_api_rejects_a_bad_zoom(client, zoom):
    response = client.get(f"/api/v1/offices?zoom={zoom}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_zoom"


# --- remote help beside the maps (issue 12 §5) --------------------------------------


def remote_offices(make_office):
    make_office(slug="crimea-line", name="Лінія для Криму", kind="remote", serves="UA-43;UA-40",
                address="", lat=None, lon=None)  # fmt: skip
    make_office(slug="national-line", name="Національна лінія", kind="remote", serves="UA",
                address="", lat=None, lon=None)  # fmt: skip
    make_office(
        slug="misplaced-line",
        name="Лінія з точкою",
        kind="remote",
        serves="UA-09",
        lat=50.45,
        lon=30.52,
    )  # fmt: skip  (coordinates left over: never drawn)
    return make_office(slug="kyiv-room", name="Приймальня в Києві")


def test_the_map_draws_rooms_only_and_lists_remote_help_beside_it(client, make_office):
    remote_offices(make_office)
    features = client.get("/api/v1/offices").get_json()["features"]
    assert [f["id"] for f in features] == ["kyiv-room"]
    clustered = client.get("/api/v1/offices?zoom=3").get_json()["features"]
    assert sum(f["properties"].get("count", 1) for f in clustered) == 1
    html = client.get("/map").get_data(as_text=True)
    aside = html[html.find("data-remote-help") :]
    for name in ("Лінія для Криму", "Національна лінія", "Лінія з точкою"):
        assert name in aside
    assert "Приймальня в Києві" not in html


def test_the_map_near_a_place_lists_the_remote_help_for_its_area(client, make_office):
    remote_offices(make_office)
    html = client.get("/map?near=Сімферополь").get_data(as_text=True)
    aside = html[html.find("data-remote-help") :]
    assert "Дистанційна допомога для: Автономна Республіка Крим" in aside
    assert aside.find("Лінія для Криму") < aside.find("Національна лінія")
    assert "Лінія з точкою" not in aside
    embed = client.get("/embed/map?near=Сімферополь").get_data(as_text=True)
    assert "Лінія для Криму" in embed[embed.find("data-remote-help") :]
