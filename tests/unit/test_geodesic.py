"""geodesic_km (Vincenty, with a geographiclib fallback) must equal geopy's geodesic."""

import random

import pytest
from geopy.distance import geodesic

from locator.geo.distance import geodesic_km

EDGE_CASES = [
    (50.45, 30.52, 50.45, 30.52),  # same point
    (0, 0, 0, 179.5),  # nearly antipodal on the equator: Vincenty does not converge
    (0, 0, 0.5, 179.7),
    (0, 0, 0, 180),
    (89.9, 0, -89.9, 180),
    (90, 0, -90, 0),
    (0, -180, 0, 180),  # the same meridian written twice
    (50.45, 179.99, 50.45, -179.99),  # across the antimeridian
]


@pytest.mark.parametrize("pair", EDGE_CASES)
def test_edge_cases_match_geopy_to_a_millimetre(pair):
    assert geodesic_km(*pair) == pytest.approx(geodesic(pair[:2], pair[2:]).km, abs=1e-6)


def test_random_pairs_match_geopy_to_a_millimetre():
    rng = random.Random(2026)
    for _ in range(3000):
        pair = (
            rng.uniform(-90, 90),
            rng.uniform(-180, 180),
            rng.uniform(-90, 90),
            rng.uniform(-180, 180),
        )
        assert geodesic_km(*pair) == pytest.approx(geodesic(pair[:2], pair[2:]).km, abs=1e-6), pair


def test_kyiv_to_lviv_is_about_470_km():
    assert geodesic_km(50.4501, 30.5234, 49.8397, 24.0297) == pytest.approx(469.6, abs=1.0)
