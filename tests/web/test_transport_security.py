"""Strict-Transport-Security: on every answer to an HTTPS request, never on plain http.

Behind a load balancer the app sees http; the balancer's X-Forwarded-Proto says what the
visitor used, and counts only when TRUSTED_PROXIES says a proxy is there (else anyone
could send it)."""

from __future__ import annotations

import pytest

from locator import create_app
from locator.extensions import db

HSTS = "Strict-Transport-Security"


@pytest.fixture
def make_client(app_config):
    apps = []

    def make(**settings):
        app = create_app({**app_config, **settings})
        with app.app_context():
            db.create_all()
        apps.append(app)
        return app.test_client()

    yield make
    for app in apps:  # close the pools' connections (PostgreSQL: ResourceWarnings otherwise)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_https_answers_pin_the_scheme_for_a_year(client):
    for url in ("/", "/api/v1/chat/status", "/no-such-page", "/static/css/site.css"):
        response = client.get(url, base_url="https://localhost")
        assert response.headers[HSTS] == "max-age=31536000", url


def test_plain_http_gets_no_pin(client):
    assert HSTS not in client.get("/").headers


def test_behind_a_trusted_proxy_its_forwarded_scheme_counts(make_client):
    client = make_client(TRUSTED_PROXIES=1)
    via_https = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert via_https.headers[HSTS] == "max-age=31536000"
    assert HSTS not in client.get("/", headers={"X-Forwarded-Proto": "http"}).headers
    assert HSTS not in client.get("/").headers


def test_without_a_trusted_proxy_a_forwarded_scheme_is_ignored(client):
    assert HSTS not in client.get("/", headers={"X-Forwarded-Proto": "https"}).headers


def test_the_duration_is_a_setting_and_zero_turns_it_off(make_client):
    short = make_client(HSTS_SECONDS=300).get("/", base_url="https://localhost")
    assert short.headers[HSTS] == "max-age=300"
    off = make_client(HSTS_SECONDS=0).get("/", base_url="https://localhost")
    assert HSTS not in off.headers
