"""Map figures (folium) served entirely from our own host; no Flask imports.

folium builds the scaffold of every map: the ``L.map`` call with its options. It
sees nothing but numbers (centre, zoom) and our own fixed names. That is not a
detail: branca compiles the output of every element's ``script`` macro as a new
Jinja template (``Element(script(self, kwargs))``) and renders it again, with
folium's unsandboxed environment, so any text that went into folium would run
as template code on the server (``{{ 7*7 }}`` in an office name printed ``49``).
Everything that comes from data or settings (markers, popups, the search
origin's label, the tile server and its attribution, the words of the page)
travels instead as JSON in a ``<script type="application/json">`` block,
serialised once by ``json_for_html`` (``<``, ``>``, ``&``, ``'``, U+2028 and
U+2029 escaped), which ``static/js/map.js`` reads. The markers are not folium
``Marker`` objects either: map.js draws them from that data (or from GeoJSON
fetched from ``/api/v1/offices`` on the overview map), adds the tile layer,
builds the popups with ``textContent`` (so a name like ``<img src=x onerror=…>``
is shown as text), draws the offline basemap of country outlines and links the
map to the page's list. One template per marker is what makes folium's own
markers slow and big (1.8 s and 1 MB of HTML per thousand offices); data keeps
``/map`` a few KB whatever the number of offices.

folium's default assets (Leaflet, jQuery, Bootstrap, Font Awesome,
awesome-markers, all from CDNs) are replaced by the few files in
``static/vendor`` that the maps use. The page gets three pieces, each
``Markup``: ``assets`` for ``<head>``, ``html`` (the map's ``<div>``) and
``script(nonce)`` (the JSON block and the inline ``<script>`` creating the
map), so the figure fits inside our own templates instead of folium's
standalone HTML page (whose ``html, body`` styles and non-zoomable viewport
would leak into the site).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import folium
from branca.element import CssLink, JavascriptLink, MacroElement
from folium.template import Template
from markupsafe import Markup, escape

DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
OUTLINE_PATH = "vendor/world-atlas/countries.geojson"

# Fields of the office object that a popup needs; nothing else goes to the page.
POPUP_FIELDS = ("slug", "name", "address", "city", "phone", "open_now", "url")

# What json.dumps leaves as is but an HTML parser or a JavaScript parser would not:
# "</script>" or "<!--" would end or confuse the data block; U+2028/U+2029 end a line
# in older JavaScript.
_JSON_HTML_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_HTML_TABLE = str.maketrans(_JSON_HTML_ESCAPES)


def json_for_html(value: Any) -> Markup:
    """``value`` as JSON that is safe inside a ``<script>`` element or an HTML attribute.

    The characters escaped only ever occur inside JSON strings, where ``\\uXXXX`` means
    the same character, so ``JSON.parse`` gives back exactly ``value``.
    """
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return Markup(text.translate(_JSON_HTML_TABLE))  # noqa: S704 — escaped just above


def _leaflet_assets(static: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    js = [("leaflet", f"{static}/vendor/leaflet/leaflet.js")]
    css = [("leaflet_css", f"{static}/vendor/leaflet/leaflet.css")]
    return js, css


class LocatorLayer(MacroElement):
    """Hands the folium map to ``LocatorMap.attach`` (map.js) with the id of the data block.

    Only the map's name and the block's id (both ours, ``[a-z0-9_-]``) reach this
    template: its output is compiled as a template again by branca (see the module
    docstring), so no data may ever be part of it.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            LocatorMap.attach({{ this._parent.get_name() }}, {{ this.data_id|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, static: str, cluster: bool):
        super().__init__()
        self._name = "LocatorLayer"
        self.data_id = self.get_name()  # locator_layer_<hex>
        # Instance lists: JSCSSMixin._add_link would otherwise mutate class state.
        self.default_js = []
        self.default_css = []
        if cluster:
            self.default_js.append(
                (
                    "markercluster",
                    f"{static}/vendor/leaflet.markercluster/leaflet.markercluster.js",
                )
            )
            self.default_css += [
                (
                    "markercluster_css",
                    f"{static}/vendor/leaflet.markercluster/MarkerCluster.css",
                ),
                (
                    "markercluster_default_css",
                    f"{static}/vendor/leaflet.markercluster/MarkerCluster.Default.css",
                ),
            ]
        self.default_js.append(("locator_map", f"{static}/js/map.js"))
        # Last, so our colours override markercluster's defaults.
        self.default_css.append(("locator_map_css", f"{static}/css/map.css"))

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        super().render(**kwargs)


@dataclass(frozen=True)
class MapHtml:
    """The pieces of a map for a Jinja template (all ``Markup``).

    ``html`` is the map's ``<div>`` followed by its data, a ``<script
    type="application/json">`` block (never executed) that map.js reads;
    ``script(nonce)`` is the inline ``<script>`` creating the map, carrying the
    page's CSP nonce, and must come after ``html``. The stylesheet and script
    links in ``assets`` may go in ``<head>`` or just before the map.
    """

    assets: Markup
    html: Markup
    script_body: Markup
    map_id: str

    def script(self, nonce: str | None = None) -> Markup:
        if nonce:
            return Markup('<script nonce="{}">\n{}\n</script>').format(nonce, self.script_body)
        return Markup("<script>\n{}\n</script>").format(self.script_body)


def folium_skeleton(
    center: tuple[float, float], zoom: int, static: str, cluster: bool
) -> tuple[str, str, str, str]:
    """folium's part of a map, rendered: the asset links, the script creating the map, the
    map's id and our layer's id (both random, as folium names its elements)."""
    fmap = folium.Map(
        location=[center[0], center[1]],
        zoom_start=zoom,
        tiles=None,
        control_scale=True,
        world_copy_jump=True,
    )
    fmap.default_js, fmap.default_css = _leaflet_assets(static)
    layer = LocatorLayer(static, cluster)
    layer.add_to(fmap)
    figure = fmap.get_root()
    figure.render()  # fills figure.header with the links of every element
    links = [
        child.render()
        for child in figure.header._children.values()
        if isinstance(child, JavascriptLink | CssLink)
    ]
    body = "\n".join(line.strip() for line in figure.script.render().splitlines() if line.strip())
    return "\n".join(link.strip() for link in links), body, fmap.get_name(), layer.data_id


# A centre no map has: the cached skeleton carries it where the real centre goes.
_NOWHERE = (-89.123456789, 179.987654321)


@lru_cache(maxsize=128)
def _cached_skeleton(zoom: int, static: str, cluster: bool) -> tuple[str, str, str, str]:
    assets, body, map_id, layer_id = folium_skeleton(_NOWHERE, zoom, static, cluster)
    if body.count(json.dumps(list(_NOWHERE))) != 1:  # folium wrote the centre otherwise
        raise RuntimeError("folium's map script no longer carries its centre as JSON")
    return assets, body, map_id, layer_id


def skeleton(
    center: tuple[float, float], zoom: int, static: str, cluster: bool
) -> tuple[str, str, str, str]:
    """folium_skeleton, rendered once per zoom, static root and kind (folium compiles a
    Jinja template per element and render: ~4 ms a map) and given the centre and fresh ids."""
    assets, body, map_id, layer_id = _cached_skeleton(zoom, static, cluster)
    new_map, new_layer = f"map_{uuid.uuid4().hex}", f"locator_layer_{uuid.uuid4().hex}"
    body = (
        body.replace(json.dumps(list(_NOWHERE)), json.dumps([center[0], center[1]]))
        .replace(map_id, new_map)
        .replace(layer_id, new_layer)
    )
    return assets, body, new_map, new_layer


def _render(
    *,
    config: Mapping[str, Any],
    center: Sequence[float],
    zoom: int,
    tile_url: str,
    attribution: str,
    static: str,
    cluster: bool,
    css_class: str,
    label: str,
) -> MapHtml:
    static = static.rstrip("/")
    # Numbers only: whatever folium is given becomes template source (module docstring).
    assets, body, map_id, data_id = skeleton(
        (float(center[0]), float(center[1])), int(zoom), static, cluster
    )
    data = {
        "outlineUrl": f"{static}/{OUTLINE_PATH}",
        "tiles": {
            "url": tile_url,
            # Leaflet shows the attribution as HTML (a setting, with its link); name the
            # tile host when none is set.
            "attribution": attribution or str(escape(urlsplit(tile_url).netloc or "tiles")),
            "maxZoom": 19,
        },
        **config,
    }
    html = Markup(
        '<div class="{cls}" id="{id}" role="region" aria-label="{label}"></div>\n'
        '<script type="application/json" id="{data_id}">{data}</script>'
    ).format(cls=css_class, id=map_id, label=label, data_id=data_id, data=json_for_html(data))
    # folium's output: our fixed URLs and names, and numbers.
    return MapHtml(
        assets=Markup(assets),  # noqa: S704
        html=html,
        script_body=Markup(body),  # noqa: S704
        map_id=map_id,
    )


def popup_data(office: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an office object that a marker and its popup show."""
    data = {key: office.get(key) for key in POPUP_FIELDS}
    data["lat"] = round(float(office["lat"]), 6)
    data["lon"] = round(float(office["lon"]), 6)
    return data


def _located(offices: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [o for o in offices if o.get("lat") is not None and o.get("lon") is not None]


def results_map(
    origin: Mapping[str, Any] | None,
    offices: Sequence[Mapping[str, Any]],
    *,
    tile_url: str = DEFAULT_TILE_URL,
    attribution: str = DEFAULT_TILE_ATTRIBUTION,
    labels: Mapping[str, str],
    static: str = "/static",
) -> MapHtml:
    """The search origin and the nearest offices, numbered 1… as in the list.

    ``offices`` are office objects in list order; the map fits their bounds.
    The page's list items carry ``data-map-marker="N"`` to be linked both ways.
    """
    markers = []
    for number, office in enumerate(offices, start=1):
        if office.get("lat") is None or office.get("lon") is None:
            continue
        markers.append({**popup_data(office), "n": number})
    points = [(m["lat"], m["lon"]) for m in markers]
    origin_data = None
    if origin and origin.get("lat") is not None:
        origin_data = {
            "lat": round(float(origin["lat"]), 6),
            "lon": round(float(origin["lon"]), 6),
            "label": origin.get("label") or "",
        }
        points.append((origin_data["lat"], origin_data["lon"]))
    config = {
        "mode": "results",
        "markers": markers,
        "origin": origin_data,
        "fit": _bounds(points),
        "labels": dict(labels),
    }
    return _render(
        config=config,
        center=_center(points),
        zoom=12,
        tile_url=tile_url,
        attribution=attribution,
        static=static,
        cluster=False,
        css_class="locator-map locator-map--results",
        label=labels.get("region", "Map"),
    )


def office_map(
    office: Mapping[str, Any],
    neighbours: Sequence[Mapping[str, Any]] = (),
    *,
    tile_url: str = DEFAULT_TILE_URL,
    attribution: str = DEFAULT_TILE_ATTRIBUTION,
    labels: Mapping[str, str],
    static: str = "/static",
) -> MapHtml:
    """One office (highlighted, popup open) and its neighbours."""
    main = {**popup_data(office), "main": True}
    others = [popup_data(o) for o in _located(neighbours) if o.get("slug") != office.get("slug")]
    points = [(main["lat"], main["lon"])] + [(o["lat"], o["lon"]) for o in others]
    config = {
        "mode": "office",
        "markers": [main, *others],
        "origin": None,
        "fit": _bounds(points) if others else None,
        "labels": dict(labels),
    }
    return _render(
        config=config,
        center=(main["lat"], main["lon"]),
        zoom=15,
        tile_url=tile_url,
        attribution=attribution,
        static=static,
        cluster=False,
        css_class="locator-map locator-map--office",
        label=labels.get("region", "Map"),
    )


def overview_map(
    *,
    data_url: str,
    filters: Mapping[str, Any] | None = None,
    center: Sequence[float] = (48.5, 31.2),
    zoom: int = 6,
    tile_url: str = DEFAULT_TILE_URL,
    attribution: str = DEFAULT_TILE_ATTRIBUTION,
    labels: Mapping[str, str],
    static: str = "/static",
    embed: bool = False,
    form_id: str | None = None,
    origin: Mapping[str, Any] | None = None,
) -> MapHtml:
    """Every active office, clustered, fetched as GeoJSON by bounding box.

    The HTML holds no office at all: map.js asks ``data_url`` for the visible
    box at the current zoom (the API clusters on the server at low zoom) and
    refetches as the view moves or the filter form (``form_id``) changes.
    """
    origin_data = None
    if origin and origin.get("lat") is not None:
        origin_data = {
            "lat": round(float(origin["lat"]), 6),
            "lon": round(float(origin["lon"]), 6),
            "label": origin.get("label") or "",
        }
    config = {
        "mode": "overview",
        "dataUrl": data_url,
        "filters": {k: v for k, v in (filters or {}).items() if v not in (None, "", False)},
        "formId": form_id,
        "origin": origin_data,
        "embed": embed,
        "labels": dict(labels),
    }
    return _render(
        config=config,
        center=center,
        zoom=zoom,
        tile_url=tile_url,
        attribution=attribution,
        static=static,
        cluster=True,
        css_class="locator-map locator-map--overview",
        label=labels.get("region", "Map"),
    )


def _center(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
    if not points:
        return (48.5, 31.2)  # Ukraine
    return (
        round(sum(p[0] for p in points) / len(points), 6),
        round(sum(p[1] for p in points) / len(points), 6),
    )


def _bounds(points: Sequence[tuple[float, float]]) -> list[list[float]] | None:
    if not points:
        return None
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]
