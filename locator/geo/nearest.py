"""The nearest-office search, answered from a spatial index.

A bounding box around the origin asks the index (SQLite R*Tree, PostgreSQL GiST) for
candidates; the box widens fourfold until it holds enough matching offices that are
provably nearer than anything outside it. Candidates are ranked on the sphere (cheap),
and only the few returned get the WGS-84 geodesic distance, by which they are ordered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.engine import Connection

from locator.geo.distance import SPHERE_ERROR, bounding_box, geodesic_km, haversine_km
from locator.hours import status, timezone_for
from locator.models import ROW_COLUMNS

START_RADIUS_KM = 30.0
WORLD_RADIUS_KM = 20_040.0  # half the Earth's circumference: the box covers everything
MAX_LIMIT = 50


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    language: str | None = None
    open_now: bool = False


@dataclass(frozen=True)
class Hit:
    distance_km: float
    row: Mapping[str, Any]  # the office's columns (ROW_COLUMNS)


def _box_sql(dialect: str, n_ranges: int) -> str:
    if dialect == "sqlite":
        ranges = " OR ".join(
            f"(r.max_lon >= :w{i} AND r.min_lon <= :e{i})" for i in range(n_ranges)
        )
        return (
            "SELECT o.id, o.lat, o.lon, o.opening_hours, o.country, o.timezone "
            "FROM office_rtree r JOIN office o ON o.id = r.id "
            f"WHERE r.max_lat >= :s AND r.min_lat <= :n AND ({ranges}) AND o.active"
        )
    if dialect == "postgresql":
        ranges = " OR ".join(
            f"point(o.lon, o.lat) <@ box(point(:w{i}, :s), point(:e{i}, :n))"
            for i in range(n_ranges)
        )
        return (
            "SELECT o.id, o.lat, o.lon, o.opening_hours, o.country, o.timezone "
            f"FROM office o WHERE ({ranges}) AND o.active"
        )
    ranges = " OR ".join(f"(o.lon BETWEEN :w{i} AND :e{i})" for i in range(n_ranges))
    return (
        "SELECT o.id, o.lat, o.lon, o.opening_hours, o.country, o.timezone FROM office o "
        f"WHERE o.lat BETWEEN :s AND :n AND ({ranges}) AND o.active"
    )


def _filter_sql(filters: Filters) -> tuple[str, dict[str, str]]:
    """Codes are validated against their lists before they get here."""
    clauses, params = [], {}
    if filters.category:
        clauses.append(" AND (';' || o.categories || ';') LIKE :category")
        params["category"] = f"%;{filters.category};%"
    if filters.language:
        clauses.append(" AND (';' || o.languages || ';') LIKE :language")
        params["language"] = f"%;{filters.language};%"
    return "".join(clauses), params


def _candidates(conn: Connection, lat: float, lon: float, radius_km: float, filters: Filters):
    south, north, lon_ranges = bounding_box(lat, lon, radius_km)
    extra, params = _filter_sql(filters)
    sql = _box_sql(conn.dialect.name, len(lon_ranges)) + extra
    params |= {"s": south, "n": north}
    for i, (west, east) in enumerate(lon_ranges):
        params[f"w{i}"], params[f"e{i}"] = west, east
    return conn.execute(text(sql), params).all()


def nearest(
    conn: Connection,
    lat: float,
    lon: float,
    *,
    now: datetime,
    limit: int = 5,
    radius_km: float | None = None,
    filters: Filters = Filters(),
    exclude: Iterable[int] = (),
) -> list[Hit]:
    """The `limit` nearest active offices matching `filters`, nearest first."""
    limit = max(1, min(limit, MAX_LIMIT))
    excluded = set(exclude)
    cap = min(radius_km * (1 + SPHERE_ERROR), WORLD_RADIUS_KM) if radius_km else WORLD_RADIUS_KM
    radius = min(START_RADIUS_KM, cap)
    open_cache: dict[int, bool] = {}

    def is_open(row) -> bool:
        if row.id not in open_cache:
            tz_name = timezone_for(row.country, row.timezone)
            open_cache[row.id] = bool(
                status(row.opening_hours, now, tz_name=tz_name, country=row.country).open
            )
        return open_cache[row.id]

    while True:
        ranked = sorted(
            (haversine_km(lat, lon, row.lat, row.lon), row)
            for row in _candidates(conn, lat, lon, radius, filters)
            if row.id not in excluded
        )
        ranked = [(d, row) for d, row in ranked if d <= cap]
        if filters.open_now:
            chosen: list = []
            for item in ranked:
                if is_open(item[1]):
                    chosen.append(item)
                    if len(chosen) == limit:
                        break
        else:
            chosen = ranked[:limit]
        enough = len(chosen) == limit and chosen[-1][0] * (1 + SPHERE_ERROR) <= radius
        if enough or radius >= cap:
            break
        radius = min(radius * 4, cap)

    if not chosen:
        return []
    # Everything the sphere could have misranked against the last chosen one.
    bound = chosen[-1][0] * (1 + 2 * SPHERE_ERROR)
    pool = [(d, row) for d, row in ranked if d <= bound and (not filters.open_now or is_open(row))]
    measured = sorted(
        ((geodesic_km(lat, lon, row.lat, row.lon), row.id) for _, row in pool),
    )
    if radius_km:
        measured = [(d, i) for d, i in measured if d <= radius_km]
    measured = measured[:limit]
    rows = fetch_rows(conn, [office_id for _, office_id in measured])
    return [Hit(d, rows[office_id]) for d, office_id in measured if office_id in rows]


_ROWS_SQL = text(f"SELECT {', '.join(ROW_COLUMNS)} FROM office WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def fetch_rows(conn: Connection, ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
    if not ids:
        return {}
    return {row["id"]: row for row in conn.execute(_ROWS_SQL, {"ids": list(ids)}).mappings()}


def nearest_bruteforce(
    rows: Iterable[Mapping[str, Any]], lat: float, lon: float, limit: int
) -> list[tuple[float, int]]:
    """Reference answer for tests and benchmarks: the geodesic to every office."""
    return sorted((geodesic_km(lat, lon, r["lat"], r["lon"]), r["id"]) for r in rows)[:limit]
