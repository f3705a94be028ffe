"""The overview map's data: offices in a box, clustered on the server at low zoom."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, cast
from urllib.parse import quote

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from locator.hours import status, timezone_for
from locator.maps.figures import cluster_feature, cluster_plan

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


def _fetch_raw(session: Session, sql: str, params: Mapping[str, Any]) -> list[tuple]:
    """Rows as plain tuples from the DB-API cursor.

    For 20,000 rows SQLAlchemy's result objects cost more than the query itself;
    the statement is still compiled by SQLAlchemy for the session's dialect.
    """
    connection = session.connection()
    compiled = text(sql).compile(dialect=connection.dialect)
    values = compiled.construct_params(dict(params))
    if compiled.positional:
        args: Any = tuple(values[name] for name in compiled.positiontup or ())
    else:
        args = values
    cursor = connection.connection.cursor()
    try:
        cursor.execute(compiled.string, args)
        return cast("list[tuple]", cursor.fetchall())
    finally:
        cursor.close()


def clustered_collection(
    session: Session,
    from_where: str,
    params: Mapping[str, Any],
    *,
    zoom: int,
    open_now: bool,
    now: datetime,
    office_url: Callable[[str], str],
) -> dict[str, Any]:
    """A FeatureCollection for the offices matching ``FROM office o WHERE …``.

    Only ids and coordinates are read for every office in view; the offices sent
    as points carry what a marker's popup shows (slug, name, address, city,
    phone, lat, lon, open_now, url) — the map fetches nothing else — so the cost
    at 20,000 offices stays that of one narrow query.
    """
    names = LIGHT_COLUMNS if open_now else LIGHT_COLUMNS[:3]
    columns = ", ".join(f"o.{c}" for c in names)
    rows = _fetch_raw(session, f"SELECT {columns} {from_where}", params)
    if open_now:
        rows = [
            row
            for row in rows
            if status(row[3], now, tz_name=timezone_for(row[4], row[5]), country=row[4]).open
        ]
    coords = np.array(rows, dtype=object)[:, 1:3].astype(float) if rows else np.zeros((0, 2))
    clusters, indexes = cluster_plan(coords[:, 0], coords[:, 1], zoom)
    ids = [rows[i][0] for i in indexes]
    features = [cluster_feature(c) for c in clusters]
    # One url_for, then the slug put in: thousands of url_for calls cost more than the rest.
    marker = "__slug__"
    url_pattern = office_url(marker)
    columns = ", ".join(f"o.{c}" for c in POINT_COLUMNS)
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        placeholders = ", ".join(f":id{i}" for i in range(len(chunk)))
        sql = f"SELECT {columns} FROM office o WHERE o.id IN ({placeholders}) ORDER BY o.id"  # noqa: S608
        found = _fetch_raw(session, sql, {f"id{i}": v for i, v in enumerate(chunk)})
        for row in found:
            point = dict(zip(POINT_COLUMNS, row, strict=True))
            country, hours = point.pop("country"), point.pop("opening_hours")
            tz_name = timezone_for(country, point.pop("timezone"))
            point["open_now"] = status(hours, now, tz_name=tz_name, country=country).open
            point["url"] = url_pattern.replace(marker, quote(point["slug"]))
            features.append(office_feature(point))
    return {"type": "FeatureCollection", "features": features}
