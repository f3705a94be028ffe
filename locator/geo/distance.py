"""Distances: a cheap exact-on-the-sphere one for ranking, the WGS-84 geodesic for answers."""

from __future__ import annotations

import math

import numpy as np
from geographiclib.geodesic import Geodesic

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
_WGS84 = Geodesic.WGS84


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, one row each: the chord between two grows with their
    great-circle distance, so a k-d tree over them ranks exactly on the sphere."""
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    return np.stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)], axis=-1)


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """One point as unit_vectors would give it (plain floats: no numpy call per request)."""
    phi, lam = math.radians(lat), math.radians(lon)
    cos_phi = math.cos(phi)
    return (cos_phi * math.cos(lam), cos_phi * math.sin(lam), math.sin(phi))


def chord_km(chord: np.ndarray) -> np.ndarray:
    """Great-circle km of unit-sphere chords."""
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, chord / 2))


def km_chord(km: float) -> float:
    """The unit-sphere chord of a great-circle distance in km."""
    return 2 * math.sin(min(math.pi / 2, km / (2 * EARTH_RADIUS_KM)))


_A = 6378137.0  # WGS-84
_F = 1 / 298.257223563
_B = _A * (1 - _F)


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The WGS-84 geodesic distance, equal to geopy's `geodesic` to well under a millimetre.

    Vincenty's inverse formula costs ~10 µs here against ~200 µs for geopy's call into
    geographiclib (Karney); where Vincenty does not converge (nearly antipodal points)
    geographiclib answers. The tests hold both to geopy's result.
    """
    if lat1 == lat2 and lon1 == lon2:
        return 0.0
    u1 = math.atan((1 - _F) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - _F) * math.tan(math.radians(lat2)))
    big_l = math.radians(lon2 - lon1)
    sin_u1, cos_u1 = math.sin(u1), math.cos(u1)
    sin_u2, cos_u2 = math.sin(u2), math.cos(u2)
    lam = big_l
    for _ in range(100):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha * sin_alpha
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = _F / 16 * cos2_alpha * (4 + _F * (4 - 3 * cos2_alpha))
        previous = lam
        lam = big_l + (1 - c) * _F * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm * cos_2sm))
        )
        if abs(lam - previous) < 1e-12:
            break
    else:
        return _WGS84.Inverse(lat1, lon1, lat2, lon2, Geodesic.DISTANCE)["s12"] / 1000.0
    u_sq = cos2_alpha * (_A * _A - _B * _B) / (_B * _B)
    k1 = u_sq / 1024
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = k1 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm * cos_2sm)
                - big_b
                / 6
                * cos_2sm
                * (-3 + 4 * sin_sigma * sin_sigma)
                * (-3 + 4 * cos_2sm * cos_2sm)
            )
        )
    )
    return _B * big_a * (sigma - delta_sigma) / 1000.0


# The sphere and the ellipsoid disagree by at most ~0.56% (Lambert); ranking margin.
SPHERE_ERROR = 0.0057


def bounding_box(
    lat: float, lon: float, radius_km: float
) -> tuple[float, float, list[tuple[float, float]]]:
    """(south, north, [(west, east), …]) covering every point within radius_km on the sphere.

    Longitude ranges are split at the antimeridian; near a pole every longitude is in.
    """
    angular = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angular)
    south, north = lat - dlat, lat + dlat
    if south <= -90 or north >= 90 or angular >= math.pi / 2:
        return max(south, -90.0), min(north, 90.0), [(-180.0, 180.0)]
    ratio = math.sin(angular) / math.cos(math.radians(lat))
    if ratio >= 1:
        return south, north, [(-180.0, 180.0)]
    dlon = math.degrees(math.asin(ratio))
    west, east = lon - dlon, lon + dlon
    if west < -180:
        return south, north, [(west + 360, 180.0), (-180.0, east)]
    if east > 180:
        return south, north, [(west, 180.0), (-180.0, east - 360)]
    return south, north, [(west, east)]
