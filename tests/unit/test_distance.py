"""Distances and the search box: geodesic like geopy, the sphere within its margin,
and a bounding box that never leaves out a point within the radius (antimeridian, poles)."""

from __future__ import annotations

import math
import random

import pytest
from geopy.distance import geodesic

from locator.geo.distance import (
    SPHERE_ERROR,
    bounding_box,
    geodesic_km,
    haversine_km,
)

KYIV = (50.4501, 30.5234)
LVIV = (49.8397, 24.0297)
ODESA = (46.4825, 30.7233)


def random_point(rng: random.Random) -> tuple[float, float]:
    # Uniform on the sphere, so the poles get their share.
    return math.degrees(math.asin(rng.uniform(-1, 1))), rng.uniform(-180, 180)


def test_geodesic_matches_geopy():
    for a, b in [(KYIV, LVIV), (KYIV, ODESA), ((0, 0), (0, 1)), ((89.9, 0), (-89.9, 179))]:
        assert geodesic_km(*a, *b) == pytest.approx(geodesic(a, b).km, abs=1e-6)


def test_known_distances():
    # One degree along the equator and along a meridian on WGS-84.
    assert geodesic_km(0, 0, 0, 1) == pytest.approx(111.3195, abs=0.001)
    assert geodesic_km(0, 0, 1, 0) == pytest.approx(110.5743, abs=0.001)
    # Kyiv–Lviv is about 469 km as the crow flies.
    assert 465 < geodesic_km(*KYIV, *LVIV) < 472
    assert geodesic_km(*KYIV, *KYIV) == 0


def test_distance_is_symmetric_and_crosses_the_antimeridian_the_short_way():
    assert geodesic_km(*KYIV, *ODESA) == pytest.approx(geodesic_km(*ODESA, *KYIV))
    # Near Fiji, 2 degrees of longitude apart across the antimeridian, not 358.
    assert geodesic_km(-17.0, 179.0, -17.0, -179.0) < 220
    assert haversine_km(-17.0, 179.0, -17.0, -179.0) < 220


def test_sphere_and_ellipsoid_agree_within_the_ranking_margin():
    rng = random.Random(20261127)
    for _ in range(2000):
        a, b = random_point(rng), random_point(rng)
        exact = geodesic_km(*a, *b)
        sphere = haversine_km(*a, *b)
        assert abs(sphere - exact) <= SPHERE_ERROR * exact + 1e-9, (a, b)


def _inside(box, lat: float, lon: float) -> bool:
    south, north, ranges = box
    return south <= lat <= north and any(west <= lon <= east for west, east in ranges)


@pytest.mark.parametrize(
    ("origin", "radius_km"),
    [
        (KYIV, 30),
        (KYIV, 500),
        ((64.0, 179.5), 100),  # Chukotka, across the antimeridian eastwards
        ((-16.5, -179.8), 300),  # Fiji, across it westwards
        ((89.5, 10.0), 200),  # near the North Pole: every longitude
        ((-89.0, -45.0), 150),  # near the South Pole
        ((0.0, 0.0), 5000),
        ((10.0, 20.0), 20_040),  # the whole Earth
    ],
)
def test_bounding_box_holds_every_point_within_the_radius(origin, radius_km):
    box = bounding_box(*origin, radius_km)
    south, north, ranges = box
    assert -90 <= south <= north <= 90
    assert all(-180 <= west <= east <= 180 for west, east in ranges)
    rng = random.Random(hash(origin) & 0xFFFF)
    checked = 0
    for _ in range(800):
        # Points scattered around the origin at up to 1.5× the radius.
        bearing = rng.uniform(0, 360)
        distance = rng.uniform(0, 1.5 * radius_km)
        dest = geodesic(kilometers=min(distance, 20_000)).destination(origin, bearing)
        lat, lon = dest.latitude, dest.longitude
        if haversine_km(*origin, lat, lon) <= radius_km:
            checked += 1
            assert _inside(box, lat, lon), (origin, radius_km, lat, lon)
    assert checked > 200


def test_bounding_box_is_small_for_a_small_radius():
    south, north, ranges = bounding_box(*KYIV, 30)
    assert north - south < 0.6
    assert len(ranges) == 1
    west, east = ranges[0]
    assert east - west < 0.9
    assert west < KYIV[1] < east


def test_bounding_box_splits_at_the_antimeridian():
    _, _, ranges = bounding_box(64.0, 179.5, 100)
    assert len(ranges) == 2
    assert any(east == 180.0 for _, east in ranges)
    assert any(west == -180.0 for west, _ in ranges)
    # A point just across the line, 40 km away, is in the box.
    assert _inside(bounding_box(64.0, 179.5, 100), 64.0, -179.8)


def test_bounding_box_near_a_pole_takes_every_longitude():
    south, north, ranges = bounding_box(89.5, 10.0, 200)
    assert north == 90.0
    assert ranges == [(-180.0, 180.0)]
    assert _inside((south, north, ranges), 89.0, -170.0)
