"""The import service and `flask offices import|export` against a real database (SQLite, or
PostgreSQL with LOCATOR_TEST_DB=postgresql) and a geocoder on loopback."""

from __future__ import annotations

import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, text

from locator import clock
from locator.extensions import db
from locator.models import Office
from locator.offices import importer
from locator.offices.cli import geocoder
from locator.offices.csvio import COLUMNS, write_csv
from tests.office_samples import FORMULAS, TRICKY, office

HEADER = ",".join(COLUMNS)


class FakeNominatim(BaseHTTPRequestHandler):
    """Answers like Nominatim: an exact building for "Городоцька", a timeout for "slow",
    a refusal (503) for "refuse", nothing otherwise."""

    def do_GET(self):
        query = parse_qs(urlsplit(self.path).query).get("q", [""])[0]
        if "slow" in query:
            time.sleep(1.5)
        if "refuse" in query:
            self.send_response(503)
            self.end_headers()
            return
        answer = []
        if "Городоцька" in query:
            answer = [
                {
                    "lat": "49.8383",
                    "lon": "24.0122",
                    "display_name": "вулиця Городоцька, 1, Львів",
                    "addresstype": "building",
                    "address": {"country_code": "ua"},
                }
            ]
        body = json.dumps(answer).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout)

    def log_message(self, *args):
        pass


@pytest.fixture
def nominatim():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_config(app_config, nominatim):
    app_config.update(
        GEOCODER="nominatim", GEOCODER_URL=nominatim, GEOCODER_TIMEOUT=0.5, GEOCODER_MIN_DELAY=0.0
    )
    return app_config


def run_import(data: bytes, fmt: str = "csv", **options):
    options.setdefault("now", clock.now())
    options.setdefault("user", "tester@example.org")
    options.setdefault("geocode", geocoder())
    return importer.import_file(db.session, data, fmt, **options)


def csv_of(*offices) -> bytes:
    out = io.StringIO()
    write_csv(offices, out)
    return out.getvalue().encode()


def stored(slug: str) -> Office | None:
    db.session.expire_all()
    return db.session.scalar(select(Office).where(Office.slug == slug))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Office))


def test_import_creates_then_reports_unchanged_then_updates(app):
    report = run_import(csv_of(*TRICKY))
    assert (report.created, report.updated, report.unchanged, report.failed) == (5, 0, 0, 0)
    saved = stored("tricky-1")
    assert saved.name == TRICKY[1]["name"]
    assert saved.description == TRICKY[1]["description"]
    assert saved.updated_by == "tester@example.org"
    assert saved.languages == "uk;en"

    again = run_import(csv_of(*TRICKY))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)

    changed = run_import(
        csv_of(TRICKY[0], {**TRICKY[1], "phone": "+380 44 555 99 99"}), user="other@example.org"
    )
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert stored("tricky-1").phone == "+380 44 555 99 99"
    assert stored("tricky-1").updated_by == "other@example.org"
    assert stored("kyiv-podil").updated_by == "tester@example.org"


def test_bad_rows_are_reported_with_line_field_and_reason_and_good_rows_load(app):
    data = (
        f"{HEADER}\n"
        "good-one,Офіс,,вул. Хрещатик 1,Київ,,,UA,50.45,30.52,,,,,,,,,,,\n"
        "bad-hours,Офіс,,вул. Хрещатик 1,Київ,,,UA,50.45,30.52,,,,Mo-Fr 9-18,,,,,,,\n"
        "bad-coords,Офіс,,вул. Хрещатик 1,Київ,,,UA,95,30.52,,,,,,,,,,,\n"
        "good-one,Дубль,,вул. Хрещатик 1,Київ,,,UA,50.45,30.52,,,,,,,,,,,\n"
        "good-two,<script>alert(1)</script>,,вул. Хрещатик 1,Київ,,,UA,50.45,30.52,,,,,,,,,,,\n"
    ).encode()
    report = run_import(data)
    assert (report.created, report.failed) == (2, 3)
    assert not report.ok
    failures = {(row.position, row.slug, p.field) for row in report.failures for p in row.problems}
    assert failures == {
        (3, "bad-hours", "opening_hours"),
        (4, "bad-coords", "lat"),
        (5, "good-one", "slug"),
    }
    assert stored("good-one").name == "Офіс"
    assert stored("good-two").name == "<script>alert(1)</script>"


def test_a_broken_file_writes_nothing(app):
    data = csv_of(*TRICKY).replace(b"tricky-1,", b'tricky-1,"', 1)
    report = run_import(data)
    assert report.file_problem is not None and report.file_problem.line == 3
    assert count() == 0


def test_dry_run_reports_and_writes_nothing(app):
    report = run_import(csv_of(*TRICKY), dry_run=True)
    assert (report.created, report.failed) == (5, 0)
    assert count() == 0


def test_rows_without_coordinates_are_geocoded_and_failures_do_not_stop_the_import(app):
    rows = [
        office(
            slug="exact", address="вул. Городоцька, 1", city="Львів", region="", lat=None, lon=None
        ),
        office(slug="slow", address="вул. slow, 1", city="Одеса", region="", lat=None, lon=None),
        office(
            slug="refused", address="refuse street 5", city="Харків", region="", lat=None, lon=None
        ),
        office(slug="nowhere", address="Zzzxq lane 1", city="Qqqq", region="", lat=None, lon=None),
        office(slug="abroad", address="Main Rd 1", city="Atlantis", region="", lat=None, lon=None),
        office(slug="given"),
    ]
    report = run_import(csv_of(*rows))
    assert (report.created, report.failed) == (4, 2)
    exact = stored("exact")
    assert (exact.lat, exact.lon) == (49.8383, 24.0122)
    # The geocoder timed out / refused: the gazetteer placed the city, with a warning.
    odesa = stored("slow")
    assert round(odesa.lat) == 46 and round(odesa.lon) == 31
    assert round(stored("refused").lat) == 50
    warned = {row.slug: row.problems[0].render() for row in report.warnings}
    assert set(warned) == {"slow", "refused"}
    assert "approximate" in warned["slow"]
    failed = {row.slug: row.problems[0].render() for row in report.failures}
    assert failed["nowhere"].startswith("Could not find “Zzzxq lane 1, Qqqq, UA”")
    assert (
        failed["abroad"]  # the row's country is honoured: no Atlantis in Ukraine
        == "Could not find “Main Rd 1, Atlantis, UA”: give lat and lon, or correct the address."
    )


def test_pinned_or_unchanged_addresses_keep_their_coordinates_and_moved_ones_are_geocoded(app):
    run_import(
        csv_of(office(slug="pinned", lat=50.0, lon=30.0), office(slug="moved", lat=50.0, lon=30.0))
    )
    pinned = stored("pinned")
    pinned.pinned = True
    db.session.commit()
    rows = [
        office(
            slug="pinned", address="вул. Городоцька, 1", city="Львів", region="", lat=None, lon=None
        ),
        office(
            slug="moved", address="вул. Городоцька, 1", city="Львів", region="", lat=None, lon=None
        ),
    ]
    report = run_import(csv_of(*rows))
    assert report.updated == 2
    assert (stored("pinned").lat, stored("pinned").city) == (50.0, "Львів")
    assert (stored("moved").lat, stored("moved").lon) == (49.8383, 24.0122)
    same = run_import(csv_of(*rows))
    assert same.unchanged == 2


def test_columns_left_out_of_a_file_keep_their_values(app):
    run_import(csv_of(office()))
    report = run_import(
        b"slug,name,city,country,phone\nkyiv-podil,New name,\xd0\x9a\xd0\xb8\xd1\x97\xd0\xb2,UA,+380 44 555 77 77\n"
    )
    assert report.updated == 1
    saved = stored("kyiv-podil")
    assert (saved.name, saved.phone) == ("New name", "+380 44 555 77 77")
    assert (saved.email, saved.opening_hours, saved.lat) == (
        "podil@example.org",
        office()["opening_hours"],
        50.46234,
    )


def test_the_spatial_index_follows_inserts_and_updates(app, client):
    run_import(
        csv_of(office(slug="a", lat=50.45, lon=30.52), office(slug="b", lat=46.48, lon=30.72))
    )
    run_import(csv_of(office(slug="a", lat=49.84, lon=24.03)))  # moved to Lviv
    response = client.get("/api/v1/offices/nearest?lat=49.84&lon=24.03&limit=1")
    assert response.json["results"][0]["office"]["slug"] == "a"
    if db.engine.dialect.name == "sqlite":
        in_index = db.session.execute(text("SELECT min_lat FROM office_rtree")).scalars().all()
        assert sorted(round(v, 1) for v in in_index) == [46.5, 49.8]


def test_a_crash_loses_no_committed_batch(app):
    rows = [office(slug=f"office-{n}") for n in range(5)]
    source = importer.read_source(csv_of(*rows), "csv")

    def crash_after_first_batch(done, report):
        raise RuntimeError("power cut")

    with pytest.raises(RuntimeError):
        importer.import_offices(
            db.session, source, now=clock.now(), batch_size=2, progress=crash_after_first_batch
        )
    db.session.rollback()
    assert sorted(db.session.scalars(select(Office.slug))) == ["office-0", "office-1"]


def test_export_import_round_trips_for_every_format(app):
    run_import(csv_of(*TRICKY))
    for fmt in importer.FORMATS:
        first = importer.export_text(db.session, fmt)
        report = run_import(first.encode(), fmt)
        assert (report.unchanged, report.failed) == (len(TRICKY), 0), fmt
        assert importer.export_text(db.session, fmt) == first


def test_inactive_offices_are_left_out_of_exports_unless_asked(app):
    run_import(csv_of(*TRICKY))
    gone = stored("tricky-1")
    gone.active = False
    db.session.commit()
    assert "tricky-1" not in importer.export_text(db.session, "csv")
    with_inactive = importer.export_text(db.session, "csv", include_inactive=True)
    assert with_inactive.splitlines()[0].endswith(",demo,kind,serves,active")
    # Importing the normal export again does not bring the office back.
    run_import(importer.export_text(db.session, "csv").encode())
    assert stored("tricky-1").active is False


# --- the CLI ----------------------------------------------------------------------------


def test_cli_import_prints_each_bad_row_and_the_summary_and_exits_1(app, runner, tmp_path):
    path = tmp_path / "offices.csv"
    path.write_bytes(csv_of(office()) + b"bad slug,X,,,Kyiv,,,UA,,,,,,,,,,,\n")
    result = runner.invoke(args=["offices", "import", str(path)])
    assert result.exit_code == 1
    assert "line 3 (bad slug): error: slug: Use only small Latin letters" in result.output
    assert "Offices: 1 created, 0 updated, 0 unchanged, 1 failed." in result.output


def test_cli_import_of_a_broken_file_says_why_and_writes_nothing(app, runner, tmp_path):
    path = tmp_path / "offices.csv"
    path.write_bytes("slug;name;city;country\nkyiv;Київ;Київ;UA\n".encode("cp1251"))
    result = runner.invoke(args=["offices", "import", str(path)])
    assert result.exit_code == 1
    assert "Nothing imported. line 2: The file is not UTF-8 (it looks like cp1251" in result.output
    assert count() == 0


def test_cli_dry_run_and_formats(app, runner, tmp_path):
    path = tmp_path / "offices.geojson"
    out = io.StringIO()
    from locator.offices.geojson import write_geojson

    write_geojson(TRICKY, out)
    path.write_text(out.getvalue(), encoding="utf-8")
    dry = runner.invoke(args=["offices", "import", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run, nothing written. Would be: 5 created" in dry.output
    assert count() == 0
    real = runner.invoke(args=["offices", "import", str(path)])
    assert real.exit_code == 0 and "5 created" in real.output


def test_cli_export_to_stdout_and_file_round_trips(app, runner, tmp_path):
    run_import(csv_of(*TRICKY))
    result = runner.invoke(args=["offices", "export", "--format", "hsds", "-o", "-"])
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert document["total_items"] == 5
    target = tmp_path / "out.csv"
    result = runner.invoke(args=["offices", "export", "-o", str(target)])
    assert result.exit_code == 0
    again = runner.invoke(args=["offices", "import", str(target)])
    assert "0 created, 0 updated, 5 unchanged, 0 failed" in again.output


def test_cli_csv_export_keeps_formulas_inert_and_imports_back_without_loss(app, runner, tmp_path):
    run_import(csv_of(*FORMULAS))
    target = tmp_path / "offices.csv"
    assert runner.invoke(args=["offices", "export", "-o", str(target)]).exit_code == 0
    first = target.read_bytes().decode()
    assert "\r\nformulas,\"'=HYPERLINK(" in first and ",'+380 44 555 01 23," in first
    again = runner.invoke(args=["offices", "import", str(target)])
    assert "0 created, 0 updated, 2 unchanged, 0 failed" in again.output
    assert stored("formulas").phone == "+380 44 555 01 23"
    assert stored("formulas").name.startswith("=HYPERLINK(")
    assert stored("apostrophes").organization == "'O'Brien"
    assert stored("apostrophes").address == "''"
    result = runner.invoke(args=["offices", "export", "-o", "-"])
    assert result.stdout.replace("\r\n", "\n") == first.replace("\r\n", "\n")


def test_seed_runs_through_the_importer_and_twice_changes_nothing(app, runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "Offices: 64 created, 0 updated, 0 unchanged." in first.output
    second = runner.invoke(args=["seed"])
    assert "Offices: 0 created, 0 updated, 64 unchanged." in second.output
