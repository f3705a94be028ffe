"""The Host header is the client's to write: no absolute URL we answer with comes from it.

A request for help.example.org that says `Host: evil.example` must not get links to
evil.example (which a shared cache would then hand to everyone). Every absolute URL comes
from SITE_URL. Also here: what API answers say about caching, and Allow on a 405."""

from __future__ import annotations

import json
import re

import pytest

from locator import create_app
from locator.extensions import db

SITE = "https://help.example.org"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SITE_URL": SITE}


@pytest.fixture
def seeded(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output


def absolute_urls(text: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"'<>\\]+", text))


def assert_only_site_urls(text: str) -> None:
    assert "evil.example" not in text
    ours = {url for url in absolute_urls(text) if url.startswith(SITE + "/")}
    assert ours, "no absolute URL to check"


def test_api_office_urls_name_the_site_whatever_the_host(client, seeded):
    nearest = client.get("/api/v1/offices/nearest?near=Київ", headers=FORGED)
    results = nearest.get_json()["results"]
    assert results and all(r["office"]["url"].startswith(SITE + "/offices/") for r in results)
    slug = results[0]["office"]["slug"]
    one = client.get(f"/api/v1/offices/{slug}", headers=FORGED).get_json()
    assert one["url"] == f"{SITE}/offices/{slug}"
    for query in ("", "?zoom=5"):
        features = client.get("/api/v1/offices" + query, headers=FORGED).get_json()["features"]
        urls = [f["properties"]["url"] for f in features if "url" in f["properties"]]
        assert urls and all(url.startswith(SITE + "/offices/") for url in urls)


def test_openapi_servers_name_the_site(client):
    document = client.get("/api/v1/openapi.json", headers=FORGED).get_json()
    assert document["servers"] == [{"url": f"{SITE}/api/v1"}]


def test_pages_and_feeds_link_to_the_site(client, seeded, runner):
    slug = client.get("/api/v1/offices/nearest?near=Київ").get_json()["results"][0]["office"]
    for url in (
        "/embed/map",
        f"/offices/{slug['slug']}",  # JSON-LD
        "/statements/feed.atom",
    ):
        response = client.get(url, headers=FORGED)
        assert response.status_code == 200, url
        assert_only_site_urls(response.get_data(as_text=True))


def test_behind_a_trusted_proxy_a_forwarded_host_is_not_used_either(app_config, seeded):
    app = create_app({**app_config, "TRUSTED_PROXIES": 1})
    with app.app_context():
        client = app.test_client()
        body = client.get("/api/v1/offices/nearest?near=Київ", headers=FORGED).get_data(
            as_text=True
        )
        db.session.remove()
        db.engine.dispose()
    assert_only_site_urls(json.dumps(json.loads(body)))


def test_a_site_under_a_path_keeps_its_path(app_config, seeded):
    app = create_app({**app_config, "SITE_URL": SITE + "/help"})
    with app.app_context():
        client = app.test_client()
        one = client.get("/api/v1/offices/nearest?near=Київ&limit=1").get_json()
        served_under_prefix = client.get(
            "/api/v1/offices/nearest?near=Київ&limit=1",
            environ_overrides={"SCRIPT_NAME": "/help"},
        ).get_json()
        db.session.remove()
        db.engine.dispose()
    assert one["results"][0]["office"]["url"].startswith(SITE + "/help/offices/")
    assert served_under_prefix["results"][0]["office"]["url"] == one["results"][0]["office"]["url"]


# --- caching -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/api/v1/offices", "public, max-age=60"),
        ("/api/v1/offices?bbox=22,44,41,53&zoom=6", "public, max-age=60"),
        ("/api/v1/chat/status", "public, max-age=60"),
        ("/api/v1/openapi.json", "public, max-age=3600"),
        # a search says where the visitor is (coordinates, or an address): their browser only
        ("/api/v1/offices/nearest?lat=50.45&lon=30.52", "private, max-age=60"),
        ("/api/v1/offices/nearest?near=Київ", "private, max-age=60"),
        # errors are not kept
        ("/api/v1/offices/nearest?near=Ніденемає", "no-store"),
        ("/api/v1/offices/nearest?lat=91&lon=0", "no-store"),
        ("/api/v1/offices/no-such-office", "no-store"),
        ("/api/v1/nothing-here", "no-store"),
    ],
)
def test_api_answers_say_how_long_they_may_be_kept(client, seeded, url, expected):
    assert client.get(url).headers["Cache-Control"] == expected


def test_a_405_says_which_methods_are_allowed(client):
    api = client.post("/api/v1/offices")
    assert api.status_code == 405 and api.mimetype == "application/json"
    assert set(api.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    page = client.delete("/offices")
    assert page.status_code == 405 and page.mimetype == "text/html"
    assert set(page.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert client.open("/api/v1/chat/status", method="TRACE").headers["Allow"]
