"""The online geocoder through geopy, against a Nominatim-speaking HTTP server on loopback.

The server answers /search in Nominatim's JSON format and records every request, so the
tests see what really went over the wire: the cache, the rate limit, the fallbacks.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from locator.extensions import db
from locator.models import GeocodeCache

KHRESHCHATYK = {
    "place_id": 1001,
    "licence": "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright",
    "osm_type": "way",
    "osm_id": 4001,
    "lat": "50.4475",
    "lon": "30.5230",
    "class": "highway",
    "type": "primary",
    "addresstype": "road",
    "place_rank": 26,
    "importance": 0.5,
    "name": "вулиця Хрещатик",
    "display_name": "22, вулиця Хрещатик, Печерський район, Київ, 01001, Україна",
    "address": {
        "house_number": "22",
        "road": "вулиця Хрещатик",
        "city": "Київ",
        "postcode": "01001",
        "country": "Україна",
        "country_code": "ua",
    },
    "boundingbox": ["50.4474", "50.4476", "30.5229", "30.5231"],
}
ADDRESS = "вул. Хрещатик, 22, Київ"


class FakeNominatim:
    """A threaded HTTP server speaking Nominatim's /search; `mode` picks the behaviour."""

    def __init__(self) -> None:
        self.mode = "ok"  # ok | empty | error | slow
        self.answer = KHRESHCHATYK  # what /search finds (a test may change it)
        self.requests: list[dict] = []
        self.stop = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urlsplit(self.path)
                fake.requests.append(
                    {
                        "path": parts.path,
                        "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                        "user_agent": self.headers.get("User-Agent", ""),
                        "at": time.monotonic(),
                    }
                )
                if parts.path != "/search":
                    self._send(404, {"error": "not found"})
                elif fake.mode == "error":
                    self._send(500, {"error": "internal"})
                elif fake.mode == "slow":
                    fake.stop.wait(3.0)
                    self._send(200, [fake.answer])
                elif fake.mode == "empty":
                    self._send(200, [])
                else:
                    self._send(200, [fake.answer])

            def _send(self, status, body):
                data = json.dumps(body, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def searches(self) -> list[dict]:
        return [r for r in self.requests if r["path"] == "/search"]


@contextmanager
def running_nominatim() -> Iterator[FakeNominatim]:
    """A FakeNominatim serving on a loopback port for the block (other test files use it)."""
    fake = FakeNominatim()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.stop.set()
        fake.server.shutdown()
        fake.server.server_close()
        fake.thread.join(5)


@pytest.fixture
def nominatim():
    with running_nominatim() as fake:
        yield fake


@pytest.fixture
def online_config(app_config, nominatim):
    app_config.update(
        GEOCODER="nominatim",
        GEOCODER_URL=nominatim.url,
        GEOCODER_TIMEOUT=1.0,
        GEOCODER_MIN_DELAY=0.0,
        GEOCODER_USER_AGENT="help-locator-tests/1.0",
    )
    return app_config


@pytest.fixture
def kyiv_office(app, make_office):
    return make_office(slug="kyiv-centre", name="Приймальня на Хрещатику", lat=50.4470, lon=30.5220)


def nearest_api(client, near: str, lang: str = "uk"):
    return client.get("/api/v1/offices/nearest", query_string={"near": near, "lang": lang})


def test_an_address_goes_online_and_is_answered_by_nominatim(
    online_config, client, kyiv_office, nominatim
):
    response = nearest_api(client, ADDRESS)
    assert response.status_code == 200
    origin = response.get_json()["origin"]
    assert origin["source"] == "nominatim"
    assert origin["precision"] == "address"
    assert origin["lat"] == pytest.approx(50.4475)
    assert origin["lon"] == pytest.approx(30.5230)
    assert "Хрещатик" in origin["label"]
    assert response.get_json()["results"][0]["office"]["slug"] == "kyiv-centre"
    # What went over the wire: Nominatim's parameters and an identifying User-Agent.
    [request] = nominatim.searches
    assert request["query"]["q"] == ADDRESS
    assert request["query"]["format"] == "json"
    assert request["query"]["accept-language"] == "uk"
    assert request["user_agent"] == "help-locator-tests/1.0"


def test_the_second_identical_query_is_served_from_the_database_cache(
    online_config, client, kyiv_office, nominatim
):
    first = nearest_api(client, ADDRESS).get_json()
    second = nearest_api(client, "  вул.  Хрещатик, 22,   Київ ").get_json()
    assert len(nominatim.searches) == 1
    assert second["origin"]["source"] == "nominatim"
    assert second["origin"]["lat"] == first["origin"]["lat"]
    cached = db.session.scalars(db.select(GeocodeCache)).all()
    assert len(cached) == 1
    assert cached[0].found


def test_the_cache_survives_a_new_app_process(online_config, app, nominatim):
    from locator import create_app

    app.test_client().get("/api/v1/offices/nearest", query_string={"near": ADDRESS})
    other = create_app(online_config)  # a second app server on the same database
    try:
        response = other.test_client().get(
            "/api/v1/offices/nearest", query_string={"near": ADDRESS}
        )
        assert response.get_json()["origin"]["source"] == "nominatim"
        assert len(nominatim.searches) == 1
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_city_the_gazetteer_knows_does_not_go_online(online_config, client, nominatim):
    response = nearest_api(client, "Львів")
    assert response.status_code == 200
    assert response.get_json()["origin"]["source"] == "gazetteer"
    assert nominatim.searches == []


def test_the_results_page_shows_the_address_found_online(
    online_config, client, kyiv_office, nominatim
):
    response = client.get("/offices", query_string={"near": ADDRESS, "lang": "uk"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "вулиця Хрещатик" in page
    assert "Приймальня на Хрещатику" in page
    assert len(nominatim.searches) == 1


def _assert_falls_back_to_kyiv(client):
    api = nearest_api(client, ADDRESS)
    assert api.status_code == 200
    origin = api.get_json()["origin"]
    assert origin["source"] == "gazetteer"
    assert origin["precision"] == "city"
    assert "Київ" in origin["label"]
    assert api.get_json()["results"][0]["office"]["slug"] == "kyiv-centre"
    page = client.get("/offices", query_string={"near": ADDRESS})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Приймальня на Хрещатику" in text
    assert "Київ" in text


def test_a_server_error_degrades_to_the_gazetteers_city(
    online_config, client, kyiv_office, nominatim
):
    nominatim.mode = "error"
    _assert_falls_back_to_kyiv(client)
    assert len(nominatim.searches) >= 1
    # A failure is not cached: once the server is back, the address is asked again.
    nominatim.mode = "ok"
    assert nearest_api(client, ADDRESS).get_json()["origin"]["source"] == "nominatim"


def test_a_server_slower_than_the_timeout_degrades_to_the_gazetteer(
    online_config, client, kyiv_office, nominatim
):
    nominatim.mode = "slow"
    started = time.monotonic()
    _assert_falls_back_to_kyiv(client)
    # Two queries (API and page), each asked once and cut at the 1-second timeout:
    # not the 3-second sleep, and no retries that would triple the wait.
    assert time.monotonic() - started < 4.0
    assert len(nominatim.searches) == 2


@pytest.fixture
def closed_port_config(app_config):
    """The geocoder points at a port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app_config.update(
        GEOCODER="nominatim",
        GEOCODER_URL=f"http://127.0.0.1:{port}",
        GEOCODER_TIMEOUT=1.0,
        GEOCODER_MIN_DELAY=0.0,
    )
    return app_config


def test_a_closed_port_degrades_to_the_gazetteer(closed_port_config, client, kyiv_office):
    _assert_falls_back_to_kyiv(client)


def test_an_address_nominatim_does_not_know_falls_back_and_is_not_asked_twice(
    online_config, client, kyiv_office, nominatim
):
    nominatim.mode = "empty"
    _assert_falls_back_to_kyiv(client)
    assert len(nominatim.searches) == 1  # the miss is cached too


def test_an_unknown_place_gets_the_not_found_page_not_an_error(online_config, client, nominatim):
    nominatim.mode = "empty"
    response = nearest_api(client, "Вигадане Містечко 12")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "place_not_found"
    page = client.get("/offices", query_string={"near": "Вигадане Містечко 12"})
    assert page.status_code == 404
    assert "Вигадане Містечко 12" in page.get_data(as_text=True)


def test_rate_limit_spaces_two_uncached_queries(online_config, nominatim, request):
    online_config["GEOCODER_MIN_DELAY"] = 0.8
    client = request.getfixturevalue("client")
    assert nearest_api(client, "вул. Хрещатик, 22, Київ").status_code == 200
    assert nearest_api(client, "вул. Хрещатик, 24, Київ").status_code == 200
    first, second = nominatim.searches
    assert second["at"] - first["at"] >= 0.75
    # A cached query does not wait for a slot.
    started = time.monotonic()
    assert nearest_api(client, "вул. Хрещатик, 22, Київ").status_code == 200
    assert time.monotonic() - started < 0.7
    assert len(nominatim.searches) == 2


def test_the_cli_geocode_command_uses_the_online_geocoder(online_config, runner, nominatim):
    result = runner.invoke(args=["geocode", ADDRESS])
    assert result.exit_code == 0, result.output
    assert "source:    nominatim" in result.output
    assert "precision: address" in result.output
    assert "lat:       50.447500" in result.output
    assert len(nominatim.searches) == 1


def test_the_cache_is_written_without_committing_the_callers_work(online_config, app, nominatim):
    """The online answer is cached in its own transaction: the caller's unfinished work
    (an import batch, a request) is neither committed nor lost by the geocoder."""
    from locator import geo
    from locator.models import Office

    with app.app_context():
        db.session.add(Office(slug="not-yet-saved", name="Ще не збережена", country="UA"))
        db.session.flush()
        place = geo.current().geocode(db.session, ADDRESS, lang="uk")
        assert place is not None and place.source == "nominatim"
        assert db.session.scalar(db.select(Office.slug).where(Office.slug == "not-yet-saved"))
        db.session.rollback()  # the caller changes its mind
        assert db.session.scalar(db.select(Office).where(Office.slug == "not-yet-saved")) is None
        # PostgreSQL kept the entry meanwhile; SQLite (one writer at a time) gave it up
        # after a short wait rather than stall the caller: asked again, it is kept.
        geo.current().geocode(db.session, ADDRESS, lang="uk")
        assert db.session.scalar(db.select(db.func.count(GeocodeCache.id))) == 1
