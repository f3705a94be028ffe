"""The overview map's data: offices in a box, clustered on the server at low zoom."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

from locator.hours import status, timezone_for
from locator.maps import cluster_feature, cluster_plan
from locator.models import ROW_COLUMNS, office_dict

LIGHT_COLUMNS = ("id", "lat", "lon", "opening_hours", "country", "timezone")
ID_CHUNK = 500


def office_feature(office: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": office["slug"],
        "geometry": {"type": "Point", "coordinates": [office["lon"], office["lat"]]},
        "properties": office,
    }


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

    Only ids and coordinates are read for every office in view; the full office
    object is built for the offices sent as points (at most a few hundred), so
    the cost at 20,000 offices stays that of one narrow query.
    """
    columns = ", ".join(f"o.{c}" for c in LIGHT_COLUMNS)
    rows = session.execute(text(f"SELECT {columns} {from_where}"), dict(params)).all()
    points = []
    for row in rows:
        if open_now:
            tz_name = timezone_for(row.country, row.timezone)
            if not status(row.opening_hours, now, tz_name=tz_name, country=row.country).open:
                continue
        points.append((row.lat, row.lon, row.id))
    clusters, ids = cluster_plan(points, zoom)
    features = [cluster_feature(c) for c in clusters]
    full = ", ".join(f"o.{c}" for c in ROW_COLUMNS)
    query = text(f"SELECT {full} FROM office o WHERE o.id IN :ids ORDER BY o.id").bindparams(  # noqa: S608
        bindparam("ids", expanding=True)
    )
    for start in range(0, len(ids), ID_CHUNK):
        chunk = ids[start : start + ID_CHUNK]
        for row in session.execute(query, {"ids": chunk}).mappings():
            features.append(office_feature(office_dict(row, now, office_url(row["slug"]))))
    return {"type": "FeatureCollection", "features": features}
