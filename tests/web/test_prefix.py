"""Under a mirror's path prefix (SCRIPT_NAME=/help): the site's own links keep the prefix,
links on SITE_URL (JSON-LD, the feed) do not. The whole site behind a real proxy and
gunicorn is tests/e2e/test_mirror.py."""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup

from locator.urls import site_path, site_url

BASE = "http://mirror.test/help/"


@pytest.fixture
def mirror(app, client):
    app.config["SITE_URL"] = "https://help.example.org"
    return client


def test_the_language_switch_and_help_links_keep_the_prefix(mirror, make_office):
    make_office(slug="podil")
    soup = BeautifulSoup(
        mirror.get("offices/podil", base_url=BASE).get_data(as_text=True), "html.parser"
    )
    switch = soup.select_one(".lang-switch a")["href"]
    assert switch == "/help/offices/podil?lang=en"
    help_links = [a["href"] for a in soup.select(".help-links a")]
    assert help_links == ["/help/volunteer", "/help/poster"]
    assert soup.select_one("link[rel=manifest]")["href"].startswith("/help/manifest.webmanifest")
    assert soup.select_one("script[data-sw]")["data-sw"] == "/help/sw.js"


def test_json_ld_and_the_feed_name_the_canonical_address(mirror, make_office):
    make_office(slug="podil")
    html = mirror.get("offices/podil", base_url=BASE).get_data(as_text=True)
    ld = json.loads(re.search(r'application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert ld["url"] == "https://help.example.org/offices/podil"
    feed = mirror.get("statements/feed.atom", base_url=BASE).get_data(as_text=True)
    assert 'href="https://help.example.org/statements/feed.atom"' in feed
    assert "example.org/help" not in feed


def test_site_paths_drop_the_requests_prefix(app):
    with app.test_request_context("/offices", base_url=BASE):
        assert site_path("offices.detail", slug="a") == "/offices/a"
        assert site_url("offices.detail", slug="a") == app.config["SITE_URL"] + "/offices/a"
    with app.test_request_context("/offices"):
        assert site_path("offices.detail", slug="a") == "/offices/a"
