"""locator/maps/figures.py: local assets only, escaped data, small pages, clustering."""

import json
import random
import re
from pathlib import Path

import folium
import pytest

from locator.geo import clusters as grid
from locator.maps import figures as maps

ROOT = Path(__file__).resolve().parents[2]
TILES = "https://tiles.example.org/{z}/{x}/{y}.png"
LABELS = {"region": "Map of offices", "open": "Open now"}
EVIL = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"


def office(n: int, **kw) -> dict:
    data = {
        "slug": f"office-{n}",
        "name": f"Office {n}",
        "address": f"Street {n}",
        "city": "Kyiv",
        "phone": "+380 44 000 00 00",
        "open_now": n % 2 == 0,
        "url": f"/offices/office-{n}",
        "lat": 50.45 + n / 1000,
        "lon": 30.52 + n / 1000,
        "email": "private@example.org",
        "opening_hours": "Mo-Fr 09:00-18:00",
    }
    data.update(kw)
    return data


def page(m: maps.MapHtml) -> str:
    return str(m.assets) + str(m.html) + str(m.script())


def config_of(html: str) -> dict:
    """The map's data as map.js reads it: the JSON block named by LocatorMap.attach."""
    data_id = re.search(r'LocatorMap\.attach\(\w+, "(\w+)"\);', html).group(1)
    block = re.search(
        rf'<script type="application/json" id="{data_id}">(.*?)</script>', html, re.S
    ).group(1)
    return json.loads(block)


def all_maps(name: str = "Office 1") -> list[maps.MapHtml]:
    return [
        maps.results_map(
            {"lat": 50.45, "lon": 30.52, "label": "Kyiv"},
            [office(1, name=name), office(2)],
            tile_url=TILES,
            attribution="© Tiles",
            labels=LABELS,
        ),
        maps.office_map(
            office(1, name=name), [office(2)], tile_url=TILES, attribution="", labels=LABELS
        ),
        maps.overview_map(
            data_url="/api/v1/offices", tile_url=TILES, attribution="", labels=LABELS
        ),
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_pages_reference_no_host_but_the_tile_server(index):
    html = page(all_maps()[index])
    hosts = set(re.findall(r"https?://([^/\"'\s]+)", html))
    assert hosts == {"tiles.example.org"}
    for cdn in ("cdn.jsdelivr.net", "cdnjs", "code.jquery.com", "bootstrapcdn", "unpkg"):
        assert cdn not in html


@pytest.mark.parametrize("index", [0, 1, 2])
def test_every_referenced_static_file_is_shipped(index):
    m = all_maps()[index]
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', str(m.assets))
    assert any(u.endswith("/vendor/leaflet/leaflet.js") for u in urls)
    assert any(u.endswith("/js/map.js") for u in urls)
    for url in urls:
        assert (ROOT / url.lstrip("/")).is_file(), url
    assert (ROOT / "static" / maps.OUTLINE_PATH).is_file()


def test_folium_extras_are_not_loaded():
    assets = str(all_maps()[0].assets)
    for name in ("jquery", "bootstrap", "awesome", "fontawesome", "glyphicons"):
        assert name not in assets.lower()


def test_overview_loads_markercluster_and_results_do_not():
    results, _, overview = all_maps()
    assert "leaflet.markercluster.js" in str(overview.assets)
    assert "MarkerCluster.Default.css" in str(overview.assets)
    assert "markercluster" not in str(results.assets)


def test_folium_class_defaults_are_left_alone():
    all_maps()
    assert any("cdn" in url for _, url in folium.Map.default_js)


@pytest.mark.parametrize("index", [0, 1])
def test_office_names_are_escaped_inside_the_script(index):
    html = page(all_maps(EVIL)[index])
    assert "<img" not in html
    assert "</script><script>alert" not in html
    # The data block and the map's script, nothing more.
    assert html.count("</script>") == str(all_maps()[index].assets).count("</script>") + 2
    config = config_of(html)
    assert config["markers"][0]["name"] == EVIL


def test_results_markers_are_numbered_like_the_list_and_fit_the_origin():
    m = maps.results_map(
        {"lat": 50.0, "lon": 30.0, "label": "Origin"},
        [office(1), office(2, lat=None, lon=None), office(3)],
        labels=LABELS,
    )
    config = config_of(page(m))
    assert [mk["n"] for mk in config["markers"]] == [1, 3]
    assert config["origin"] == {"lat": 50.0, "lon": 30.0, "label": "Origin"}
    assert config["fit"][0] == [50.0, 30.0]
    # Only what a popup shows goes to the page.
    assert "private@example.org" not in str(m.script())
    assert set(config["markers"][0]) == set(maps.POPUP_FIELDS) | {"lat", "lon", "n"}


def test_tile_url_and_attribution_come_from_arguments():
    m = maps.results_map(None, [office(1)], tile_url=TILES, attribution="© Tiles", labels=LABELS)
    assert config_of(page(m))["tiles"] == {
        "url": "https://tiles.example.org/{z}/{x}/{y}.png",
        "attribution": "© Tiles",
        "maxZoom": 19,
    }


def test_map_region_is_labelled():
    m = all_maps()[0]
    assert 'role="region"' in str(m.html)
    assert 'aria-label="Map of offices"' in str(m.html)
    assert str(m.html).count(m.map_id) == 1


def test_results_map_of_fifty_offices_stays_small():
    m = maps.results_map(None, [office(n) for n in range(50)], labels=LABELS)
    assert len(page(m).encode()) < 20_000


def test_overview_page_holds_no_office_data():
    m = maps.overview_map(data_url="/api/v1/offices", filters={"category": "family"}, labels=LABELS)
    assert len(page(m).encode()) < 4_000
    assert '"dataUrl": "/api/v1/offices"' in page(m)
    assert '"filters": {"category": "family"}' in page(m)


def test_static_prefix_is_configurable():
    m = maps.overview_map(data_url="/x", labels=LABELS, static="/assets/")
    assert 'src="/assets/vendor/leaflet/leaflet.js"' in str(m.assets)
    assert "/static/" not in page(m)


def test_world_outline_is_small_geojson():
    path = ROOT / "static" / maps.OUTLINE_PATH
    assert path.stat().st_size < 300_000
    data = json.loads(path.read_text())
    assert data["type"] == "FeatureCollection"
    names = {f["properties"]["name"] for f in data["features"]}
    assert {"Ukraine", "Poland", "Kazakhstan"} <= names


def test_vendor_licences_are_shipped():
    for package in ("leaflet", "leaflet.markercluster", "world-atlas"):
        assert (ROOT / "static/vendor" / package / "LICENSE").is_file()
    for image in ("marker-icon.png", "marker-icon-2x.png", "marker-shadow.png"):
        assert (ROOT / "static/vendor/leaflet/images" / image).is_file()


def test_mercator_pixels_match_leaflet():
    assert grid.mercator_px(0, 0, 0) == pytest.approx((128, 128))
    assert grid.mercator_px(0, -180, 1) == pytest.approx((0, 256))
    x, y = grid.mercator_px(85.0511287798, 180, 2)
    assert (x, y) == pytest.approx((1024, 0), abs=1e-6)


def test_grid_cluster_groups_near_points_and_keeps_lonely_ones():
    kyiv = [(50.45 + i / 10_000, 30.52, f"k{i}") for i in range(5)]
    lviv = [(49.84, 24.03, "lviv")]
    clusters, singles = grid.grid_cluster(kyiv + lviv, zoom=6)
    assert singles == ["lviv"]
    assert len(clusters) == 1
    assert clusters[0].count == 5
    assert clusters[0].bbox == (30.52, 50.45, 30.52, 50.4504)
    feature = grid.cluster_feature(clusters[0])
    assert feature["properties"] == {
        "cluster": True,
        "count": 5,
        "bbox": [30.52, 50.45, 30.52, 50.4504],
    }
    assert feature["geometry"]["coordinates"] == [30.52, 50.4502]


def test_grid_cluster_splits_at_high_zoom():
    points = [(50.45, 30.52, "a"), (50.46, 30.53, "b")]
    assert len(grid.grid_cluster(points, zoom=5)[0]) == 1
    assert sorted(grid.grid_cluster(points, zoom=16)[1]) == ["a", "b"]


def test_cluster_plan_sends_points_when_few_or_zoomed_in():
    def plan(n, zoom):
        lat = [50.0 + i / 1e5 for i in range(n)]
        clusters, indexes = grid.cluster_plan(lat, [30.0] * n, zoom)
        return [c.count for c in clusters], list(indexes)

    few = grid.MAX_POINTS
    assert plan(few, 3) == ([], list(range(few)))
    assert plan(few + 1, 3) == ([few + 1], [])
    assert plan(few + 1, grid.POINTS_ZOOM) == ([], list(range(few + 1)))
    assert plan(few + 1, None) == ([], list(range(few + 1)))
    assert plan(0, 3) == ([], [])


def test_grid_cluster_matches_a_plain_python_grouping():
    rng = random.Random(7)
    points = [(rng.uniform(44, 52), rng.uniform(22, 40), i) for i in range(3000)]
    clusters, singles = grid.grid_cluster(points, zoom=7)
    cells = {}
    for lat, lon, i in points:
        x, y = grid.mercator_px(lat, lon, 7)
        cells.setdefault((int(x // 80), int(y // 80)), []).append(i)
    assert sorted(singles) == sorted(v[0] for v in cells.values() if len(v) == 1)
    assert sorted(c.count for c in clusters) == sorted(len(v) for v in cells.values() if len(v) > 1)
    assert sum(c.count for c in clusters) + len(singles) == len(points)


def test_script_carries_the_csp_nonce():
    m = all_maps()[0]
    assert str(m.script("abc123")).startswith('<script nonce="abc123">')
    assert str(m.script('"><x')).startswith('<script nonce="&#34;&gt;&lt;x">')


TEMPLATE_TEXT = [
    "X{{ 7*7 }}X",
    "Broken {{ name",
    "{% raw %}",
    "{#",
    "{{",
    "{{ config }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
]


@pytest.mark.parametrize("text", TEMPLATE_TEXT)
def test_template_syntax_in_data_stays_text(text):
    """Data never becomes template source: folium's output is compiled again by branca."""
    origin = {"lat": 50.45, "lon": 30.52, "label": text}
    evil = office(1, name=text, address=text, city=text, phone=text)
    figures = [
        maps.results_map(origin, [evil, office(2)], labels={"region": text, "open": text}),
        maps.office_map(evil, [office(2, name=text)], labels={"region": text}),
        maps.overview_map(
            data_url="/api/v1/offices",
            filters={"category": text},
            origin=origin,
            labels={"region": text},
            attribution=text,
        ),
    ]
    for m in figures:
        html = page(m)
        config = config_of(html)
        if config["mode"] != "office":
            assert config["origin"]["label"] == text
        assert config["labels"]["region"] == text
        if config["mode"] == "overview":
            assert config["filters"] == {"category": text}
            assert config["tiles"]["attribution"] == text
        else:
            assert {config["markers"][0][key] for key in ("name", "address", "city")} == {text}
        assert "49" not in json.dumps(config)
        # The executed script is our fixed scaffold: the data is only in the JSON block.
        assert text not in str(m.script_body)
        assert str(m.html).count("aria-label=") == 1


def test_the_script_holds_no_data_at_all():
    m = maps.results_map(
        {"lat": 50.45, "lon": 30.52, "label": "Origin label"},
        [office(1, name="Unique name")],
        tile_url=TILES,
        attribution="Unique attribution",
        labels={"region": "Unique region", "open": "Unique open"},
    )
    body = str(m.script_body)
    for text in ("Unique", "Origin label", "tiles.example.org", "Kyiv", "Street"):
        assert text not in body
    assert re.search(rf'^LocatorMap\.attach\({m.map_id}, "locator_layer_\w+"\);$', body, re.M)


def test_json_for_html_escapes_what_html_and_javascript_parsers_see():
    value = {"a": "</script><!-- & 'x' \u2028 \u2029 \"q\"", "b": ["Київ", 1.5, None, True]}
    text = str(maps.json_for_html(value))
    for raw in ("<", ">", "&", "'", "\u2028", "\u2029"):
        assert raw not in text
    assert "Київ" in text  # readable, not \\u-escaped
    assert json.loads(text) == value


@pytest.mark.parametrize("cluster", [False, True])
@pytest.mark.parametrize(
    "center,zoom",
    [((50.45, 30.52), 12), ((0.0, 0.0), 0), ((-33.8688, 151.2093), 5), ((48.5, -180.0), 18)],
)
def test_the_cached_map_skeleton_is_what_folium_renders_for_that_map(center, zoom, cluster):
    """folium renders each kind of map once; every map is then that render with its own
    centre and fresh ids — the same text folium would write, ids aside."""
    fresh = maps.folium_skeleton(center, zoom, "/static", cluster)
    first = maps.skeleton(center, zoom, "/static", cluster)
    second = maps.skeleton(center, zoom, "/static", cluster)

    def named(parts):
        assets, body, map_id, layer_id = parts
        return assets, body.replace(map_id, "MAP").replace(layer_id, "LAYER")

    assert named(first) == named(fresh) == named(second)
    assert first[2] != second[2] and first[3] != second[3]  # each map its own ids
    assert re.fullmatch(r"map_[0-9a-f]{32}", first[2])
