"""A per-process snapshot of the active offices, for the nearest search and the map's data.

The rooms (kind = room, with coordinates) are held as numpy arrays and a scipy cKDTree on
unit-sphere vectors: the chord between two unit vectors grows with the great-circle distance,
so the tree ranks candidates exactly on the sphere; the WGS-84 geodesic is computed only for
the few results and those the sphere could have misranked against them (as the database path
does, locator/geo/nearest.py). The remote offices are held as rows, in the database's order.

Freshness: the one-row `office_version` table is bumped by triggers on every change to the
office table (locator/models.py, revision 0006). Each process reads it at most every
CHECK_EVERY seconds (and at once after a commit of its own) and loads a new snapshot when it
moved, so an admin edit or an import is answered by every worker and every server within a
second. One thread checks; a search that finds another thread checking asks the database
instead of waiting for it (`current` returns None).

`LOCATOR_SNAPSHOT=0` in the environment turns the snapshot off (every search goes to the
database, as before): the benchmark measures both in one run (bench/bench_api.py).
"""

from __future__ import annotations

import math
import os
import threading
import time
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from locator import heap
from locator.geo.clusters import Cluster, cell_keys, make_clusters
from locator.geo.distance import (
    SPHERE_ERROR,
    chord_km,
    geodesic_km,
    km_chord,
    unit_vector,
    unit_vectors,
)
from locator.geo.search_types import Filters
from locator.hours import status, timezone_for
from locator.models import ROW_COLUMNS, office_dict

CHECK_EVERY = 0.25  # seconds between two reads of the version, per process
WORLD_RADIUS_KM = 20_040.0
CACHE_SIZE = 10_000  # office rows and office objects kept per snapshot (a few MB)
_ROOM_COLUMNS = (
    "id", "lat", "lon", "opening_hours", "country", "timezone", "categories", "languages",
)  # fmt: skip
_ROOMS_SQL = (
    f"SELECT {', '.join('o.' + c for c in _ROOM_COLUMNS)} FROM office o "  # noqa: S608
    "WHERE o.active AND o.kind = 'room' AND o.lat IS NOT NULL AND o.lon IS NOT NULL "
    "ORDER BY o.id"
)
_REMOTE_SQL = (
    f"SELECT {', '.join('o.' + c for c in ROW_COLUMNS)} FROM office o "  # noqa: S608
    "WHERE o.active AND o.kind = 'remote' ORDER BY o.name, o.slug"
)
_VERSION_SQL = "SELECT version FROM office_version"


_BLANK = (np.inf, np.inf, -np.inf, -np.inf)  # bounds of a cell with no room in view
_REDUCE = (np.minimum, np.minimum, np.maximum, np.maximum)


def enabled() -> bool:
    return os.environ.get("LOCATOR_SNAPSHOT", "1").strip().lower() not in ("0", "false", "no")


@dataclass(frozen=True)
class _Grid:
    """The rooms' screen cells at one zoom: the rooms ordered by cell (cells numbered in
    key order, each cell's rooms in index order), each one's cell number and coordinates
    in that order, and where each cell starts (3.2 MB per zoom at 100,000 rooms)."""

    order: np.ndarray
    cell: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    starts: np.ndarray
    # Each cell whole: rooms, sums of latitudes and longitudes, minlon, minlat, maxlon, maxlat.
    sizes: np.ndarray
    sums: tuple[np.ndarray, np.ndarray]
    bounds: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass
class Snapshot:
    version: int
    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    hours: list[str | None]
    country: list[str | None]
    timezone: list[str | None]
    categories: list[str]
    languages: list[str]
    remote_rows: list[dict[str, Any]]
    tree: Any = None
    _masks: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    _grids: dict[int, _Grid] = field(default_factory=dict)
    _rows: dict[int, dict[str, Any]] = field(default_factory=dict)
    _offices: dict[int, tuple[datetime, dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.ids):
            self.tree = cKDTree(unit_vectors(self.lat, self.lon))

    # -- filters --------------------------------------------------------------------------
    def _mask(self, filters: Filters) -> np.ndarray | None:
        """Which rooms match the category and language filters (as the SQL LIKE on
        ';' || list || ';' does), or None when neither is asked."""
        mask = None
        for name, code in (("categories", filters.category), ("languages", filters.language)):
            if not code:
                continue
            key = (name, code)
            if key not in self._masks:
                needle = f";{code};"
                values = getattr(self, name)
                self._masks[key] = np.fromiter(
                    (needle in f";{v};" for v in values), dtype=bool, count=len(values)
                )
            mask = self._masks[key] if mask is None else mask & self._masks[key]
        return mask

    def is_open(self, i: int, now: datetime) -> bool:
        country = self.country[i]
        tz_name = timezone_for(country, self.timezone[i])
        return bool(status(self.hours[i], now, tz_name=tz_name, country=country or "").open)

    # -- the nearest search ---------------------------------------------------------------
    def nearest(
        self,
        lat: float,
        lon: float,
        *,
        now: datetime,
        limit: int,
        radius_km: float | None,
        filters: Filters,
        exclude: Iterable[int] = (),
    ) -> list[tuple[float, int]]:
        """(geodesic km, office id) of the `limit` nearest matching rooms, nearest first."""
        n = len(self.ids)
        if n == 0:
            return []
        excluded = set(exclude)
        cap = min(radius_km * (1 + SPHERE_ERROR), WORLD_RADIUS_KM) if radius_km else WORLD_RADIUS_KM
        mask = self._mask(filters)
        point = unit_vector(lat, lon)
        ids = self.ids

        def fits(i: int) -> bool:
            return (
                (mask is None or bool(mask[i]))
                and int(ids[i]) not in excluded
                and (not filters.open_now or self.is_open(i, now))
            )

        k = min(n, max(4 * limit, 16) + len(excluded))
        while True:
            chords, found = self.tree.query(point, k=k)
            distances = chord_km(np.atleast_1d(chords))
            found = np.atleast_1d(found)
            chosen: list[float] = []
            for d, i in zip(distances.tolist(), found.tolist(), strict=True):
                if d > cap:
                    break
                if fits(i):
                    chosen.append(d)
                    if len(chosen) == limit:
                        break
            if len(chosen) == limit or k == n or distances[-1] > cap:
                break
            k = min(n, k * 4)
        if not chosen:
            return []
        # Everything the sphere could have misranked against the last chosen one.
        bound = min(chosen[-1] * (1 + 2 * SPHERE_ERROR), cap)
        near = self.tree.query_ball_point(point, r=km_chord(bound) * (1 + 1e-12) + 1e-15)
        measured = sorted(
            (geodesic_km(lat, lon, float(self.lat[i]), float(self.lon[i])), int(ids[i]))
            for i in near
            if fits(i)
        )
        if radius_km:
            measured = [item for item in measured if item[0] <= radius_km]
        return measured[:limit]

    # -- the map --------------------------------------------------------------------------
    @staticmethod
    def _box_mask(
        lat: np.ndarray, lon: np.ndarray, bbox: tuple[float, float, float, float] | None
    ) -> np.ndarray:
        keep = np.ones(len(lat), dtype=bool)
        if bbox is not None:
            west, south, east, north = bbox
            keep &= (lat >= south) & (lat <= north)
            if west <= east:
                keep &= (lon >= west) & (lon <= east)
            else:  # across the antimeridian
                keep &= (lon >= west) | (lon <= east)
        return keep

    def in_box(
        self,
        bbox: tuple[float, float, float, float] | None,
        filters: Filters,
        now: datetime,
    ) -> np.ndarray:
        """Indexes (into ids/lat/lon, by id) of the matching rooms in the box."""
        keep = self._box_mask(self.lat, self.lon, bbox)
        mask = self._mask(filters)
        if mask is not None:
            keep &= mask
        chosen = np.flatnonzero(keep)
        if filters.open_now:
            chosen = np.array([i for i in chosen.tolist() if self.is_open(i, now)], dtype=np.int64)
        return chosen

    def _grid(self, zoom: int) -> _Grid:
        grid = self._grids.get(zoom)
        if grid is None:  # once per snapshot and zoom: ~10 ms at 100,000 rooms
            _, cell = np.unique(cell_keys(self.lat, self.lon, zoom), return_inverse=True)
            cell = cell.ravel().astype(np.intp)
            order = np.argsort(cell, kind="stable")
            cell = cell[order]
            starts = np.flatnonzero(np.r_[True, np.diff(cell) != 0])
            lat, lon = self.lat[order], self.lon[order]
            cells = len(starts)
            grid = _Grid(
                order,
                cell,
                lat,
                lon,
                starts,
                sizes=np.diff(np.r_[starts, len(cell)]),
                sums=(np.bincount(cell, lat, cells), np.bincount(cell, lon, cells)),
                bounds=(
                    np.minimum.reduceat(lon, starts),
                    np.minimum.reduceat(lat, starts),
                    np.maximum.reduceat(lon, starts),
                    np.maximum.reduceat(lat, starts),
                ),
            )
            self._grids[zoom] = grid
        return grid

    def clusters(self, chosen: np.ndarray, zoom: int) -> tuple[list[Cluster], np.ndarray]:
        """grid_cluster_arrays over the rooms `chosen` (indexes, ascending): the same clusters,
        and the rooms alone in their cell (indexes, ascending), from the zoom's cells worked
        out once per snapshot: per request only counts, sums and bounds over the rooms in
        view, cell by cell in the cells' order (each cell's rooms in index order, so the
        sums are those of the query path, term for term)."""
        if chosen.size == 0:
            return [], np.array([], dtype=np.int64)
        grid = self._grid(zoom)
        in_view = np.zeros(len(self.ids), dtype=bool)
        in_view[chosen] = True
        in_view = in_view[grid.order]
        counts = np.add.reduceat(in_view.astype(np.intp), grid.starts)
        sums, bounds = [], []
        for values in (grid.lat, grid.lon):  # bincount adds in order: x + 0.0 is x
            sums.append(np.bincount(grid.cell, np.where(in_view, values, 0.0), len(counts)))
        for values, reduce, blank in zip(
            (grid.lon, grid.lat, grid.lon, grid.lat), _REDUCE, _BLANK, strict=True
        ):
            bounds.append(reduce.reduceat(np.where(in_view, values, blank), grid.starts))
        alone = in_view & (np.repeat(counts, grid.sizes) == 1)
        return make_clusters(counts, sums[0], sums[1], bounds), np.sort(grid.order[alone])

    def clusters_in_box(
        self, bbox: tuple[float, float, float, float] | None, zoom: int
    ) -> tuple[int, list[Cluster], np.ndarray]:
        """With no filters: how many rooms are in the box, and clusters(in_box(bbox), zoom).
        The cells wholly in the box are answered from their totals kept with the zoom; only
        the few the box's edges cut are looked into room by room (a country-wide view costs
        a few hundred cells, not 100,000 rooms)."""
        grid = self._grid(zoom)
        west_b, south_b, east_b, north_b = grid.bounds
        if bbox is None:
            whole = np.ones(len(grid.starts), dtype=bool)
            cut = ~whole
        else:
            west, south, east, north = bbox
            lat_in = (south_b >= south) & (north_b <= north)
            lat_out = (north_b < south) | (south_b > north)
            if west <= east:
                lon_in = (west_b >= west) & (east_b <= east)
                lon_out = (east_b < west) | (west_b > east)
            else:  # across the antimeridian: in when east of `west` or west of `east`
                lon_in = (west_b >= west) | (east_b <= east)
                lon_out = (west_b > east) & (east_b < west)
            whole = lat_in & lon_in
            cut = ~whole & ~(lat_out | lon_out)
        counts = np.where(whole, grid.sizes, 0)
        sums = [np.where(whole, total, 0.0) for total in grid.sums]
        bounds = [np.where(whole, b, blank) for b, blank in zip(grid.bounds, _BLANK, strict=True)]
        alone = [grid.starts[whole & (grid.sizes == 1)]]
        if cut.any():
            runs = np.flatnonzero(cut)
            at = np.concatenate(
                [np.arange(grid.starts[c], grid.starts[c] + grid.sizes[c]) for c in runs]
            )
            lat, lon = grid.lat[at], grid.lon[at]
            keep = self._box_mask(lat, lon, bbox)
            at, lat, lon, cell = at[keep], lat[keep], lon[keep], grid.cell[at[keep]]
            counts = counts + np.bincount(cell, minlength=len(counts))
            sums = [
                total + np.bincount(cell, values, len(counts))
                for total, values in zip(sums, (lat, lon), strict=True)
            ]  # the cut cells' totals were 0.0: the sums are added in index order all the same
            for b, values, reduce in zip(bounds, (lon, lat, lon, lat), _REDUCE, strict=True):
                reduce.at(b, cell, values)
            alone.append(at[counts[cell] == 1])
        singles = np.sort(grid.order[np.concatenate(alone)])
        return int(counts.sum()), make_clusters(counts, sums[0], sums[1], bounds), singles

    # -- rows and office objects, cached per snapshot -------------------------------------
    def rows(self, conn: Connection, office_ids: Sequence[int]) -> dict[int, Mapping[str, Any]]:
        from locator.geo.nearest import fetch_rows

        missing = [i for i in office_ids if i not in self._rows]
        if missing:
            if len(self._rows) + len(missing) > CACHE_SIZE:
                self._rows = {}
            self._rows.update(fetch_rows(conn, missing))  # type: ignore[arg-type]
        return {i: self._rows[i] for i in office_ids if i in self._rows}

    def office(self, row: Mapping[str, Any], now: datetime, url: str | None) -> dict[str, Any]:
        """office_dict(row, now, url), built once per office and minute (open_now and
        next_change change at most once a minute: hours are written to the minute)."""
        minute = now.replace(second=0, microsecond=0)
        cached = self._offices.get(row["id"])
        if cached is None or cached[0] != minute:
            if len(self._offices) >= CACHE_SIZE:
                self._offices = {}
            cached = (minute, office_dict(row, minute))
            self._offices[row["id"]] = cached
        data = dict(cached[1])
        data["url"] = url
        return data


def _load(conn: Connection) -> Snapshot:
    from locator.geo.nearest import raw_rows

    version = conn.exec_driver_sql(_VERSION_SQL).scalar()
    rooms = raw_rows(conn, _ROOMS_SQL, {})
    remote = raw_rows(conn, _REMOTE_SQL, {})
    strings: dict[Any, Any] = {}

    def column(j: int) -> list[Any]:
        return [strings.setdefault(row[j], row[j]) for row in rooms]

    return Snapshot(
        version=int(version or 0),
        ids=np.array([row[0] for row in rooms], dtype=np.int64),
        lat=np.array([row[1] for row in rooms], dtype=np.float64),
        lon=np.array([row[2] for row in rooms], dtype=np.float64),
        hours=column(3),
        country=column(4),
        timezone=column(5),
        categories=[v or "" for v in column(6)],
        languages=[v or "" for v in column(7)],
        remote_rows=[dict(zip(ROW_COLUMNS, row, strict=True)) for row in remote],
    )


class _Holder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.snapshot: Snapshot | None = None
        self.checked_at = -math.inf
        self.commits_seen = -1


_holders: weakref.WeakKeyDictionary[Engine, _Holder] = weakref.WeakKeyDictionary()
_holders_lock = threading.Lock()
_local_commits = 0


@event.listens_for(Engine, "commit")
def _after_commit(_conn: Connection) -> None:
    """A commit in this process (an admin edit, an import) is checked for at the next search."""
    global _local_commits
    _local_commits += 1


def current(conn: Connection) -> Snapshot | None:
    """The snapshot of the offices of `conn`'s database, fresh to CHECK_EVERY seconds, or
    None (turned off, or a database without the version table: the search asks the database)."""
    if not enabled():
        return None
    engine = conn.engine
    holder = _holders.get(engine)
    if holder is None:
        with _holders_lock:
            holder = _holders.setdefault(engine, _Holder())
    if _fresh(holder):
        return holder.snapshot
    # One thread checks (and loads) on a connection of its own. The others never wait for
    # it: each holds its request's connection, so waiting threads could hold every
    # connection of the pool the checker is waiting for, and each checker in turn would
    # stall until the pool's timeout. They ask the database meanwhile, which answers the
    # same, as fresh: an answer is never older than the version read CHECK_EVERY seconds ago.
    if not holder.lock.acquire(blocking=False):
        return None
    try:
        if _fresh(holder):
            return holder.snapshot
        snap = holder.snapshot
        commits = _local_commits
        checked = time.monotonic()
        try:
            with engine.connect() as own:
                version = own.exec_driver_sql(_VERSION_SQL).scalar()
                if snap is None or version != snap.version:
                    snap = _load(own)
                    heap.settle()  # kept until the next change: out of the collector's walks
        except SQLAlchemyError:  # no version table (a database not upgraded), or down
            return None
        holder.snapshot, holder.checked_at, holder.commits_seen = snap, checked, commits
        return snap
    finally:
        holder.lock.release()


def _fresh(holder: _Holder) -> bool:
    return (
        holder.snapshot is not None
        and holder.commits_seen == _local_commits
        and time.monotonic() - holder.checked_at < CHECK_EVERY
    )


def forget() -> None:
    """Drop every snapshot (tests that change a database behind the triggers' back)."""
    with _holders_lock:
        _holders.clear()
