"""The nearest-office search, answered from a spatial index.

A bounding box around the origin asks the index (SQLite R*Tree, PostgreSQL GiST) for
candidates; the first box is sized from the offices' density to hold a few more than asked
for, and it doubles until it holds enough matching offices that are provably nearer than
anything outside it. Candidates are ranked on the sphere (cheap), and only the few returned
are read whole and get the WGS-84 geodesic distance, by which they are ordered.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import text
from sqlalchemy.engine import Connection

from locator.geo import snapshot
from locator.geo.distance import (
    EARTH_RADIUS_KM,
    SPHERE_ERROR,
    bounding_box,
    geodesic_km,
)
from locator.geo.search_types import Filters, Hit
from locator.hours import status, timezone_for
from locator.models import ROW_COLUMNS

FALLBACK_RADIUS_KM = 30.0  # the first box when the office density is not known yet
MIN_RADIUS_KM = 0.5
WORLD_RADIUS_KM = 20_040.0  # half the Earth's circumference: the box covers everything
MAX_LIMIT = 50
# The density hint is refreshed this often (seconds). It only sizes the first box: a stale
# or locally wrong hint costs a query more, never a wrong answer, so each process keeps its own.
DENSITY_TTL = 300.0
# A box expected to hold this many offices per one asked for rarely needs widening.
HEADROOM = 2.5
FILTER_HEADROOM = 3.0  # a category or language filter leaves roughly a third
# Until a box has been read whole, a box holding more than CEILING times the offices it was
# sized for is not read on (a city far denser than the average, a hint from before an
# import): it shrinks by SHRINK and is asked again.
CEILING = 8
SHRINK = 3.0

# A candidate row begins with what ranking needs (and "open now", asked only with that
# filter). On SQLite the whole office is read afterwards for the few returned: decoding every
# column of every candidate cost more than the index search itself. On PostgreSQL the
# candidates carry every column: a second round trip (~0.3 ms) cost more than the decoding.
_RANK_COLUMNS = ("id", "lat", "lon", "opening_hours", "country", "timezone")
_ID, _LAT, _LON, _HOURS, _COUNTRY, _TZ = range(len(_RANK_COLUMNS))
_FULL_ROW_COLUMNS = _RANK_COLUMNS + tuple(c for c in ROW_COLUMNS if c not in _RANK_COLUMNS)
_FULL_ROWS_DIALECTS = frozenset({"postgresql"})
_NAMED = re.compile(r":(\w+)")
# Only rooms (places one walks into) are ranked; remote offices are chosen by area.
_ROOMS = "o.active AND o.kind = 'room'"
_density: dict[str, tuple[float, float | None]] = {}
NO_FILTERS = Filters()  # engine URL → (expires, km² per office)


def filter_clause(category: bool, language: bool) -> str:
    """The category and language conditions on office `o` (" AND …", or ""), with the
    parameters :category and :language (filter_params). Codes are validated against their
    lists before they get here."""
    sql = ""
    if category:
        sql += " AND (';' || o.categories || ';') LIKE :category"
    if language:
        sql += " AND (';' || o.languages || ';') LIKE :language"
    return sql


def filter_params(filters: Filters) -> dict[str, str]:
    params = {}
    if filters.category:
        params["category"] = f"%;{filters.category};%"
    if filters.language:
        params["language"] = f"%;{filters.language};%"
    return params


@lru_cache(maxsize=256)
def _driver_sql(dialect: str, sql: str) -> str:
    return _NAMED.sub(r"%(\1)s", sql) if dialect == "postgresql" else sql


def raw_rows(conn: Connection, sql: str, params: Mapping[str, Any]) -> list[tuple]:
    """Rows of `sql` (written with :named parameters) as plain tuples. The hot paths skip
    SQLAlchemy's result objects: on the DB-API cursor of the same connection (and
    transaction) a query costs a fraction, and for thousands of rows less than the query."""
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return [tuple(row) for row in conn.execute(text(sql), dict(params))]
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_driver_sql(dialect, sql), dict(params))
        return cast("list[tuple]", cursor.fetchall())
    finally:
        cursor.close()


@lru_cache(maxsize=64)
def _box_sql(
    dialect: str, n_ranges: int, category: bool, language: bool, hours: bool, capped: bool
) -> str:
    """The candidate query, in the driver's own parameter style (it runs on the raw cursor)."""
    if dialect in _FULL_ROWS_DIALECTS:
        names = _FULL_ROW_COLUMNS
    else:
        names = _RANK_COLUMNS if hours else _RANK_COLUMNS[:3]
    columns = ", ".join(f"o.{name}" for name in names)
    if dialect == "sqlite":
        ranges = " OR ".join(
            f"(r.max_lon >= :w{i} AND r.min_lon <= :e{i})" for i in range(n_ranges)
        )
        sql = (
            f"SELECT {columns} FROM office_rtree r JOIN office o ON o.id = r.id "
            # `+o.kind`: SQLite's planner would otherwise start from ix_office_kind (every
            # room) instead of the R*Tree, ~0.4 s at 20,000 offices.
            f"WHERE r.max_lat >= :s AND r.min_lat <= :n AND ({ranges}) "
            "AND o.active AND +o.kind = 'room'"
        )
    elif dialect == "postgresql":
        ranges = " OR ".join(
            f"point(o.lon, o.lat) <@ box(point(:w{i}, :s), point(:e{i}, :n))"
            for i in range(n_ranges)
        )
        sql = f"SELECT {columns} FROM office o WHERE ({ranges}) AND {_ROOMS}"
    else:
        ranges = " OR ".join(f"(o.lon BETWEEN :w{i} AND :e{i})" for i in range(n_ranges))
        sql = (
            f"SELECT {columns} FROM office o "
            f"WHERE o.lat BETWEEN :s AND :n AND ({ranges}) AND {_ROOMS}"
        )
    sql += filter_clause(category, language)
    if capped:
        sql += " LIMIT :ceiling"
    return sql


def _candidates(
    conn: Connection,
    lat: float,
    lon: float,
    radius_km: float,
    filters: Filters,
    ceiling: int | None,
) -> list[tuple]:
    """The active offices matching `filters` in the box around the circle (at most
    `ceiling` of them, when given)."""
    south, north, lon_ranges = bounding_box(lat, lon, radius_km)
    sql = _box_sql(
        conn.dialect.name,
        len(lon_ranges),
        bool(filters.category),
        bool(filters.language),
        filters.open_now,
        ceiling is not None,
    )
    params: dict[str, Any] = {"s": south, "n": north, "ceiling": ceiling}
    for i, (west, east) in enumerate(lon_ranges):
        params[f"w{i}"], params[f"e{i}"] = west, east
    params.update(filter_params(filters))
    return raw_rows(conn, sql, params)


def area_per_office(conn: Connection) -> float | None:
    """km² of the active offices' bounding box per office (None when there are none),
    read at most once per DENSITY_TTL per process and database."""
    key = str(conn.engine.url)
    cached = _density.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    count, south, north, west, east = conn.execute(
        text(
            "SELECT count(*), min(lat), max(lat), min(lon), max(lon) FROM office "
            "WHERE active AND kind = 'room' AND lat IS NOT NULL AND lon IS NOT NULL"
        )
    ).one()
    area = None
    if count:
        band = abs(math.sin(math.radians(north)) - math.sin(math.radians(south)))
        area = EARTH_RADIUS_KM**2 * math.radians(east - west) * band / count
    _density[key] = (time.monotonic() + DENSITY_TTL, area)
    return area


def _first_radius(conn: Connection, wanted: float) -> float:
    area = area_per_office(conn)
    if area is None:
        return FALLBACK_RADIUS_KM
    return max(MIN_RADIUS_KM, math.sqrt(wanted * area / math.pi))


def nearest(
    conn: Connection,
    lat: float,
    lon: float,
    *,
    now: datetime,
    limit: int = 5,
    radius_km: float | None = None,
    filters: Filters = NO_FILTERS,
    exclude: Iterable[int] = (),
) -> list[Hit]:
    """The `limit` nearest active rooms (`kind` = room) matching `filters`, nearest first.
    Remote offices are never ranked: they are chosen by area (locator/offices/areas.py)."""
    limit = max(1, min(limit, MAX_LIMIT))
    snap = snapshot.current(conn)
    if snap is not None:  # the process's snapshot, as fresh as the version table says
        found = snap.nearest(
            lat, lon, now=now, limit=limit, radius_km=radius_km, filters=filters, exclude=exclude
        )
        found_rows = snap.rows(conn, [office_id for _, office_id in found])
        return [Hit(d, found_rows[o]) for d, o in found if o in found_rows]
    excluded = set(exclude)
    cap = min(radius_km * (1 + SPHERE_ERROR), WORLD_RADIUS_KM) if radius_km else WORLD_RADIUS_KM
    wanted = limit * HEADROOM * (FILTER_HEADROOM if filters.category or filters.language else 1)
    radius = min(_first_radius(conn, wanted), cap)
    ceiling: int | None = int(CEILING * wanted)
    open_cache: dict[int, bool] = {}

    def is_open(row: tuple) -> bool:
        if row[_ID] not in open_cache:
            tz_name = timezone_for(row[_COUNTRY], row[_TZ])
            open_cache[row[_ID]] = bool(
                status(row[_HOURS], now, tz_name=tz_name, country=row[_COUNTRY]).open
            )
        return open_cache[row[_ID]]

    # Haversine, inlined: it runs once per candidate.
    phi0, lam0 = math.radians(lat), math.radians(lon)
    cos0, sin, cos, asin, sqrt = math.cos(phi0), math.sin, math.cos, math.asin, math.sqrt
    diameter, rad = 2 * EARTH_RADIUS_KM, math.pi / 180
    while True:
        rows = _candidates(conn, lat, lon, radius, filters, ceiling)
        if ceiling is not None and len(rows) >= ceiling:  # not all of the box was read
            if radius > MIN_RADIUS_KM:
                radius = max(MIN_RADIUS_KM, radius / SHRINK)
            else:
                ceiling = None  # offices piled on one spot: read them all
            continue
        ceiling = None  # from here on the box only grows, and each is read whole
        ranked = []
        for row in rows:
            if row[_ID] in excluded:
                continue
            phi = row[_LAT] * rad
            a = (
                sin((phi - phi0) / 2) ** 2
                + cos0 * cos(phi) * sin((row[_LON] * rad - lam0) / 2) ** 2
            )
            d = diameter * asin(min(1.0, sqrt(a)))
            if d <= cap:
                ranked.append((d, row[_ID], row))
        ranked.sort(key=itemgetter(0, 1))
        if filters.open_now:
            chosen: list = []
            for item in ranked:
                if is_open(item[2]):
                    chosen.append(item)
                    if len(chosen) == limit:
                        break
        else:
            chosen = ranked[:limit]
        enough = len(chosen) == limit and chosen[-1][0] * (1 + SPHERE_ERROR) <= radius
        if enough or radius >= cap:
            break
        radius = min(radius * 2, cap)

    if not chosen:
        return []
    # Everything the sphere could have misranked against the last chosen one.
    bound = chosen[-1][0] * (1 + 2 * SPHERE_ERROR)
    measured = sorted(
        (geodesic_km(lat, lon, row[_LAT], row[_LON]), office_id)
        for d, office_id, row in ranked
        if d <= bound and (not filters.open_now or is_open(row))
    )
    if radius_km:
        measured = [item for item in measured if item[0] <= radius_km]
    measured = measured[:limit]
    if conn.dialect.name in _FULL_ROWS_DIALECTS:
        by_id = {office_id: row for _, office_id, row in ranked}
        chosen_rows: dict[int, Mapping[str, Any]] = {
            office_id: dict(zip(_FULL_ROW_COLUMNS, by_id[office_id], strict=True))
            for _, office_id in measured
        }
    else:
        chosen_rows = fetch_rows(conn, [office_id for _, office_id in measured])
    return [Hit(d, chosen_rows[o]) for d, o in measured if o in chosen_rows]


@lru_cache(maxsize=64)
def ids_sql(columns: tuple[str, ...], count: int) -> str:
    """SELECT the columns of the offices with ids :id0 … (for raw_rows)."""
    marks = ", ".join(f":id{i}" for i in range(count))
    return f"SELECT {', '.join('o.' + c for c in columns)} FROM office o WHERE o.id IN ({marks})"


def fetch_rows(conn: Connection, ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
    """The offices' columns (ROW_COLUMNS) by id."""
    if not ids:
        return {}
    found = raw_rows(conn, ids_sql(ROW_COLUMNS, len(ids)), {f"id{i}": v for i, v in enumerate(ids)})
    return {row[0]: dict(zip(ROW_COLUMNS, row, strict=True)) for row in found}


def nearest_bruteforce(
    rows: Iterable[Mapping[str, Any]], lat: float, lon: float, limit: int
) -> list[tuple[float, int]]:
    """Reference answer for tests and benchmarks: the geodesic to every office."""
    return sorted((geodesic_km(lat, lon, r["lat"], r["lon"]), r["id"]) for r in rows)[:limit]
