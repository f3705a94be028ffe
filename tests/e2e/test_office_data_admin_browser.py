"""A coordinator places an office by hand on the map of its admin page, in Chromium."""

from __future__ import annotations

from sqlalchemy import select

from locator.extensions import db
from locator.models import Office, User


def sign_in(live_app, live_url, page) -> None:
    with live_app.app_context():
        if db.session.scalar(select(User).where(User.email == "map@example.org")) is None:
            user = User(email="map@example.org")
            user.set_password("a long enough password")
            db.session.add(user)
            db.session.commit()
    page.goto(f"{live_url}/admin/login")
    page.fill("#email", "map@example.org")
    page.fill("#password", "a long enough password")
    page.click("form.narrow button[type=submit]")
    page.wait_for_url(f"{live_url}/admin/")


def test_clicking_the_map_places_the_office_by_hand(live_app, live_url, page):
    sign_in(live_app, live_url, page)
    with live_app.app_context():
        office = db.session.scalar(select(Office).where(Office.slug == "kyiv-podil-legal-aid"))
        office_id, old = office.id, (office.lat, office.lon)
    page.goto(f"{live_url}/admin/offices/{office_id}")
    box = page.locator("#pin-map")
    box.wait_for(state="visible")
    assert page.locator(".leaflet-marker-icon").count() == 1
    assert page.locator("#pinned").is_checked() is False
    box.click(position={"x": 120, "y": 230})
    lat, lon = float(page.input_value("#lat")), float(page.input_value("#lon"))
    assert (lat, lon) != old and abs(lat - old[0]) < 0.05 and abs(lon - old[1]) < 0.05
    assert page.locator("#pinned").is_checked()
    page.click("form.office-form button[type=submit]")
    page.wait_for_selector(".flash")
    with live_app.app_context():
        saved = db.session.get(Office, office_id)
        assert (round(saved.lat, 6), round(saved.lon, 6), saved.pinned) == (lat, lon, True)
    # The test's tile server does not exist: only its tiles may fail to load.
    assert [e for e in page.js_errors if not e.startswith("Failed to load resource")] == []
