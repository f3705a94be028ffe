"""Server-side clustering for the overview map: points grouped into screen cells of the
Web-Mercator map at a zoom, vectorised (numpy). The map's data endpoint sends a cluster per
crowded cell and the lone points whole (locator/maps/services.py); the process's office
snapshot keeps each zoom's cells and answers the same clusters (locator/geo/snapshot.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

TILE_SIZE = 256
MAX_LAT = 85.05112878
# From this zoom on, or with fewer offices than this in view, the API sends
# every office as a point (Leaflet.markercluster groups them in the browser).
POINTS_ZOOM = 16
MAX_POINTS = 300


def mercator_px(lat, lon, zoom: int):
    """Web-Mercator pixel coordinates at ``zoom`` (as Leaflet's); numbers or arrays."""
    scale = TILE_SIZE * 2**zoom
    lat = np.clip(lat, -MAX_LAT, MAX_LAT)
    x = (np.asarray(lon, dtype=float) + 180.0) / 360.0 * scale
    sin = np.sin(np.radians(lat))
    y = (0.5 - np.log((1 + sin) / (1 - sin)) / (4 * np.pi)) * scale
    return x, y


@dataclass
class Cluster:
    count: int
    lat: float
    lon: float
    bbox: tuple[float, float, float, float]  # minlon, minlat, maxlon, maxlat


CELL_PX = 80  # a cluster cell, in screen pixels


def cell_keys(lat: np.ndarray, lon: np.ndarray, zoom: int, cell_px: int = CELL_PX) -> np.ndarray:
    """The screen cell of each point at ``zoom``, as one integer (ordered by column, then row)."""
    x, y = mercator_px(lat, lon, zoom)
    return np.floor(x / cell_px).astype(np.int64) * (1 << 32) + np.floor(y / cell_px).astype(
        np.int64
    )


def wants_clusters(count: int, zoom: int | None) -> bool:
    """Whether ``count`` points in view at ``zoom`` are grouped on the server (else every one
    is sent as a point)."""
    return zoom is not None and zoom < POINTS_ZOOM and count > MAX_POINTS


def grid_cluster_arrays(
    lat: np.ndarray, lon: np.ndarray, zoom: int, cell_px: int = CELL_PX
) -> tuple[list[Cluster], np.ndarray]:
    """Group points into screen cells of ``cell_px`` at ``zoom``, vectorised.

    Returns the clusters (cells with two or more points, placed at their
    members' mean, in a stable order) and the indexes of the points that stand
    alone in their cell. 20,000 points take a few milliseconds.
    """
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    if lat.size == 0:
        return [], np.array([], dtype=np.int64)
    _, inverse = np.unique(cell_keys(lat, lon, zoom, cell_px), return_inverse=True)
    inverse = inverse.ravel()
    cells = int(inverse.max()) + 1
    bounds = []
    for values, reduce, start in (
        (lon, np.minimum, np.inf),
        (lat, np.minimum, np.inf),
        (lon, np.maximum, -np.inf),
        (lat, np.maximum, -np.inf),
    ):
        out = np.full(cells, start)
        reduce.at(out, inverse, values)
        bounds.append(out)
    return assemble_clusters(lat, lon, inverse, bounds)


def assemble_clusters(
    lat: np.ndarray, lon: np.ndarray, cell: np.ndarray, bounds: Sequence[np.ndarray]
) -> tuple[list[Cluster], np.ndarray]:
    """The clusters and the indexes of the points alone in their cell, from each point's
    cell number (``cell``, numbered in key order) and each cell's minlon, minlat, maxlon,
    maxlat."""
    cells = len(bounds[0])
    counts = np.bincount(cell, minlength=cells)
    sum_lat = np.bincount(cell, weights=lat, minlength=cells)
    sum_lon = np.bincount(cell, weights=lon, minlength=cells)
    singles = np.nonzero(counts[cell] == 1)[0]
    return make_clusters(counts, sum_lat, sum_lon, bounds), singles


def make_clusters(
    counts: np.ndarray, sum_lat: np.ndarray, sum_lon: np.ndarray, bounds: Sequence[np.ndarray]
) -> list[Cluster]:
    """The cells with two or more points, at their members' mean, in cell order."""
    crowded = np.nonzero(counts > 1)[0]
    members = counts[crowded]
    return [
        Cluster(
            count=count,
            lat=round(lat_, 5),
            lon=round(lon_, 5),
            bbox=(round(west, 6), round(south, 6), round(east, 6), round(north, 6)),
        )
        for count, lat_, lon_, west, south, east, north in zip(
            members.tolist(),
            (sum_lat[crowded] / members).tolist(),
            (sum_lon[crowded] / members).tolist(),
            *(b[crowded].tolist() for b in bounds),
            strict=True,
        )
    ]


def grid_cluster(
    points: Sequence[tuple[float, float, Any]], zoom: int, cell_px: int = CELL_PX
) -> tuple[list[Cluster], list[Any]]:
    """``grid_cluster_arrays`` over ``(lat, lon, item)``: clusters and lone items."""
    lat = [p[0] for p in points]
    lon = [p[1] for p in points]
    clusters, singles = grid_cluster_arrays(np.array(lat), np.array(lon), zoom, cell_px)
    return clusters, [points[i][2] for i in singles]


def cluster_feature(cluster: Cluster) -> dict[str, Any]:
    """A cluster as a GeoJSON Feature (``properties.cluster`` is true)."""
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [cluster.lon, cluster.lat]},
        "properties": {"cluster": True, "count": cluster.count, "bbox": list(cluster.bbox)},
    }


def cluster_plan(
    lat: np.ndarray, lon: np.ndarray, zoom: int | None
) -> tuple[list[Cluster], np.ndarray]:
    """Decide what the overview map gets for the points in view at ``zoom``.

    Returns ``(clusters, indexes)``: server-side clusters for crowded cells at
    low zoom, and the indexes of the points to send as full office features.
    """
    lat = np.asarray(lat, dtype=float)
    if zoom is None or not wants_clusters(lat.size, zoom):
        return [], np.arange(lat.size)
    return grid_cluster_arrays(lat, lon, zoom)
