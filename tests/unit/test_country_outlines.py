"""The offline basemap's country outlines (static/vendor/world-atlas/countries.geojson)
draw Ukraine in its internationally recognised borders: Crimea and Sevastopol inside
Ukraine and inside no other country."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

OUTLINES = Path(__file__).resolve().parents[2] / "static/vendor/world-atlas/countries.geojson"


def polygons(feature) -> list:
    geometry = feature["geometry"]
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def inside_ring(lon: float, lat: float, ring: list) -> bool:
    """Ray casting: does a horizontal ray from the point cross the ring an odd number of times?"""
    crossings = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            crossings = not crossings
    return crossings


def countries_at(lat: float, lon: float) -> list[str]:
    found = []
    for feature in json.loads(OUTLINES.read_text(encoding="utf-8"))["features"]:
        for polygon in polygons(feature):
            outer, *holes = polygon
            if inside_ring(lon, lat, outer) and not any(inside_ring(lon, lat, h) for h in holes):
                found.append(feature["properties"]["name"])
                break
    return found


@pytest.mark.parametrize(
    ("place", "lat", "lon"),
    [
        ("Simferopol", 44.95, 34.10),
        ("Sevastopol", 44.605, 33.5225),
        ("Kerch", 45.36, 36.45),
        ("Dzhankoi", 45.71, 34.39),
        ("Kyiv", 50.45, 30.52),
        ("Donetsk", 48.00, 37.80),
        ("Luhansk", 48.57, 39.31),
    ],
)
def test_ukrainian_places_lie_in_ukraine_and_nowhere_else(place, lat, lon):
    assert countries_at(lat, lon) == ["Ukraine"], place


@pytest.mark.parametrize(
    ("place", "lat", "lon", "country"),
    [("Moscow", 55.75, 37.62, "Russia"), ("Krasnodar", 45.04, 38.98, "Russia"),
     ("Warsaw", 52.23, 21.01, "Poland"), ("Chisinau", 47.01, 28.86, "Moldova")],
)  # fmt: skip
def test_the_neighbours_are_where_they_are(place, lat, lon, country):
    assert countries_at(lat, lon) == [country], place
