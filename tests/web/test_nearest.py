"""Nearest search against a brute-force reference: the geodesic (geopy) to every office.

Runs on the test database (SQLite R*Tree, or PostgreSQL's GiST with LOCATOR_TEST_DB=postgresql),
with offices scattered over the globe, bunched across the antimeridian and around the poles.
"""

from __future__ import annotations

import math
import random

import pytest
from geopy.distance import geodesic

from locator.extensions import db
from locator.geo import nearest as nearest_module
from locator.geo.nearest import nearest
from locator.geo.search_types import Filters
from locator.models import CATEGORIES, Office

# Hours whose state is known at the default clock (Wednesday 11:00 in Kyiv) and at
# Saturday 11:00: (expression, open on Wednesday, open on Saturday).
HOURS = [
    ("24/7", True, True),
    ("Mo-Fr 09:00-18:00", True, False),
    ("Sa-Su 10:00-14:00", False, True),
    ("Mo-Fr 13:00-18:00", False, False),
]
LANGUAGE_SETS = ["uk", "uk;en", "uk;ru", "en", "ro;ru", "crh;uk", "ka"]


def sphere_point(rng: random.Random) -> tuple[float, float]:
    return math.degrees(math.asin(rng.uniform(-1, 1))), rng.uniform(-180, 180)


def near(rng: random.Random, lat: float, lon: float, spread: float) -> tuple[float, float]:
    lat = max(-90.0, min(90.0, lat + rng.uniform(-spread, spread)))
    lon = (lon + rng.uniform(-spread, spread) + 180) % 360 - 180
    return lat, lon


def add_offices(points, rng: random.Random, prefix: str = "o") -> list[Office]:
    offices = []
    for i, (lat, lon) in enumerate(points):
        hours = rng.choice(HOURS)[0]
        offices.append(
            Office(
                slug=f"{prefix}-{i}",
                name=f"Office {prefix} {i}",
                city="Test",
                country="UA",
                lat=lat,
                lon=lon,
                opening_hours=hours,
                languages=rng.choice(LANGUAGE_SETS),
                categories=";".join(rng.sample(CATEGORIES, rng.randint(1, 3))),
            )
        )
    db.session.add_all(offices)
    db.session.commit()
    return offices


def reference(origin, *, limit, radius_km=None, keep=lambda o: True):
    """[(distance_km, slug)] nearest first, from every active office with coordinates."""
    rows = db.session.scalars(db.select(Office)).all()
    measured = sorted(
        (geodesic(origin, (o.lat, o.lon)).km, o.slug)
        for o in rows
        if o.active and o.lat is not None and keep(o)
    )
    if radius_km is not None:
        measured = [(d, s) for d, s in measured if d <= radius_km]
    return measured[:limit]


def search(origin, now, **kw):
    hits = nearest(db.session.connection(), origin[0], origin[1], now=now, **kw)
    return [(hit.distance_km, hit.row["slug"]) for hit in hits]


def assert_same(found, expected):
    assert [slug for _, slug in found] == [slug for _, slug in expected]
    for (d1, _), (d2, _) in zip(found, expected, strict=True):
        assert d1 == pytest.approx(d2, abs=1e-6)
    distances = [d for d, _ in found]
    assert distances == sorted(distances)


@pytest.fixture
def world(app):
    """400 offices over the whole globe plus clusters at the antimeridian and the poles."""
    rng = random.Random(42)
    points = [sphere_point(rng) for _ in range(250)]
    points += [near(rng, 65.0, 180.0, 3.0) for _ in range(50)]  # Chukotka / Alaska
    points += [near(rng, -17.0, 180.0, 3.0) for _ in range(40)]  # Fiji
    points += [(rng.uniform(85, 90), rng.uniform(-180, 180)) for _ in range(30)]
    points += [(rng.uniform(-90, -85), rng.uniform(-180, 180)) for _ in range(30)]
    return add_offices(points, rng)


ORIGINS = [
    (50.45, 30.52),  # Kyiv
    (65.0, 179.9),  # just west of the antimeridian
    (65.0, -179.9),  # just east of it
    (-17.5, -179.5),
    (-16.0, 179.0),
    (89.99, 0.0),  # the North Pole
    (-89.99, 120.0),  # the South Pole
    (0.0, 0.0),
    (-45.0, 170.0),
]


@pytest.mark.parametrize("origin", ORIGINS)
def test_nearest_matches_the_brute_force_geodesic(world, clock, origin):
    assert_same(search(origin, clock(), limit=10), reference(origin, limit=10))


def test_nearest_from_random_origins(world, clock):
    rng = random.Random(7)
    for _ in range(10):
        origin = sphere_point(rng)
        assert_same(search(origin, clock(), limit=5), reference(origin, limit=5))


@pytest.mark.parametrize("limit", [1, 3, 50])
def test_limit_is_exactly_the_number_asked(world, clock, limit):
    found = search((50.45, 30.52), clock(), limit=limit)
    assert len(found) == limit
    assert_same(found, reference((50.45, 30.52), limit=limit))


def test_limit_above_fifty_is_capped(world, clock):
    assert len(search((0.0, 0.0), clock(), limit=500)) == 50


@pytest.mark.parametrize(
    ("origin", "radius_km"),
    [((65.0, 179.9), 150), ((65.0, -179.9), 400), ((89.99, 0.0), 600), ((10.0, 10.0), 3000)],
)
def test_radius_keeps_only_offices_within_it(world, clock, origin, radius_km):
    found = search(origin, clock(), limit=50, radius_km=radius_km)
    expected = reference(origin, limit=50, radius_km=radius_km)
    assert expected, "the scenario must have offices inside the radius"
    assert_same(found, expected)
    assert all(d <= radius_km for d, _ in found)


def test_a_radius_with_nothing_inside_gives_no_results(app, make_office, clock):
    make_office(lat=50.45, lon=30.52)
    assert search((49.84, 24.03), clock(), limit=5, radius_km=100) == []  # Lviv: 469 km off
    assert len(search((49.84, 24.03), clock(), limit=5, radius_km=500)) == 1


@pytest.mark.parametrize("category", ["family", "criminal_defence", "idp_documents"])
def test_category_filter(world, clock, category):
    origin = (65.0, 179.9)
    found = search(origin, clock(), limit=10, filters=Filters(category=category))
    expected = reference(origin, limit=10, keep=lambda o: category in o.categories.split(";"))
    assert len(expected) == 10
    assert_same(found, expected)


@pytest.mark.parametrize("language", ["en", "ru", "crh", "ka"])
def test_language_filter(world, clock, language):
    origin = (-17.5, -179.5)
    found = search(origin, clock(), limit=8, filters=Filters(language=language))
    expected = reference(origin, limit=8, keep=lambda o: language in o.languages.split(";"))
    assert len(expected) == 8
    assert_same(found, expected)


def test_language_codes_match_whole_codes_only(app, make_office, clock):
    make_office(slug="crimean", languages="crh;uk", lat=45.0, lon=34.1)
    make_office(slug="ukrainian", languages="uk", lat=45.1, lon=34.1)
    found = search((45.0, 34.0), clock(), limit=5, filters=Filters(language="cr"))
    assert found == []
    found = search((45.0, 34.0), clock(), limit=5, filters=Filters(language="crh"))
    assert [slug for _, slug in found] == ["crimean"]


@pytest.mark.parametrize(
    ("day", "column"), [((2026, 11, 25, 11, 0), 1), ((2026, 11, 28, 11, 0), 2)]
)
def test_open_now_uses_the_injected_clock(world, clock, day, column):
    clock.set(*day)
    open_hours = {h[0] for h in HOURS if h[column]}
    for origin in [(50.45, 30.52), (65.0, -179.9), (89.99, 0.0)]:
        found = search(origin, clock(), limit=10, filters=Filters(open_now=True))
        expected = reference(origin, limit=10, keep=lambda o: o.opening_hours in open_hours)
        assert len(expected) == 10
        assert_same(found, expected)


def test_open_now_reaches_far_for_the_only_open_office(app, make_office, clock):
    for i in range(20):
        make_office(
            slug=f"closed-{i}", lat=50.45 + i / 100, lon=30.52, opening_hours="Sa 10:00-12:00"
        )
    make_office(slug="far-but-open", lat=46.48, lon=30.72, opening_hours="24/7")  # Odesa
    found = search((50.45, 30.52), clock(), limit=3, filters=Filters(open_now=True))
    assert [slug for _, slug in found] == ["far-but-open"]
    assert 400 < found[0][0] < 450


def test_filters_combined(world, clock):
    origin = (0.0, 0.0)
    filters = Filters(category="housing", language="uk", open_now=True)
    found = search(origin, clock(), limit=5, radius_km=15_000, filters=filters)
    expected = reference(
        origin,
        limit=5,
        radius_km=15_000,
        keep=lambda o: (
            "housing" in o.categories.split(";")
            and "uk" in o.languages.split(";")
            and o.opening_hours in {"24/7", "Mo-Fr 09:00-18:00"}
        ),
    )
    assert expected
    assert_same(found, expected)


def test_inactive_offices_and_offices_without_coordinates_are_left_out(app, make_office, clock):
    make_office(slug="closed-down", lat=50.45, lon=30.52, active=False)
    make_office(slug="phone-only", lat=None, lon=None)
    make_office(slug="open-one", lat=50.40, lon=30.50)
    assert [s for _, s in search((50.45, 30.52), clock(), limit=5)] == ["open-one"]


def test_moving_an_office_moves_it_in_the_index(app, make_office, clock):
    office = make_office(slug="mover", lat=50.45, lon=30.52)
    make_office(slug="stays", lat=49.84, lon=24.03)
    assert search((50.45, 30.52), clock(), limit=1)[0][1] == "mover"
    office.lat, office.lon = 48.0, 37.0
    db.session.commit()
    assert search((49.9, 24.1), clock(), limit=2)[0][1] == "stays"
    assert search((48.0, 37.0), clock(), limit=1)[0][1] == "mover"
    db.session.delete(office)
    db.session.commit()
    assert [s for _, s in search((48.0, 37.0), clock(), limit=5)] == ["stays"]


@pytest.mark.parametrize("km2_per_office", [1e-6, 1.0, 1e9])
def test_a_wrong_density_hint_never_changes_the_answer(world, clock, monkeypatch, km2_per_office):
    """The hint only sizes the first box (far too small, about right, far too big)."""
    monkeypatch.setattr(nearest_module, "area_per_office", lambda conn: km2_per_office)
    for origin in ORIGINS:
        assert_same(search(origin, clock(), limit=10), reference(origin, limit=10))
    assert_same(
        search(ORIGINS[0], clock(), limit=3, filters=Filters(open_now=True)),
        reference(
            ORIGINS[0], limit=3, keep=lambda o: o.opening_hours in ("24/7", "Mo-Fr 09:00-18:00")
        ),
    )


def test_offices_piled_on_one_spot_are_all_weighed(app, clock, monkeypatch):
    """More offices in the smallest box than a first box may hold: all are read."""
    rng = random.Random(5)
    pile = [(50.45 + i * 1e-6, 30.52 + (i % 7) * 3e-6) for i in range(250)]  # within 30 m
    add_offices(pile, rng, prefix="pile")
    add_offices([near(rng, 50.45, 30.52, 0.05) for _ in range(20)], rng, prefix="around")
    monkeypatch.setattr(nearest_module, "area_per_office", lambda conn: 1e-6)
    for origin in [(50.45, 30.52), (50.4501234, 30.5199), (50.46, 30.53)]:
        assert_same(search(origin, clock(), limit=5), reference(origin, limit=5))


def test_no_offices_no_results(app, clock):
    assert search((50.45, 30.52), clock(), limit=5) == []


def test_the_api_answers_in_the_same_order(world, client):
    response = client.get("/api/v1/offices/nearest?lat=65&lon=-179.9&limit=20")
    assert response.status_code == 200
    body = response.get_json()
    expected = reference((65.0, -179.9), limit=20)
    assert [r["office"]["slug"] for r in body["results"]] == [s for _, s in expected]
    for result, (distance, _) in zip(body["results"], expected, strict=True):
        assert result["distance_km"] == pytest.approx(distance, abs=0.001)
    assert body["count"] == 20
