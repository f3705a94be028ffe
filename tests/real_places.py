"""The real-place test set (tests/data/real_places.csv, see tests/data/README.md) and how
one answer is judged; `python -m tests.real_places [REV]` prints the pass rate by kind of
place for this tree's gazetteer, and for the gazetteer module of git revision REV beside it.

A row passes when the answer lies within `max_km` of the expected coordinates (rows with
coordinates), carries the expected ISO 3166-2 `region_code` (rows without), is in Ukraine
unless the row says otherwise, and has the expected `precision`.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "real_places.csv"


@dataclass(frozen=True)
class Row:
    kind: str
    query: str
    lat: float | None
    lon: float | None
    max_km: float | None
    region_code: str
    precision: str
    note: str


def load_rows() -> list[Row]:
    with DATA.open(encoding="utf-8", newline="") as f:
        return [
            Row(
                r["kind"],
                r["query"],
                float(r["lat"]) if r["lat"] else None,
                float(r["lon"]) if r["lon"] else None,
                float(r["max_km"]) if r["max_km"] else None,
                r["region_code"],
                r["precision"],
                r["note"],
            )
            for r in csv.DictReader(f)
        ]


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


def judge(row: Row, place, region_of: Callable | None = None) -> str:
    """ "" when the answer is right, otherwise why not. `region_of(place)` gives the
    answer's ISO 3166-2 code (the place's own `region_code` by default)."""
    if place is None:
        return "not found"
    problems = []
    if row.precision and place.precision != row.precision:
        problems.append(f"precision {place.precision}, expected {row.precision}")
    if row.lat is not None:
        d = km(row.lat, row.lon, place.lat, place.lon)
        if d > row.max_km:
            problems.append(f"{d:.0f} km away ({place.label})")
    elif row.region_code:
        got = region_of(place) if region_of else getattr(place, "region_code", None)
        if got != row.region_code:
            problems.append(f"region {got}, expected {row.region_code} ({place.label})")
    country = getattr(place, "country", None)
    if (
        row.kind != "coordinates"
        and row.precision != "country"
        and (country not in ("UA", None) or (place.precision != "point" and country is None))
    ):
        problems.append(f"country {country} ({place.label})")
    return "; ".join(problems)


def pass_rates(
    geocode: Callable[[str], object], region_of: Callable | None = None
) -> tuple[dict[str, tuple[int, int]], list[tuple[Row, str]]]:
    passed: Counter[str] = Counter()
    total: Counter[str] = Counter()
    failures = []
    for row in load_rows():
        why = judge(row, geocode(row.query), region_of)
        total[row.kind] += 1
        if why:
            failures.append((row, why))
        else:
            passed[row.kind] += 1
    return {k: (passed[k], total[k]) for k in total}, failures


def load_old_gazetteer(rev: str):
    """The gazetteer module of git revision `rev`, imported from a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="gazetteer-old-"))
    (folder / "data").mkdir()
    for name in ("gazetteer.py", "data/gazetteer_names.json"):
        blob = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{rev}:locator/geo/{name}"],
            check=True,
            capture_output=True,
        ).stdout
        (folder / name).write_bytes(blob)
    spec = importlib.util.spec_from_file_location("gazetteer_old", folder / "gazetteer.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["gazetteer_old"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def service_geocoder(gazetteer) -> Callable[[str], object]:
    """What /offices?near= does with text: GeoService.geocode, offline, no offices."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from locator.extensions import db
    from locator.geo.service import GeoService, QueryTooLong
    from locator.models import Office  # noqa: F401  (its table)

    engine = create_engine("sqlite://")
    db.metadata.create_all(engine)
    service = GeoService(gazetteer=gazetteer)
    session = Session(engine)

    def geocode(query: str):
        try:
            return service.geocode(session, query, lang="uk")
        except QueryTooLong:
            return None

    return geocode


def old_geocoder(gazetteer) -> Callable[[str], object]:
    """What GeoService.geocode did with the old gazetteer (its Place has fewer fields):
    the whole text, then its comma-separated parts from the end (an address's city)."""
    from locator.geo.service import QueryTooLong, clean_query

    def geocode(query: str):
        try:
            text = clean_query(query)
        except QueryTooLong:
            return None
        parts = [p.strip() for p in text.split(",") if p.strip()]
        for candidate in [text, *reversed(parts[:-1] if len(parts) > 1 else [])]:
            place = gazetteer.lookup(candidate)
            if place is not None:
                return place
        return None

    return geocode


def main(argv: list[str]) -> int:
    from locator.geo.gazetteer import Gazetteer

    new = Gazetteer()
    columns = [("this tree", service_geocoder(new), None)]
    if argv:
        old = load_old_gazetteer(argv[0]).Gazetteer()

        def old_region(place):  # old answers carry no region: the new index's, at that point
            return new.region_at(place.lat, place.lon) if place.precision != "country" else None

        columns.insert(0, (argv[0], old_geocoder(old), old_region))
    results = [(name, *pass_rates(fn, region_of)) for name, fn, region_of in columns]
    kinds = list(results[-1][1])
    print(f"{'kind':<12}" + "".join(f"{name:>16}" for name, *_ in results))
    for kind in [*kinds, "all"]:
        cells = []
        for _name, rates, _f in results:
            p, t = (
                (sum(v[0] for v in rates.values()), sum(v[1] for v in rates.values()))
                if kind == "all"
                else rates[kind]
            )
            cells.append(f"{p}/{t} {100 * p / t:5.1f}%")
        print(f"{kind:<12}" + "".join(f"{c:>16}" for c in cells))
    for name, fn, _region_of in columns:
        outcome: Counter[str] = Counter()
        for row in (r for r in load_rows() if r.kind == "village"):
            place = fn(row.query)
            outcome[
                "not found"
                if place is None
                else "placed"
                if place.precision == "city"
                else "at its community"
                if "громада" in place.label
                else place.precision
            ] += 1
        print(f"villages ({name}): " + ", ".join(f"{k} {v}" for k, v in outcome.most_common()))
    by_kind = defaultdict(list)
    for row, why in results[-1][2]:
        by_kind[row.kind].append(f"  {row.query!r}: {why}")
    for kind, lines in by_kind.items():
        print(f"\nfailing ({results[-1][0]}), {kind}:")
        print("\n".join(lines[:40]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
