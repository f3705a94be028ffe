"""Every public page, in Ukrainian and English, passes the W3C Nu HTML checker (vnu, run
offline from the npm package `vnu-jar`) with no error: pages as the server sends them,
forms shown again with their errors, the copy the service worker keeps, the offline page."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from locator.config import ROOT
from tests.volunteers_helpers import _CSRF

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LANGS = ("uk", "en")
PAGES = [
    "/",
    "/offices?near=" + quote("Київ"),
    "/offices?lat=50.45&lon=30.52&open_now=1&radius_km=25",
    "/offices?near=" + quote("Nowhere-zzz"),
    "/offices?lat=999&lon=0",
    "/offices/kyiv-podil-legal-aid",
    "/offices/kyiv-hotline-24",
    "/offices/no-such-office",
    "/map",
    "/embed/map",
    "/volunteer",
    "/volunteer/thanks",
    "/volunteer/confirm/not-a-token",
    "/volunteer/withdrawn",
    "/join",
    "/join/thanks",
    "/support",
    "/privacy",
    "/ask",
    "/report-error?url=/",
    "/poster",
    "/poster?near=" + quote("Київ"),
    "/statements",
    "/offline",
    "/nowhere",
]
# Forms sent empty: shown again with their error messages.
FORMS = ["/ask", "/volunteer", "/join"]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:  # 404, 410, 400 pages are pages too
        with error:
            return error.read().decode()


def statement_pages(live_url: str) -> list[str]:
    html = fetch(live_url + "/statements")
    return sorted(set(re.findall(r'href="(/statements/(?!feed)[^"?]+)"', html)))[:2]


def sent_empty(live_app, path: str, lang: str) -> str:
    client = live_app.test_client()
    form = client.get(f"{path}?lang={lang}").get_data(as_text=True)
    token = next(t for t in _CSRF.search(form).groups() if t)
    return client.post(f"{path}?lang={lang}", data={"csrf_token": token}).get_data(as_text=True)


def run_vnu(folder: Path) -> list[dict]:
    java = shutil.which("java")
    if java is None:
        pytest.fail("vnu needs Java: apt-get install default-jre-headless")
    if not VNU.exists():
        pytest.fail(f"{VNU} is missing: run `make node-tools` (npm ci)")
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", str(folder)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return json.loads(result.stderr or '{"messages": []}')["messages"]


def test_every_public_page_is_valid_html(live_app, live_url, tmp_path):
    pages = {}
    for lang in LANGS:
        for path in [*PAGES, *statement_pages(live_url)]:
            separator = "&" if "?" in path else "?"
            pages[f"{path}{separator}lang={lang}"] = fetch(
                f"{live_url}{path}{separator}lang={lang}"
            )
        for path in FORMS:
            pages[f"POST {path} ({lang})"] = sent_empty(live_app, path, lang)
        # The copy the service worker keeps shows its "saved …" line.
        office = pages[f"/offices/kyiv-podil-legal-aid?lang={lang}"]
        assert "data-saved-note hidden" in office
        pages[f"saved copy ({lang})"] = office.replace(
            "data-saved-note hidden", 'data-saved-note data-saved-at="2026-11-25T09:00:00.000Z"'
        )
    names = {}
    for number, (name, html) in enumerate(pages.items()):
        assert "<!doctype html>" in html.lower(), name
        file = tmp_path / f"page-{number:03}.html"
        file.write_text(html)
        names["file:" + str(file)] = name  # as vnu names it
    errors = [
        f"{names.get(m.get('url'), m.get('url'))}:{m.get('lastLine')}: {m.get('message')}"
        for m in run_vnu(tmp_path)
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert errors == []
    assert len(pages) >= 2 * (len(PAGES) + len(FORMS) + 1)
