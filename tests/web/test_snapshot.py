"""The process's snapshot of the offices (locator/geo/snapshot.py): the same answers as the
brute-force geodesic and as the database path, remote help included, with filters; and
fresh: an edit, a deactivation or a deletion is answered by every gunicorn worker within 1 s.
Runs on SQLite, and on PostgreSQL with LOCATOR_TEST_DB=postgresql."""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from geopy.distance import geodesic

from locator import geo
from locator.extensions import db
from locator.geo import snapshot
from locator.geo.nearest import nearest
from locator.geo.search_types import Filters, SearchRequest
from locator.models import CATEGORIES, Office
from locator.offices.search import search
from tests.servers import serve

HOURS = ["24/7", "Mo-Fr 09:00-18:00", "Sa-Su 10:00-14:00", "Mo-Fr 13:00-18:00", ""]
LANGUAGES = ["uk", "uk;en", "uk;ru", "en", "ro;ru", "crh;uk", "ka"]
AREAS = ["UA", "UA-43", "UA-40", "UA-30;UA-32", "PL", "UA-46"]


def _room(rng: random.Random, slug: str, lat, lon, active: int) -> Office:
    """A room with random hours, languages and categories (inactive when `active` is 0)."""
    return Office(
        slug=slug,
        name=slug.replace("-", " ").title(),
        address=f"Street {slug}",
        city="Test",
        country="UA",
        lat=lat,
        lon=lon,
        opening_hours=rng.choice(HOURS),
        languages=rng.choice(LANGUAGES),
        categories=";".join(rng.sample(CATEGORIES, rng.randint(1, 3))),
        active=bool(active),
    )


def _world(rng: random.Random) -> None:
    """300 rooms over Ukraine and around, a few far away, some inactive or without
    coordinates, and 25 remote offices serving areas."""
    offices = []
    for i in range(330):
        far = i % 30 == 0
        lat = rng.uniform(-60, 70) if far else rng.uniform(44.0, 53.0)
        lon = rng.uniform(-180, 180) if far else rng.uniform(22.0, 41.0)
        located = i % 41 != 0
        offices.append(
            _room(rng, f"room-{i}", lat if located else None, lon if located else None, i % 17)
        )
    for i in range(25):
        offices.append(
            Office(
                slug=f"remote-{i}",
                name=f"Лінія {rng.choice('АБВ')} {i}",
                kind="remote",
                country="UA",
                serves=rng.choice(AREAS),
                opening_hours=rng.choice(HOURS),
                languages=rng.choice(LANGUAGES),
                categories=rng.choice(CATEGORIES),
                active=i % 7 != 0,
            )
        )
    db.session.add_all(offices)
    db.session.commit()


def _reference(origin, now, *, limit, radius_km, filters: Filters) -> list[tuple[float, str]]:
    rows = db.session.scalars(db.select(Office)).all()
    measured = sorted(
        (geodesic(origin, (o.lat, o.lon)).km, o.slug)
        for o in rows
        if o.active
        and o.kind == "room"
        and o.lat is not None
        and (not filters.category or filters.category in o.category_list)
        and (not filters.language or filters.language in o.language_list)
        and (not filters.open_now or o.hours_status(now).open)
    )
    if radius_km is not None:
        measured = [(d, s) for d, s in measured if d <= radius_km]
    return measured[:limit]


def _cases(rng: random.Random, count: int):
    for _ in range(count):
        origin = (rng.uniform(43.0, 54.0), rng.uniform(21.0, 42.0))
        filters = Filters(
            category=rng.choice([None, None, *CATEGORIES]),
            language=rng.choice([None, None, "uk", "en", "ru", "ka"]),
            open_now=rng.random() < 0.3,
        )
        yield origin, rng.choice([1, 3, 10, 50]), rng.choice([None, None, 50.0, 300.0]), filters


@pytest.mark.parametrize("snapshot_on", ["1", "0"])
def test_the_snapshot_and_the_database_answer_as_the_brute_force_geodesic(
    app, clock, monkeypatch, snapshot_on
):
    monkeypatch.setenv("LOCATOR_SNAPSHOT", snapshot_on)
    rng = random.Random(15)
    _world(rng)
    conn = db.session.connection()
    assert (snapshot.current(conn) is not None) == (snapshot_on == "1")
    now = clock()
    for origin, limit, radius_km, filters in _cases(rng, 60):
        hits = nearest(conn, *origin, now=now, limit=limit, radius_km=radius_km, filters=filters)
        found = [(hit.distance_km, hit.row["slug"]) for hit in hits]
        expected = _reference(origin, now, limit=limit, radius_km=radius_km, filters=filters)
        assert [s for _, s in found] == [s for _, s in expected], (origin, limit, filters)
        for (d1, _), (d2, _) in zip(found, expected, strict=True):
            assert d1 == pytest.approx(d2, abs=1e-6)


def test_the_search_service_answers_the_same_with_and_without_the_snapshot(app, clock, monkeypatch):
    """Rooms, distances, office objects (open now, URLs) and the remote help of the origin's
    area: the snapshot changes nothing a visitor sees."""
    _world(random.Random(16))
    rng = random.Random(17)
    service = geo.current()

    def answer(origin, limit, radius_km, filters):
        req = SearchRequest(lat=origin[0], lon=origin[1], limit=limit, radius_km=radius_km,
                            filters=filters)  # fmt: skip
        result = search(db.session, service, req, now=clock(), lang="uk",
                        office_url=lambda slug: f"/offices/{slug}")  # fmt: skip
        return (
            [(round(f.distance_km, 9), f.office) for f in result.results],
            result.remote,
        )

    remote_seen = 0
    for case in _cases(rng, 40):
        monkeypatch.setenv("LOCATOR_SNAPSHOT", "1")
        with_snapshot = answer(*case)
        monkeypatch.setenv("LOCATOR_SNAPSHOT", "0")
        without = answer(*case)
        assert with_snapshot == without
        remote_seen += len(with_snapshot[1])
    assert remote_seen > 0  # the areas were served


def test_an_edit_in_this_process_is_answered_at_once(app, make_office, clock):
    office = make_office(slug="moving", lat=50.45, lon=30.52)
    conn = db.session.connection()
    [hit] = nearest(conn, 50.45, 30.52, now=clock(), limit=1)
    assert hit.row["slug"] == "moving"
    office.lat, office.lon = 49.84, 24.03  # to Lviv
    db.session.commit()
    [hit] = nearest(db.session.connection(), 49.84, 24.03, now=clock(), limit=1)
    assert hit.row["slug"] == "moving" and hit.distance_km < 0.01


def test_a_search_does_not_wait_for_another_threads_check(app, make_office, clock, monkeypatch):
    """While one thread loads a new snapshot, another thread's search answers at once from
    the database, with the fresh answer. (Waiting for the loader held each waiting request's
    connection: with the pool taken by waiters, the loader waited for a connection until the
    pool's timeout, and forty sign-ups at once on PostgreSQL stalled past a minute.)"""
    make_office(slug="old", name="Стара", lat=50.45, lon=30.52)
    nearest(db.session.connection(), 50.45, 30.52, now=clock(), limit=1)  # a snapshot in place
    make_office(slug="new", name="Нова", lat=50.4501, lon=30.5201)  # a change: a reload is due
    db.session.remove()
    loading, go_on = threading.Event(), threading.Event()
    load = snapshot._load

    def slow_load(conn):
        loading.set()
        go_on.wait(60)
        return load(conn)

    monkeypatch.setattr(snapshot, "_load", slow_load)
    answers: dict[str, list[str]] = {}

    def search_in(name: str) -> None:
        with app.app_context():
            hits = nearest(db.session.connection(), 50.4501, 30.5201, now=clock(), limit=1)
            answers[name] = [hit.row["slug"] for hit in hits]
            db.session.remove()

    loader = threading.Thread(target=search_in, args=("loader",))
    other = threading.Thread(target=search_in, args=("other",))
    loader.start()
    try:
        assert loading.wait(30)
        other.start()
        other.join(30)
        assert not other.is_alive(), "the search waited for the other thread's load"
        assert answers["other"] == ["new"]
    finally:
        go_on.set()
        loader.join(30)
        if other.ident is not None:
            other.join(30)
    assert answers["loader"] == ["new"]


def _nearest_names(port: int, count: int = 24) -> list[list[str]]:
    """`count` requests at once, each on its own connection (spread over the workers)."""
    from tests.live_http import Client

    def one(_):
        response = Client(port).get("/api/v1/offices/nearest?lat=50.45&lon=30.52&limit=2")
        assert response.status == 200, response.text
        return [r["office"]["name"] for r in json.loads(response.body)["results"]]

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def test_an_edit_deactivation_and_deletion_reach_every_worker_within_a_second(
    app, app_config, make_office, tmp_path
):
    make_office(slug="near", name="Близька", lat=50.451, lon=30.521)
    make_office(slug="far", name="Далека", lat=50.5, lon=30.6)
    db.session.remove()
    with serve(app_config, tmp_path, workers=2) as server:
        assert all(names == ["Близька", "Далека"] for names in _nearest_names(server.port))

        def within_a_second(change) -> list[list[str]]:
            office = db.session.scalar(db.select(Office).where(Office.slug == "near"))
            change(office)
            db.session.commit()  # committed here: another server, as the workers see it
            committed = time.monotonic()
            db.session.remove()
            time.sleep(max(0.0, committed + 0.9 - time.monotonic()))
            return _nearest_names(server.port)  # 24 answers, done by 1 s after the commit

        answers = within_a_second(lambda office: setattr(office, "name", "Перейменована"))
        assert all(names == ["Перейменована", "Далека"] for names in answers), answers

        answers = within_a_second(lambda office: setattr(office, "active", False))
        assert all(names == ["Далека"] for names in answers), answers

        answers = within_a_second(lambda office: setattr(office, "active", True))
        assert all(names == ["Перейменована", "Далека"] for names in answers), answers

        answers = within_a_second(db.session.delete)
        assert all(names == ["Далека"] for names in answers), answers


@pytest.mark.parametrize(
    "query",
    [
        "bbox=22,44,41,53&zoom=6",
        "bbox=22,44,41,53&zoom=13&category=family",
        "bbox=170,-70,-170,70&zoom=4",
        "zoom=3&language=en&open_now=true",
    ],
)
def test_the_map_data_is_the_same_with_and_without_the_snapshot(app, client, monkeypatch, query):
    _world(random.Random(18))
    assert _map_data_both_ways(client, monkeypatch, query)["features"]


def _map_data_both_ways(client, monkeypatch, query: str) -> dict:
    """The map's data for `query`, asked with the snapshot on and off: the same answer."""
    answers = []
    for setting in ("1", "0"):
        monkeypatch.setenv("LOCATOR_SNAPSHOT", setting)
        response = client.get(f"/api/v1/offices?{query}")
        assert response.status_code == 200
        answers.append(response.get_json())
    assert answers[0] == answers[1]
    return answers[0]


def _crowd(rng: random.Random, count: int) -> None:
    """`count` more rooms, half of them in a few towns (crowded cells), over Ukraine."""
    towns = [(50.45, 30.52), (49.84, 24.03), (46.48, 30.72), (49.99, 36.23)]
    rows = []
    for i in range(count):
        if i % 2:
            lat, lon = rng.choice(towns)
            lat, lon = lat + rng.gauss(0, 0.05), lon + rng.gauss(0, 0.05)
        else:
            lat, lon = rng.uniform(44.0, 53.0), rng.uniform(22.0, 41.0)
        rows.append(_room(rng, f"crowd-{i}", lat, lon, i % 13))
    db.session.add_all(rows)
    db.session.commit()


@pytest.mark.parametrize(
    "query",
    [
        "bbox=22,44,41,53&zoom=6",
        "bbox=22,44,41,53&zoom=4",
        "bbox=29,45,37,51&zoom=9",
        "bbox=30.2,40,-170,60&zoom=5",
        "bbox=24.3,46.1,36.7,51.9&zoom=8",
        "zoom=4",
        "zoom=3&language=uk",
        "bbox=22,44,41,53&zoom=7&open_now=true",
    ],
)
def test_the_clusters_are_the_same_with_and_without_the_snapshot(app, client, monkeypatch, query):
    """With more rooms in view than are sent as points: the snapshot's cells, worked out once
    per zoom (whole cells from their totals, those the box cuts room by room; with filters
    room by room), give the very clusters (count, centre, bounds) and lone points of the
    query."""
    rng = random.Random(21)
    _world(rng)
    _crowd(rng, 1500)
    answer = _map_data_both_ways(client, monkeypatch, query)
    clusters = [f for f in answer["features"] if f["properties"].get("cluster")]
    points = [f for f in answer["features"] if not f["properties"].get("cluster")]
    assert clusters and all(c["properties"]["count"] >= 2 for c in clusters)
    # Again: the second answer comes from the cells kept for that zoom.
    assert _map_data_both_ways(client, monkeypatch, query) == answer
    assert len(points) + sum(c["properties"]["count"] for c in clusters) > 300
