"""Office import and export: 20,000 offices with coordinates on SQLite (target ≥ 1,000 rows/s).

Baselines in the same run: parsing the same file with the bare `csv` module (the floor: no
checks, no database), and the naive import — one ORM object and one flush per row — on a
slice of the file, which is what a hand-written upsert usually looks like.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

N = 20_000
NAIVE_N = 2_000
CITIES = [
    ("Київ", "м. Київ", 50.45, 30.52, "44"),
    ("Львів", "Львівська область", 49.84, 24.03, "32"),
    ("Одеса", "Одеська область", 46.48, 30.72, "48"),
    ("Харків", "Харківська область", 49.99, 36.23, "57"),
    ("Дніпро", "Дніпропетровська область", 48.46, 35.05, "56"),
]
HOURS = [
    "Mo-Fr 09:00-18:00",
    "Mo-Fr 09:00-13:00,14:00-18:00; PH off",
    "Tu-Sa 10:00-17:00",
    "Mo,We,Fr 10:00-16:00",
]


def generate_csv(n: int, seed: int = 6) -> bytes:
    from locator.offices.csvio import write_csv

    rng = random.Random(seed)
    offices = []
    for i in range(n):
        city, region, lat, lon, code = rng.choice(CITIES)
        offices.append(
            {
                "slug": f"office-{i:05d}",
                "name": f"Громадська приймальня №{i}",
                "organization": f"ГО «Право {i % 300}»",
                "address": f"вул. Тестова, {i % 200 + 1}",
                "city": city,
                "region": region,
                "postcode": f"{rng.randint(1000, 99999):05d}",
                "country": "UA",
                "lat": round(lat + rng.uniform(-0.2, 0.2), 6),
                "lon": round(lon + rng.uniform(-0.3, 0.3), 6),
                "phone": f"+380 {code} {rng.randint(200, 799)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
                "email": f"office{i}@example.org",
                "website": f"https://example.org/offices/{i}",
                "opening_hours": rng.choice(HOURS),
                "languages": rng.choice([["uk"], ["uk", "ru"], ["uk", "en"]]),
                "categories": rng.sample(
                    ["family", "labour", "housing", "social_benefits", "idp_documents"], 2
                ),
                "accessibility": rng.choice([[], ["wheelchair"], ["step_free", "hearing_loop"]]),
                "description": "Безкоштовні консультації, «лапки», кома; крапка з комою.",
                "demo": True,
            }
        )
    out = io.StringIO()
    write_csv(offices, out)
    return out.getvalue().encode()


def make_app(path: Path):
    from locator import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(path.parent / "instance"),
            "GEOCODER": "",
        }
    )


def naive_import(session, data: bytes, limit: int) -> float:
    """One ORM object and one flush per row, lists joined by hand: the usual first attempt."""
    from locator.models import Office

    started = time.perf_counter()
    reader = csv.DictReader(io.StringIO(data.decode("utf-8")))
    for n, raw in enumerate(reader):
        if n >= limit:
            break
        office = session.scalar(select(Office).where(Office.slug == raw["slug"]))
        if office is None:
            office = Office(slug=raw["slug"])
            session.add(office)
        for key in (
            "name",
            "organization",
            "address",
            "city",
            "region",
            "postcode",
            "country",
            "phone",
        ):
            setattr(office, key, raw[key])
        office.lat, office.lon = float(raw["lat"]), float(raw["lon"])
        office.languages, office.categories = raw["languages"], raw["categories"]
        session.flush()
    session.commit()
    return time.perf_counter() - started


def run() -> None:
    from locator.extensions import db
    from locator.models import Office
    from locator.offices import importer

    data = generate_csv(N)
    print(f"file: {N} offices, {len(data) / 1e6:.1f} MB of CSV")

    started = time.perf_counter()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    parse = time.perf_counter() - started
    assert len(rows) == N
    print(f"baseline, csv module parse only:       {N / parse:>9,.0f} rows/s ({parse:.2f} s)")

    with tempfile.TemporaryDirectory() as folder:
        app = make_app(Path(folder) / "naive.sqlite3")
        with app.app_context():
            db.create_all()
            naive = naive_import(db.session, data, NAIVE_N)
            print(
                f"baseline, naive ORM row-by-row import: {NAIVE_N / naive:>9,.0f} rows/s (first {NAIVE_N} rows, {naive:.2f} s)"
            )
            db.session.remove()
            db.engine.dispose()

        app = make_app(Path(folder) / "bench.sqlite3")
        with app.app_context():
            db.create_all()
            now = datetime.now(UTC)
            started = time.perf_counter()
            report = importer.import_file(db.session, data, "csv", now=now, user="bench")
            first = time.perf_counter() - started
            assert (report.created, report.failed) == (N, 0), (report.created, report.failed)
            print(
                f"import (checks every field + upsert):  {N / first:>9,.0f} rows/s ({first:.2f} s)  target ≥ 1,000"
            )
            ratio_naive = (N / first) / (NAIVE_N / naive)
            print(f"  = {ratio_naive:.1f}× the naive import, {first / parse:.0f}× the bare parse")

            started = time.perf_counter()
            again = importer.import_file(db.session, data, "csv", now=now, user="bench")
            second = time.perf_counter() - started
            assert again.unchanged == N
            print(
                f"re-import, all unchanged:              {N / second:>9,.0f} rows/s ({second:.2f} s)"
            )
            in_index = db.session.scalar(select(func.count()).select_from(db.table("office_rtree")))
            assert in_index == db.session.scalar(select(func.count()).select_from(Office)) == N

            started = time.perf_counter()
            bare = io.StringIO()
            writer = csv.writer(bare)
            for found in db.session.connection().exec_driver_sql(
                "SELECT * FROM office ORDER BY slug"
            ):
                writer.writerow(found)
            floor = time.perf_counter() - started
            print(f"baseline, SELECT * + csv.writer:        {floor:>9.2f} s (no conversions)")
            for fmt in importer.FORMATS:
                started = time.perf_counter()
                text = importer.export_text(db.session, fmt)
                took = time.perf_counter() - started
                print(
                    f"export {fmt:<8} {N} offices:           {took:>9.2f} s "
                    f"({len(text) / 1e6:.1f} MB, {took / floor:.1f}× the baseline)"
                )
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    run()
