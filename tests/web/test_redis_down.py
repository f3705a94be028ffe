"""With REDIS_URL set and Redis gone, nothing a visitor sends is lost and nothing answers
500: rate limits fall back to each process's memory (still limits, with a log line), and
the online geocoder keeps its one-request-per-interval slot per process.

Redis gone means: a URL pointing at a closed loopback port, a server that accepts and never
answers, and a real redis-server killed in the middle of a test behind gunicorn.
"""

from __future__ import annotations

import logging
import time

import pytest
import redis
from sqlalchemy import func, select

from locator import create_app
from locator.extensions import db
from locator.feedback.models import ErrorReport, Question
from locator.geo.online import _RedisSlot
from locator.volunteers.models import JoinRequest, Volunteer
from tests.fault_servers import RedisServer, silent_server
from tests.live_http import Client
from tests.servers import free_port, serve, serving
from tests.volunteers_helpers import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ClosingClient,
    make_admin,
    signup_data,
)
from tests.web.test_geocoder_online import ADDRESS, running_nominatim

FALLBACK = "Rate limit storage unreachable - falling back to in-memory storage"


def join_data(n: int) -> dict:
    return {
        "organisation": f"ГО «Право {n}»",
        "city": "Одеса",
        "contact_person": "Ірина Коваль",
        "email": f"org{n}@example.org",
        "phone": "050 123 45 67",
        "about": "Безоплатна правова допомога переселенцям.",
        "consent": "y",
        "website_url": "",
    }


def ask_data(n: int) -> dict:
    return {
        "name": "Оксана",
        "contact": f"asker{n}@example.org",
        "region": "Київ",
        "topic": "other",
        "question": "Власник квартири просить виїхати за тиждень. Що робити?",
        "website_url": "",
    }


def report_data() -> dict:
    return {
        "url": "/statements",
        "selection": "Алмати",
        "context": "Партнери мережі працюють в Алмати.",
        "comment": "Місто написано неправильно.",
    }


def send_everything(client: Client, n: int) -> dict[str, int]:
    """Every form and download that is rate-limited, as a browser sends them."""
    return {
        "volunteer": client.submit(
            "/volunteer", signup_data(email=f"person{n}@example.org")
        ).status,
        "join": client.submit("/join", join_data(n)).status,
        "ask": client.submit("/ask", ask_data(n)).status,
        "report": client.submit("/report-error", report_data()).status,
        "login": client.submit(
            "/admin/login", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
        ).status,
        "poster": client.get("/poster.pdf?lang=uk&size=A4").status,
    }


SENT = {"volunteer": 303, "join": 303, "ask": 302, "report": 302, "login": 302, "poster": 200}


def stored() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Volunteer, JoinRequest, Question, ErrorReport)
    }


@pytest.fixture
def broken_redis_app(app, app_config):
    """Another app on the test's (empty) database, whose Redis is at `url`. The `app`
    fixture's own limits stay in memory: it empties their storage before the test."""
    make_admin()
    db.session.remove()
    apps = []

    def make(url: str, **settings):
        other = create_app(
            {**app_config, "REDIS_URL": url, "RATELIMIT_STORAGE_URI": url, **settings}
        )
        other.test_client_class = ClosingClient
        apps.append(other)
        return other

    yield make
    for other in apps:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def stored_in(app) -> dict[str, int]:
    with app.app_context():
        try:
            return stored()
        finally:
            db.session.remove()


def test_nothing_is_lost_when_redis_url_points_at_a_closed_port(broken_redis_app, caplog):
    app = broken_redis_app(f"redis://127.0.0.1:{free_port()}/0", VOLUNTEER_RATE_LIMIT="3 per hour")
    caplog.set_level(logging.INFO)
    with serving(app) as port:
        for n in range(3):
            assert send_everything(Client(port), n) == SENT
        # Still a limit: each process counts in its memory (3 sign-ups per hour here).
        refused = Client(port).submit("/volunteer", signup_data(email="fourth@example.org"))
        assert refused.status == 429
        assert "Забагато запитів" in refused.text
    assert stored_in(app) == {"Volunteer": 3, "JoinRequest": 3, "Question": 3, "ErrorReport": 3}
    assert FALLBACK in caplog.text
    assert "exceeded at endpoint" not in caplog.text  # Flask-Limiter's line names the address


def test_a_redis_that_never_answers_does_not_hold_the_request(broken_redis_app):
    """Without timeouts redis-py waits as long as TCP does, ten times over (its retries)."""
    with silent_server() as redis_port:
        app = broken_redis_app(f"redis://127.0.0.1:{redis_port}/0", REDIS_TIMEOUT=0.3)
        with serving(app) as port:
            assert send_everything(Client(port, timeout=30), 1) == SENT
    assert stored_in(app)["Volunteer"] == 1


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.kill()


def test_redis_killed_behind_gunicorn_and_started_again(app, app_config, redis_server, tmp_path):
    make_admin()
    db.session.remove()
    config = {
        **app_config,
        "REDIS_URL": redis_server.url,
        "RATELIMIT_STORAGE_URI": redis_server.url,
        "VOLUNTEER_RATE_LIMIT": "4 per hour",
    }
    watcher = redis.Redis.from_url(redis_server.url)
    with serve(config, tmp_path, workers=2) as server:
        assert send_everything(Client(server.port), 0) == SENT
        assert watcher.keys("LIMITS*"), "the limits are counted in Redis"
        watcher.close()

        redis_server.kill()
        for n in range(1, 4):
            assert send_everything(Client(server.port), n) == SENT

        # Each worker counts alone now, but counts: with 4 sign-ups per hour each, the two
        # accept at most 8 from this address since Redis died (3 above), and refuse the rest
        # with the 429 page.
        statuses = [
            Client(server.port)
            .submit("/volunteer", signup_data(email=f"more{n}@example.org"))
            .status
            for n in range(9)
        ]
        assert set(statuses) <= {303, 429}
        assert 3 + statuses.count(303) <= 2 * 4

        # Redis comes back (empty): the workers find it again and count there.
        redis_server.start()
        watcher = redis.Redis.from_url(redis_server.url)
        deadline = time.monotonic() + 60
        while not watcher.keys("LIMITS*") and time.monotonic() < deadline:
            assert Client(server.port).get("/poster.pdf?lang=uk&size=A4").status == 200
            time.sleep(0.5)
        assert watcher.keys("LIMITS*"), "the limits are counted in Redis again"
        watcher.close()

    log = server.log()
    assert FALLBACK in log
    assert "Rate limit storage recovered" in log
    assert "Traceback" not in log
    assert "exceeded at endpoint" not in log
    assert stored()["Volunteer"] == 4 + statuses.count(303)
    assert stored()["JoinRequest"] == stored()["Question"] == 4


@pytest.fixture
def nominatim():
    with running_nominatim() as fake:
        yield fake


def online_app(app_config, nominatim, redis_url: str):
    app = create_app(
        {
            **app_config,
            "GEOCODER": "nominatim",
            "GEOCODER_URL": nominatim.url,
            "GEOCODER_TIMEOUT": 2.0,
            "GEOCODER_MIN_DELAY": 0.6,
            "REDIS_URL": redis_url,
        }
    )
    app.test_client_class = ClosingClient
    return app


def geocoded(app, address: str) -> str:
    response = app.test_client().get("/api/v1/offices/nearest", query_string={"near": address})
    assert response.status_code in (200, 404), response.get_data(as_text=True)
    return response.get_json().get("origin", {}).get("source", "")


def test_the_geocoder_keeps_its_slot_per_process_while_redis_is_down(
    app, app_config, nominatim, redis_server, caplog, monkeypatch
):
    monkeypatch.setattr(_RedisSlot, "RECHECK", 0.2)
    caplog.set_level(logging.WARNING)
    online = online_app(app_config, nominatim, redis_server.url)
    watcher = redis.Redis.from_url(redis_server.url)
    try:
        assert geocoded(online, ADDRESS) == "nominatim"
        assert watcher.exists(_RedisSlot.KEY), "the slot is taken in Redis"
        watcher.close()

        redis_server.kill()
        assert geocoded(online, "вул. Хрещатик, 24, Київ") == "nominatim"
        assert geocoded(online, "вул. Хрещатик, 26, Київ") == "nominatim"
        assert "Redis unreachable (ConnectionError)" in caplog.text
        _first, second, third = nominatim.searches
        # The process's own slot still spaces the queries as the geocoder's terms ask.
        assert third["at"] - second["at"] >= 0.55

        redis_server.start()
        time.sleep(0.3)
        assert geocoded(online, "вул. Хрещатик, 28, Київ") == "nominatim"
        assert "Redis is back" in caplog.text
        watcher = redis.Redis.from_url(redis_server.url)
        assert watcher.exists(_RedisSlot.KEY)
        watcher.close()
    finally:
        # The slot's Redis connection, which the app never closes (it lives as long as the
        # process): closed here, not by the garbage collector in some later test.
        online.extensions["locator.geo"].online._slot._redis.close()
        with online.app_context():
            db.session.remove()
            db.engine.dispose()
    assert len(nominatim.searches) == 4
