"""The overview map's data (and the API's bbox collection): offices in a box, clustered
on the server at low zoom."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import numpy as np
from sqlalchemy.orm import Session

from locator.geo import snapshot
from locator.geo.clusters import (
    POINTS_ZOOM,
    Cluster,
    cluster_feature,
    cluster_plan,
    wants_clusters,
)
from locator.geo.nearest import NO_FILTERS, filter_clause, filter_params, ids_sql, raw_rows
from locator.geo.search_types import Filters
from locator.hours import status, timezone_for
from locator.models import ROW_COLUMNS, office_dict

LIGHT_COLUMNS = ("id", "lat", "lon", "opening_hours", "country", "timezone")
# What a marker and its popup need; the API's `zoom` mode sends only these.
POINT_COLUMNS = (
    "slug", "name", "address", "city", "phone", "lat", "lon",
    "country", "timezone", "opening_hours",
)  # fmt: skip
ID_CHUNK = 500


def office_feature(office: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": office["slug"],
        "geometry": {"type": "Point", "coordinates": [office["lon"], office["lat"]]},
        "properties": office,
    }


Box = tuple[float, float, float, float]  # west, south, east, north (west > east: across 180°)


def _box_where(bbox: Box | None, filters: Filters) -> tuple[str, dict[str, Any]]:
    """``FROM office o WHERE …``: the active rooms (remote offices have no place on a map)
    in the box, matching the category and language filters."""
    sql = "FROM office o WHERE o.active AND o.kind = 'room'"
    params: dict[str, Any] = filter_params(filters)
    if bbox is not None:
        west, south, east, north = bbox
        sql += " AND o.lat BETWEEN :south AND :north"
        if west <= east:
            sql += " AND o.lon BETWEEN :west AND :east"
        else:  # the box crosses the antimeridian
            sql += " AND (o.lon >= :west OR o.lon <= :east)"
        params |= {"west": west, "south": south, "east": east, "north": north}
    else:
        sql += " AND o.lat IS NOT NULL"
    return sql + filter_clause(bool(filters.category), bool(filters.language)), params


def offices_in_box(
    session: Session,
    bbox: Box | None,
    filters: Filters,
    *,
    zoom: int | None,
    now: datetime,
    office_url: Callable[[str], str],
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the active rooms in `bbox` (everywhere when None):
    with `zoom`, clustered for the map (points carry what a marker shows); without, every
    office whole, by id."""
    if zoom is not None:
        return clustered_collection(
            session, bbox, filters, zoom=zoom, now=now, office_url=office_url
        )
    from_where, params = _box_where(bbox, filters)
    columns = ", ".join("o." + c for c in ROW_COLUMNS)
    features = []
    rows = raw_rows(session.connection(), f"SELECT {columns} {from_where} ORDER BY o.id", params)
    for values in rows:
        row = dict(zip(ROW_COLUMNS, values, strict=True))
        office = office_dict(row, now, office_url(row["slug"]))
        if filters.open_now and not office["open_now"]:
            continue
        features.append(office_feature(office))
    return {"type": "FeatureCollection", "features": features}


def _plan(
    session: Session, bbox: Box | None, filters: Filters, now: datetime, zoom: int
) -> tuple[list[Cluster], list[int]]:
    """The clusters of the matching rooms in the box at `zoom`, and the ids (ascending) of
    those sent as points: from the process's snapshot of the offices when it is on (each
    zoom's cells worked out once per snapshot), else from one narrow query."""
    connection = session.connection()
    snap = snapshot.current(connection)
    clusters: list[Cluster] = []
    if snap is not None:
        if filters == NO_FILTERS and zoom < POINTS_ZOOM:
            count, groups, singles = snap.clusters_in_box(bbox, zoom)
            if wants_clusters(count, zoom):
                return groups, snap.ids[singles].tolist()
        chosen = snap.in_box(bbox, filters, now)
        if wants_clusters(chosen.size, zoom):
            clusters, chosen = snap.clusters(chosen, zoom)
        return clusters, snap.ids[chosen].tolist()
    from_where, params = _box_where(bbox, filters)
    names = LIGHT_COLUMNS if filters.open_now else LIGHT_COLUMNS[:3]
    columns = ", ".join(f"o.{c}" for c in names)
    rows = raw_rows(connection, f"SELECT {columns} {from_where} ORDER BY o.id", params)
    if filters.open_now:
        rows = [
            row
            for row in rows
            if status(row[3], now, tz_name=timezone_for(row[4], row[5]), country=row[4]).open
        ]
    clusters, indexes = cluster_plan(
        np.array([row[1] for row in rows], dtype=np.float64),
        np.array([row[2] for row in rows], dtype=np.float64),
        zoom,
    )
    return clusters, [int(rows[i][0]) for i in indexes]


def clustered_collection(
    session: Session,
    bbox: Box | None,
    filters: Filters,
    *,
    zoom: int,
    now: datetime,
    office_url: Callable[[str], str],
) -> dict[str, Any]:
    """A FeatureCollection of the matching rooms in the box, clustered for `zoom`.

    Only ids and coordinates are looked at for every office in view; the offices sent
    as points carry what a marker's popup shows (slug, name, address, city,
    phone, lat, lon, open_now, url) — the map fetches nothing else — so the cost
    at 20,000 offices stays that of one narrow query (or none, from the snapshot).
    """
    clusters, ids = _plan(session, bbox, filters, now, zoom)
    connection = session.connection()
    features = [cluster_feature(c) for c in clusters]
    # One url_for, then the slug put in: thousands of url_for calls cost more than the rest.
    marker = "__slug__"
    url_pattern = office_url(marker)
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        sql = ids_sql(POINT_COLUMNS, len(chunk)) + " ORDER BY o.id"
        found = raw_rows(connection, sql, {f"id{i}": v for i, v in enumerate(chunk)})
        for row in found:
            point = dict(zip(POINT_COLUMNS, row, strict=True))
            country, hours = point.pop("country"), point.pop("opening_hours")
            tz_name = timezone_for(country, point.pop("timezone"))
            point["open_now"] = status(hours, now, tz_name=tz_name, country=country).open
            point["url"] = url_pattern.replace(marker, quote(point["slug"]))
            features.append(office_feature(point))
    return {"type": "FeatureCollection", "features": features}
