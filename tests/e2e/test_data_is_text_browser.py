"""In a real browser: template syntax and markup in an office's name and in a place's name
are shown as text in the list, the map's popups and tooltips, and nothing runs."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from sqlalchemy import delete

from locator.extensions import db
from locator.models import Office
from locator.statements.models import Statement

EVIL = "X{{ 7*7 }}X <img src=x onerror=alert(1)>"
ADDRESS = "вул. {{ 6*7 }}, <b>1</b>"
# Far (over 100 km) from every seeded office: alone in the list's first place and on the map.
LAT, LON = 51.87, 33.48
NEAR = quote(f"{LAT}, {LON}")


@pytest.fixture
def hostile(live_app):
    with live_app.app_context():
        db.session.add(
            Office(
                slug="e2e-template-office",
                name=EVIL,
                address=ADDRESS,
                city="Шостка {{ 1+1 }}",
                country="UA",
                lat=LAT,
                lon=LON,
                phone="+380 44 000 00 00",
                opening_hours="Mo-Su 00:00-24:00",
            )
        )
        db.session.add(
            Statement(
                slug="e2e-template-statement",
                title="Statement " + EVIL,
                published=date(2026, 1, 2),
                lang="en",
                body_md="A statement about a place.",
                places=[
                    {"label": EVIL, "lat": LAT, "lon": LON, "precision": "city", "country": "UA"}
                ],
            )
        )
        db.session.commit()
    yield
    with live_app.app_context():
        db.session.execute(delete(Office).where(Office.slug == "e2e-template-office"))
        db.session.execute(delete(Statement).where(Statement.slug == "e2e-template-statement"))
        db.session.commit()


@pytest.fixture
def watched(page):
    """The page, recording every dialog (an alert would mean the markup ran)."""
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    return page


def assert_nothing_ran(page, context):
    assert page.dialogs == []
    assert page.js_errors == []
    assert context.foreign_requests == []
    assert page.locator("img[src=x]").count() == 0
    content = page.content()
    for computed in ("X49X", "вул. 42", "Шостка 2"):
        assert computed not in content


def test_results_list_and_popup_show_the_name_as_text(watched, context, live_url, hostile):
    page = watched
    page.goto(f"{live_url}/offices?near={NEAR}&lang=en")
    first = page.locator("[data-office-list] > [data-number='1']")
    expect(first.locator(".office-name")).to_have_text(EVIL)
    assert ADDRESS in first.inner_text()

    first.get_by_role("button", name="Show on map").click()
    popup = page.locator(".leaflet-popup .locator-popup")
    expect(popup.locator(".locator-popup__name")).to_have_text(f"1. {EVIL}")
    expect(popup.locator(".locator-popup__address")).to_have_text(
        f"{ADDRESS}, Шостка {{{{ 1+1 }}}}"
    )
    assert popup.locator("img, b").count() == 0
    pin = page.locator(".locator-pin--numbered", has_text="1")
    assert pin.get_attribute("title") == f"1. {EVIL}"
    assert_nothing_ran(page, context)


def test_overview_map_popup_shows_the_name_as_text(watched, context, live_url, hostile):
    page = watched
    with page.expect_response(re.compile(r"/api/v1/offices\?")) as response:
        page.goto(f"{live_url}/map?near={NEAR}&lang=en")
    names = [f["properties"].get("name") for f in response.value.json()["features"]]
    assert EVIL in names
    marker = page.locator(f'.leaflet-marker-icon[title="{EVIL}"]')
    marker.click()
    popup = page.locator(".leaflet-popup .locator-popup")
    expect(popup.locator(".locator-popup__name")).to_have_text(EVIL)
    assert ADDRESS in popup.inner_text()
    assert popup.locator("img, b").count() == 0
    assert_nothing_ran(page, context)


def test_place_name_in_the_origin_tooltip_is_text(watched, context, live_url, hostile):
    """A statement's place (or the geocoder's place name) labels the map's search point."""
    page = watched
    page.goto(f"{live_url}/statements/e2e-template-statement?lang=en")
    expect(page.locator(".help-near-place > h3")).to_have_text(EVIL)
    # The office's pin covers the point: the pointer's arrival, as Leaflet hears it.
    page.locator("path.locator-origin").dispatch_event("mouseover")
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip).to_have_text(f"Search point: {EVIL}")
    assert tooltip.locator("img").count() == 0
    assert_nothing_ran(page, context)
